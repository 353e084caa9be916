"""The one SSH session pool (kkui.core.ssh.SshClientPool) against real sshd on loopback:
one session per host, a dead session reopened, a failed connect remembered when asked
(verify and the day-2 reads: a dead host costs one connect per run), all closed at the end."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from support.countingport import CountingPort

from kkui.core.config.model import Host
from kkui.core.ssh import SshClientPool, SshError, SshProtocolError, SshSession, connect

pytestmark = pytest.mark.sshd


def lab_row(lab, lab_host) -> Host:
    return Host(name=lab_host.name, address=lab_host.address, port=lab_host.port,
                user=lab.user, private_key_path=str(lab.key_path))


def dead_row(port: CountingPort) -> Host:
    return Host(name="gone", address=port.address, port=port.port, user="nobody",
                password="x")


def test_a_dead_host_is_tried_once_when_failures_are_remembered(sshlab, known_hosts):
    with CountingPort(f"{sshlab.block}.252") as port, \
            SshClientPool(known_hosts=known_hosts, connect_timeout=2,
                          remember_failures=True) as pool:
        host = dead_row(port)

        def attempt(_: int) -> str:
            with pytest.raises(SshProtocolError) as info:
                pool.get(host)
            return str(info.value)

        with ThreadPoolExecutor(max_workers=4) as threads:  # as verify's phases ask at once
            messages = list(threads.map(attempt, range(6)))
        assert port.attempts == 1
        assert len(set(messages)) == 1 and "gone" in messages[0]
        pool.close_all()  # a new run tries again
        with pytest.raises(SshProtocolError):
            pool.get(host)
        assert port.attempts == 2


def test_without_remembering_every_get_tries_again(sshlab, known_hosts):
    """precheck's and the LB's pools: a host that came back is found on the next try."""
    with CountingPort(f"{sshlab.block}.251") as port, \
            SshClientPool(known_hosts=known_hosts, connect_timeout=2) as pool:
        for _ in range(3):
            with pytest.raises(SshProtocolError):
                pool.get(dead_row(port))
        assert port.attempts == 3


def test_a_session_that_died_is_reopened_and_all_are_closed_at_the_end(
        sshlab, farm, known_hosts):
    opened: list[SshSession] = []

    def counting_connector(host: Host, **kwargs: object) -> SshSession:
        session = connect(host, **kwargs)  # type: ignore[arg-type]
        opened.append(session)
        return session

    host = lab_row(sshlab, farm["healthy"])
    with SshClientPool(known_hosts=known_hosts, remember_failures=True,
                       connector=counting_connector) as pool:
        first = pool.get(host)
        assert pool.get(host) is first and len(opened) == 1
        first.close()  # the connection dropped
        second = pool.get(host)
        assert second is not first and second.run("true").ok
        assert len(opened) == 2
    assert not any(s.active for s in opened)


def test_the_connector_gets_the_pool_settings(sshlab, known_hosts):
    seen: list[dict[str, object]] = []

    def refusing(host: Host, **kwargs: object) -> SshSession:
        seen.append(kwargs)
        raise SshError(f"{host.name}: refused by the test", host=host.name)

    pool = SshClientPool(known_hosts=known_hosts, strict_host_keys=True, connect_timeout=1.5,
                         remember_failures=True, connector=refusing)
    host = Host(name="h1", address=f"{sshlab.block}.250", port=22, user="u", password="x")
    for _ in range(2):
        with pytest.raises(SshError, match="refused by the test"):
            pool.get(host)
    assert seen == [{"known_hosts": known_hosts, "strict_host_keys": True,
                     "connect_timeout": 1.5}]


def test_kkui_verify_tries_a_dead_host_once_and_prints_no_traceback(sshlab, tmp_path):
    """A host whose port answers but speaks no SSH: one attempt for all the phases that read
    it (hosts, cluster, etcd), one line per check, and no paramiko traceback on stderr."""
    with CountingPort(f"{sshlab.block}.248") as port:
        row = {"name": "m1", "address": port.address, "internalAddress": port.address,
               "port": port.port, "user": sshlab.user, "password": "not-the-password"}
        config = sshlab.write_config(tmp_path / "dead.yaml", [row],
                                     roles={"etcd": ["m1"], "control-plane": ["m1"],
                                            "worker": ["m1"]})
        env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "NO_COLOR": "1",
               "KKUI_KNOWN_HOSTS": str(tmp_path / "kh"),
               "KKUI_USER_KNOWN_HOSTS": str(tmp_path / "ukh"),
               "XDG_STATE_HOME": str(tmp_path / "state"),
               "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
        proc = subprocess.run([sys.executable, "-m", "kkui", "verify", "-f", str(config),
                               "--timeout", "5"], capture_output=True, text=True, env=env,
                              timeout=60, check=False)
        assert port.attempts == 1
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and "Exception (client)" not in proc.stderr
    assert "m1" in proc.stdout and "handshake failed" in proc.stdout
    assert "not-the-password" not in proc.stdout + proc.stderr
