"""Issue #10's top-level guarantee: no traceback reaches a user from any command on any input.

A table of attacks (bad files, bad flags, bad places to write) runs the real ``kkui`` against
every command that reads a config; each must end with a sensible exit code and short messages.
A deliberate internal error shows the crash handler: one line, a 0600 report without the
exception's message or any variable, exit 1 — in the CLI and in the TUI.
"""

from __future__ import annotations

import asyncio
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kkui.cli import main
from kkui.core.config import ClusterDocument

HEAD = "apiVersion: kubekey.kubesphere.io/v1alpha2\nkind: Cluster\n"
SECRET = "Zx9-crash-S3CRET-pw"

ATTACK_FILES: dict[str, str | bytes] = {
    "binary": b"\x00\xff\xfe garbage \x00",
    "not-utf8": HEAD.encode() + b"metadata: {name: \xff\xfe}\n",
    "empty": "",
    "only-comment": "# nothing\n",
    "a-list": "- 1\n- 2\n",
    "a-scalar": "just text\n",
    "kk-v4": "apiVersion: kubekey.kubesphere.io/v1\nkind: Inventory\n",
    "bad-yaml": HEAD + "spec: [\n",
    "duplicate-key": HEAD + f"metadata: {{name: a}}\nspec:\n  hosts:\n  - {{name: a, "
                     f"password: {SECRET}, password: {SECRET}}}\n",
    "spec-is-a-list": HEAD + "metadata: {name: t}\nspec: [1, 2]\n",
    "hosts-is-a-string": HEAD + "metadata: {name: t}\nspec:\n  hosts: nope\n",
    "host-row-scalars": HEAD + "metadata: {name: t}\nspec:\n  hosts: [1, [2], {name: [x]}]\n"
                        "  roleGroups: {control-plane: {a: b}, etcd: 7}\n",
    "complex-keys": HEAD + "metadata: {name: t}\n? [a, b]\n: c\nspec: {hosts: []}\n",
    "tagged": HEAD + "metadata: {name: !!binary aGVsbG8=}\nspec: !custom {hosts: []}\n",
    "huge-numbers": HEAD + "metadata: {name: t}\nspec:\n  hosts:\n  - {name: n, address: "
                    "127.0.0.1, port: 99999999999999999999999}\n  controlPlaneEndpoint: "
                    "{port: 1e400}\n",
    "lb-garbage": HEAD + "metadata: {name: t}\nspec: {hosts: []}\n---\napiVersion: "
                  "kkui/v1alpha1\nkind: KkuiSettings\nspec:\n  loadBalancer:\n    hosts: [[1]]\n"
                  "    vip: {a: 1}\n    port: [6443]\n    secrets: [x]\n",
    "deep": HEAD + "metadata: {name: " + "[" * 3000 + "]" * 3000 + "}\n",
    "name-traversal": HEAD + "metadata: {name: ../../x}\nspec: {hosts: []}\n",
}

COMMANDS: dict[str, list[str]] = {
    "validate": ["validate", "-f", "CFG"],
    "validate-json": ["validate", "-f", "CFG", "--json"],
    "export": ["export-config", "-f", "CFG", "-o", "OUT"],
    "lb-render": ["lb", "render", "-f", "CFG", "-o", "OUT"],
    "lb-status": ["lb", "status", "-f", "CFG"],
    "precheck": ["precheck", "-f", "CFG"],
    "install": ["install", "-f", "CFG", "--yes", "--skip-precheck", "--kk", "/bin/false"],
}


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def assert_no_traceback(res: subprocess.CompletedProcess[str], allowed: set[int]) -> None:
    output = res.stdout + res.stderr
    assert "Traceback" not in output and 'File "' not in output, output[-3000:]
    assert res.returncode in allowed, (res.returncode, output[-2000:])
    assert SECRET not in output


@pytest.mark.parametrize("attack", sorted(ATTACK_FILES))
def test_no_command_shows_a_traceback_for_a_hostile_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        attack: str) -> None:
    """In-process through ``kkui.cli.main`` (what the ``kkui`` script runs): an exception that
    escaped it would be the user's traceback, and fails this test the same way."""
    cfg = tmp_path / "c.yaml"
    data = ATTACK_FILES[attack]
    cfg.write_bytes(data if isinstance(data, bytes) else data.encode())
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.chdir(tmp_path)
    for name, argv in COMMANDS.items():
        args = [str(cfg) if a == "CFG" else str(tmp_path / f"out-{name}") if a == "OUT" else a
                for a in argv]
        code = main(args)
        out = capsys.readouterr()
        assert_no_traceback(subprocess.CompletedProcess(args, code, out.out, out.err), {1, 2})
    # nothing needed the crash handler: every one of these is an expected, explained refusal
    assert not (tmp_path / "state").exists()


