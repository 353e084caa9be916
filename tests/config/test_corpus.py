"""Every file of the real-world-shaped corpus (tests/data/configs, realworld/ included):
byte-exact unchanged save, a one-line `--set`, an add-host that writes only its row and its
group line, a remove-host that takes its row, and no false error on a file kk accepts."""

from __future__ import annotations

import difflib
import json
import subprocess
import time
import tomllib
from pathlib import Path

import pytest
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from kkui.cli import main
from kkui.core.config import ClusterDocument
from kkui.core.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests/data/configs"
MANIFEST = tomllib.loads((CORPUS / "manifest.toml").read_text(encoding="utf-8"))
FILES = sorted(CORPUS.rglob("*.yaml"))
NAMES = [str(p.relative_to(CORPUS)) for p in FILES]
PARSED = [n for n in NAMES if MANIFEST.get(n, {}).get("parses", True)]
ACCEPTED = [n for n in NAMES if MANIFEST.get(n, {}).get("kk_accepts")]
NEW = {"name": "nodenew", "address": "10.250.0.9"}


def lines_of(data: bytes) -> list[str]:
    return data.decode("utf-8").splitlines(keepends=True)


def changed(before: bytes, after: bytes) -> tuple[list[str], list[str]]:
    """Removed and added lines, line endings included (a CRLF lost is a change)."""
    removed, added = [], []
    for line in difflib.ndiff(lines_of(before), lines_of(after)):
        if line.startswith("- "):
            removed.append(line[2:])
        elif line.startswith("+ "):
            added.append(line[2:])
    return removed, added


def test_corpus_is_large_and_labelled() -> None:
    assert len(FILES) >= 30
    assert len(list((CORPUS / "realworld").glob("*.yaml"))) >= 5
    assert sorted(MANIFEST) == NAMES, "label every corpus file in manifest.toml (and only them)"
    sources = (CORPUS / "realworld/SOURCES.md").read_text()
    for path in (CORPUS / "realworld").glob("*.yaml"):
        assert f"`{path.name}`" in sources, f"{path.name}: add its repo/path/commit to SOURCES.md"


@pytest.mark.parametrize("name", PARSED)
def test_unchanged_save_is_byte_exact(name: str, tmp_path: Path) -> None:
    original = (CORPUS / name).read_bytes()
    copy = tmp_path / "c.yaml"
    copy.write_bytes(original)
    doc = ClusterDocument.load(copy)
    assert not doc.is_modified
    doc.save()
    assert copy.read_bytes() == original


@pytest.mark.parametrize("name", PARSED)
def test_set_changes_exactly_one_line(name: str, tmp_path: Path) -> None:
    original = (CORPUS / name).read_bytes()
    doc = ClusterDocument.load(CORPUS / name)
    old = str(doc.get("metadata.name"))
    doc.set("metadata.name", "edited")
    after = doc.to_text().encode("utf-8")
    removed, added = changed(original, after)
    # one line; an end-of-line comment keeps its column where the value's length allows
    assert len(removed) == len(added) == 1
    assert added[0].split() == removed[0].replace(old, "edited", 1).split()
    assert added[0][:added[0].index("edited")] == removed[0][:removed[0].index(old)]
    assert added[0].endswith("\r\n") == removed[0].endswith("\r\n")
    assert ClusterDocument.from_text(after.decode()).get("metadata.name") == "edited"


def _flow(node: object) -> bool:
    return isinstance(node, (CommentedMap, CommentedSeq)) and bool(node.fa.flow_style())


@pytest.mark.parametrize("name", PARSED)
def test_add_host_writes_its_row_and_group_line_only(name: str) -> None:
    original = (CORPUS / name).read_bytes()
    doc = ClusterDocument.load(CORPUS / name)
    hosts = doc.get("spec.hosts")
    if not hosts:
        pytest.skip("no spec.hosts to add to")
    flow_row = _flow(hosts[-1])
    last_row = hosts.lc.item(len(hosts) - 1)[0]  # its line in the file
    worker = doc.get("spec.roleGroups.worker")
    flow_group = isinstance(worker, CommentedSeq) and (_flow(worker) or not worker)
    members = list(worker or [])
    doc.add_host(NEW)
    doc.set_roles("nodenew", ["worker"])
    after = doc.to_text().encode("utf-8")
    removed, added = changed(original, after)
    row = [line for line in added if "nodenew" not in line or "name: nodenew" in line
           or "address: 10.250.0.9" in line]
    group = [line for line in added if line not in row]
    # the row: one flow line or three block lines (name, address, internalAddress)
    assert len(row) == (1 if flow_row else 3), added
    assert len(group) == 1 and "nodenew" in group[0], added
    # a flow group (`[ a, b ]`) changes its line (a group wrapped over several lines becomes
    # one); block rows and block groups only add lines
    assert bool(removed) == flow_group, removed
    if flow_group and members:
        assert "".join(removed).split() == group[0].replace(", nodenew", "").split()
    elif flow_group:  # `worker: [ ]` stays a flow list
        assert group[0].replace("nodenew", "").split() == removed[0].split()
    # the new row looks like the row above it: indentation, flow spacing, line ending
    above = lines_of(original)[last_row]
    assert row[0][: len(row[0]) - len(row[0].lstrip())] == above[: len(above) - len(
        above.lstrip())]
    if flow_row:
        assert ("{ name:" in row[0]) == ("{ name:" in above)
    assert row[0].endswith("\r\n") == above.endswith("\r\n")
    reloaded = ClusterDocument.from_text(after.decode()).model()
    new_host = reloaded.host("nodenew")
    assert new_host is not None and new_host.internal_address == "10.250.0.9"
    assert reloaded.roles_of("nodenew") == ("worker",)
    assert [h.name for h in reloaded.hosts][-1] == "nodenew"


