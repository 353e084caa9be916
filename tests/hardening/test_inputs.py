"""Issue #10 items 5, 7, 13, 20: hostile config files. The real ``kkui`` in a subprocess, with
a memory limit and a timeout, so a regression shows as a failure instead of a hung machine."""

from __future__ import annotations

import os
import resource
import subprocess
from pathlib import Path

import pytest

from kkui.core.config import ClusterDocument
from kkui.core.config.inputs import check_shape
from kkui.core.errors import ConfigError
from kkui.core.kk.workdir import default_workdir

MEMORY_LIMIT = 1 << 30  # 1 GiB of address space: the alias bomb needed > 2 GB before the fix
HEAD = "apiVersion: kubekey.kubesphere.io/v1alpha2\nkind: Cluster\n"
VALID_SPEC = """\
spec:
  hosts:
  - {name: node1, address: 127.0.0.1, privateKeyPath: ~/.ssh/id_ed25519}
  roleGroups:
    etcd: [node1]
    control-plane: [node1]
    worker: [node1]
"""


def alias_bomb(levels: int = 9) -> str:
    """The classic "billion laughs", used as metadata.name (a scalar field): ~4 KB, 9^10."""
    lines = [HEAD + "x:", '  l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels + 1):
        lines.append(f"  l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 9) + "]")
    return "\n".join(lines) + f"\nmetadata:\n  name: *l{levels}\n" + VALID_SPEC


def limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run(kkui_cmd: list[str], env: dict[str, str], *args: str, stdin: object = None,
        timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*kkui_cmd, *args], env=env, capture_output=True, text=True,
                          timeout=timeout, preexec_fn=limited,
                          stdin=subprocess.DEVNULL if stdin is None else stdin)


def one_line_error(res: subprocess.CompletedProcess[str], code: int, *needles: str) -> None:
    assert res.returncode == code, res.stderr[-3000:]
    assert "Traceback" not in res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kkui: error: "), lines[:5]
    for needle in needles:
        assert needle in lines[0]


# ------------------------------------------------------------------ item 5: alias bomb
def test_an_alias_bomb_in_a_scalar_field_is_refused_quickly_with_exit_2(
        tmp_path: Path, kkui_cmd: list[str], kkui_env: dict[str, str]) -> None:
    cfg = tmp_path / "bomb.yaml"
    cfg.write_text(alias_bomb())
    assert cfg.stat().st_size < 4096
    for command in (["validate"], ["export-config"], ["lb", "render", "-o", str(tmp_path)],
                    ["precheck"]):
        res = run(kkui_cmd, kkui_env, *command, "-f", str(cfg))
        one_line_error(res, 2, "alias", str(cfg))


def test_a_small_alias_where_a_scalar_belongs_is_a_field_error(
        tmp_path: Path, kkui_cmd: list[str], kkui_env: dict[str, str]) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text(HEAD + "metadata:\n  name: t\n" + VALID_SPEC + """\
---
apiVersion: kkui/v1alpha1
kind: KkuiSettings
x: &l [a, b]
spec:
  kk: {version: *l, zone: global}
""")
    res = run(kkui_cmd, kkui_env, "validate", "-f", str(cfg))
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert "error: kkui:spec.kk.version: a list where a single value belongs" in res.stdout


def test_a_self_referencing_alias_neither_hangs_nor_crashes(
        tmp_path: Path, kkui_cmd: list[str], kkui_env: dict[str, str]) -> None:
    cfg = tmp_path / "loop.yaml"  # ruamel reads the inner *m as null: no cycle reaches kkui
    cfg.write_text(HEAD + "metadata: &m\n  name: t\n  self: *m\n" + VALID_SPEC)
    res = run(kkui_cmd, kkui_env, "validate", "-f", str(cfg))
    assert res.returncode in (0, 1) and "Traceback" not in res.stderr


def test_a_structure_that_contains_itself_is_refused() -> None:
    """The shape check's own guard, should a YAML library ever build a real cycle."""
    loop: list[object] = ["x"]
    loop.append(loop)
    with pytest.raises(ConfigError, match="recursive"):
        check_shape([{"metadata": {"name": loop}}], "c.yaml")


