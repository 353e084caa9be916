"""Fixed inputs for the goldens of the line-printing commands (issue #17): history list, show
and diff, bundle, precheck --fix's package plan, download's result, certs. Each scene calls the
command's own code with ``sys.stdout`` whatever the test made it (a terminal or a pipe) and its
data sources replaced by fixed records, so the golden is the command's real output. Every scene
carries hostile text -- rich markup and an escape sequence -- where a host, kk, a file or a user
controls the text."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cli_output.scenes import ESCAPE, MARKUP

from kkui.core.runs.query import RunDetail, RunSummary, Stage

T0 = 1_780_000_000.0  # 2026-05-28 20:26:40 UTC; the tests run with TZ=UTC
HOSTILE = MARKUP + ESCAPE


class _Conn:
    def close(self) -> None:
        pass


def _summary(run_id: int, command: str, outcome: str, code: int | None,
             module: str | None = None) -> RunSummary:
    return RunSummary(run_id, command, "prod" + HOSTILE if run_id == 12 else "prod",
                      "/srv/kk/config-sample.yaml", T0 + run_id * 60, T0 + run_id * 60 + 754.2,
                      outcome, code, module, f"/srv/kk/kkui-work/prod/logs/install-{run_id}.log")


RUNS = [_summary(12, "install", "failed", 1, "ETCDConfigureModule"),
        _summary(11, "precheck", "success", 0), _summary(10, "lb deploy", "interrupted", None)]

CONFIG_9 = """apiVersion: kubekey.kubesphere.io/v1alpha2
kind: Cluster
metadata:
  name: prod
spec:
  hosts:
  - {name: master1, address: 127.0.0.1, internalAddress: 127.0.0.1, user: root}
  roleGroups:
    etcd: [master1]
    control-plane: [master1]
    worker: [master1]
  kubernetes:
    version: v1.23.17
