"""``kkui history``: the runs kkui recorded (install, precheck, lb, verify, drill ...)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kkui.commands._common import print_json
from kkui.commands.console import PIPE_WIDTH, console, line, styled, untrusted
from kkui.commands.console import rows as console_rows
from kkui.i18n import L_, N_, _, shown
from kkui.i18n.width import cells

if TYPE_CHECKING:
    from rich.text import Text

EPILOG = N_("""\
Every kkui run that touches hosts or kk (precheck, install, lb deploy/drill, verify, drill)
is recorded in a private SQLite database: argv, kkui and kk versions (kk's sha256), the
cluster, the config as applied with passwords and keys masked, start/end, outcome, exit
code, the failed kk module and hosts, findings, the per-stage timeline and the log path.
A run whose process died (killed, power loss) shows as `interrupted`.

database: --db FILE, else $KKUI_DB, else $XDG_DATA_HOME/kkui/kkui.db
(default ~/.local/share/kkui/kkui.db), mode 0600.

examples:
  kkui history [--cluster NAME] [--json]   the runs, newest first
  kkui history show ID [--json]            one run: versions, timeline, findings
  kkui history show ID --config            the config it applied (secrets masked)
  kkui history log ID                      the run's full log (install runs keep one)
  kkui history diff ID [ID2]               what changed between the configs of two runs
                                           (ID alone: the cluster's previous run -> ID)

JSON (`kkui history --json`): {"runs": [{"id", "command", "cluster", "config", "started",
"finished", "outcome", "exit_code", "failed_module", "log"}]}; outcome is one of
running|success|failed|cancelled|interrupted; times are ISO 8601 with the local offset.

exit status: 0; 2 unknown run id or nothing to compare; 1 unreadable database.
""")

COLORS = {"success": "green", "failed": "red", "interrupted": "red", "cancelled": "yellow",
          "running": "bold"}


def _db_arg(parser: argparse.ArgumentParser, *, sub: bool) -> None:
    extra: dict[str, Any] = {"default": argparse.SUPPRESS} if sub else {}
    parser.add_argument("--db", metavar="FILE", help=_("the history database (default: "
                        "$KKUI_DB, else ~/.local/share/kkui/kkui.db)"), **extra)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "history", help=_("the runs kkui recorded: list, show, log, diff"),
        description=_("The run history: every precheck, install, lb, verify and drill run with "
                      "its outcome, timeline and the config it applied."),
        epilog=_(EPILOG), formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cluster", metavar="NAME", help=_("only runs of this cluster "
                                                            "(metadata.name)"))
    parser.add_argument("--json", action="store_true", help=_("print JSON (contract above)"))
    _db_arg(parser, sub=False)
    parser.set_defaults(func=run_list)
    sub = parser.add_subparsers(dest="history_command", metavar="")
    raw = argparse.RawDescriptionHelpFormatter
    show = sub.add_parser("show", help=_("one run in detail"), formatter_class=raw,
                          description=_("One run: argv, versions, endpoint, outcome, failed "
                                        "module and hosts, the per-stage timeline, findings."),
                          epilog=_("examples:") + "\n  kkui history show 12\n  kkui history "
                          "show 12 --json\n  kkui history show 12 --config > applied.yaml\n")
    show.add_argument("id", type=int)
    show.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    show.add_argument("--config", action="store_true",
                      help=_("print the config the run applied (secrets masked)"))
    _db_arg(show, sub=True)
    show.set_defaults(func=run_show)
    log = sub.add_parser("log", help=_("the run's full log"), formatter_class=raw,
                         description=_("Print the full log the run kept (install: kk's output, "
                                       "passwords masked)."),
                         epilog=_("examples:") + "\n  kkui history log 12 | less\n"
                         "  kkui triage <(kkui history log 12)\n")
    log.add_argument("id", type=int)
    _db_arg(log, sub=True)
    log.set_defaults(func=run_log)
    diff = sub.add_parser("diff", help=_("structural diff of the configs of two runs"),
                          formatter_class=raw,
                          description=_("What changed between the configs two runs applied: "
                                        "hosts added/removed/changed, roles, versions, "
                                        "endpoint, LB pair."),
                          epilog=_("examples:") + "\n  kkui history diff 12        # " +
                          _("the cluster's previous run -> 12") +
                          "\n  kkui history diff 9 12 --json\n")
    diff.add_argument("id", type=int)
    diff.add_argument("id2", type=int, nargs="?")
    diff.add_argument("--json", action="store_true", default=argparse.SUPPRESS)
    _db_arg(diff, sub=True)
    diff.set_defaults(func=run_diff)


def _connect(args: argparse.Namespace) -> Any:
    from kkui.core.runs.store import connect

    return connect(Path(args.db).expanduser() if getattr(args, "db", None) else None)


def _local(ts: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts)) if ts else "-"


def run_list(args: argparse.Namespace) -> int:
    from kkui.core.runs.query import list_runs

    conn = _connect(args)
    try:
        runs = list_runs(conn, cluster=args.cluster)
    finally:
        conn.close()
    if args.json:
        print_json({"runs": [r.as_json() for r in runs]})
        return 0
    if not runs:
        text = _("no runs recorded for cluster {cluster} yet (install, precheck, lb, verify and "
                 "drill record)").format(cluster=args.cluster) if args.cluster else \
            _("no runs recorded yet (install, precheck, lb, verify and drill record)")
        line(console(sys.stdout), text)
        return 0
    lines = [f"{'ID':>5}  {'STARTED':19}  {'COMMAND':12}  {'CLUSTER':16}  {'OUTCOME':11}  "
             f"{'EXIT':>4}  FAILED MODULE"]
    cells: list[list[Text | str]] = []
    for r in runs:
        code = "" if r.exit_code is None else str(r.exit_code)
        lines.append(f"{r.id:>5}  {_local(r.started):19}  {r.command:12}  "
                     f"{(r.cluster or '-'):16}  {r.outcome:11}  {code:>4}  "
                     f"{r.failed_module or ''}")
        cells.append([str(r.id), _local(r.started), r.command, r.cluster or "-",
                      styled(r.outcome, COLORS.get(r.outcome, "bold")), code,
                      r.failed_module or ""])
    console_rows((_("ID"), _("STARTED"), _("COMMAND"), _("CLUSTER"), _("OUTCOME"), _("EXIT"),
                  _("FAILED MODULE")), cells, lines)
    return 0


def run_show(args: argparse.Namespace) -> int:
    from kkui.core.runs.query import get_run

    conn = _connect(args)
    try:
        detail = get_run(conn, args.id)
    finally:
        conn.close()
    if args.config:
        if not detail.config_text:
            line(console(sys.stderr), _("kkui: run {id} stored no config").format(id=args.id))
            return 2
        sys.stdout.write(detail.config_text)
        return 0
    if getattr(args, "json", False):
        data = detail.as_json()
        data["config_text"] = detail.config_text
        print_json(data)
        return 0
    s = detail.summary
    kk = detail.kk_version or "-"
    if detail.kk_sha256:
        kk += f" (sha256 {detail.kk_sha256})"
    rows = [(N_("run"), str(s.id)), (N_("command"), f"kkui {' '.join(detail.argv)}"),
            (N_("cluster"), _("{cluster}  endpoint {endpoint}").format(
                cluster=s.cluster or "-", endpoint=detail.endpoint or "-")),
            (N_("config"), s.config or "-"), (N_("started"), _local(s.started)),
            (N_("finished"), _local(s.finished)),
            (N_("outcome"), f"{s.outcome}" + ("" if s.exit_code is None
                                              else f" (exit {s.exit_code})")),
            ("kkui", detail.kkui_version), ("kk", kk), (N_("log"), s.log or "-")]
    if s.failed_module or detail.failed_hosts:
        rows.append((N_("failed"), _("{module} on {hosts}").format(
            module=s.failed_module or "-", hosts=", ".join(detail.failed_hosts) or "-")))
    con = console(sys.stdout)
    for key, value in rows:
        label = _(key)  # padded by terminal columns: a Chinese label is two per character
        line(con, styled(label + " " * max(0, 9 - cells(label)), "bold"), " ", value)
    if detail.stages:
        line(con, styled(_("timeline:"), "bold"))
        plain = []
        table: list[list[Text | str]] = []
        for st in detail.stages:
            took = f"{st.finished - st.started:7.1f}s" if st.finished else "       -"
            outcome = st.outcome or "running"
            plain.append(f"  {_local(st.started)}  {took}  {outcome:11}  {st.name}")
            table.append([_local(st.started), took.strip(),
                          styled(outcome, COLORS.get(outcome, "")), shown(st.name)])
        console_rows((_("STARTED"), _("TOOK"), _("OUTCOME"), _("STAGE")), table, plain,
                     con=con)
    if detail.findings:
        line(con, styled(_("findings:"), "bold"))
        for finding in detail.findings:
            line(con, f"  - {shown(finding)}")
    return 0


def run_log(args: argparse.Namespace) -> int:
    from kkui.core.errors import KkuiError
    from kkui.core.runs.query import get_run

    conn = _connect(args)
    try:
        detail = get_run(conn, args.id)
    finally:
        conn.close()
    path = detail.summary.log
    if not path:
        raise KkuiError(L_("run {id} ({command}) kept no log file; `kkui history show {id}` "
                           "has its timeline and findings", id=args.id,
                           command=detail.summary.command))
    try:
        with open(path, "rb") as handle:  # already masked when kkui wrote it
            con = console(sys.stdout)
            if con.width >= PIPE_WIDTH:  # a pipe or a file: kk's bytes, for triage and less
                while chunk := handle.read(1 << 16):
                    sys.stdout.buffer.write(chunk)
            else:  # a terminal: each line cleaned of control sequences, never markup
                for raw in handle:
                    con.print(untrusted(raw.decode("utf-8", "replace").rstrip("\r\n")))
    except OSError as exc:
        raise KkuiError(L_("run {id}: log {path}: {error} (moved or deleted?)", id=args.id,
                           path=path, error=str(exc.strerror or exc))) from None
    sys.stdout.flush()
    return 0


def run_diff(args: argparse.Namespace) -> int:
    from kkui.core.runs.diff import diff_models, model_of
    from kkui.core.runs.query import RunNotFound, get_run, previous_with_config

    conn = _connect(args)
    try:
        newer = get_run(conn, args.id2 if args.id2 is not None else args.id)
        if args.id2 is not None:
            older = get_run(conn, args.id)
        else:
            prev = previous_with_config(conn, newer)
            if prev is None:
                raise RunNotFound(L_("run {id} is the first of cluster {cluster} with a "
                                     "config: give two ids (`kkui history diff ID ID2`)",
                                     id=args.id, cluster=newer.summary.cluster or "-"))
            older = get_run(conn, prev)
    finally:
        conn.close()
    for side in (older, newer):
        if not side.config_text or side.config_text.startswith("(not stored"):
            raise RunNotFound(L_("run {id} stored no config to compare", id=side.summary.id))
    changes = diff_models(model_of(older.config_text or ""), model_of(newer.config_text or ""))
    if getattr(args, "json", False):
        print_json({"from": older.summary.id, "to": newer.summary.id,
                    "changes": [c.as_json() for c in changes]})
        return 0
    con = console(sys.stdout)
    line(con, styled(_("run {older} -> run {newer} (cluster {cluster}):").format(
        older=older.summary.id, newer=newer.summary.id,
        cluster=newer.summary.cluster or "-"), "bold"))
    if not changes:
        line(con, _("  no structural change"))
    for change in changes:
        line(con, f"  {shown(change.line())}")
    return 0