@pytest.mark.parametrize("argv", [
    ["export-config", "--profile", "all-in-one", "-o", "/proc/version", "--force"],
    ["export-config", "--profile", "all-in-one", "-o", "/etc/hostname/x/c.yaml"],
    ["export-config", "--profile", "all-in-one", "-o", "/dev/null/c.yaml"],
    ["export-config", "--profile", "nope"],
    ["export-config", "--profile", "all-in-one", "--set", "spec.hosts.99.name=x"],
    ["export-config", "--profile", "all-in-one", "--set", "=x"],
    ["lb", "render", "--profile", "ha-external-lb", "-o", "/proc/self"],
    ["validate", "-f", "/etc"],
    ["validate", "-f", "/nonexistent"],
    ["validate", "-f", "/proc/self/mem"],
], ids=lambda argv: " ".join(argv)[:40])
def test_no_traceback_for_hostile_flags_and_places(
        tmp_path: Path, kkui_cmd: list[str], kkui_env: dict[str, str], argv: list[str]) -> None:
    res = subprocess.run([*kkui_cmd, *argv], env=kkui_env, capture_output=True, text=True,
                         timeout=60, stdin=subprocess.DEVNULL, cwd=tmp_path)
    assert_no_traceback(res, {1, 2})
    assert res.stderr.strip().splitlines()[-1].startswith("kkui")


CRASHING = textwrap.dedent("""\
    import sys
    import kkui.core.config.validate as v
    def buggy(doc):
        password = sys.argv[1]                 # a secret in a local variable ...
        raise KeyError(f"oops near {password}")  # ... and in the message
    v.validate_document = buggy
    from kkui.cli import main
    sys.exit(main(["validate", "-f", sys.argv[2]]))
""")


def test_an_internal_error_is_one_line_and_a_private_secret_free_report(
        tmp_path: Path, kkui_env: dict[str, str]) -> None:
    cfg = tmp_path / "c.yaml"
    ClusterDocument.from_profile("all-in-one").save(cfg)
    state = tmp_path / "state"
    env = dict(kkui_env, XDG_STATE_HOME=str(state))
    res = subprocess.run([sys.executable, "-c", CRASHING, SECRET, str(cfg)], env=env,
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 1
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kkui: internal error (KeyError)"), lines
    assert "Traceback" not in res.stderr and SECRET not in res.stderr
    reports = list((state / "kkui" / "crashes").glob("crash-*.txt"))
    assert len(reports) == 1 and str(reports[0]) in lines[0]
    assert mode(reports[0]) == 0o600 and mode(reports[0].parent) == 0o700
    report = reports[0].read_text()
    assert "builtins.KeyError" in report and "in buggy" in report and "command: kkui validate" \
        in report
    assert SECRET not in report and "oops near" not in report


def test_a_tui_crash_is_one_line_and_a_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    from kkui.tui.app import KkuiApp

    def buggy_save(self: ClusterDocument, path: object = None) -> None:
        password = SECRET  # noqa: F841 - a secret in a local, as a typed password would be
        raise ValueError(f"simulated bug near {SECRET}")

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setattr(ClusterDocument, "save", buggy_save)
    cfg = tmp_path / "c.yaml"
    cfg.write_text(ClusterDocument.from_profile("all-in-one").to_text())

    async def scenario() -> None:
        app = KkuiApp(ClusterDocument.load(cfg), workdir=tmp_path / "work")
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("ctrl+s")
            await pilot.pause()

    with pytest.raises(ValueError, match="simulated bug"):
        asyncio.run(scenario())
    err = capsys.readouterr().err
    assert "kkui: internal error (ValueError)" in err
    assert "Traceback" not in err and SECRET not in err
    reports = list((tmp_path / "state" / "kkui" / "crashes").glob("crash-*.txt"))
    assert len(reports) == 1 and mode(reports[0]) == 0o600
    report = reports[0].read_text()
    assert "buggy_save" in report and "command: kkui tui" in report and SECRET not in report