"""
CONFIG_12 = CONFIG_9.replace("v1.23.17", "v1.24.17").replace(
    "  roleGroups:", "  - {name: node2, address: 127.0.0.2, internalAddress: 127.0.0.2, "
    "user: root}\n  roleGroups:").replace("worker: [master1]", "worker: [master1, node2]")


def _detail(run_id: int) -> RunDetail:
    summary = RUNS[0] if run_id == 12 else _summary(run_id, "install", "success", 0)
    return RunDetail(
        summary, ["install", "-f", "config-sample.yaml", "--yes"], "0.9.0", "v3.1.12",
        "0" * 64, "lb.prod.local:6443", ["node2" + HOSTILE],
        ["node2: etcd health check kept failing " + HOSTILE,
         "Hint: open 2379-2380/tcp between the etcd members"],
        CONFIG_12 if run_id == 12 else CONFIG_9, 4242, [
            Stage("precheck", T0, T0 + 3.2, "success"),
            Stage("kk binary", T0 + 3.2, T0 + 3.3, "success"),
            Stage("stage 8/14 etcd " + HOSTILE, T0 + 3.3, T0 + 754.2, "failed"),
            Stage("collect evidence", T0 + 754.2, None, None)])


@contextmanager
def _history(monkeypatch: Any) -> Iterator[None]:
    import kkui.commands.history as history
    import kkui.core.runs.query as query

    monkeypatch.setattr(history, "_connect", lambda _args: _Conn())
    monkeypatch.setattr(query, "list_runs", lambda _conn, cluster=None: RUNS)
    monkeypatch.setattr(query, "get_run", lambda _conn, run_id: _detail(run_id))
    yield


def history_list(monkeypatch: Any) -> None:
    from kkui.commands.history import run_list

    with _history(monkeypatch):
        run_list(argparse.Namespace(cluster=None, json=False, db=None))


def history_show(monkeypatch: Any) -> None:
    from kkui.commands.history import run_show

    with _history(monkeypatch):
        run_show(argparse.Namespace(id=12, config=False, db=None))


def history_diff(monkeypatch: Any) -> None:
    from kkui.commands.history import run_diff

    with _history(monkeypatch):
        run_diff(argparse.Namespace(id=9, id2=12, db=None))


def bundle(monkeypatch: Any) -> None:
    """``kkui bundle --no-collect`` of a config and a failed kk log (real archive written)."""
    from kkui.commands.bundle import run

    root = Path.cwd()  # the test's tmp_path
    (root / "c.yaml").write_text(CONFIG_9)
    (root / "kk.log").write_text(
        "14:02:11 CST [ETCDConfigureModule] Health check on all etcd\n"
        f"14:07:11 CST message: [master1]\n{HOSTILE}\n"
        "14:07:11 CST failed: [master1]\n")
    run(argparse.Namespace(config="c.yaml", output="support.tar.gz", log="kk.log",
                           workdir=None, no_collect=True))
    run(argparse.Namespace(config="c.yaml", output="support2.tar.gz", log=None,
                           workdir="nowhere" + HOSTILE, no_collect=True))


def precheck_fix_plan(monkeypatch: Any) -> None:
    """``kkui precheck --fix``: the package plan, when no host can run it."""
    from kkui.commands.precheck import _fix
    from kkui.core.precheck.fix import HostFixPlan

    plans = [HostFixPlan("master1", "debian", ("socat", "conntrack"),
                         "sudo apt-get install -y socat conntrack",
                         blocked="no passwordless sudo for root " + HOSTILE),
             HostFixPlan("node2" + HOSTILE, "rhel", ("socat",), "sudo dnf install -y socat",
                         blocked="unknown package manager")]
    _fix(None, plans, argparse.Namespace(json=False, yes=True), None)  # type: ignore[arg-type]


def download_result(monkeypatch: Any) -> None:
    from kkui.commands.download import print_result
    from kkui.core.download.cache import KkBinary

    monkeypatch.setenv("XDG_CACHE_HOME", "/home/ops/.cache")
    print_result(KkBinary(Path("/home/ops/.cache/kkui/kk/v3.1.12/linux-amd64/kk"), "v3.1.12",
                          "amd64", "ab" * 32,
                          "https://mirror.example/kk/" + HOSTILE + "/kubekey.tar.gz",
                          pinned_now=True, copied_to=Path("./kk")), sys.stdout)


def certs(monkeypatch: Any) -> None:
    import kkui.core.day2.certs as core_certs
    from kkui.commands.certs import _calendar
    from kkui.core.day2.certs import CertRow

    rows = [CertRow("master1", "/etc/kubernetes/pki/apiserver.crt", "kube-apiserver",
                    "2027-05-28T20:26:40", 365.0, "pass", renewed_by_kk=True),
            CertRow("master1", "/etc/kubernetes/pki/ca.crt", "kubernetes",
                    "2036-05-25T20:26:40", 3650.0, "pass", is_ca=True),
            CertRow("master2" + HOSTILE, "/etc/ssl/etcd/ssl/member-master2.pem", "etcd",
                    "2026-06-10T20:26:40", 12.0, "fail")]
    monkeypatch.setattr(core_certs, "collect_certs",
                        lambda *_a, **_k: (rows, {"master3": "ssh: timed out " + HOSTILE}))
    _calendar(argparse.Namespace(json=False, renew=False, timeout=5.0,
                                 strict_host_keys=False), None)


COMMAND_SCENES: dict[str, Callable[[Any], None]] = {
    "history-list": history_list, "history-show": history_show,
    "history-diff": history_diff, "bundle": bundle, "precheck-fix-plan": precheck_fix_plan,
    "download-result": download_result, "certs": certs,
}


def precheck_lines(monkeypatch: Any) -> None:
    """``kkui precheck`` on a pipe or a dumb terminal: a line per host as it is checked, the
    grid of the final report, the problems with their fixes, the summary."""
    from cli_output.scenes import IDS, _host

    from kkui.commands.precheck import TableView
    from kkui.core.precheck.checks import REGISTRY
    from kkui.core.precheck.report import PrecheckReport

    hosts = [
        _host("master1", "etcd,control-plane", {
            "socat": ("fail", "socat not found " + HOSTILE, "sudo apt-get install -y socat"),
            "selinux": ("warn", "SELinux is Enforcing", "let kk do it: kk sets SELinux to "
                        "permissive during init os")}),
        _host("worker1" + HOSTILE, "worker", {}),
    ]
    view = TableView.__new__(TableView)
    view.out, view.fixes, view.registry, view.ids, view.done = sys.stdout, None, REGISTRY, IDS, 0
    view.targets = [object(), object()]  # type: ignore[list-item]  # counted only
    view.name_width = len("worker1" + MARKUP)  # as on screen: the escape is dropped
    view.role_width = len("etcd+cp")
    view.fixes = [{"name": "master1", "ok": False, "command": "apt-get install -y socat"}]
    monkeypatch.setenv("COLUMNS", os.environ.get("COLUMNS", "100"))
    for host in hosts:
        view.host_done(host)
    view.finish(PrecheckReport(hosts))


COMMAND_SCENES["precheck-lines"] = precheck_lines


def install_resume_verify(monkeypatch: Any) -> None:
    """The end of ``kkui install --resume``: kk's phases ran, the cluster is verified."""
    import kkui.core.install.resume as core_resume
    from kkui.commands._install_resume import _verify
    from kkui.core.verify.report import VerifyReport, VerifyResult

    report = VerifyReport((
        VerifyResult("etcd-quorum", "cluster", "pass", "3/3 members healthy"),
        VerifyResult("nodes-ready", "cluster", "fail", "node3 NotReady " + HOSTILE,
                     "kubectl describe node node3"),
        VerifyResult("api-vip", "cluster", "error", "timed out")))
    monkeypatch.setattr(core_resume, "verify_after_resume", lambda _model, _run: report)
    _verify(argparse.Namespace(model=None), None)  # type: ignore[arg-type]


COMMAND_SCENES["install-resume-verify"] = install_resume_verify
