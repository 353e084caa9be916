"""Per-host workers (issue #10, item 2): an unexpected exception in one host's worker becomes
that host's error, never a hang or a traceback for the whole command."""

from __future__ import annotations

import subprocess

from kkui.core.lb.ops import SystemdLbHostOps
from kkui.core.lb.status import collect_status
from kkui.core.ssh.session import CommandResult


def local_shell(command: str) -> CommandResult:
    """This machine's shell (nothing leaves it): the healthy host of the pair."""
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=10)
    return CommandResult(done.returncode, done.stdout, done.stderr)


def broken_shell(command: str) -> CommandResult:
    # what paramiko raises for an encrypted OpenSSH key, deep inside a connect
    raise TypeError("Key is password-protected, but password was not provided.")


def test_lb_status_turns_a_crashing_host_into_an_error_row() -> None:
    hosts = [SystemdLbHostOps("lb1", broken_shell, vip="127.0.0.1", interface="lo"),
             SystemdLbHostOps("lb2", local_shell, vip="127.0.0.1", interface="lo")]
    status = collect_status(hosts, vip="127.0.0.1", port=6443)
    by = {h.name: h for h in status.hosts}
    assert by["lb1"].error == "reading this host failed unexpectedly (TypeError)"
    assert "password" not in (by["lb1"].error or "")
    assert by["lb2"].error is None or "unexpectedly" not in by["lb2"].error


# -- item 8 for the LB pair: what LB hosts print is shown without control sequences ------------

HOSTILE = "\x1b]52;c;cm0gLXJmIH4K\x07\x1b[2J"


def hostile_shell(command: str) -> CommandResult:
    """An LB host whose tools answer with terminal control sequences."""
    if command.startswith("systemctl is-active"):
        return CommandResult(0, f"{HOSTILE}active\n", "")
    return CommandResult(1, "", f"{HOSTILE}Device \x1b]0;pwned\x07not found\n")


def test_lb_status_shows_host_text_without_control_sequences() -> None:
    status = collect_status([SystemdLbHostOps("lb1", hostile_shell, vip="127.0.0.1",
                                              interface="lo")], vip="127.0.0.1", port=6443)
    host = status.hosts[0]
    shown = f"{host.haproxy} {host.keepalived} {host.error}"
    assert "\x1b" not in shown and "\x07" not in shown, repr(shown)
    assert host.haproxy == "active" and "Device not found" in (host.error or "")


class HostileRemote:
    """A RemoteShell (kkui.core.lb.deploy) whose package install fails with hostile text."""

    def run(self, command: str, sudo: bool = False, timeout: float = 30.0) -> CommandResult:
        if command.startswith("for t in"):  # which tools are missing
            return CommandResult(0, "haproxy keepalived\n", "")
        return CommandResult(100, "", f"E: {HOSTILE}no mirror\n")

    def put_file(self, remote_path: str, data: bytes, mode: int = 0o644, *,
                 sudo: bool = False, timeout: float = 60.0) -> None:
        raise AssertionError("the deploy must stop at the failed package step")


def test_lb_deploy_step_details_have_no_control_sequences() -> None:
    from kkui.core.lb.deploy import deploy_host
    from kkui.core.lb.render import RenderedHost

    result = deploy_host(HostileRemote(), RenderedHost("lb1", "127.0.0.1", "", ""))
    failed = [s for s in result.steps if s.status == "failed"]
    assert failed and "E: no mirror" in failed[0].detail
    assert "\x1b" not in failed[0].detail and "\x07" not in failed[0].detail
