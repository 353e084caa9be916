"""The SSH layer against real sshd on loopback: credentials, host keys, errors, sudo."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import time
from pathlib import Path

import paramiko
import pytest

from kkui.core.config.model import Host
from kkui.core.ssh import (
    HostKeyChanged,
    HostKeyUnknown,
    KnownHosts,
    SshAuthFailed,
    SshClientPool,
    SshConnectionRefused,
    SshProtocolError,
    SudoPasswordRequired,
    connect,
    fingerprint,
)

pytestmark = pytest.mark.sshd


def row(lab, lab_host, **kw) -> Host:
    fields = dict(name=lab_host.name, address=lab_host.address, port=lab_host.port,
                  user=lab.user)
    fields.update(kw)
    return Host(**fields)


def test_key_password_and_inline_key_auth(sshlab, farm, known_hosts):
    h = farm["healthy"]
    for host, method in [
        (row(sshlab, h, private_key_path=str(sshlab.key_path)), f"publickey ({sshlab.key_path})"),
        (row(sshlab, h, password=sshlab.password), "password"),
        (row(sshlab, h, private_key=sshlab.private_key_text), "publickey (inline privateKey)"),
    ]:
        with connect(host, known_hosts=known_hosts) as session:
            assert session.auth_method == method
            res = session.run("echo $KKUI_PRECHECK_ROOT; id -un")
            assert res.ok and res.stdout.split() == [str(h.root_dir), sshlab.user]
    assert sshlab.private_key_text not in repr(host)


def test_wrong_password_names_the_method_and_hides_the_secret(sshlab, farm, known_hosts):
    secret = "Wr0ng-Secret-Value"
    host = row(sshlab, farm["healthy"], password=secret)
    started = time.monotonic()
    with pytest.raises(SshAuthFailed) as info:
        connect(host, known_hosts=known_hosts)
    assert time.monotonic() - started < 5
    message = str(info.value)
    assert "authentication failed" in message and "password: rejected" in message
    assert "healthy" in message and secret not in message and secret not in repr(info.value)


def test_missing_key_file_is_reported_as_such(sshlab, farm, known_hosts, tmp_path):
    host = row(sshlab, farm["healthy"], private_key_path=str(tmp_path / "nope"))
    with pytest.raises(SshAuthFailed, match="file not found"):
        connect(host, known_hosts=known_hosts)


def test_nothing_listening_is_connection_refused(sshlab, known_hosts):
    address, port = sshlab.unused_endpoint()
    host = Host(name="ghost", address=address, port=port, user=sshlab.user, password="x")
    started = time.monotonic()
    with pytest.raises(SshConnectionRefused) as info:
        connect(host, known_hosts=known_hosts)
    assert time.monotonic() - started < 1
    assert f"{address}:{port}" in str(info.value) and "refused" in str(info.value)


def test_unknown_key_is_recorded_then_known(sshlab, farm, known_hosts):
    host = row(sshlab, farm["healthy"], private_key_path=str(sshlab.key_path))
    with connect(host, known_hosts=known_hosts) as first:
        assert "new host key" in first.host_key_note
        assert first.host_key_fingerprint in first.host_key_note
    mode = stat.S_IMODE(os.stat(known_hosts.kkui_file).st_mode)
    assert mode == 0o600
    line = known_hosts.kkui_file.read_text()
    assert line.startswith(f"[{host.address}]:{host.port} ssh-ed25519 ")
    # a new KnownHosts (another kkui run) reads it back: no note the second time
    again = KnownHosts(known_hosts.kkui_file, known_hosts.user_file)
    with connect(host, known_hosts=again) as second:
        assert second.host_key_note == ""


def test_strict_host_keys_refuses_an_unknown_key(sshlab, farm, known_hosts):
    host = row(sshlab, farm["healthy"], private_key_path=str(sshlab.key_path))
    with pytest.raises(HostKeyUnknown, match="--strict-host-keys"):
        connect(host, known_hosts=known_hosts, strict_host_keys=True)
    assert not known_hosts.kkui_file.exists()


def test_changed_host_key_is_a_hard_failure_with_both_fingerprints(sshlab, known_hosts):
    lab_host = sshlab.add_host("rekey")
    host = row(sshlab, lab_host, private_key_path=str(sshlab.key_path))
    with connect(host, known_hosts=known_hosts) as session:
        old = session.host_key_fingerprint
    lab_host.regenerate_host_key()
    new = fingerprint(paramiko.Ed25519Key.from_private_key_file(str(lab_host.host_key_path)))
    assert new != old
    for strict in (False, True):
        with pytest.raises(HostKeyChanged) as info:
            connect(host, known_hosts=known_hosts, strict_host_keys=strict)
        message = str(info.value)
        assert "rekey" in message and old in message and new in message
        assert "CHANGED" in message and "ssh-keygen -R" in info.value.fix


def test_host_key_from_the_users_known_hosts_is_honoured(sshlab, farm, tmp_path):
    h = farm["lbok"]
    user_file = tmp_path / "user_known_hosts"
    key = paramiko.Ed25519Key.from_private_key_file(str(h.host_key_path))
    user_file.write_text(f"[{h.address}]:{h.port} ssh-ed25519 {key.get_base64()}\n")
    known = KnownHosts(tmp_path / "ours", user_file)
    with connect(row(sshlab, h, private_key_path=str(sshlab.key_path)),
                 known_hosts=known) as session:
        assert session.host_key_note == ""
    assert not (tmp_path / "ours").exists()


def test_sudo_with_password_and_put_file(sshlab, farm, known_hosts):
    h = farm["pwsudo"]
    with connect(row(sshlab, h, password=sshlab.password), known_hosts=known_hosts) as s:
        assert s.sudo_mode() == "password"
        res = s.run("echo $PATH", sudo=True)
        assert res.ok and res.stdout.strip() == f"{h.bin_dir}:{sshlab.common_dir}"
        target = f"/tmp/kkui-put-{os.getpid()}"
        try:
            s.put_file(target, b"line1\nline2\n", mode=0o640, sudo=True)
            assert Path(target).read_bytes() == b"line1\nline2\n"
            assert stat.S_IMODE(os.stat(target).st_mode) == 0o640
        finally:
            os.unlink(target)
    key_row = row(sshlab, h, private_key_path=str(sshlab.key_path))
    with connect(key_row, known_hosts=known_hosts) as s, \
            pytest.raises(SudoPasswordRequired, match="no password"):
        s.run("true", sudo=True)


def test_pool_reuses_one_session_per_host(sshlab, farm, known_hosts):
    host = row(sshlab, farm["healthy"], private_key_path=str(sshlab.key_path))
    with SshClientPool(known_hosts=known_hosts) as pool:
        a = pool.get(host)
        assert pool.get(host) is a
        assert a.run("true").ok
    assert not a.active


def test_a_port_that_never_speaks_ssh_costs_only_the_connect_timeout(sshlab, known_hosts):
    import socket

    address = f"{sshlab.block}.253"
    with socket.socket() as listener:
        listener.bind((address, 0))
        listener.listen(8)  # the kernel accepts the TCP handshake; nobody ever answers
        host = Host(name="mute", address=address, port=listener.getsockname()[1],
                    user=sshlab.user, password="x")
        started = time.monotonic()
        with pytest.raises(SshProtocolError, match="mute.*handshake failed"):
            connect(host, known_hosts=known_hosts, connect_timeout=0.5)
        assert time.monotonic() - started < 2


@pytest.mark.skipif(shutil.which("ssh-agent") is None, reason="ssh-agent not installed")
def test_ssh_agent_is_used_for_rows_without_credentials(sshlab, farm, tmp_path, monkeypatch,
                                                        known_hosts):
    sock = tmp_path / "agent.sock"
    agent = subprocess.Popen(["ssh-agent", "-D", "-a", str(sock)], stdout=subprocess.DEVNULL)
    try:
        for _ in range(200):
            if sock.exists():
                break
            time.sleep(0.01)
        env = dict(os.environ, SSH_AUTH_SOCK=str(sock))
        subprocess.run(["ssh-add", str(sshlab.key_path)], env=env, check=True,
                       capture_output=True)
        monkeypatch.setenv("SSH_AUTH_SOCK", str(sock))
        monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.ssh/id_rsa: kk's default is missing
        with connect(row(sshlab, farm["healthy"]), known_hosts=known_hosts) as session:
            assert session.auth_method == "publickey (ssh-agent)"
    finally:
        agent.terminate()
        agent.wait()