# ---------------------------------------------------------------- item 13: deep nesting
@pytest.mark.parametrize(("kind", "text"), [
    ("flow", HEAD + "metadata:\n  name: " + "[" * 5000 + "]" * 5000 + "\n"),
    ("block", HEAD + "".join(f"{'  ' * i}k{i}:\n" for i in range(200)) + "metadata: {name: t}\n"),
    ("block-deep", HEAD + "".join(f"{' ' * i}k:\n" for i in range(1500)) + "metadata: {name: t}\n"),
], ids=["flow-5000", "block-200", "block-1500"])
def test_deep_nesting_is_one_line_exit_2(tmp_path: Path, kkui_cmd: list[str],
                                         kkui_env: dict[str, str], kind: str, text: str) -> None:
    cfg = tmp_path / f"{kind}.yaml"
    cfg.write_text(text)
    # flow nesting is caught by a linear pre-scan ("more than 64 levels"), before ruamel's
    # scanner spends ~12 s on it; only deep *block* nesting reaches the RecursionError guard
    needle = "nested too deeply to parse" if kind == "block-deep" else "more than 64 levels"
    one_line_error(run(kkui_cmd, kkui_env, "validate", "-f", str(cfg)), 2, needle)


# ----------------------------------------------------- item 20: FIFO, /dev/zero, size cap
def test_a_fifo_as_config_is_refused_at_once(tmp_path: Path, kkui_cmd: list[str],
                                             kkui_env: dict[str, str]) -> None:
    fifo = tmp_path / "c.yaml"
    os.mkfifo(fifo)  # nobody ever writes: reading it would wait for ever
    one_line_error(run(kkui_cmd, kkui_env, "validate", "-f", str(fifo), timeout=20), 2,
                   "not a regular file")


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_device_as_config_is_refused(kkui_cmd: list[str], kkui_env: dict[str, str],
                                       device: str) -> None:
    one_line_error(run(kkui_cmd, kkui_env, "validate", "-f", device, timeout=20), 2,
                   "not a regular file")


def test_a_huge_file_and_endless_stdin_are_capped(tmp_path: Path, kkui_cmd: list[str],
                                                  kkui_env: dict[str, str]) -> None:
    big = tmp_path / "big.yaml"
    with open(big, "wb") as handle:
        handle.write(HEAD.encode() + b"# " + b"x" * (9 << 20) + b"\n")
    one_line_error(run(kkui_cmd, kkui_env, "validate", "-f", str(big)), 2, "larger than 8 MiB")
    with open("/dev/zero", "rb") as zero:
        one_line_error(run(kkui_cmd, kkui_env, "validate", "-f", "-", stdin=zero), 2,
                       "larger than 8 MiB")


# -------------------------------------------------------------- item 7: metadata.name
@pytest.mark.parametrize("name", ["../../escaped", "/tmp/abs", "a/b", "UPPER", "x" * 250, ".."])
def test_metadata_name_follows_kks_object_name_rule(name: str) -> None:
    doc = ClusterDocument.from_text(HEAD + f"metadata:\n  name: {name!r}\n" + VALID_SPEC)
    found = [p for p in doc.validate() if p.path == "metadata.name" and p.severity == "error"]
    assert found and "not a valid cluster name" in found[0].message
    with pytest.raises(ConfigError, match="cannot name the work directory"):
        default_workdir(name, Path("/srv/cfg/c.yaml"))


def test_a_good_name_names_the_workdir() -> None:
    assert default_workdir("prod-1.example", Path("/srv/cfg/c.yaml")) == \
        Path("/srv/cfg/kkui-work/prod-1.example")
    doc = ClusterDocument.from_text(HEAD + "metadata:\n  name: prod-1.example\n" + VALID_SPEC)
    assert not [p for p in doc.validate() if p.path == "metadata.name"]


def test_install_with_a_dotdot_name_writes_nothing_outside(
        tmp_path: Path, kkui_cmd: list[str], kkui_env: dict[str, str]) -> None:
    base = tmp_path / "a" / "b"
    base.mkdir(parents=True)
    cfg = base / "c.yaml"
    cfg.write_text(HEAD + "metadata:\n  name: ../../../escaped\n" + VALID_SPEC)
    res = run(kkui_cmd, kkui_env, "install", "-f", str(cfg), "--yes", "--skip-precheck",
              "--kk", "/bin/false")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "metadata.name" in res.stderr + res.stdout
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == \
        ["a", "a/b", "a/b/c.yaml"]
