"""Deterministic scenes of every kkui screen, shared by ``make.py`` and the snapshot tests.

Nothing here connects anywhere: precheck results and kk output are fed to the screens the
same way their workers would post them (kk transcripts from tests/support/kk_transcripts).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from kkui.core.config import ClusterDocument
from kkui.core.kk.events import KkEvent, ProcessExited, ProcessStarted, PromptShown
from kkui.core.kk.parser import KkOutputParser
from kkui.core.precheck.report import CheckResult, HostReport, PrecheckReport
from kkui.tui.app import KkuiApp
from kkui.tui.messages import HostChecked, KkEventsReceived, PrecheckFinished

REPO = Path(__file__).resolve().parents[1]
TRANSCRIPTS = REPO / "tests" / "support" / "kk_transcripts"
SIZE = (100, 32)
STAMP = "10:53:02 CST"


@dataclass(frozen=True)
class Scene:
    name: str
    make_app: Callable[[], KkuiApp]
    run_before: Callable[[Pilot[Any]], Awaitable[None]]


def profile_app(start: str = "hosts") -> KkuiApp:
    return KkuiApp(ClusterDocument.from_profile("ha-external-lb"), start=start,
                   clock=lambda: 754.0)


def install_app() -> KkuiApp:
    """The profile with kk's transcript host names (node1..node3, no workers)."""
    doc = ClusterDocument.from_profile("ha-external-lb")
    for index in (1, 2, 3):
        doc.rename_host(f"master{index}", f"node{index}")
        doc.remove_host(f"worker{index}")
    return KkuiApp(doc, start="install", clock=lambda: 754.0)


