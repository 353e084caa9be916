"""``kkui precheck``: SSH into every host in parallel and find what would break kk."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TextIO

from kkui.commands._common import (
    add_config_args,
    load_config,
    positive_float,
    print_json,
    print_problems,
)
from kkui.commands._precheck_view import (
    COLORS,
    RANK,
    ROLE_SHORT,
    SYMBOLS,
    LiveView,
    shown_columns,
)
from kkui.commands.console import console, is_live, join, line, styled, wants_color
from kkui.core.errors import ConfigError
from kkui.i18n import L_, N_, _, ngettext, shown

# `kkui precheck --help` imports only what builds the parser and its check list (≤ 5× a bare
# interpreter start: bench/cli_help.py); has_errors, signal and the CJK width table load
# when hosts are checked
if TYPE_CHECKING:  # paramiko loads when hosts are checked, not for --help
    import threading

    from rich.text import Text

    from kkui.core.config.model import ClusterModel
    from kkui.core.precheck import HostReport, PrecheckReport
    from kkui.core.precheck.fix import HostFixPlan
    from kkui.core.runs import Run
    from kkui.core.ssh import KnownHosts


EPILOG = N_("""\
what is checked (stable ids, statuses pass | warn | fail | error):
{checks}

exit status: 0 nothing failed (warnings allowed), 1 a check failed or errored,
             2 the config cannot be read or is invalid, 130 interrupted (Ctrl-C).

examples:
  kkui precheck -f config-sample.yaml
  kkui precheck -f config-sample.yaml --hosts master1,worker2 --timeout 10
  kkui precheck -f config-sample.yaml --json | jq '.hosts[].checks[] | select(.status!="pass")'
  kkui precheck -f config-sample.yaml --fix          # shows the package plan, asks first
  kkui precheck -f config-sample.yaml --fix --yes    # installs without asking

Host keys: ~/.ssh/known_hosts and kkui's own file (~/.config/kkui/known_hosts) are consulted;
an unknown key is accepted and recorded there (with a note) unless --strict-host-keys; a
CHANGED key always fails. --fix only installs packages: it never touches SELinux, firewalld,
swap or sudoers.

An encrypted private key: load it into ssh-agent, or export KKUI_KEY_PASSPHRASE for kkui
(kk itself cannot use an encrypted key: give kk an unencrypted key or a password).
""")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "precheck", help=_("check every host over SSH for what would break `kk create cluster`"),
        description=_("Connect to every host of the config (and kkui's load-balancer hosts) in "
        "parallel, gather facts in one round trip per host, and report each check with the "
        "exact fix for that host's distribution."),
        epilog=_(EPILOG), formatter_class=_ChecksFromRegistry)
    add_config_args(parser)
    parser.add_argument("--hosts", metavar="A,B", help=_("only these hosts (comma-separated)"))
    parser.add_argument("--json", action="store_true",
                        help=_("print a JSON report (schema in the README) instead of the table"))
    parser.add_argument("--strict", action="store_true",
                        help=_("treat every warning as a failure (e.g. SELinux Enforcing)"))
    parser.add_argument("--strict-host-keys", action="store_true",
                        help=_("refuse hosts whose SSH key is not known yet"))
    parser.add_argument("--timeout", type=positive_float, metavar="S",
                        help=_("seconds per host for the checks (default: the host row's "
                        "`timeout`, kk's default 30); connecting gives up after 5 s"))
    parser.add_argument("--fix", action="store_true",
                        help=_("install missing packages (socat, conntrack, ...) with the host's "
                        "package manager, then check again"))
    parser.add_argument("--yes", "-y", action="store_true",
                        help=_("with --fix: do not ask for confirmation"))
    parser.set_defaults(func=run)


class _ChecksFromRegistry(argparse.RawDescriptionHelpFormatter):
    """Fills ``{checks}`` from the precheck registry when the help is printed, so that
    `kkui --help` does not load every check."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        from kkui.cli import help_width  # argparse's width, without its shutil import

        super().__init__(prog, indent_increment, max_help_position,
                         help_width() if width is None else width)

    def add_text(self, text: str | None) -> None:
        if text and "{checks}" in text:
            from kkui.core.precheck.checks import REGISTRY

            text = text.replace("{checks}", REGISTRY.help_text())
        super().add_text(text)


