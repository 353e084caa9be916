"""Stage tracking (module order from shared/KUBEKEY.md) and failure hints."""

from __future__ import annotations

from pathlib import Path

from kkui.core.kk.events import (
    HostStatus,
    PipelineFailed,
    PipelineSucceeded,
    ProcessExited,
    RawLine,
    TaskStarted,
)
from kkui.core.kk.hints import HintCollector, match_hints
from kkui.core.kk.stages import CREATE_CLUSTER_STAGES, InstallProgress, format_elapsed

TRANSCRIPTS = Path(__file__).resolve().parents[1] / "support" / "kk_transcripts"


def test_stages_advance_in_kk_module_order() -> None:
    progress = InstallProgress(clock=lambda: 0.0)
    seen = []
    for module in ("GreetingsModule", "NodePreCheckModule", "ConfirmModule", "NodeBinariesModule",
                   "ConfigureOSModule", "KubernetesStatusModule", "InstallContainerModule",
                   "PullModule", "ETCDPreCheckModule", "ETCDConfigureModule",
                   "InstallKubeBinariesModule", "InitKubernetesModule", "ClusterDNSModule",
                   "KubernetesStatusModule", "JoinNodesModule", "InternalLoadbalancerModule",
                   "DeployNetworkPluginModule", "SaveKubeConfigModule", "AddonsModule"):
        progress.feed(TaskStarted(module, "x"))
        seen.append(progress.stage)
    assert seen == sorted(seen), "stages never go backwards"
    assert seen[0] == 1 and seen[-1] == len(CREATE_CLUSTER_STAGES)
    # KubernetesStatusModule appears twice: the second one belongs to "Join nodes"
    assert CREATE_CLUSTER_STAGES[seen[13] - 1].title == "Join nodes"
    assert CREATE_CLUSTER_STAGES[seen[5] - 1].title == "Container runtime"
    assert progress.percent < 100
    progress.feed(PipelineSucceeded("CreateClusterPipeline"))
    assert progress.percent == 100 and progress.outcome == "succeeded"


def test_unknown_module_keeps_stage_and_status_line() -> None:
    now = [0.0]
    progress = InstallProgress(clock=lambda: now[0])
    progress.feed(TaskStarted("ETCDConfigureModule", "Health check on all etcd"))
    progress.feed(TaskStarted("SomeFutureModule", "new"))
    now[0] = 75.0
    assert CREATE_CLUSTER_STAGES[progress.stage - 1].title == "etcd"
    line = progress.status_line()
    assert line.startswith(f"stage {progress.stage}/{len(CREATE_CLUSTER_STAGES)} etcd")
    assert "SomeFutureModule" in line and "01:15" in line


def test_host_table_counts_retries_and_failure_reasons() -> None:
    progress = InstallProgress()
    progress.feed(TaskStarted("ETCDConfigureModule", "Health check on all etcd"))
    for _ in range(3):
        progress.feed(HostStatus("node1", "retry"))
    progress.feed(HostStatus("node2", "success"))
    progress.feed(PipelineFailed("ETCDConfigureModule", (("node1", "HealthCheck", "boom"),)))
    progress.feed(ProcessExited(1))
    assert progress.hosts["node1"].retries == 3
    assert progress.hosts["node1"].status == "failed"
    assert progress.hosts["node1"].reason == "boom"
    assert progress.hosts["node2"].status == "success"
    assert progress.hosts["node2"].task == "Health check on all etcd"
    assert progress.outcome == "failed"


def test_cancel_and_decline_outcomes() -> None:
    progress = InstallProgress()
    progress.feed(ProcessExited(-9, cancelled=True))
    assert progress.outcome == "cancelled"
    progress = InstallProgress()
    progress.feed(ProcessExited(0, declined=True))
    assert progress.outcome == "declined"


def test_format_elapsed() -> None:
    assert format_elapsed(5) == "00:05"
    assert format_elapsed(3725) == "1:02:05"


def keys(text: str) -> list[str]:
    return [h.key for h in match_hints(text)]


def test_hint_signatures_are_the_triage_registry() -> None:
    """The install's hints are triage findings: same ids, same ranking (issue #12)."""
    assert keys("Having a problem with accessing https://storage.googleapis.com? You can try "
                "again after setting environment 'export KKZONE=cn'") == ["download-blocked"]
    assert keys("10:53:03 CST [ERRO] node2: conntrack is required.") == ["tools-required"]
    assert keys("[sudo] password for ubuntu:") == ["sudo-password"]
    assert keys("error: SHA256 no match. abc not equal def") == ["sha256-mismatch"]
    assert keys("The Kubernetes version: v1.99.0 isn't supported.") == ["k8s-version-unsupported"]
    assert keys("failed: [n2] failed to connect to 10.0.0.2: dial tcp 10.0.0.2:22: connect: "
                "connection refused") == ["ssh-refused"]
    assert keys("dial tcp 10.0.0.2:2379: connect: connection refused") == []
    assert keys("open /root/.ssh/id_rsa: no such file or directory") == ["ssh-key-file"]
    assert keys("failed: [node1] [HealthCheck] exec failed after 20 retries") == ["etcd-unhealthy"]
    assert keys("Greetings, KubeKey!") == []


def test_collector_ranks_the_failure_first() -> None:
    collector = HintCollector()
    collector.feed(RawLine("stderr", "10:00:00 CST message: [node3]", 0))
    collector.feed(RawLine("stderr", "sudo: unable to resolve host node3: Name or service not "
                                     "known", 0))
    assert [h.key for h in collector.best()] == ["hostname-unresolvable"]
    for line in ("10:01:00 CST failed: [node1]",
                 "error: Pipeline[CreateClusterPipeline] execute failed: "
                 "Module[ETCDConfigureModule] exec failed: ",
                 "failed: [node1] [HealthCheck] exec failed after 20 retries: x"):
        collector.feed(RawLine("stderr", line, 0))
    assert [h.key for h in collector.best()][0] == "etcd-unhealthy"


def test_collector_flags_live_hints_once() -> None:
    collector = HintCollector()
    first = collector.feed(RawLine("stderr", "[sudo] password for ubuntu: ", 0))
    assert [(h.key, h.live) for h in first] == [("sudo-password", True)]
    assert collector.feed(RawLine("stderr", "[sudo] password for ubuntu: ", 0)) == []


def test_cn_zone_collector_never_advises_the_cn_zone() -> None:
    collector = HintCollector(zone="cn")
    for line in ("failed: [LocalHost] [DownloadBinaries] exec failed after 1 retries: "
                 "Failed to download kubeadm binary: curl: (28) Failed to connect to "
                 "github.com port 443: Connection timed out",):
        collector.feed(RawLine("stderr", line, 0))
    assert all("--zone cn" not in h.text for h in collector.best())


def test_each_failure_transcript_gets_its_hint() -> None:
    expected = {"etcd-failure": "etcd-unhealthy", "download-failure": "download-blocked",
                "conntrack": "tools-required"}
    for name, key in expected.items():
        text = (TRANSCRIPTS / f"{name}.txt").read_text()
        assert key in keys(text), name