# --------------------------------------------------------------------- kk output
def _fake_kk() -> Any:
    spec = importlib.util.spec_from_file_location("fake_kk", REPO / "tests/support/fake_kk.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def transcript_events(name: str, *, stop_at: str | None = None) -> list[KkEvent]:
    """kk's output for a transcript, parsed exactly as the runner parses it."""
    fake = _fake_kk()
    parser = KkOutputParser(clock=lambda: 0.0)
    events: list[KkEvent] = [ProcessStarted(4242, ("./kk", "create", "cluster"), "/work")]
    rows: list[list[str]] = []
    for raw in (TRANSCRIPTS / f"{name}.txt").read_text(encoding="utf-8").splitlines():
        if stop_at is not None and stop_at in raw:
            return events
        kind, _, text = raw.partition(" ")
        text = text.replace("{T}", STAMP)
        if kind in ("E", "O", "O+"):
            events += parser.feed("stderr" if kind == "E" else "stdout", text + "\n")
        elif kind == "!row":
            rows.append([*(c.strip() for c in text.split(",")), "CST 10:53:02"])
        elif kind == "!table":
            events += parser.feed("stdout", fake.table(rows) + "\n")
            rows = []
        elif kind == "!confirm":
            events += [e for e in parser.feed("stdout", "Continue this installation? "
                                              "[yes/no]: ") if not isinstance(e, PromptShown)]
        elif kind == "!exit":
            events += parser.flush()
            events.append(ProcessExited(int(text)))
            return events
    events += parser.flush()
    events.append(ProcessExited(0))
    return events


def prompt_of(name: str) -> PromptShown:
    fake = _fake_kk()
    parser = KkOutputParser(clock=lambda: 0.0)
    rows = []
    for raw in (TRANSCRIPTS / f"{name}.txt").read_text(encoding="utf-8").splitlines():
        kind, _, text = raw.partition(" ")
        if kind == "!row":
            rows.append([*(c.strip() for c in text.split(",")), "CST 10:53:02"])
    parser.feed("stdout", fake.table(rows) + "\n")
    found = [e for e in parser.feed("stdout", "Continue this installation? [yes/no]: ")
             if isinstance(e, PromptShown)]
    return found[0]


# --------------------------------------------------------------------- precheck
def precheck_reports() -> list[HostReport]:
    def checks(**bad: tuple[str, str, str]) -> tuple[CheckResult, ...]:
        ids = ("ssh", "sudo", "os", "arch", "time", "swap", "selinux", "firewall", "socat",
               "conntrack", "ports", "resources")
        out = []
        for check_id in ids:
            status, detail, fix = bad.get(check_id, ("pass", f"{check_id} ok", ""))
            out.append(CheckResult(check_id, status, detail, fix))  # type: ignore[arg-type]
        return tuple(out)

    missing = ("fail", "socat is not installed: kk stops with `socat is required`",
               "apt-get install -y socat")
    return [
        HostReport("master1", "192.168.233.12", "etcd,control-plane", checks()),
        HostReport("master2", "192.168.233.13", "etcd,control-plane",
                   checks(swap=("warn", "swap is on (2.0 GiB); kk turns it off with swapoff -a",
                                "swapoff -a && sed -i '/ swap / s/^/#/' /etc/fstab"))),
        HostReport("master3", "192.168.233.14", "etcd,control-plane", checks(socat=missing)),
        HostReport("worker1", "192.168.233.15", "worker",
                   checks(time=("fail", "clock is 94 s ahead of this machine; etcd and TLS "
                                "need synchronised clocks", "apt-get install -y chrony && "
                                "systemctl enable --now chrony"))),
        HostReport("worker2", "192.168.233.16", "worker", checks()),
        HostReport("worker3", "192.168.233.17", "worker",
                   checks(ssh=("error", "connection refused on 192.168.233.17:22",
                               "start sshd on the host or fix address/port"))),
        HostReport("lb1", "192.168.233.10", "loadbalancer", checks()),
        HostReport("lb2", "192.168.233.11", "loadbalancer", checks()),
    ]


# --------------------------------------------------------------------- scenes
async def _nothing(pilot: Pilot[Any]) -> None:
    await pilot.pause()


async def _edit_form(pilot: Pilot[Any]) -> None:
    await pilot.pause()
    await pilot.press("down", "e")
    await pilot.pause()


async def _bulk_add(pilot: Pilot[Any]) -> None:
    await pilot.pause()
    await pilot.press("b")
    await pilot.pause()
    await pilot.press(*"192.168.233.30-33")
    await pilot.pause()


async def _review_problems(pilot: Pilot[Any]) -> None:
    app: KkuiApp = pilot.app  # type: ignore[assignment]
    doc = app.document
    doc.add_host({"name": "工作节点", "address": "192.168.233.30",
                  "privateKeyPath": "~/.ssh/id_ed25519"})
    doc.set_roles("worker1", ["etcd", "worker"])
    doc.set("spec.network.kubeServiceCIDR", "10.233.64.0/20")
    doc.update_host("worker3", password="Example-Pass-1", privateKeyPath=None)
    app.document_changed()
    await pilot.pause()


async def _precheck(pilot: Pilot[Any]) -> None:
    await pilot.pause()
    screen = pilot.app.screen
    reports = precheck_reports()
    screen.total_hosts = len(reports)  # type: ignore[attr-defined]
    for report in reports:
        screen.post_message(HostChecked(report))
    screen.post_message(PrecheckFinished(PrecheckReport(hosts=reports)))
    await pilot.pause()
    table = screen.query_one("#grid")
    table.move_cursor(row=2, column=10)  # type: ignore[attr-defined]
    await pilot.pause()


def _feed(events: list[KkEvent]) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def run(pilot: Pilot[Any]) -> None:
        await pilot.pause()
        screen = pilot.app.screen
        for event in events:
            screen.hints.feed(event)  # type: ignore[attr-defined]  # the worker's job
        for start in range(0, len(events), 40):
            screen.post_message(KkEventsReceived(events[start:start + 40]))
        await pilot.pause()
        await pilot.pause()

    return run


def _running(feed: Callable[[Pilot[Any]], Awaitable[None]]
             ) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """A run in progress, as the screen sees it while its worker runs kk: the run's handle is
    set (Install disabled, Cancel enabled), then kk's output arrives."""
    async def run(pilot: Pilot[Any]) -> None:
        from kkui.tui.screens.install import InstallRun

        await pilot.pause()
        screen = pilot.app.screen
        screen.job = InstallRun()  # type: ignore[attr-defined]  # no worker: nothing runs
        screen.refresh_bindings()
        await feed(pilot)

    return run


async def _prompt(pilot: Pilot[Any]) -> None:
    from kkui.tui.modals.kk_prompt import KkPrompt

    await _feed(transcript_events("success", stop_at="!confirm"))(pilot)
    await pilot.app.push_screen(KkPrompt(prompt_of("success")))
    await pilot.pause()


def verify_results() -> tuple[list[Any], Any]:
    """Results recorded by ``kkui verify --json`` in the cluster lab (provenance in the file)."""
    import json

    from kkui.core.verify.report import VerifyReport, VerifyResult

    data = json.loads((REPO / "tests" / "data" / "verify" / "lab-verify.json").read_text())
    results = [VerifyResult(**c) for c in data["checks"]]
    return results, VerifyReport(tuple(results))


async def _verified(pilot: Pilot[Any]) -> None:
    from kkui.tui.messages import VerifyChecked, VerifyFinished

    await pilot.pause()
    screen = pilot.app.screen
    results, report = verify_results()
    for result in results:       # as the verify worker posts them
        screen.post_message(VerifyChecked(result))
    screen.post_message(VerifyFinished(report))
    await pilot.pause()
    table = screen.query_one("#verify-table")
    failing = next(i for i, r in enumerate(results) if r.status == "fail")
    table.move_cursor(row=failing)  # type: ignore[attr-defined]
    await pilot.pause()


async def _lb_checked(pilot: Pilot[Any]) -> None:
    """The LB pair screen after k (render + check), as the check worker reports it."""
    from kkui.i18n import _, language
    from kkui.tui.messages import LbActionFinished, LbOutput

    await pilot.pause()
    screen = pilot.app.screen
    # the screen's own words (in Chinese, as the screen writes them)
    generated = "generated authPass and statsPassword (values not shown): stored in " \
        "kkui's document, ctrl+s saves them" if language() == "en" else \
        _("generated {names} (values not shown): stored in kkui's document, ctrl+s saves "
          "them so the next render is the same").format(
              names=_(" and ").join(("authPass", "statsPassword")))
    screen.post_message(LbOutput(generated))
    how = "keepalived -t inside a scratch network namespace with a link named eth0: valid"
    for lb in ("lb1", "lb2"):
        for name in ("haproxy.cfg", "keepalived.conf"):
            screen.post_message(LbOutput(_("wrote {path}").format(
                path=f"kkui-work/ha-external-lb/lb/{lb}/{name}")))
    for lb in ("lb1", "lb2"):
        screen.post_message(LbOutput(f"ok: kkui-work/ha-external-lb/lb/{lb}/haproxy.cfg: "
                                     "haproxy -c: valid"))
        screen.post_message(LbOutput(f"ok: kkui-work/ha-external-lb/lb/{lb}/keepalived.conf: "
                                     f"{how}"))
    screen.post_message(LbActionFinished("check", True, _("✔ every file passed haproxy -c / "
                                                          "keepalived -t")))
    await pilot.pause()


def _at(hour: int, minute: int, second: int) -> float:
    """A timestamp that shows as 2026-11-30 hour:minute:second in any time zone."""
    import time

    return time.mktime((2026, 11, 30, hour, minute, second, 0, 0, -1))


def history_runs() -> tuple[list[Any], Any]:
    """A fixed run history of the ha-external-lb cluster: the runs the History screen lists and
    the view of the failed install (timeline, findings, diff), as its workers post them."""
    from kkui.core.runs.browse import RunView
    from kkui.core.runs.diff import Change
    from kkui.core.runs.query import RunDetail, RunSummary, Stage

    cfg = "/home/ops/clusters/ha-external-lb.yaml"
    log = "/home/ops/kkui-work/ha-external-lb/logs/install-20261130-104102.log"

    def run(id_: int, command: str, start: float, took: float, outcome: str, code: int | None,
            module: str | None = None, log_path: str | None = None) -> Any:
        return RunSummary(id_, command, "ha-external-lb", cfg, start, start + took, outcome,
                          code, module, log_path)

    runs = [run(7, "verify", _at(11, 2, 40), 6.2, "success", 0),
            run(6, "install", _at(10, 41, 2), 1093.0, "failed", 1, "ETCDConfigureModule", log),
            run(5, "precheck", _at(10, 38, 15), 4.1, "success", 0),
            run(4, "lb deploy", _at(10, 30, 51), 38.5, "success", 0),
            run(3, "install", _at(9, 12, 7), 95.0, "cancelled", 130, None, log),
            run(2, "precheck", _at(9, 5, 44), 3.9, "failed", 1),
            run(1, "lb drill", _at(8, 50, 3), 21.7, "interrupted", None)]
    t = _at(10, 41, 2)
    stages = [Stage("precheck", t, t + 4.0, "success"),
              Stage("kk binary", t + 4.0, t + 9.0, "success"),
              Stage("kk: GreetingsModule", t + 9.0, t + 11.0, "success"),
              Stage("kk: NodeBinariesModule", t + 11.0, t + 512.0, "success"),
              Stage("kk: ETCDConfigureModule", t + 990.0, t + 1093.0, "failed")]
    detail = RunDetail(
        summary=runs[1], argv=["install", "-f", cfg, "--yes"], kkui_version="0.9.0",
        kk_version="v3.1.12", kk_sha256="3f1c0d5e9a7b2c4d", endpoint="lb.kubesphere.local:6443",
        failed_hosts=["master1"], findings=["etcd health check failed on master1 after 20 "
                                            "retries"], config_text="(scene)", pid=4242,
        stages=stages)
    changes = (Change("added", "host worker3", new="192.168.233.23, worker"),
               Change("changed", "kubernetes version", "v1.27.16", "v1.28.15"))
    return runs, RunView(detail, 3, changes, "")


async def _workers_done(pilot: Pilot[Any]) -> None:
    from textual.worker import WorkerCancelled

    while True:
        try:
            await pilot.app.workers.wait_for_complete()
        except WorkerCancelled:  # an exclusive worker replaced by a newer one
            continue
        break
    await pilot.pause()


async def _history(pilot: Pilot[Any]) -> None:
    from kkui.tui.messages import HistoryLoaded, RunDetailLoaded
    from kkui.tui.screens.history import HistoryScreen

    await _workers_done(pilot)  # the (empty) real history was read
    screen = pilot.app.screen
    assert isinstance(screen, HistoryScreen)
    runs, view = history_runs()
    screen.selected = view.run.summary.id  # the failed install stays highlighted
    screen.post_message(HistoryLoaded(runs))
    await pilot.pause()
    await _workers_done(pilot)  # its detail worker finds no such run in the empty database
    screen.post_message(RunDetailLoaded(view))
    await pilot.pause()


def cert_rows() -> list[Any]:
    """A certificate calendar of the ha-external-lb cluster (fixed dates): one front-proxy
    certificate 5 days from expiry, kk's etcd CA, kubeadm's leaf certificates."""
    from kkui.core.day2.certs import CertRow

    def row(host: str, path: str, day: str, left: float, status: str, *, ca: bool = False,
            kk: bool = False) -> CertRow:
        return CertRow(host, path, "", f"2026-{day}T07:00:00+00:00", left, status, ca, kk)

    return [
        row("master3", "/etc/kubernetes/pki/front-proxy-client.crt", "12-05", 5.0, "fail",
            kk=True),
        row("master1", "/etc/ssl/etcd/ssl/member-master1.pem", "12-21", 21.0, "warn"),
        row("master1", "/etc/kubernetes/pki/apiserver.crt", "11-30", 364.9, "pass", kk=True),
        row("master2", "/etc/kubernetes/pki/apiserver.crt", "11-30", 364.9, "pass", kk=True),
        row("master1", "/etc/ssl/etcd/ssl/ca.pem", "11-28", 3649.0, "pass", ca=True),
    ]


async def _ops(pilot: Pilot[Any]) -> None:
    """Cluster ops after c (the calendar) and an etcd snapshot, as their workers report (the
    screen's and the core's own message templates: the zh set shows them in Chinese)."""
    from rich.text import Text

    from kkui.core.day2.certs import NOT_RENEWED_BY_KK
    from kkui.i18n import L_, _, shown
    from kkui.tui.messages import OpsCertsRead, OpsFinished, OpsOutput

    await pilot.pause()
    screen = pilot.app.screen
    rows = cert_rows()
    screen.post_message(OpsOutput(Text("── " + _("certificate calendar (read-only)"),
                                       style="bold")))
    screen.post_message(OpsCertsRead(rows, {}))
    screen.post_message(OpsOutput(Text(str(shown(NOT_RENEWED_BY_KK)), style="dim")))
    screen.post_message(OpsOutput(Text(
        _("{mark} {n} certificates: {bad} failing or unreadable (< 7 days), {warn} expiring "
          "within 30 days").format(mark="✘", n=27, bad=1, warn=1), style="bold red")))
    screen.post_message(OpsOutput(Text("── " + _("etcd snapshot"), style="bold")))
    remote = "/var/lib/kkui/etcd-snapshot-ha-external-lb-20261130-070251.db"
    path = "kkui-work/ha-external-lb/etcd-snapshots/etcd-snapshot-ha-external-lb-20261130-070251.db"
    for line in (L_("snapshot saved on {host}:{path}", host="master1", path=remote),
                 L_("copied to {path} (sha256 {sha}…, checked against {host})", path=path,
                    sha="3f2a9c41d0be", host="master1")):
        screen.post_message(OpsOutput(str(shown(line))))
    screen.post_message(OpsFinished(
        "snapshot", 0, _("✔ snapshot {path} ({size} bytes, revision {revision}, {keys} "
                         "keys, from {member}, sha256 {sha256})").format(
            path=path, size=4404019, revision=48213, keys=1187, member="master1",
            sha256="3f2a9c41d0be…")))
    await pilot.pause()


async def _keys_help(pilot: Pilot[Any]) -> None:
    await pilot.pause()
    await pilot.press("question_mark")
    await pilot.pause()


SCENES: tuple[Scene, ...] = (
    Scene("hosts", profile_app, _nothing),
    Scene("host-form", profile_app, _edit_form),
    Scene("bulk-add", profile_app, _bulk_add),
    Scene("roles", lambda: profile_app("roles"), _nothing),
    Scene("cluster", lambda: profile_app("cluster"), _nothing),
    Scene("review", lambda: profile_app("review"), _review_problems),
    Scene("precheck", lambda: profile_app("precheck"), _precheck),
    Scene("kk-prompt", install_app, _prompt),
    Scene("install-running", install_app,
          _running(_feed(transcript_events("success", stop_at="JoinNodesModule")))),
    Scene("install-failed", install_app, _feed(transcript_events("etcd-failure"))),
    Scene("verify", lambda: profile_app("verify"), _verified),
    Scene("lb-pair", lambda: profile_app("loadbalancer"), _lb_checked),
    Scene("keys", profile_app, _keys_help),
    Scene("history", lambda: profile_app("history"), _history),
    Scene("ops", lambda: profile_app("ops"), _ops),
)