def run(args: argparse.Namespace) -> int:
    from kkui.core.config.problem import has_errors
    from kkui.core.precheck import select_targets

    doc = load_config(args)
    problems = doc.validate()
    if has_errors(problems):
        _err(_("kkui: the config has errors; fix them first (kkui validate shows them all):"))
        print_problems([p for p in problems if p.severity == "error"], sys.stderr)
        return 2
    model = doc.model()
    names = [n.strip() for n in (args.hosts or "").split(",") if n.strip()] or None
    targets = select_targets(model, names)
    if not targets:
        raise ConfigError(L_("the config has no hosts to check"))
    if args.fix and args.json and not args.yes:
        raise ConfigError(L_("--fix with --json cannot ask for confirmation: add --yes"))
    from kkui.core.runs import recorded_run

    # a run-history record (`kkui history`, issue #14); read-only: no cluster lock
    with recorded_run("precheck", model=model, config_text=doc.to_text(), config_path=doc.path,
                      argv=getattr(args, "kkui_argv", ())) as history:
        for note in history.notes:
            _err(note)
        return history.finish(_checked(model, names, args, history))


def _checked(model: ClusterModel, names: list[str] | None, args: argparse.Namespace,
             history: Run) -> int:
    from kkui.core.precheck import plan_fixes
    from kkui.core.ssh import KnownHosts

    known = KnownHosts()
    view = _view(model, names, args)
    history.stage("precheck")
    report = _run(model, names, args, known, view)
    history.add_findings(_findings(report))
    if report.cancelled or not args.fix:
        return view.finish(report)
    view.finish(report, summary=False)
    history.stage("fix")
    outcomes = _fix(model, plan_fixes(report), args, known)
    view.fixes = outcomes
    if not outcomes or not any(o["ok"] for o in outcomes):
        return view.finish(report, details=False)
    _err(_("checking again after the installs ..."))
    view = _view(model, names, args)
    view.fixes = outcomes
    history.stage("precheck again")
    report = _run(model, names, args, known, view)
    history.add_findings(_findings(report))
    return view.finish(report)


def _view(model: ClusterModel, names: list[str] | None,
          args: argparse.Namespace) -> TableView | JsonView | LiveView:
    """JSON, the Live table on a colour terminal, or plain lines (pipes, TERM=dumb, and
    NO_COLOR: issue #17 asks for the grep-stable form there; only the install/day-2 status line
    keeps its redraw under NO_COLOR)."""
    if args.json:
        return JsonView()
    plain = TableView(model, names, sys.stdout)
    if not is_live(sys.stdout) or not wants_color(sys.stdout):
        return plain
    return LiveView(plain.targets, plain.ids, plain.registry)


def _findings(report: PrecheckReport) -> list[str]:
    """The failed checks, one line each, for the run history."""
    return [f"{host.name} {check.id} {check.status}: {check.detail}"
            for host in report.hosts for check in host.checks
            if check.status in ("fail", "error")]


def _run(model: ClusterModel, names: list[str] | None, args: argparse.Namespace,
         known: KnownHosts, view: TableView | JsonView | LiveView) -> PrecheckReport:
    import threading

    from kkui.core.precheck import run_precheck

    cancel = threading.Event()
    view.start()
    with _sigint_sets(cancel):
        return run_precheck(model, hosts=names, strict=args.strict,
                            strict_host_keys=args.strict_host_keys, timeout=args.timeout,
                            on_host_done=view.host_done, cancel=cancel, known_hosts=known)


