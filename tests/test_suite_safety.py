"""The suite's own guarantees: it cannot reach outside loopback, and CI cannot be green with the
labs skipped (tests/support/netguard.py, tests/support/ci_policy.py)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import netguard

REPO = Path(__file__).resolve().parents[1]
# RFC 5737 TEST-NET-3 and RFC 3849 documentation addresses.  Not TEST-NET-1's 192.0.2.1: on
# this project's machines that is the real default gateway.  While these tests run, both are
# also `unreachable` routes in the root namespace, so that even with the guard broken on
# purpose (to see these tests fail) no packet leaves the machine.
TEST_NET = "203.0.113.1"
TEST_NET6 = "2001:db8::1"
pytestmark = pytest.mark.netns  # root: routes in the root namespace


@pytest.fixture(autouse=True, scope="module")
def safety_net() -> Iterator[None]:
    if os.geteuid() != 0:
        pytest.skip("the unreachable safety-net routes need root")
    added = []
    for family, address in (("-4", f"{TEST_NET}/32"), ("-6", f"{TEST_NET6}/128")):
        proc = subprocess.run(["ip", family, "route", "add", "unreachable", address],
                              capture_output=True, check=False)
        if proc.returncode == 0:
            added.append((family, address))
    yield
    for family, address in added:
        subprocess.run(["ip", family, "route", "del", "unreachable", address],
                       capture_output=True, check=False)


def syn_sent_to(address: str) -> bool:
    """Is there a TCP socket of this machine in SYN_SENT (state 02) to ``address``?"""
    packed = "".join(f"{int(o):02X}" for o in reversed(address.split(".")))
    rows = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return any(r.split()[2].startswith(packed + ":") and r.split()[3] == "02" for r in rows)


def test_a_connect_outside_loopback_fails_before_any_packet() -> None:
    s = socket.socket()
    s.setblocking(False)  # a real connect would return at once and leave a SYN_SENT socket
    try:
        started = time.monotonic()
        with pytest.raises(netguard.OutsideNetworkError, match=TEST_NET):
            s.connect((TEST_NET, 9))
        assert time.monotonic() - started < 0.1
        assert not syn_sent_to(TEST_NET)
        with pytest.raises(OSError):
            s.getpeername()  # never connected
    finally:
        s.close()
    assert netguard.take_violations(), "the attempt is recorded for the test's teardown"


def test_every_way_in_is_fenced_and_swallowed_errors_still_fail_the_test() -> None:
    import httpx
    import paramiko

    attempts = [
        lambda: socket.socket().connect_ex((TEST_NET, 80)),
        lambda: socket.create_connection((TEST_NET, 80), timeout=1),
        lambda: socket.socket(socket.AF_INET6).connect((TEST_NET6, 80)),
        lambda: httpx.get(f"http://{TEST_NET}/", timeout=1),
        lambda: paramiko.SSHClient().connect(TEST_NET, timeout=1),
    ]
    for attempt in attempts:
        with contextlib.suppress(BaseException):  # code under test may swallow anything
            attempt()
    found = netguard.take_violations()
    assert len(found) == len(attempts), found


def test_loopback_unix_sockets_and_registered_lab_subnets_are_allowed() -> None:
    assert netguard.is_allowed("127.0.0.1") and netguard.is_allowed("127.201.3.4")
    assert netguard.is_allowed("::1") and netguard.is_allowed("localhost")
    assert not netguard.is_allowed("10.213.7.1") and not netguard.is_allowed("192.168.233.10")
    assert not netguard.is_allowed("192.0.2.1") and not netguard.is_allowed("fd00::1")
    assert not netguard.is_allowed("example.com")  # names are refused, never resolved
    netguard.allow_network("10.213.7.0/24")
    try:
        assert netguard.is_allowed("10.213.7.1") and not netguard.is_allowed("10.213.8.1")
    finally:
        netguard.forbid_network("10.213.7.0/24")
    assert not netguard.is_allowed("10.213.7.1")
    with socket.socket(socket.AF_UNIX) as s, pytest.raises(FileNotFoundError):
        s.connect("/nonexistent/kkui.sock")  # reaches the kernel: not fenced
    assert netguard.take_violations() == []


def test_a_kkui_subprocess_is_fenced_and_reports_back(kkui_env: dict[str, str],
                                                      tmp_path: Path) -> None:
    code = f"import socket\ntry:\n    socket.create_connection(('{TEST_NET}', 9), 1)\n" \
           "except BaseException as e:\n    print(type(e).__name__)\n"
    proc = subprocess.run([sys.executable, "-c", code], env=kkui_env, capture_output=True,
                          text=True, timeout=30, cwd=tmp_path)
    assert proc.stdout.strip() == "OutsideNetworkError", proc.stdout + proc.stderr
    found = netguard.take_violations()
    assert len(found) == 1 and "(in a subprocess)" in found[0] and TEST_NET in found[0]


# ------------------------------------------------------------------ CI: lab skips are failures
LAB_TESTS = '''
import pytest

@pytest.mark.sshd
def test_needs_sshd():
    pytest.skip("sshd is missing")

@pytest.mark.netns
@pytest.mark.skipif(True, reason="no namespaces")
def test_needs_namespaces():
    pass

@pytest.mark.tmux
def test_ran():
    pass

def test_not_a_lab_test():
    pytest.skip("optional")
'''


def run_policy(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_labs.py").write_text(LAB_TESTS)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["PYTHONPATH"] = str(REPO / "tests")
    if ci is not None:
        env["CI"] = ci
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "support.ci_policy",
                           "-p", "no:cacheprovider", "-rfs", str(tmp_path / "test_labs.py")],
                          env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)


def test_under_ci_a_skipped_lab_test_fails_with_its_reason(tmp_path: Path) -> None:
    proc = run_policy(tmp_path, "true")
    assert proc.returncode == 1, proc.stdout
    # a skip in the setup phase (skipif, a fixture) becomes an error, in the test a failure
    assert "1 failed, 1 passed, 1 skipped, 1 error" in proc.stdout
    assert "a skip is a failure in CI: sshd is missing" in proc.stdout
    assert "a skip is a failure in CI: no namespaces" in proc.stdout
    assert "lab tests run: 1 (sshd 0, netns 0, tmux 1); skipped: 2" in proc.stdout


def test_outside_ci_lab_tests_may_skip_and_the_count_says_so(tmp_path: Path) -> None:
    proc = run_policy(tmp_path, None)
    assert proc.returncode == 0, proc.stdout
    assert "1 passed, 3 skipped" in proc.stdout
    assert "lab tests run: 1 (sshd 0, netns 0, tmux 1); skipped: 2" in proc.stdout


# ------------------------------------------------------------------ lab accounts do not linger
@pytest.mark.sshd
def test_each_lab_makes_its_own_account_with_a_random_password_and_removes_it() -> None:
    import pwd

    from support.sshlab import SshLab, lab_unavailable_reason

    if reason := lab_unavailable_reason():
        pytest.skip(reason)
    first, second = SshLab(), SshLab()
    try:
        assert first.user != second.user and first.password != second.password
        for lab in (first, second):
            entry = pwd.getpwnam(lab.user)
            assert len(lab.password) >= 20
            assert entry.pw_shell == "/bin/sh"  # sshd runs commands through it: needed
            shadow = next(line for line in Path("/etc/shadow").read_text().splitlines()
                          if line.startswith(lab.user + ":"))
            assert shadow.split(":")[1].startswith("$")  # the password is set (hashed)
        homes = [Path(pwd.getpwnam(lab.user).pw_dir) for lab in (first, second)]
        assert all(h.is_dir() for h in homes)
        # a process the tests left running as the lab user (a cancelled precheck's `sleep`)
        entry = pwd.getpwnam(first.user)
        straggler = subprocess.Popen(["setpriv", f"--reuid={entry.pw_uid}",
                                      f"--regid={entry.pw_gid}", "--clear-groups",
                                      "sleep", "60"])
    finally:
        first.stop()
        second.stop()
    try:  # killed, so that userdel could remove the user
        assert straggler.poll() is not None, "the lab user's process outlived the lab"
    finally:
        straggler.kill()
        straggler.wait()
    for lab, home in zip((first, second), homes, strict=True):
        with pytest.raises(KeyError):
            pwd.getpwnam(lab.user)
        assert not home.exists()
