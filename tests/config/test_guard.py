"""The write guard: text that would not read back as the intended documents is never written."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kkui.cli import main
from kkui.core.config import ClusterDocument, roundtrip
from kkui.core.config.guard import UnsafeEditError

REPO = Path(__file__).resolve().parents[2]
CONFIGS = REPO / "tests/data/configs"
FLOW = CONFIGS / "flow-inner-spaces.yaml"
SINGLE = CONFIGS / "realworld/single-node-commented-block.yaml"


def drop_line(containing: str) -> Callable[..., str]:
    """A broken line patcher: the real one, then the first line holding ``containing`` lost."""
    real = roundtrip.patch_original

    def broken(*args: Any, **kwargs: Any) -> str:
        lines = real(*args, **kwargs).splitlines(keepends=True)
        index = next(i for i, line in enumerate(lines) if containing in line)
        return "".join(lines[:index] + lines[index + 1:])
    return broken


def test_a_broken_patch_is_caught_and_nothing_is_written(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "c.yaml"
    path.write_bytes(FLOW.read_bytes())
    doc = ClusterDocument.load(path)
    doc.set("spec.kubernetes.version", "v1.27.16")
    monkeypatch.setattr(roundtrip, "patch_original", drop_line("name: worker2"))
    with pytest.raises(UnsafeEditError) as info:
        doc.save()
    message = str(info.value)
    assert "nothing written" in message and "spec.hosts[2]" in message
    assert "line 9: a flow mapping `{ ... }`" in message  # where and what, in the user's file
    assert "Lab@2023" not in message  # never a value from the file
    assert path.read_bytes() == FLOW.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.yaml"]  # no temp file, no .bak
    assert info.value.exit_code == 2


def test_the_refusal_never_shows_a_value(tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The message names keys, line numbers and the kind of construct, never a value: here
    the lost line is the password line of a block row."""
    doc = ClusterDocument.load(CONFIGS / "block-rows-quoted.yaml")
    doc.set("spec.kubernetes.version", "v1.27.16")
    monkeypatch.setattr(roundtrip, "patch_original", drop_line("password: 'Qcloud@123'"))
    with pytest.raises(UnsafeEditError) as info:
        doc.to_text()
    assert "`spec.hosts[1].password` would not read back" in str(info.value)
    assert "Qcloud" not in str(info.value) and "192.168" not in str(info.value)


def test_kk_text_is_guarded_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """The text kk gets in its work dir goes through the same guard."""
    doc = ClusterDocument.load(CONFIGS / "kkui-settings-doc.yaml")
    doc.set("spec.kubernetes.version", "v1.27.16")
    monkeypatch.setattr(roundtrip, "patch_original", drop_line("worker: [worker1]"))
    with pytest.raises(UnsafeEditError, match=r"spec\.roleGroups\.worker"):
        doc.kk_text()


def test_a_swapped_host_order_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    real = roundtrip.patch_original

    def swapped(*args: Any, **kwargs: Any) -> str:
        lines = real(*args, **kwargs).splitlines(keepends=True)
        lines[6], lines[7] = lines[7], lines[6]
        return "".join(lines)

    doc = ClusterDocument.load(FLOW)
    doc.set("metadata.name", "x")
    monkeypatch.setattr(roundtrip, "patch_original", swapped)
    with pytest.raises(UnsafeEditError, match=r"`spec\.hosts\[0\]\.name` would not read back"):
        doc.to_text()


def test_cli_export_refuses_with_exit_2_and_writes_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.yaml"
    monkeypatch.setattr(roundtrip, "patch_original", drop_line("- worker1"))
    code = main(["export-config", "-f", str(FLOW), "-o", str(out),
                 "--set", "spec.kubernetes.version=v1.27.16"])
    err = capsys.readouterr().err
    assert code == 2
    assert not out.exists()
    assert err.count("\n") == 1 and "Traceback" not in err  # one line, no traceback
    assert "nothing written" in err and "spec.roleGroups.worker[0]" in err


def registry_with_key_comment(tmp_path: Path) -> Path:
    """A group whose key carries an end-of-line comment and whose only member is w2."""
    text = (CONFIGS / "eol-comments.yaml").read_text().replace(
        "    - w1  # first worker\n    - w2\n",
        "    - w1  # first worker\n    - w2\n    registry:   # the local image registry\n"
        "    - w2\n")
    path = tmp_path / "c.yaml"
    path.write_text(text)
    return path


def test_an_emptied_list_after_a_key_comment_is_refused_not_written(tmp_path: Path) -> None:
    """A real case, no monkeypatch: when a list whose key has an end-of-line comment
    becomes empty, ruamel writes `registry:   # comment` and then `[]` alone on the next
    line, which is not YAML.  The guard refuses and says what to change; the file stays."""
    path = registry_with_key_comment(tmp_path)
    before = path.read_bytes()
    doc = ClusterDocument.load(path)
    doc.remove_host("w2")
    with pytest.raises(UnsafeEditError) as info:
        doc.save()
    message = str(info.value)
    assert "the result would not be valid YAML" in message
    assert "line 30: a comment after `registry:` (move it to its own line" in message
    assert path.read_bytes() == before
    # the advice works: with the comment on its own line the same edit goes through
    path.write_text(path.read_text().replace(
        "    registry:   # the local image registry\n",
        "    # the local image registry\n    registry:\n"))
    doc = ClusterDocument.load(path)
    doc.remove_host("w2")
    doc.save()
    assert "registry: []" in path.read_text()


def test_tui_save_goes_through_the_guard(tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The TUI saves with ClusterDocument.save (kkui/tui/app.py _save_to), which renders
    through the guard: the same broken patch leaves the file alone."""
    source = (REPO / "kkui/tui/app.py").read_text()
    assert "self.doc.save(path)" in source
    path = tmp_path / "c.yaml"
    path.write_bytes(FLOW.read_bytes())
    doc = ClusterDocument.load(path)
    doc.update_host("worker1", user="admin")
    monkeypatch.setattr(roundtrip, "patch_original", drop_line("control-plane:"))
    with pytest.raises(UnsafeEditError):
        doc.save(path)
    assert path.read_bytes() == FLOW.read_bytes()


def test_subprocess_export_of_a_refused_edit(kkui_cmd: list[str], kkui_env: dict[str, str],
                                             tmp_path: Path) -> None:
    """The real command on the real refusal above: exit 2, one line, the file unchanged."""
    path = registry_with_key_comment(tmp_path)
    before = path.read_bytes()
    result = subprocess.run([*kkui_cmd, "export-config", "-f", str(path), "-o", str(path),
                             "--force", "--remove-host", "w2"],
                            env=kkui_env, cwd=tmp_path, text=True, capture_output=True,
                            timeout=60)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("kkui: error: ") and result.stderr.count("\n") == 1
    assert "nothing written" in result.stderr and "line 30" in result.stderr
    assert path.read_bytes() == before
    assert not (tmp_path / "c.yaml.bak").exists()