@contextmanager
def _sigint_sets(event: threading.Event) -> Iterator[None]:
    """First Ctrl-C sets ``event`` (results so far are printed); a second one aborts."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(_sig: int, _frame: object) -> None:
        event.set()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def exit_code(report: PrecheckReport) -> int:
    if report.cancelled:
        return 130
    return 0 if report.ok else 1


def _err(text: str) -> None:
    """A note on stderr (host text in it is cleaned: never markup, no escape sequence)."""
    line(console(sys.stderr), text)
    sys.stderr.flush()


def note_host_key(host: HostReport) -> None:
    if host.host_key_note:  # "new host key ... recorded in ...", in the user's language
        _err(_("note: {host}: {note}").format(host=host.name, note=shown(host.host_key_note)))


# -- --fix ---------------------------------------------------------------------------------

def _fix(model: ClusterModel, plans: list[HostFixPlan], args: argparse.Namespace,
         known: KnownHosts) -> list[dict[str, Any]] | None:
    from kkui.core.precheck import apply_fix

    out = sys.stderr if args.json else sys.stdout
    con = console(out)

    def say(*parts: Text | str) -> None:
        line(con, *parts)
        out.flush()

    if not plans:
        say("")
        say(_("Nothing for --fix to install: the remaining problems need a person "
              "(see the fixes above)."))
        return None
    say("")
    say(styled(_("Package plan (--fix installs packages only):"), "bold"))
    for plan in plans:
        blocked = _("   — cannot run: {why}").format(why=shown(plan.blocked)) \
            if plan.blocked else ""
        say(f"  {plan.name}: ", plan.command, styled(blocked, "yellow"))
    runnable = [p for p in plans if not p.blocked]
    if not runnable:
        say(_("Nothing kkui can install itself."))
        return None
    if not args.yes and not _confirm(_("Install on {n} host(s) now? [y/N] ").format(
            n=len(runnable))):
        say(_("Nothing installed."))
        return None
    outcomes: list[dict[str, Any]] = []
    for plan in runnable:  # one at a time: output stays readable, mirrors kk init os
        say(_("  {host}: installing {packages} ...").format(host=plan.name,
                                                           packages=" ".join(plan.packages)))
        result = apply_fix(model, plan, known_hosts=known,
                           strict_host_keys=args.strict_host_keys)
        mark = styled(_("done"), "green") if result.ok else styled(_("FAILED"), "red")
        why = "" if result.ok else f" {shown(result.detail)}"
        say(f"  {plan.name}: ", mark, f" ({result.seconds:.1f} s){why}")
        outcomes.append({"name": plan.name, "packages": list(plan.packages),
                         "command": plan.command, "ok": result.ok, "detail": result.detail})
    return outcomes


def _confirm(prompt: str) -> bool:
    sys.stderr.write(prompt)
    sys.stderr.flush()
    try:
        answer = sys.stdin.readline()
    except (KeyboardInterrupt, EOFError):
        return False
    return answer.strip().lower() in ("y", "yes")


# -- output --------------------------------------------------------------------------------

class JsonView:
    def __init__(self) -> None:
        self.fixes: list[dict[str, Any]] | None = None

    def start(self) -> None:
        pass

    def host_done(self, host: HostReport) -> None:
        note_host_key(host)

    def finish(self, report: PrecheckReport, *, details: bool = True,
               summary: bool = True) -> int:
        if not summary:
            return exit_code(report)
        data = report.to_dict()
        if self.fixes is not None:
            data["fixed"] = self.fixes
        if report.cancelled:
            data["cancelled"] = True
            data["pending"] = report.pending
        print_json(data)
        return exit_code(report)


class TableView:
    """Progress while hosts finish, then the host × check grid of the final report (after the
    cross-host checks such as duplicate hostnames, so the grid agrees with the problem list),
    the problems and a summary. Columns are the registry's short titles, and only for checks
    that did not pass everywhere: the others are counted in the header."""

    def __init__(self, model: ClusterModel, names: list[str] | None, out: TextIO) -> None:
        from kkui.core.precheck import select_targets
        from kkui.core.precheck.checks import REGISTRY

        self.out = out
        self.fixes: list[dict[str, Any]] | None = None
        self.targets = select_targets(model, names)
        has_k8s = any(not t.is_lb for t in self.targets)
        has_lb = any(t.is_lb for t in self.targets)
        self.registry = REGISTRY
        self.ids = [c.id for c in REGISTRY.columns(k8s=has_k8s, lb=has_lb)]
        self.name_width = max(len(t.host.name) for t in self.targets)
        self.role_width = max(len(self._role(t.role)) for t in self.targets)
        self.done = 0

    @staticmethod
    def _role(role: str) -> str:
        return "+".join(ROLE_SHORT.get(r, r) for r in role.split(",") if r) or "-"

    def _print(self, *parts: Text | str) -> None:
        """One line (or several, with newlines) through the one console: host text in it is
        cleaned, never markup; plain, since this view is for pipes and dumb terminals."""
        line(console(self.out), *parts)
        self.out.flush()

    def start(self) -> None:
        from kkui.core.precheck.engine import MAX_WORKERS

        n = len(self.targets)
        self._print(ngettext("Checking {n} host over SSH (up to {at_once} at a time) ...",
                             "Checking {n} hosts over SSH (up to {at_once} at a time) ...",
                             n).format(n=n, at_once=min(n, MAX_WORKERS)))

    def host_done(self, host: HostReport) -> None:
        note_host_key(host)
        self.done += 1
        self._print(styled("  " + _("checked {host} ({done}/{total})").format(
            host=host.name, done=self.done, total=len(self.targets)), "dim"))

    def grid(self, report: PrecheckReport) -> None:
        """Rows of the final report; a column per check that is not a pass on every host."""
        from kkui.i18n.width import cells

        hosts = report.hosts
        if not hosts:
            return
        shown = shown_columns(self.ids, hosts)[0]  # the failing checks first, as on a terminal
        ran = {c.id for h in hosts for c in h.checks}
        passed = [i for i in self.ids if i in ran and i not in shown]
        titles = [self.registry.title(i) for i in shown]
        widths = [max(cells(t), 1) for t in titles]  # terminal columns: CJK takes two
        lead = f"{'host':<{self.name_width}}  {'role':<{self.role_width}}"  # grep: English
        note = (ngettext("{n} other check passed on every host",
                         "{n} other checks passed on every host", len(passed)) if shown
                else ngettext("{n} check passed on every host",
                              "{n} checks passed on every host", len(passed))
                ).format(n=len(passed)) if passed else ""
        header = "  ".join([lead, *(t + " " * (w - cells(t))
                                    for t, w in zip(titles, widths, strict=True))])
        self._print()
        self._print(styled(f"{header}  {'(' + note + ')' if note else ''}".rstrip(), "dim"))
        for host in hosts:
            marks: list[Text | str] = []
            for check_id, width in zip(shown, widths, strict=True):
                c = host.check(check_id)
                mark = styled(SYMBOLS[c.status], COLORS[c.status]) if c else styled("·", "dim")
                marks.append(join(mark, " " * (width - 1)))
            ok = sum(c.status == "pass" for c in host.checks)
            tail = f"✓ {ok}" if not shown else ""
            parts: list[Text | str] = [f"{host.name:<{self.name_width}}  "
                                       f"{self._role(host.role):<{self.role_width}}"]
            for cell in [*marks, tail]:
                parts += ["  ", cell]
            row = join(*parts)
            row.rstrip()
            self._print(row)

    def finish(self, report: PrecheckReport, *, details: bool = True,
               summary: bool = True) -> int:
        if details:
            self.grid(report)
            self._details(report)
        if summary:
            if self.fixes:
                self._print()
                for f in self.fixes:
                    self._print(fix_line(f))
            if report.cancelled:
                self._print()
                self._print(styled(_("Interrupted: not checked: {hosts}").format(
                                   hosts=", ".join(report.pending)), "yellow"))
            self._print()
            self._print(styled(*_summary(report)))
        return exit_code(report)

    def _details(self, report: PrecheckReport) -> None:
        self._print(_("legend: {ok} pass  {warn} warn  {fail} fail  {error} error  · not "
                      "checked").format(ok=SYMBOLS["pass"], warn=SYMBOLS["warn"],
                                        fail=SYMBOLS["fail"], error=SYMBOLS["error"]))
        import shutil

        width = max(60, min(shutil.get_terminal_size((100, 24)).columns, 120))
        problems = sorted(((h, c) for h in report.hosts for c in h.checks if c.status != "pass"),
                          key=lambda hc: RANK[hc[1].status])  # errors and failures first
        if not problems:
            return
        self._print()
        self._print(styled(_("Problems"), "bold"))
        label_w = min(14, max(len(c.id) for _, c in problems))
        for host, c in problems:
            head = f"  {host.name:<{self.name_width}}  {SYMBOLS[c.status]} {c.id:<{label_w}}  "
            pad = " " * len(head)
            self._print(styled(head, COLORS[c.status]),
                        _wrap(shown(c.detail), width, len(head), pad))
            if c.fix:
                self._print(pad + _wrap(_("fix: {fix}").format(fix=shown(c.fix)), width,
                                        len(pad), pad + "     "))


def _wrap(text: str, width: int, first_used: int, indent: str) -> str:
    import textwrap

    from kkui.i18n.width import cells, wrap

    def fold(body: str, room: int) -> list[str]:
        if cells(body) == len(body):  # no wide character: textwrap, as always
            return textwrap.wrap(body, width=room, break_long_words=False,
                                 break_on_hyphens=False)
        return wrap(body, room)  # CJK: two columns a character, a break between characters

    lines = fold(text, max(30, width - first_used))
    if not lines:
        return ""
    rest = fold(" ".join(lines[1:]), max(30, width - len(indent))) if lines[1:] else []
    return "\n".join([lines[0]] + [indent + r for r in rest])


def fix_line(fix: dict[str, Any]) -> str:
    """What ``--fix`` did on one host, under the checks: ``--fix node1: installed: CMD``."""
    state = _("installed") if fix["ok"] else _("FAILED")
    return f"--fix {fix['name']}: {state}: {fix['command']}"


def _summary(report: PrecheckReport) -> tuple[str, str]:
    """The last line -- counts and the verdict -- and its colour."""
    s = report.summary
    n = len(report.hosts)
    counts = _("{hosts}: {passed} passed, {warnings}, {failed} failed, {errors}").format(
        hosts=ngettext("{n} host", "{n} hosts", n).format(n=n), passed=s["pass"],
        warnings=ngettext("{n} warning", "{n} warnings", s["warn"]).format(n=s["warn"]),
        failed=s["fail"],
        errors=ngettext("{n} error", "{n} errors", s["error"]).format(n=s["error"]))
    if report.cancelled:
        return _("{counts} — interrupted").format(counts=counts), "yellow"
    if s["fail"] or s["error"]:
        bad = sorted({h.name for h in report.hosts for c in h.checks
                      if c.status in ("fail", "error")})
        return _("{counts} — fix {hosts} before `kk create cluster`").format(
            counts=counts, hosts=", ".join(bad)), "red"
    if s["warn"]:
        return _("{counts} — no blockers; read the warnings").format(counts=counts), "yellow"
    return _("{counts} — ready for `kk create cluster`").format(counts=counts), "green"


def _summary_line(report: PrecheckReport, out: TextIO | None = None) -> str:
    """The last line's words (no colour: the views style them; ``out`` is ignored)."""
    return _summary(report)[0]
