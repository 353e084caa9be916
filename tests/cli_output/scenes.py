"""Fixed inputs for the CLI output goldens (issue #17): one scene per command view, each a
function drawing on a rich Console. Every scene carries hostile text -- rich markup and an
escape sequence -- in a place a host, kk or a file controls."""

from __future__ import annotations

import io
from collections.abc import Callable
from types import SimpleNamespace
from typing import TYPE_CHECKING

from kkui.commands._common import show_problems
from kkui.commands._install_console import summary_panel
from kkui.commands._kk_live import Current, status_text
from kkui.commands._precheck_view import render_report
from kkui.commands._verify_view import VerifyView, results_table
from kkui.core.config.problem import Problem
from kkui.core.install.summary import InstallSummary
from kkui.core.kk.events import HostStatus, TaskStarted
from kkui.core.kk.hints import Hint
from kkui.core.kk.stages import InstallProgress
from kkui.core.precheck.checks import REGISTRY
from kkui.core.precheck.report import CheckResult, HostReport, PrecheckReport
from kkui.core.verify.report import VerifyReport, VerifyResult

if TYPE_CHECKING:
    from rich.console import Console

MARKUP = "[red]red?[/red] [bold]bold?[/bold]"  # must be shown literally
ESCAPE = "\x1b[31m\x1b]0;title\x07"  # must be dropped (for_display)

IDS = [c.id for c in REGISTRY.columns(k8s=True, lb=False)]


def _host(name: str, role: str, bad: dict[str, tuple[str, str, str]]) -> HostReport:
    checks = [CheckResult(i, "pass", "ok") for i in IDS]
    checks = [CheckResult(c.id, *bad[c.id]) if c.id in bad else c  # type: ignore[arg-type]
              for c in checks]
    return HostReport(name, "127.0.0.1", role, tuple(checks))


def precheck(con: Console) -> None:
    hosts = [
        _host("master1", "etcd,control-plane", {
            "socat": ("fail", "socat not found " + MARKUP, "sudo apt-get install -y socat"),
            "selinux": ("warn", "SELinux is Enforcing" + ESCAPE,
                        "let kk do it: kk sets SELinux to permissive during init os")}),
        _host("worker1", "worker", {
            "hostname": ("fail", "hostname node1 is also used by master1",
                         "hostnamectl set-hostname worker1")}),
    ]
    targets = [SimpleNamespace(host=SimpleNamespace(name=h.name), role=h.role) for h in hosts]
    render_report(con, PrecheckReport(hosts), targets, IDS, REGISTRY)  # type: ignore[arg-type]


def verify(con: Console) -> None:
    report = VerifyReport((
        VerifyResult("etcd-quorum", "cluster", "pass", "3/3 members healthy"),
        VerifyResult("nodes-ready", "cluster", "fail", "node3 NotReady " + MARKUP + ESCAPE,
                     "kubectl describe node node3"),
        VerifyResult("cert-expiry", "master1", "warn", "apiserver.crt expires in 20 days",
                     "kk certs renew -f config-sample.yaml"),
    ))
    con.print(results_table(report.results))
    view = VerifyView.__new__(VerifyView)
    view.con, view._live = con, None
    view.finish(report)


def validate(con: Console) -> None:
    show_problems([
        Problem("spec.hosts[0].address", "error", "not an IP address: '" + MARKUP + "'"),
        Problem("spec.network.kubePodsCIDR", "warning",
                "10.233.64.0/18 overlaps the host network 10.233.0.0/16" + ESCAPE),
    ], con)


def install_summary(con: Console) -> None:
    con.print(summary_panel(InstallSummary(
        "failed", "install failed at stage 8/14 etcd after 03:12",
        details=("node2: ETCDConfigureModule: " + MARKUP + ESCAPE,),
        hints=(Hint("etcd-health", "etcd health check kept failing",
                    "The etcd members cannot reach each other. Fix: open 2379-2380/tcp."),),
        log="/work/logs/install.log", kk_log="/work/kubekey/logs/kubekey.log")))


def kk_status(con: Console) -> None:
    progress = InstallProgress(clock=lambda: 100.0)
    progress.start()
    progress.feed(TaskStarted(module="ETCDConfigureModule", task="Generate etcd.env"))
    progress.feed(HostStatus(host="node1", status="success"))
    progress.feed(HostStatus(host="node2", status="failed"))
    con.print(Current(lambda: status_text(progress)))  # as the Live region draws it


SCENES: dict[str, Callable[[Console], None]] = {
    "precheck": precheck, "verify": verify, "validate": validate,
    "install-summary": install_summary, "kk-status": kk_status,
}


def lb_status() -> None:
    """``kkui lb status``'s text (printed to sys.stdout, as the command does)."""
    from kkui.commands.lb import _print_status
    from kkui.core.lb.status import BackendState, HostStatus, PairStatus

    _print_status(PairStatus("10.0.0.10", 6443, (
        HostStatus("lb1", "active", "active", True, (
            BackendState("master1", "127.0.0.11:6443", "UP"),
            BackendState("master2" + MARKUP, "127.0.0.12:6443", "DOWN 1/3" + ESCAPE))),
        HostStatus("lb2", "active", "active", False, (), error="ssh: timed out"),
    ), frontend_answers=True))


def delete_leftovers() -> None:
    """``kkui delete``'s scan of what kk left behind."""
    import sys

    from kkui.commands.delete import print_leftovers
    from kkui.core.day2.leftovers import Finding, HostLeftovers, LeftoverReport

    print_leftovers(LeftoverReport((
        HostLeftovers("node1", "127.0.0.1"),
        HostLeftovers("node2", "127.0.0.2", (Finding(
            "etcd-data", "etcd's data directory", ("/var/lib/etcd" + MARKUP + ESCAPE,),
            "rm -rf /var/lib/etcd"),)),
        HostLeftovers("node3", "127.0.0.3", error="ssh: connection refused"),
    ), local=(Finding("workdir", "kk's workdir", ("kkui-work/sample",),
                      "rm -rf kkui-work/sample"),)), sys.stdout)


STDOUT_SCENES: dict[str, Callable[[], None]] = {"lb-status": lb_status,
                                                "delete-leftovers": delete_leftovers}


def kk_op_verdict(con: Console) -> None:
    """A day-2 kk command that failed without a Pipeline summary: kk's last errors."""
    from kkui.commands._kk_op import OperationConsole

    plan = SimpleNamespace(kkzone="", log_path="/work/logs/delete-node.log",
                           argv=["./kk", "delete", "node", "node3", "-f", "config-sample.yaml"])
    op = OperationConsole(io.StringIO(), plan, json_lines=False)  # type: ignore[arg-type]
    op.problems = ["[ERRO] failed: [node3] " + MARKUP + ESCAPE]
    proc = SimpleNamespace(cancelled=False, declined=False, returncode=1)
    op.render(proc, con, boxed=True)  # type: ignore[arg-type]


SCENES["kk-op-verdict"] = kk_op_verdict
