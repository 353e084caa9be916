"""``kkui precheck``: SSH into every host in parallel and find what would break kk."""

from __future__ import annotations

import argparse
import signal
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
from kkui.commands._precheck_view import COLORS, ROLE_SHORT, SYMBOLS, LiveView
from kkui.commands.console import is_live, paint
from kkui.core.config.problem import has_errors
from kkui.core.errors import ConfigError
from kkui.i18n import _, ngettext

if TYPE_CHECKING:  # paramiko loads when hosts are checked, not for --help
    import threading

    from kkui.core.config.model import ClusterModel
    from kkui.core.precheck import HostReport, PrecheckReport
    from kkui.core.precheck.fix import HostFixPlan
    from kkui.core.runs import Run
    from kkui.core.ssh import KnownHosts


EPILOG = """\
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
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "precheck", help="check every host over SSH for what would break `kk create cluster`",
        description="Connect to every host of the config (and kkui's load-balancer hosts) in "
        "parallel, gather facts in one round trip per host, and report each check with the "
        "exact fix for that host's distribution.",
        epilog=EPILOG, formatter_class=_ChecksFromRegistry)
    add_config_args(parser)
    parser.add_argument("--hosts", metavar="A,B", help="only these hosts (comma-separated)")
    parser.add_argument("--json", action="store_true",
                        help="print a JSON report (schema in the README) instead of the table")
    parser.add_argument("--strict", action="store_true",
                        help="treat every warning as a failure (e.g. SELinux Enforcing)")
    parser.add_argument("--strict-host-keys", action="store_true",
                        help="refuse hosts whose SSH key is not known yet")
    parser.add_argument("--timeout", type=positive_float, metavar="S",
                        help="seconds per host for the checks (default: the host row's "
                        "`timeout`, kk's default 30); connecting gives up after 5 s")
    parser.add_argument("--fix", action="store_true",
                        help="install missing packages (socat, conntrack, ...) with the host's "
                        "package manager, then check again")
    parser.add_argument("--yes", "-y", action="store_true",
                        help="with --fix: do not ask for confirmation")
    parser.set_defaults(func=run)


class _ChecksFromRegistry(argparse.RawDescriptionHelpFormatter):
    """Fills ``{checks}`` from the precheck registry when the help is printed, so that
    `kkui --help` does not load every check."""

    def add_text(self, text: str | None) -> None:
        if text and "{checks}" in text:
            from kkui.core.precheck.checks import REGISTRY

            text = text.replace("{checks}", REGISTRY.help_text())
        super().add_text(text)


def run(args: argparse.Namespace) -> int:
    from kkui.core.precheck import select_targets

    doc = load_config(args)
    problems = doc.validate()
    if has_errors(problems):
        print("kkui: the config has errors; fix them first (kkui validate shows them all):",
              file=sys.stderr)
        print_problems([p for p in problems if p.severity == "error"], sys.stderr)
        return 2
    model = doc.model()
    names = [n.strip() for n in (args.hosts or "").split(",") if n.strip()] or None
    targets = select_targets(model, names)
    if not targets:
        raise ConfigError("the config has no hosts to check")
    if args.fix and args.json and not args.yes:
        raise ConfigError("--fix with --json cannot ask for confirmation: add --yes")
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
    _err("checking again after the installs ...")
    view = _view(model, names, args)
    view.fixes = outcomes
    history.stage("precheck again")
    report = _run(model, names, args, known, view)
    history.add_findings(_findings(report))
    return view.finish(report)


def _view(model: ClusterModel, names: list[str] | None,
          args: argparse.Namespace) -> TableView | JsonView | LiveView:
    """JSON, the Live table on a colour terminal, or plain lines (pipes, NO_COLOR)."""
    if args.json:
        return JsonView()
    plain = TableView(model, names, sys.stdout)
    if not is_live(sys.stdout):
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
    print(text, file=sys.stderr, flush=True)


def note_host_key(host: HostReport) -> None:
    ssh = host.check("ssh")
    if ssh is not None and "new host key" in ssh.detail:
        note = ssh.detail[ssh.detail.index("new host key"):]
        _err(f"note: {host.name}: {note}")


# -- --fix ---------------------------------------------------------------------------------

def _fix(model: ClusterModel, plans: list[HostFixPlan], args: argparse.Namespace,
         known: KnownHosts) -> list[dict[str, Any]] | None:
    from kkui.core.precheck import apply_fix

    out = sys.stderr if args.json else sys.stdout
    if not plans:
        print("\nNothing for --fix to install: the remaining problems need a person "
              "(see the fixes above).", file=out)
        return None
    print("\nPackage plan (--fix installs packages only):", file=out)
    for plan in plans:
        line = f"  {plan.name}: {plan.command}"
        if plan.blocked:
            line += f"   — cannot run: {plan.blocked}"
        print(line, file=out)
    runnable = [p for p in plans if not p.blocked]
    if not runnable:
        print("Nothing kkui can install itself.", file=out)
        return None
    if not args.yes and not _confirm(f"Install on {len(runnable)} host(s) now? [y/N] "):
        print("Nothing installed.", file=out)
        return None
    outcomes: list[dict[str, Any]] = []
    for plan in runnable:  # one at a time: output stays readable, mirrors kk init os
        print(f"  {plan.name}: installing {' '.join(plan.packages)} ...", file=out, flush=True)
        result = apply_fix(model, plan, known_hosts=known,
                           strict_host_keys=args.strict_host_keys)
        mark = paint("done", "green", out) if result.ok else paint("FAILED", "red", out)
        why = "" if result.ok else result.detail
        print(f"  {plan.name}: {mark} ({result.seconds:.1f} s) {why}".rstrip(), file=out,
              flush=True)
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

    def _print(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def start(self) -> None:
        from kkui.core.precheck.engine import MAX_WORKERS

        n = len(self.targets)
        self._print(ngettext("Checking {n} host over SSH (up to {at_once} at a time) ...",
                             "Checking {n} hosts over SSH (up to {at_once} at a time) ...",
                             n).format(n=n, at_once=min(n, MAX_WORKERS)))

    def host_done(self, host: HostReport) -> None:
        note_host_key(host)
        self.done += 1
        self._print(paint("  " + _("checked {host} ({done}/{total})").format(
            host=host.name, done=self.done, total=len(self.targets)), "dim", self.out))

    def grid(self, report: PrecheckReport) -> None:
        """Rows of the final report; a column per check that is not a pass on every host."""
        hosts = report.hosts
        if not hosts:
            return
        shown = [i for i in self.ids
                 if any((c := h.check(i)) is not None and c.status != "pass" for h in hosts)]
        if any(h.check("gather") is not None for h in hosts):
            shown.append("gather")
        ran = {c.id for h in hosts for c in h.checks}
        passed = [i for i in self.ids if i in ran and i not in shown]
        titles = [self.registry.title(i) for i in shown]
        widths = [max(len(t), 1) for t in titles]
        lead = f"{'host':<{self.name_width}}  {'role':<{self.role_width}}"
        note = f"{len(passed)} {'other ' if shown else ''}check{'s' if len(passed) != 1 else ''}" \
               " passed on every host" if passed else ""
        header = "  ".join([lead, *(t.ljust(w) for t, w in zip(titles, widths, strict=True))])
        self._print()
        self._print(paint(f"{header}  {'(' + note + ')' if note else ''}".rstrip(), "dim",
                          self.out))
        for host in hosts:
            cells = []
            for check_id, width in zip(shown, widths, strict=True):
                c = host.check(check_id)
                mark = paint(SYMBOLS[c.status], COLORS[c.status], self.out) if c else \
                    paint("·", "dim", self.out)
                cells.append(mark + " " * (width - 1))
            ok = sum(c.status == "pass" for c in host.checks)
            tail = f"✓ {ok}" if not shown else ""
            self._print("  ".join([f"{host.name:<{self.name_width}}  "
                                   f"{self._role(host.role):<{self.role_width}}", *cells,
                                   tail]).rstrip())

    def finish(self, report: PrecheckReport, *, details: bool = True,
               summary: bool = True) -> int:
        if details:
            self.grid(report)
            self._details(report)
        if summary:
            if self.fixes:
                self._print()
                for f in self.fixes:
                    state = "installed" if f["ok"] else "FAILED"
                    self._print(f"--fix {f['name']}: {state}: {f['command']}")
            if report.cancelled:
                self._print()
                self._print(paint(_("Interrupted: not checked: {hosts}").format(
                                  hosts=", ".join(report.pending)),
                                  "yellow", self.out))
            self._print()
            self._print(_summary_line(report, self.out))
        return exit_code(report)

    def _details(self, report: PrecheckReport) -> None:
        self._print(_("legend: {ok} pass  {warn} warn  {fail} fail  {error} error  · not "
                      "checked").format(ok=SYMBOLS["pass"], warn=SYMBOLS["warn"],
                                        fail=SYMBOLS["fail"], error=SYMBOLS["error"]))
        import shutil

        width = max(60, min(shutil.get_terminal_size((100, 24)).columns, 120))
        problems = [(h, c) for h in report.hosts for c in h.checks if c.status != "pass"]
        if not problems:
            return
        self._print()
        self._print(paint(_("Problems"), "bold", self.out))
        label_w = min(14, max(len(c.id) for _, c in problems))
        for host, c in problems:
            head = f"  {host.name:<{self.name_width}}  {SYMBOLS[c.status]} {c.id:<{label_w}}  "
            pad = " " * len(head)
            self._print(paint(head, COLORS[c.status], self.out)
                        + _wrap(c.detail, width, len(head), pad))
            if c.fix:
                self._print(pad + _wrap("fix: " + c.fix, width, len(pad), pad + "     "))


def _wrap(text: str, width: int, first_used: int, indent: str) -> str:
    import textwrap

    lines = textwrap.wrap(text, width=max(30, width - first_used), break_long_words=False,
                          break_on_hyphens=False)
    if not lines:
        return ""
    rest = textwrap.wrap(" ".join(lines[1:]), width=max(30, width - len(indent)),
                         break_long_words=False, break_on_hyphens=False) if lines[1:] else []
    return "\n".join([lines[0]] + [indent + r for r in rest])


def _summary_line(report: PrecheckReport, out: TextIO) -> str:
    s = report.summary
    n = len(report.hosts)
    counts = _("{hosts}: {passed} passed, {warnings}, {failed} failed, {errors}").format(
        hosts=ngettext("{n} host", "{n} hosts", n).format(n=n), passed=s["pass"],
        warnings=ngettext("{n} warning", "{n} warnings", s["warn"]).format(n=s["warn"]),
        failed=s["fail"],
        errors=ngettext("{n} error", "{n} errors", s["error"]).format(n=s["error"]))
    if report.cancelled:
        return paint(_("{counts} — interrupted").format(counts=counts), "yellow", out)
    if s["fail"] or s["error"]:
        bad = sorted({h.name for h in report.hosts for c in h.checks
                      if c.status in ("fail", "error")})
        return paint(_("{counts} — fix {hosts} before `kk create cluster`").format(
            counts=counts, hosts=", ".join(bad)), "red", out)
    if s["warn"]:
        return paint(_("{counts} — no blockers; read the warnings").format(counts=counts),
                     "yellow", out)
    return paint(_("{counts} — ready for `kk create cluster`").format(counts=counts), "green",
                 out)
