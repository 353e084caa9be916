"""Triage of every format kk has printed (issue #12), the corpus benchmark, and the contract.

The logs are real pastes from public kubekey threads (tests/data/kklogs/real, see SOURCES.md)
or real-shaped transcripts (tests/data/kklogs/synthetic)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from kkui.core.kk.triage import triage_text
from kkui.core.kk.triage.engine import split_lines

ROOT = Path(__file__).resolve().parents[2]
KKLOGS = ROOT / "tests" / "data" / "kklogs"
REAL = KKLOGS / "real"
SYN = KKLOGS / "synthetic"


def triage_file(path: Path, zone: str | None = None):  # noqa: ANN201
    return triage_text(path.read_text(), zone=zone)


def test_v1_logrus_names_the_node_and_no_module() -> None:
    report = triage_file(SYN / "v1-logrus-ssh-refused.log")
    assert report.outcome == "failed" and report.failed_module is None
    assert report.failed_hosts == ["10.0.0.4"]
    assert [(f.id, f.hosts) for f in report.findings] == [("ssh-refused", ["10.0.0.4"])]
    real = triage_file(REAL / "kk306-v1-tmp-sync-binaries.log")
    assert real.failed_hosts == ["192.168.100.246"]
    assert real.findings[0].id == "kk-tmp-workdir"


def test_v1_msg_blocks_attribute_output_and_name_the_node() -> None:
    """kk v1: "[node2 10.0.0.12] MSG:" opens a host's output (v1.2.0
    pkg/util/runner/runner.go:62); the next INFO[..] line closes it; node= gives the address."""
    report = triage_file(SYN / "v1-msg-block-port.log")
    assert report.outcome == "failed" and report.failed_hosts == ["node2"]
    assert [(f.id, f.hosts) for f in report.findings] == [("port-in-use", ["node2"])]


def test_v1_multiline_error_takes_node_from_its_last_line() -> None:
    """kk v1 prints the command's stderr under ERRO[..] and node= only at its end (kubekey#586);
    that kk bug has no signature: no finding, but the host is named."""
    report = triage_file(REAL / "kk586-v1-pipefail-dash.log")
    assert report.outcome == "failed" and report.failed_hosts == ["192.168.1.102"]
    assert report.findings == []


def test_v1_failed_to_start_etcd_wording() -> None:
    report = triage_file(REAL / "kk352-v1-failed-to-start-etcd.log")
    assert report.outcome == "failed" and report.findings[0].id == "etcd-unhealthy"


def test_v2_v3_retires_misspelling_gives_task_and_hosts() -> None:
    report = triage_file(REAL / "kk1487-pull-manifest-unknown.log")
    assert (report.failed_module, report.failed_task) == ("PullModule", "PullImages")
    assert report.failed_hosts == ["k8s-2", "k8s-1"]
    assert report.findings[0].id == "image-not-found"
    assert "k8s-2" in report.findings[0].hosts


def test_v31_retries_and_failed_host_without_task() -> None:
    report = triage_file(SYN / "v3112-etcd-retries.log")
    assert (report.failed_module, report.failed_task) == ("ETCDConfigureModule", "HealthCheck")
    timeout = triage_file(REAL / "kk2046-task-timeout.log")
    assert timeout.failed_hosts == ["node1"] and timeout.failed_task is None
    assert timeout.findings[0].id == "task-timeout"
    refused = triage_file(REAL / "kk2019-ssh-connection-refused.log")
    assert refused.failed_hosts == ["rust"] and refused.findings[0].hosts == ["rust"]


def test_partial_paste_of_failed_lines_only() -> None:
    report = triage_file(SYN / "partial-failed-lines-join.log")
    assert report.outcome == "failed" and report.failed_hosts == ["node3"]
    assert report.failed_task == "JoinNode"
    assert [(f.id, f.hosts) for f in report.findings] == [("join-api-unreachable", ["node3"])]


def test_partial_paste_of_a_kubeadm_body_takes_the_host_of_the_next_status() -> None:
    report = triage_file(REAL / "kk1592-kubeadm-conntrack.log")
    assert report.outcome == "incomplete"
    assert [(f.id, f.hosts) for f in report.findings] == [("kubeadm-conntrack", ["ubuntu"])]


def test_open_block_sudo_prompt_is_a_hang_on_that_host() -> None:
    for path, host in ((REAL / "kk2343-sudo-password-open-block.log", "node201"),
                       (SYN / "open-block-sudo-hang-v3112.log", "node2")):
        report = triage_file(path)
        assert report.outcome == "hang", path
        assert report.failed_hosts == [host]
        assert report.findings[0].id == "sudo-password" and report.findings[0].hosts == [host]


def test_curl_meter_glued_lines_are_split() -> None:
    assert split_lines("  0     0 --:--:-- --:--:-- --:--:--     0curl: (6) Could not resolve "
                       "host: x")[-1] == "curl: (6) Could not resolve host: x"
    glued = "100  105M  100  105M    0     0   982k      0  0:01:50  0:01:50 --:--:-- " \
            "1180k10:22:00 CST message: [LocalHost]"
    assert split_lines(glued)[-1] == "10:22:00 CST message: [LocalHost]"
    report = triage_file(SYN / "curl-meter-glued-stamp-sha256.log")
    assert report.findings[0].id == "sha256-mismatch"
    assert report.findings[0].hosts == ["LocalHost"]  # the glued block header was seen


def test_kkzone_cn_with_dns_failure_gets_dns_advice_never_the_zone() -> None:
    report = triage_file(SYN / "cn-dns-could-not-resolve.log")
    assert report.zone_cn
    assert [f.id for f in report.findings] == ["dns-resolve"]
    text = json.dumps(report.to_json())
    assert "--zone cn" not in text and "KKZONE=cn`" not in text
    real = triage_file(REAL / "kk2215-could-not-resolve-host.log")
    assert [f.id for f in real.findings] == ["dns-resolve"]


def test_cn_mirror_failures_never_say_switch_to_cn() -> None:
    for name in ("cn-mirror-timeout.log", "curl-meter-glued-stamp-sha256.log"):
        report = triage_file(SYN / name)
        assert report.zone_cn and report.findings
        assert all("--zone cn" not in f.fix for f in report.findings), name
    sha = triage_file(REAL / "kk1640-sha256-cn-mirror.log").findings[0]
    assert "China mirror itself" in sha.fix


def test_failed_to_download_with_failed_to_connect_is_ssh_not_zone() -> None:
    report = triage_file(SYN / "ssh-auth-in-download.log")
    assert [f.id for f in report.findings] == ["ssh-auth"]
    assert report.failed_hosts == ["node3"]


def test_global_blocked_download_suggests_the_cn_zone() -> None:
    report = triage_file(SYN / "global-googleapis-blocked.log")
    assert report.findings[0].id == "download-blocked" and "--zone cn" in report.findings[0].fix
    # kk's own hint mentions KKZONE=cn: that is not the cn zone being in effect
    assert not report.zone_cn


def test_success_and_nothing_known_give_no_findings() -> None:
    ok = triage_file(SYN / "v3112-success.log")
    assert ok.outcome == "success" and ok.findings == [] and ok.failed_hosts == []
    cut = triage_file(SYN / "incomplete-cut-after-table.log")
    assert cut.outcome == "incomplete" and cut.findings == []
    # kk v1.2.0's last line (pkg/cluster/install/install.go:161), after a sudo warning
    v1 = triage_text("WARN[12:00:00 CST] sudo: unable to resolve host node1: Name or service "
                     "not known\nINFO[12:09:00 CST] Congratulations! Installation is "
                     "successful.\n")
    assert v1.outcome == "success" and v1.findings == []


def test_host_evidence_outranks_the_generic_kubeadm_timeout() -> None:
    from kkui.core.kk.triage import Triage

    engine = Triage()
    engine.feed_text((SYN / "init-wait-control-plane-only.log").read_text())
    assert [f.id for f in engine.report().findings] == ["kubeadm-wait-control-plane"]
    engine.feed_evidence("master1", "[journal] Mar 01 kubelet[5521]: failed to run Kubelet: "
                         "misconfiguration: kubelet cgroup driver: \"systemd\" is different "
                         "from docker cgroup driver: \"cgroupfs\"")
    findings = engine.report().findings
    top = findings[0]
    assert top.id == "cgroup-driver" and top.hosts == ["master1"]
    # the mismatch explains the timeout: the generic finding is not repeated below it
    assert [f.id for f in findings] == ["cgroup-driver"]
    assert top.evidence[0].startswith("master1: [journal]")


def test_json_contract() -> None:
    data = triage_file(REAL / "kk1487-pull-manifest-unknown.log").to_json()
    assert list(data) == ["outcome", "kk_version", "failed_module", "failed_task",
                          "failed_hosts", "findings"]
    assert data["failed_module"] == "PullModule"  # without brackets
    finding = data["findings"][0]
    assert list(finding) == ["id", "title", "cause", "fix", "hosts", "evidence", "confidence"]
    assert finding["confidence"] in ("high", "medium", "low")


def test_kk_version_when_the_log_prints_it() -> None:
    text = ('kk version: &version.Info{Major:"3", Minor:"1", GitVersion:"v3.1.12", '
            'GitCommit:"17c1df8"}\n' + (REAL / "kk2019-ssh-connection-refused.log").read_text())
    assert triage_text(text).kk_version == "v3.1.12"
    assert triage_text('version.BuildInfo{Version:"2.3.0-rc.1", GitCommit:"eb460804"}\n'
                       ).kk_version == "v2.3.0-rc.1"


def test_corpus_benchmark_meets_the_goal() -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import triage as bench  # bench/triage.py
    finally:
        sys.path.pop(0)
    result = bench.evaluate()
    assert result["logs"] >= 40 and result["real"] >= 30 and result["heldout"] >= 10
    assert result["heldout_top1"] >= bench.GOAL
    assert result["top1"] >= bench.GOAL, result["missed"]
    assert result["wrong_advice"] == []
    assert result["outcome"] == 1.0 and result["hosts"] == 1.0


@pytest.mark.parametrize("label", sorted(KKLOGS.rglob("*.label.json")), ids=lambda p: p.stem)
def test_every_corpus_log_has_valid_labels(label: Path) -> None:
    from kkui.core.kk.triage import BY_ID

    data = json.loads(label.read_text())
    assert data["outcome"] in ("success", "failed", "hang", "incomplete")
    assert all(c in BY_ID for c in data["causes"])
    assert label.with_name(label.name.replace(".label.json", ".log")).exists()


def test_parser_strips_the_retires_prefix_from_host_reasons() -> None:
    """kk v2.x-v3.0.x wrote "retires" (v3.0.7 cmd/kk/pkg/core/task/remote_task.go:215): the
    install summary shows the reason, not kk's retry bookkeeping."""
    from kkui.core.kk.events import PipelineFailed
    from kkui.core.kk.parser import KkOutputParser

    parser = KkOutputParser()
    text = (REAL / "kk1487-pull-manifest-unknown.log").read_text()
    events = parser.feed("stderr", text) + parser.flush()
    failure = next(e for e in events if isinstance(e, PipelineFailed))
    host, task, reason = failure.hosts[0]
    assert (host, task) == ("k8s-2", "PullImages")
    assert reason.startswith("pull image failed:")
