# ruff: noqa: E501
"""Issue #12: after a failed `kkui install`, evidence from the failed host is gathered over SSH
automatically and the summary names the cause kk's log only hints at.  The fake kk fails in
kubeadm init on a real loopback sshd lab host whose stub journalctl prints a kubelet cgroup
driver mismatch (the shape users paste from real hosts)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.sshlab import LabHost, SshLab, sshlab  # noqa: F401  (session fixture)

pytestmark = pytest.mark.sshd

ROOT = Path(__file__).resolve().parents[2]
FAKE_KK = ROOT / "tests" / "support" / "fake_kk.py"
JOURNAL = "#!/bin/sh\ncat <<'OUT'\n" + "\n".join([
    "2024-03-01T11:12:01+0000 ie-master1 kubelet[5521]: E0301 11:12:01.100200    5521 "
    'server.go:302] "Failed to run kubelet" err="failed to run Kubelet: misconfiguration: '
    'kubelet cgroup driver: \\"systemd\\" is different from docker cgroup driver: '
    '\\"cgroupfs\\""',
    "2024-03-01T11:12:01+0000 ie-master1 systemd[1]: kubelet.service: Main process exited, "
    "code=exited, status=1/FAILURE"]) + "\nOUT\n"
# kk v3.1.12's output when kubeadm init times out on HOST (InitKubernetesModule)
TRANSCRIPT = """\
!banner
E {T} [InitKubernetesModule] Init cluster using kubeadm
E {T} failed: [HOST]
E error: Pipeline[CreateClusterPipeline] execute failed: Module[InitKubernetesModule] exec failed: 
E failed: [HOST] [KubeadmInit] exec failed after 3 retries: init kubernetes cluster failed: Failed to exec command: sudo -E /bin/bash -c "/usr/local/bin/kubeadm init --config=/etc/kubernetes/kubeadm-config.yaml --ignore-preflight-errors=FileExisting-crictl,ImagePull" 
E [wait-control-plane] Waiting for the kubelet to boot up the control plane as static Pods from directory "/etc/kubernetes/manifests". This can take up to 4m0s
E [kubelet-check] Initial timeout of 40s passed.
E 	timed out waiting for the condition
E error execution phase wait-control-plane: couldn't initialize a Kubernetes cluster
E To see the stack trace of this error execute with --v=5 or higher: Process exited with status 1
!exit 1
"""  # noqa: W291 (kk's trailing spaces)


@pytest.fixture(scope="module")
def hosts(sshlab: SshLab) -> dict[str, LabHost]:  # noqa: F811
    made = {"master1": sshlab.add_host("ie-master1", start=False,
                                       stubs={"journalctl": JOURNAL}),
            "worker1": sshlab.add_host("ie-worker1", start=False),
            # a host whose journal never answers: the collection's overall bound ends it
            "slow": sshlab.add_host("ie-slow", start=False,
                                    stubs={"journalctl": "#!/bin/sh\nexec sleep 60\n"})}
    sshlab.start()
    return made


def install(tmp_path: Path, env: dict[str, str], cfg: Path, host: str,
            *extra: str) -> subprocess.CompletedProcess[str]:
    transcript = tmp_path / "fail.txt"
    transcript.write_text(TRANSCRIPT.replace("HOST", host))
    env = {**env, "FAKE_KK_TRANSCRIPT": str(transcript),
           "KKUI_KNOWN_HOSTS": str(tmp_path / "known_hosts"),
           "KKUI_USER_KNOWN_HOSTS": str(tmp_path / "user_known_hosts")}
    return subprocess.run([sys.executable, "-m", "kkui", "install", "-f", str(cfg), "--kk",
                           str(FAKE_KK), "--skip-precheck", "--yes", "--workdir",
                           str(tmp_path / "work"), *extra], cwd=tmp_path, env=env, text=True,
                          capture_output=True, timeout=120, stdin=subprocess.DEVNULL)


def test_failed_install_names_the_cause_found_on_the_failed_host(
        sshlab: SshLab, hosts: dict[str, LabHost], tmp_path: Path,  # noqa: F811
        kkui_env: dict[str, str]) -> None:
    cfg = sshlab.write_config(tmp_path / "c.yaml", [hosts["master1"], hosts["worker1"]])
    started = time.monotonic()
    result = install(tmp_path, kkui_env, cfg, "ie-master1")
    assert result.returncode == 1, result.stderr
    out = result.stdout
    end = out[out.index("kkui: kk failed"):]  # the summary at the end of the install
    assert "kubelet and runtime use different cgroup drivers" in end, out
    assert "(hosts: ie-master1)" in end
    assert "Host evidence collected from ie-master1" in end
    assert "kkui: collecting evidence from ie-master1" in out
    assert time.monotonic() - started < 60
    # only the failed host was visited
    assert "Accepted" not in hosts["worker1"].log_path.read_text()


def test_no_collect_leaves_the_hosts_alone(sshlab: SshLab, hosts: dict[str, LabHost],  # noqa: F811
                                           tmp_path: Path, kkui_env: dict[str, str]) -> None:
    cfg = sshlab.write_config(tmp_path / "c.yaml", [hosts["master1"], hosts["worker1"]])
    before = hosts["master1"].log_path.read_text().count("Accepted")
    result = install(tmp_path, kkui_env, cfg, "ie-master1", "--no-collect")
    assert result.returncode == 1, result.stderr
    assert "cgroup drivers" not in result.stdout
    assert "--collect" in result.stdout  # the command to collect later is named instead
    assert hosts["master1"].log_path.read_text().count("Accepted") == before


def test_tui_install_shows_the_cause_found_on_the_failed_host(
        sshlab: SshLab, hosts: dict[str, LabHost], tmp_path: Path,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The Install screen gathers the same evidence from its worker and its failure banner
    names the cause, as `kkui install` does (one core function)."""
    from kkui.core.config import ClusterDocument
    from kkui.tui.app import KkuiApp
    from kkui.tui.modals.confirm import Confirm

    cfg = sshlab.write_config(tmp_path / "c.yaml", [hosts["master1"], hosts["worker1"]])
    transcript = tmp_path / "fail.txt"
    transcript.write_text(TRANSCRIPT.replace("HOST", "ie-master1"))
    for name, value in (("FAKE_KK_TRANSCRIPT", transcript), ("FAKE_KK_SPEED", "0"),
                        ("XDG_CACHE_HOME", tmp_path / "cache"),
                        ("KKUI_KNOWN_HOSTS", tmp_path / "known_hosts"),
                        ("KKUI_USER_KNOWN_HOSTS", tmp_path / "user_known_hosts")):
        monkeypatch.setenv(name, str(value))
    app = KkuiApp(ClusterDocument.load(cfg), kk_binary=FAKE_KK, skip_precheck=True,
                  workdir=tmp_path / "work", clock=lambda: 0.0)

    def banner() -> str:
        return str(app.screen.query_one("#banner").render())

    async def scenario() -> str:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            await pilot.press("6")
            await pilot.pause()
            await pilot.press("i")
            await pilot.pause()
            assert isinstance(app.screen, Confirm)
            await pilot.press("y")
            await app.workers.wait_for_complete()
            deadline = time.monotonic() + 20
            while "Host evidence" not in banner() and time.monotonic() < deadline:
                await pilot.pause()  # the end messages, handled in order
            return banner()

    text = asyncio.run(scenario())
    assert "Install failed in InitKubernetesModule on ie-master1" in text, text
    assert "Hint: kubelet and runtime use different cgroup drivers" in text, text
    assert "Host evidence collected from ie-master1" in text, text


def test_a_host_that_never_answers_is_abandoned_within_the_budget(
        sshlab: SshLab, hosts: dict[str, LabHost], tmp_path: Path,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    from kkui.core.config import ClusterDocument
    from kkui.core.install import plan_install
    from kkui.core.install.evidence import collect_after_failure

    monkeypatch.setenv("KKUI_KNOWN_HOSTS", str(tmp_path / "known_hosts"))
    monkeypatch.setenv("KKUI_USER_KNOWN_HOSTS", str(tmp_path / "user_known_hosts"))
    cfg = sshlab.write_config(tmp_path / "c.yaml", [hosts["slow"], hosts["master1"]])
    plan = plan_install(ClusterDocument.load(cfg), env={}, preview=True)
    started = time.monotonic()
    evidence = collect_after_failure(plan, ["ie-slow", "ie-master1"], budget_s=3.0)
    elapsed = time.monotonic() - started
    assert elapsed < 5.0, elapsed  # not 10 s per command, not 80 s per host
    assert evidence.hosts == ("ie-master1",)  # the answering host still counts
    assert any(line.startswith("Host evidence: ie-slow: evidence not collected")
               for line in evidence.lines), evidence.lines
