"""The handover report (`kkui report`, issue #16): one Markdown page an operator gives to whoever
runs the cluster next — the topology, the versions, the last precheck/install/verify runs and the
drills from the run history (kkui.core.runs), where the logs and the config are, and the config
itself with its secrets masked.

Deterministic for golden tests: everything comes from the config, the history rows and ``now``;
times are printed in UTC; nothing is read from the clock or the machine here. Written in the
current language (kkui.i18n); check ids, commands, outcomes of kk, paths and field names stay
as they are. The whole page goes through the run history's masking (record.masked) and is
refused if a secret of the config survives it (fail closed).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from kkui.core.config.model import ClusterModel, Host
from kkui.core.errors import KkuiError
from kkui.core.runs.query import RunDetail, get_run, last_run, list_runs
from kkui.core.runs.record import masked
from kkui.i18n import N_, _

# The runs the report shows, in order: the command recorded (kkui.core.runs) and its heading.
LAST_RUNS: tuple[tuple[str, str], ...] = (
    ("precheck", N_("Precheck")),
    ("install", N_("Install")),
    ("verify", N_("Verify")),
)
DRILLS_SHOWN = 5
# How roles are named in the topology table: kk's role group names stay as they are.
ROLE_ORDER = ("etcd", "control-plane", "worker")
OUTCOME = {"success": N_("success"), "failed": N_("failed"), "cancelled": N_("cancelled"),
           "interrupted": N_("interrupted"), "running": N_("running")}
# The certificate calendar comes from the run history: a verify run records its `certs` check
# per host, whatever the status, as the finding "certs HOST STATUS: DETAIL" (VerifyReport.findings;
# the day-2 flows prefix "verify "); any run recording such lines (e.g. `kkui certs`) counts.
# The newest run of the cluster that has them is shown.
CERT_FINDING = re.compile(r"^(?:verify )?certs (\S+) (pass|warn|fail|error): (.*)$")
CERT_STATUS = {"pass": N_("pass"), "warn": N_("warn"), "fail": N_("fail"),
               "error": N_("error")}
CERT_RUNS_SCANNED = 50  # the calendar looks this far back in the cluster's runs
LB_MODE = {"haproxy": N_("kk's internal HAProxy on every worker"),
           "kube-vip": N_("kube-vip (kk's internal load balancer)"),
           "external": N_("external HAProxy + Keepalived pair (managed by kkui)"),
           "none": N_("none: the endpoint is the first control-plane node")}


class ReportRefused(KkuiError):
    """A secret of the config survived masking: no report is written."""


@dataclass(frozen=True)
class HandoverInputs:
    model: ClusterModel
    config_text: str
    config_path: str | None
    db_path: str | None
    now: float
    kkui_version: str


def _when(ts: float | None) -> str:
    if ts is None:
        return "-"
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _seconds(start: float, end: float | None) -> str:
    return "-" if end is None else f"{end - start:.1f} s"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _h in head) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def _roles(model: ClusterModel, host: Host) -> str:
    roles = model.roles_of(host.name)
    ordered = [r for r in ROLE_ORDER if r in roles] + sorted(set(roles) - set(ROLE_ORDER))
    return ", ".join(ordered) or "-"


def _topology(model: ClusterModel) -> list[str]:
    rows = [(h.name, _roles(model, h), h.address, h.internal_address or h.address,
             f"{h.user}@{h.address}:{h.port}") for h in model.hosts]
    lb = model.kkui.load_balancer
    rows += [(h.name, _("load balancer"), h.address, h.internal_address or h.address,
              f"{h.user}@{h.address}:{h.port}") for h in lb.hosts]
    out = ["## " + _("Topology"), ""]
    out += _table([_("Host"), _("Roles"), _("Address"), _("Internal address"), _("SSH")], rows)
    cpe = model.control_plane_endpoint
    out += ["", "- " + _("Control-plane endpoint") + f": `{cpe.domain}:{cpe.port}`"
            + (f" → `{cpe.address}`" if cpe.address else "")]
    out.append("- " + _("Load balancing") + f": {_(LB_MODE[model.lb_mode])}")
    if lb.configured:
        pair = ", ".join(f"{h.name} ({h.address})" for h in lb.hosts)
        out.append("- " + _("High-availability LB pair") + ": " + _(
            "{pair}; VIP `{vip}/{prefix}` (interface `{interface}`, virtual_router_id {vrid}, "
            "port {port})").format(pair=pair, vip=lb.vip, prefix=lb.prefix,
                                   interface=lb.interface, vrid=lb.router_id, port=lb.port))
    return out


def _versions(model: ClusterModel, runs: dict[str, RunDetail | None]) -> list[str]:
    recorded = next((r.kk_version for r in runs.values() if r is not None and r.kk_version),
                    None)
    kk = recorded or model.kkui.kk_version
    kk_note = _("(from the run history)") if recorded else _("(from the config)")
    rows = [("Kubernetes", model.kubernetes_version),
            ("KubeKey (kk)", f"{kk} {kk_note}"),
            (_("Container runtime"), model.container_manager),
            ("CNI", model.network_plugin),
            ("etcd", model.etcd_type),
            (_("Proxy mode"), model.proxy_mode),
            (_("Pod / Service CIDR"), f"{model.pods_cidr} / {model.service_cidr}")]
    return ["## " + _("Versions"), "", *_table([_("Component"), _("Version")], rows)]


def _run_block(title: str, run: RunDetail | None) -> list[str]:
    out = [f"### {title}", ""]
    if run is None:
        return [*out, _("No run recorded."), ""]
    s = run.summary
    out.append(_("Run #{id}, started {started}, {outcome} (exit {code}), took {took}.").format(
        id=s.id, started=_when(s.started), outcome=_(OUTCOME.get(s.outcome, s.outcome)),
        code="-" if s.exit_code is None else s.exit_code, took=_seconds(s.started, s.finished)))
    if s.failed_module:
        out.append("")
        out.append(_("Failed in kk module `{module}` on {hosts}.").format(
            module=s.failed_module, hosts=", ".join(run.failed_hosts) or "-"))
    if run.stages:
        out += ["", *_table([_("Stage"), _("Started"), _("Took"), _("Outcome")], [
            (st.name, _when(st.started), _seconds(st.started, st.finished),
             _(OUTCOME.get(st.outcome or "running", st.outcome or "-")))
            for st in run.stages])]
    # a passing certs check is a calendar row (below), not a finding
    findings = [f for f in run.findings
                if not ((m := CERT_FINDING.match(f)) and m[2] == "pass")]
    if findings:
        out += ["", _("Findings") + ":", *(f"- {f}" for f in findings)]
    return [*out, ""]


def _drills(conn: sqlite3.Connection, cluster: str) -> list[str]:
    drills = [r for r in list_runs(conn, cluster=cluster) if r.command == "drill"][:DRILLS_SHOWN]
    out = ["## " + _("Failure drills"), ""]
    if not drills:
        return [*out, _("No drill recorded: `kkui drill` rehearses an LB, master or node "
                        "failure."), ""]
    for summary in drills:
        out += _run_block(_("Drill run #{id}").format(id=summary.id), get_run(conn, summary.id))
    return out



def _cert_calendar(conn: sqlite3.Connection | None, cluster: str) -> list[str]:
    out = ["## " + _("Certificate calendar"), ""]
    found: tuple[RunDetail, list[tuple[str, str, str]]] | None = None
    summaries = list_runs(conn, cluster=cluster, limit=CERT_RUNS_SCANNED) if conn else []
    for summary in summaries:
        assert conn is not None
        run = get_run(conn, summary.id)
        rows = [(m[1], m[2], m[3]) for m in map(CERT_FINDING.match, run.findings) if m]
        if rows:
            found = run, rows
            break
    if found is None:
        return [*out, _("No certificate check recorded: `kkui verify` records one (its "
                        "`certs` check), `kkui certs` shows the full calendar."), ""]
    run, rows = found
    out.append(_("From run #{id} (`kkui {command}`, {when}); days are counted from then.")
               .format(id=run.summary.id, command=run.summary.command,
                       when=_when(run.summary.started)))
    out += ["", *_table([_("Host"), _("Status"), _("Certificates")],
                        [(host, _(CERT_STATUS[status]), detail)
                         for host, status, detail in rows])]
    out += ["", _("`kk certs renew` (`kkui certs --renew`) renews kubeadm's certificates only: "
                  "kk's etcd certificates and the CAs are renewed by hand before they expire."),
            ""]
    return out


def _where(inputs: HandoverInputs, runs: Sequence[RunDetail]) -> list[str]:
    out = ["## " + _("Where things are"), ""]
    out.append("- " + _("Config") + f": `{inputs.config_path or '-'}` "
               + _("(a copy with secrets masked is at the end of this report)"))
    logs = sorted({r.summary.log for r in runs if r.summary.log})
    kk_log = "- " + _("kk log") + ": "
    out += [f"{kk_log}`{log}`" for log in logs] or [kk_log + _("none recorded")]
    out.append("- " + _("Run history") + f": `{inputs.db_path or '-'}` (`kkui history`)")
    return [*out, ""]


def build_report(inputs: HandoverInputs, conn: sqlite3.Connection | None) -> str:
    """The Markdown report; ``conn`` None: no run history (the run sections say so)."""
    model = inputs.model
    runs: dict[str, RunDetail | None] = {
        command: last_run(conn, model.name, command) if conn is not None else None
        for command, _title in LAST_RUNS}
    lines = ["# " + _("Handover report") + f": {model.name}", "",
             _("Written {when} by kkui {version}.").format(when=_when(inputs.now),
                                                          version=inputs.kkui_version), ""]
    lines += _topology(model) + [""]
    lines += _versions(model, runs) + [""]
    lines += ["## " + _("Last runs"), ""]
    if conn is None:
        lines += [_("No run history: the runs of kkui are recorded in `kkui history`."), ""]
    for command, title in LAST_RUNS:
        lines += _run_block(f"{_(title)} (`kkui {command}`)", runs[command])
    if conn is not None:
        lines += _drills(conn, model.name)
    lines += _cert_calendar(conn, model.name)
    lines += _where(inputs, [r for r in runs.values() if r is not None])
    lines += ["## " + _("Config (secrets masked)"), "", "```yaml",
              inputs.config_text.rstrip("\n"), "```", ""]
    text = "\n".join(lines)
    safe = masked(model, [text])
    if safe is None:
        raise ReportRefused(_("a secret of the config survived masking: no report written "
                              "(a kkui bug: please report it)"))
    return safe[0]


def default_output(model: ClusterModel) -> Path:
    return Path(f"kkui-report-{model.name}.md")
