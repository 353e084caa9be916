"""Host evidence over real SSH (loopback sshd lab hosts with stub tools printing recorded-shape
output) and the support bundle (issue #12).  Every host is a 127.x lab host."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest
from support.sshlab import LabHost, SshLab, sshlab  # noqa: F401  (session fixture)

pytestmark = pytest.mark.sshd

ROOT = Path(__file__).resolve().parents[2]
KKLOGS = ROOT / "tests" / "data" / "kklogs"

# what `journalctl -u kubelet ...` printed on a host with a cgroup driver mismatch
JOURNAL = "#!/bin/sh\ncat <<'OUT'\n" + "\n".join([
    "2024-03-01T11:12:01+0000 master1 systemd[1]: Started kubelet: The Kubernetes Node Agent.",
    "2024-03-01T11:12:01+0000 master1 kubelet[5521]: E0301 11:12:01.100200    5521 "
    'server.go:302] "Failed to run kubelet" err="failed to run Kubelet: misconfiguration: '
    'kubelet cgroup driver: \\"systemd\\" is different from docker cgroup driver: '
    '\\"cgroupfs\\""',
    "2024-03-01T11:12:01+0000 master1 systemd[1]: kubelet.service: Main process exited, "
    "code=exited, status=1/FAILURE"]) + "\nOUT\n"
CRICTL = """\
#!/bin/sh
echo "CONTAINER     IMAGE         CREATED         STATE     NAME             ATTEMPT   POD ID"
echo "3f1c2a9b8e7d  a3ef09b71fa3  2 minutes ago   Exited    kube-apiserver   4         9d8e7f6a5b4c"
"""
SS = """\
#!/bin/sh
echo 'State  Recv-Q Send-Q Local Address:Port  Peer Address:Port Process'
echo 'LISTEN 0      4096   *:10250            *:*     users:(("kubelet",pid=5521,fd=20))'
"""
DF_FULL = """\
#!/bin/sh
echo "Filesystem      Size  Used Avail Use% Mounted on"
echo "/dev/vda1        40G   39G  1.0G  98% /"
"""


def clock_stub(offset: int) -> str:
    return f"#!/bin/sh\necho $(( $(/bin/date -u +%s) + {offset} ))\n"


@pytest.fixture(scope="module")
def hosts(sshlab: SshLab) -> dict[str, LabHost]:  # noqa: F811
    made = {
        "master1": sshlab.add_host("ev-master1", start=False, stubs={
            "journalctl": JOURNAL, "crictl": CRICTL, "ss": SS, "df": DF_FULL,
            "date": clock_stub(300)},
            files={"etc/hosts": "127.0.0.1 localhost\n10.0.0.18 lb.kubesphere.local\n"}),
        "worker1": sshlab.add_host("ev-worker1", start=False),
        # sudo wants a password the (key-auth) row does not have: collected without sudo
        "nosudo": sshlab.add_host("ev-nosudo", sudo="password", start=False,
                                  stubs={"journalctl": JOURNAL}),
    }
    sshlab.start()
    return made


def write_log(path: Path, host: str) -> Path:
    text = (KKLOGS / "synthetic" / "init-wait-control-plane-only.log").read_text()
    path.write_text(text.replace("master1", host))
    return path


def run_kkui(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kkui", *args], cwd=cwd, env=env, text=True,
                          capture_output=True, timeout=120, stdin=subprocess.DEVNULL)


@pytest.fixture
def env(kkui_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    return {**kkui_env, "KKUI_KNOWN_HOSTS": str(tmp_path / "known_hosts"),
            "KKUI_USER_KNOWN_HOSTS": str(tmp_path / "user_known_hosts")}


def test_collect_finds_the_cgroup_mismatch_disk_and_clock_on_the_failed_host(
        sshlab: SshLab, hosts: dict[str, LabHost], tmp_path: Path,  # noqa: F811
        env: dict[str, str]) -> None:
    cfg = sshlab.write_config(tmp_path / "c.yaml", [hosts["master1"], hosts["worker1"]])
    log = write_log(tmp_path / "kk.log", "ev-master1")
    started = time.monotonic()
    result = run_kkui(["triage", str(log), "-f", str(cfg), "--collect", "--json"], env,
                      tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    ids = [f["id"] for f in data["findings"]]
    assert ids[0] == "cgroup-driver", ids  # from the kubelet journal, not the kk log
    top = data["findings"][0]
    assert top["hosts"] == ["ev-master1"]
    assert any(e.startswith("ev-master1: [journal]") and "cgroup driver" in e
               for e in top["evidence"])
    assert "disk-full" in ids and "clock-skew" in ids
    assert "kubeadm-wait-control-plane" not in ids  # explained by the cgroup mismatch
    assert time.monotonic() - started < 30
    # only the failed host was visited: worker1's sshd log shows no session
    assert "Accepted" not in hosts["worker1"].log_path.read_text()


def test_collect_reports_an_unreachable_host_and_still_prints(
        sshlab: SshLab, hosts: dict[str, LabHost], tmp_path: Path,  # noqa: F811
        env: dict[str, str]) -> None:
    address, port = sshlab.unused_endpoint()
    row = {"name": "gone1", "address": address, "internalAddress": address, "port": port,
           "user": sshlab.user, "privateKeyPath": str(sshlab.key_path)}
    cfg = sshlab.write_config(tmp_path / "c.yaml", [row, hosts["worker1"]])
    log = write_log(tmp_path / "kk.log", "gone1")
    result = run_kkui(["triage", str(log), "-f", str(cfg), "--collect"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "1. kubeadm: control plane did not come up [gone1]" in result.stdout
    assert "note: gone1: evidence not collected:" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_bundle_has_every_part_private_and_refuses_a_symlink(
        sshlab: SshLab, hosts: dict[str, LabHost], tmp_path: Path,  # noqa: F811
        env: dict[str, str]) -> None:
    cfg = sshlab.write_config(tmp_path / "c.yaml", [hosts["master1"]])
    log = write_log(tmp_path / "kk.log", "ev-master1")
    out = tmp_path / "support.tar.gz"
    result = run_kkui(["bundle", "-f", str(cfg), "--log", str(log), "-o", str(out)], env,
                      tmp_path)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    with tarfile.open(out) as tar:
        names = sorted(m.name for m in tar.getmembers())
        assert names == sorted(f"kkui-bundle/{n}" for n in (
            "README.txt", "config.yaml", "kk.log", "triage.json", "triage.txt",
            "versions.txt", "evidence/ev-master1.txt"))
        assert all(m.mode == 0o600 for m in tar.getmembers())
        report = json.loads(tar.extractfile("kkui-bundle/triage.json").read())  # type: ignore[union-attr]
        evidence = tar.extractfile("kkui-bundle/evidence/ev-master1.txt").read().decode()  # type: ignore[union-attr]
    assert report["findings"][0]["id"] == "cgroup-driver"
    assert "kube-apiserver" in evidence and "lb.kubesphere.local" in evidence
    # never written through a symbolic link planted at the output path
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    link = tmp_path / "link.tar.gz"
    os.symlink(victim, link)
    result = run_kkui(["bundle", "-f", str(cfg), "--log", str(log), "-o", str(link),
                       "--no-collect"], env, tmp_path)
    assert result.returncode == 1 and "symbolic link" in result.stderr
    assert victim.read_text() == "keep me"


def test_collect_without_sudo_still_reads_what_the_user_may(
        sshlab: SshLab, hosts: dict[str, LabHost], tmp_path: Path,  # noqa: F811
        env: dict[str, str]) -> None:
    cfg = sshlab.write_config(tmp_path / "c.yaml", [hosts["nosudo"]])
    log = write_log(tmp_path / "kk.log", "ev-nosudo")
    result = run_kkui(["triage", str(log), "-f", str(cfg), "--collect", "--json"], env,
                      tmp_path)
    assert result.returncode == 0, result.stderr
    top = json.loads(result.stdout)["findings"][0]
    assert top["id"] == "cgroup-driver" and top["hosts"] == ["ev-nosudo"]
    assert "collect_notes" not in json.loads(result.stdout)