@pytest.mark.parametrize("name", PARSED)
def test_remove_host_takes_its_row(name: str) -> None:
    original = (CORPUS / name).read_bytes()
    doc = ClusterDocument.load(CORPUS / name)
    names = doc.host_names()
    if len(names) < 2:
        pytest.skip("removing the only host leaves no cluster")
    gone = names[-1]
    doc.remove_host(gone)
    after = doc.to_text()
    removed, added = changed(original, after.encode("utf-8"))
    assert any(f"name: {gone}" in line for line in removed)
    assert not any(f"name: {gone}" in line for line in after.splitlines())
    model = ClusterDocument.from_text(after).model()
    assert [h.name for h in model.hosts] == names[:-1]
    assert all(gone not in members for members in model.role_groups.values())
    # nothing else appears: only an emptied group (`worker: []`) or a range written out
    for line in added:
        assert line.rstrip().endswith(("[]", "[ ]")) or line.strip().startswith("- ") or \
            line.rstrip().endswith("]"), line


@pytest.mark.parametrize("name", ACCEPTED)
def test_no_false_error_on_a_file_kk_accepts(name: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["validate", "-f", str(CORPUS / name), "--json"])
    report = json.loads(capsys.readouterr().out)
    errors = [f"{p['path']}: {p['message']}" for p in report["problems"]
              if p["severity"] == "error"]
    assert (code, errors) == (0, [])


@pytest.mark.parametrize("name", [n for n in NAMES if n not in PARSED])
def test_a_file_that_is_not_yaml_is_reported_with_its_line(name: str) -> None:
    with pytest.raises(ConfigError) as info:
        ClusterDocument.load(CORPUS / name)
    assert info.value.line > 0 and "malformed YAML" in str(info.value)


CLI_SUBSET = ["flow-inner-spaces.yaml", "crlf-no-final-newline.yaml", "indented-document.yaml",
              "realworld/inner-space-flow-rows.yaml"]


@pytest.mark.parametrize("name", CLI_SUBSET)
def test_export_config_cli_edits_in_place(name: str, kkui_cmd: list[str],
                                          kkui_env: dict[str, str], tmp_path: Path) -> None:
    """The real command: unchanged export byte-exact, then one --set and one --add-host."""
    original = (CORPUS / name).read_bytes()
    path = tmp_path / "c.yaml"
    path.write_bytes(original)

    def export(*args: str) -> None:
        result = subprocess.run([*kkui_cmd, "export-config", "-f", str(path), "-o", str(path),
                                 "--force", *args], env=kkui_env, cwd=tmp_path, text=True,
                                capture_output=True, timeout=60)
        assert result.returncode == 0, result.stderr

    export()
    assert path.read_bytes() == original
    export("--set", "spec.kubernetes.version=v1.27.16")
    removed, added = changed(original, path.read_bytes())
    assert len(removed) == len(added) == 1 and "v1.27.16" in added[0]
    step = path.read_bytes()
    export("--add-host", "name=nodenew,address=10.250.0.9", "--roles", "nodenew=worker")
    removed, added = changed(step, path.read_bytes())
    assert sum("nodenew" in line for line in added) == 2
    assert (tmp_path / "c.yaml.bak").read_bytes() == step


def test_an_edit_of_a_file_with_many_identical_lines_is_fast() -> None:
    """Hardening #10.14: the line matching was quadratic (20 000 equal comment lines: 73 s)."""
    head, _, tail = (CORPUS / "flow-inner-spaces.yaml").read_text().partition("  roleGroups:\n")
    text = head + "  # same\n" * 20_000 + "  roleGroups:\n" + tail
    doc = ClusterDocument.from_text(text)
    start = time.perf_counter()
    doc.set("spec.kubernetes.version", "v1.27.16")
    doc.add_host(NEW)
    doc.set_roles("nodenew", ["worker"])
    out = doc.to_text()
    elapsed = time.perf_counter() - start
    assert elapsed < 2.0, f"{elapsed:.2f} s"
    removed, added = changed(text.encode(), out.encode())
    assert len(removed) == 1 and len(added) == 3
