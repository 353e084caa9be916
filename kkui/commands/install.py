"""``kkui install``: precheck, get kk, write kk's config, run ``kk create cluster``."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import IO, Any

from kkui.commands._common import add_config_args, load_config, paint, print_problems
from kkui.commands.download import add_download_args, print_result, progress_printer
from kkui.core.config import ClusterDocument, ClusterModel
from kkui.core.download import obtain_kk, resolve_zone
from kkui.core.errors import ConfigError
from kkui.core.fsutil import atomic_copy, atomic_write
from kkui.core.kk.events import (
    KkEvent,
    LogLine,
    PromptShown,
    RawLine,
)
from kkui.core.kk.hints import Hint, HintCollector
from kkui.core.kk.process import KK_CONFIG_NAME, KkProcess, create_cluster_argv
from kkui.core.kk.stages import InstallProgress, format_elapsed
from kkui.core.kk.workdir import default_workdir

EPILOG = """\
what happens, in order:
  1. the config is validated; errors stop here (exit 2)
  2. kkui's precheck SSHes into every host (skip with --skip-precheck); failures stop here
  3. kk is downloaded and verified (as `kkui download`), unless --kk PATH is given
  4. only kk's documents of the config are written to WORKDIR/config-sample.yaml (0600),
     kk is copied to WORKDIR/kk, and `./kk create cluster -f config-sample.yaml` runs there
     (kk keeps its own work dir and logs in WORKDIR/kubekey/), with KKZONE=cn for zone cn
  5. kk shows its own precheck table and asks `Continue this installation? [yes/no]`:
     kkui asks you (or answers yes with --yes; without a terminal, --yes is required)

Every line kk prints is shown and teed to --log (default WORKDIR/logs/kkui-<time>.log);
SSH passwords from the config are masked in both. Ctrl-C stops kk (SIGINT, then SIGTERM,
then SIGKILL of its whole process tree) and exits 130. Answering no exits 0.

exit status: kk's exit status; 0 when you answered no; 1 precheck failures; 2 bad config or
options; 130 interrupted.

examples:
  kkui install -f config-sample.yaml
  kkui install -f config-sample.yaml --zone cn --workdir /opt/kk/prod
  kkui install -f config-sample.yaml --yes --log install.log       # unattended
  kkui install -f config-sample.yaml --kk ./kk -- --skip-pull-images
"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "install", help="precheck, then run `kk create cluster` with live progress",
        description="Install the cluster described by the config: kkui's precheck first, then "
        "KubeKey v3 (`kk create cluster`) with its output, a status line and a summary.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_config_args(parser)
    parser.add_argument("--kk", metavar="PATH", help="use this kk binary (no download)")
    parser.add_argument("--workdir", metavar="DIR",
                        help="where config-sample.yaml, kk and kk's kubekey/ go "
                        "(default: kkui-work/<metadata.name> beside the config)")
    parser.add_argument("-y", "--yes", action="store_true",
                        help="answer yes to kk's confirmation prompt (needed without a terminal)")
    add_download_args(parser)
    parser.add_argument("--log", metavar="FILE",
                        help="tee kk's output here (default WORKDIR/logs/kkui-<time>.log)")
    parser.add_argument("--skip-precheck", action="store_true",
                        help="do not run kkui's SSH precheck first")
    parser.add_argument("--json", action="store_true",
                        help="print events as JSON lines instead of text (needs --yes)")
    parser.add_argument("kk_args", nargs=argparse.REMAINDER, metavar="-- EXTRA_KK_ARGS",
                        help="extra arguments for `kk create cluster` after --")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    doc = load_config(args)
    problems = doc.validate()
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        print_problems(problems, sys.stderr)
        raise ConfigError(f"{len(errors)} error(s) in the config; fix them (see `kkui validate`)"
                          " before installing")
    if problems:
        print_problems(problems, sys.stderr)
    if args.json and not args.yes:
        raise ConfigError("--json needs --yes: there is no way to answer kk's prompt")
    if not args.yes and not sys.stdin.isatty():
        raise ConfigError("kk asks `Continue this installation? [yes/no]` and there is no "
                          "terminal to answer it; run in a terminal, or pass --yes")
    model = doc.model()
    zone = resolve_zone(args.zone, os.environ, model.kkui.zone)
    workdir = Path(args.workdir).expanduser() if args.workdir else \
        default_workdir(model.name, doc.path)
    _refuse_overwriting_source(doc, workdir)
    out = sys.stderr if args.json else sys.stdout

    if not args.skip_precheck and not _precheck(model, out):
        return 1
    kk_source = _kk_binary(args, model, zone, out)

    workdir.mkdir(parents=True, exist_ok=True)
    atomic_write(workdir / KK_CONFIG_NAME, doc.kk_text(), mode=0o600)
    _place_kk(kk_source, workdir / "kk")
    log = Path(args.log).expanduser() if args.log else \
        workdir / "logs" / f"kkui-{time.strftime('%Y%m%d-%H%M%S')}.log"
    extra = [a for a in args.kk_args if a != "--"] if args.kk_args else []

    console = JsonConsole() if args.json else InstallConsole(sys.stdout, model, workdir, log)
    proc = KkProcess(create_cluster_argv(extra), workdir=workdir, on_event=console.on_event,
                     on_prompt=(lambda _p: True) if args.yes else console.ask, zone=zone,
                     secrets=secrets_of(model), log_path=log, on_tick=console.tick)
    print(f"kkui: running ./kk create cluster -f {KK_CONFIG_NAME} in {workdir}"
          f"{' with KKZONE=cn' if zone == 'cn' else ''}; log: {log}", file=out, flush=True)
    code = proc.run()
    console.finish(proc)
    if proc.cancelled:
        return 130
    if proc.declined:
        return 0
    return code


def secrets_of(model: ClusterModel) -> list[str]:
    """What must never be shown: SSH passwords, inline private keys, kkui's LB passwords."""
    hosts = (*model.hosts, *model.kkui.load_balancer.hosts)
    found = [s for h in hosts for s in (h.password, h.private_key) if s]
    lb = model.kkui.load_balancer.secrets
    found += [s for s in (lb.auth_pass, lb.stats_password) if s]
    return found


def _refuse_overwriting_source(doc: ClusterDocument, workdir: Path) -> None:
    source = getattr(doc, "path", None)
    target = workdir / KK_CONFIG_NAME
    if source and target.exists() and Path(source).resolve() == target.resolve():
        raise ConfigError(f"--workdir {workdir} would overwrite your config {source} with kk's "
                          "part of it; choose another --workdir")


def _precheck(model: ClusterModel, out: IO[str]) -> bool:
    from kkui.core.precheck import run_precheck  # the precheck engine is optional at import

    print("kkui: precheck of every host over SSH (skip with --skip-precheck) ...", file=out,
          flush=True)
    report = run_precheck(model)
    bad = 0
    for host in report.hosts:
        for check in host.checks:
            if check.status in ("fail", "error"):
                bad += 1
                print(f"  {paint(check.status.upper(), 'red', out)} {host.name} "
                      f"({host.address}) {check.id}: {check.detail}", file=out)
                if check.fix:
                    print(f"       fix: {check.fix}", file=out)
    summary = report.summary
    print(f"kkui: precheck: {summary['pass']} passed, {summary['warn']} warnings, "
          f"{summary['fail']} failed, {summary['error']} errors", file=out, flush=True)
    if not report.ok:
        print("kkui: not starting kk: fix the problems above (details: `kkui precheck`), or "
              "pass --skip-precheck to let kk find them itself.", file=out)
    return bool(report.ok)


def _kk_binary(args: argparse.Namespace, model: ClusterModel, zone: str, out: IO[str]) -> Path:
    if args.kk:
        path = Path(args.kk).expanduser()
        if not path.is_file():
            raise ConfigError(f"--kk {path}: no such file")
        if not os.access(path, os.X_OK):
            raise ConfigError(f"--kk {path}: not executable (chmod +x {path})")
        return path
    result = obtain_kk(model.kkui.kk_version, zone=zone, base_url=args.base_url,
                       on_progress=progress_printer(sys.stderr))
    print_result(result, out)
    return result.path


def _place_kk(source: Path, target: Path) -> None:
    """kk must be invoked as ./kk from the workdir (it puts kubekey/ next to its own path)."""
    atomic_copy(source, target, mode=0o755)


class InstallConsole:
    """Terminal rendering: kk's lines as they come, a status line, hints, a final summary."""

    def __init__(self, stream: IO[str], model: ClusterModel, workdir: Path, log: Path) -> None:
        self.stream = stream
        self.model = model
        self.workdir = workdir
        self.log = log
        self.tty = stream.isatty()
        self.progress = InstallProgress()
        self.progress.start()
        self.hints = HintCollector()
        self.problems: list[str] = []  # [ERRO]/[FATA] lines, for failures without a Pipeline
        self._status_shown = False
        self._in_prompt = False
        self._last_stage = 0
        self._drawn_at = 0.0

    # -- events --------------------------------------------------------------------------

    def on_event(self, event: KkEvent) -> None:
        if isinstance(event, RawLine):
            self._clear_status()
            is_prompt = event.text.rstrip().endswith("[yes/no]:")
            self.stream.write(event.text if is_prompt else event.text + "\n")
            self._in_prompt = is_prompt
        elif isinstance(event, LogLine) and event.level in ("ERRO", "FATA"):
            self.problems.append(event.text)
        changed = self.progress.feed(event)
        for hint in self.hints.feed(event):
            if hint.live:
                self._clear_status()
                self.stream.write(paint(f"kkui hint: {hint.title}: {hint.text}", "yellow",
                                        self.stream) + "\n")
        if not self.tty and self.progress.stage != self._last_stage:
            self.stream.write(f"kkui: stage {self.progress.stage}/{self.progress.total} "
                              f"{self.progress.stage_title}\n")
        self._last_stage = self.progress.stage
        if changed or isinstance(event, RawLine):
            self._draw_status(force=changed)
        self.stream.flush()

    def tick(self) -> None:
        self._draw_status(force=True)
        self.stream.flush()

    def ask(self, prompt: PromptShown) -> bool | None:
        """kk's prompt is already on screen; read the operator's answer like kk would."""
        while True:
            self.stream.flush()
            try:
                answer = input().strip().lower()
            except EOFError:
                return None
            if answer in ("yes", "y"):
                return True
            if answer in ("no", "n"):
                return False
            self.stream.write(prompt.text)

    # -- status line -----------------------------------------------------------------------

    def _draw_status(self, force: bool = False) -> None:
        if not self.tty or self._in_prompt or self.progress.outcome:
            return
        now = time.monotonic()
        if not force and now - self._drawn_at < 0.1:  # kk can print thousands of lines/s
            return
        self._drawn_at = now
        width = shutil.get_terminal_size((100, 20)).columns - 1
        line = "kkui " + self.progress.status_line()
        self.stream.write("\r\x1b[K" + paint(line[:width], "dim", self.stream))
        self._status_shown = True

    def _clear_status(self) -> None:
        if self._status_shown:
            self.stream.write("\r\x1b[K")
            self._status_shown = False

    # -- summary ---------------------------------------------------------------------------

    def finish(self, proc: KkProcess) -> None:
        self._clear_status()
        p, w = self.progress, self.stream
        elapsed = format_elapsed(p.elapsed)
        if self._in_prompt:
            w.write("\n")
        if proc.cancelled:
            w.write("\n" + paint(f"kkui: install interrupted after {elapsed} "
                          f"(stage {p.stage}/{p.total} {p.stage_title}); kk was stopped.",
                          "yellow", w) + "\n")
            w.write(f"  Running the install again resumes; kk's work dir: {self.workdir}/kubekey\n")
        elif proc.declined:
            w.write("\nkkui: install cancelled: you answered no at kk's prompt. Nothing was "
                    "changed on the hosts after kk's own precheck.\n")
        elif proc.returncode == 0:
            self._success(elapsed)
        else:
            self._failure(elapsed, proc.returncode)
        w.write(f"  Full output: {self.log}\n")
        w.flush()

    def _success(self, elapsed: str) -> None:
        w = self.stream
        w.write("\n" + paint(f"kkui: cluster installed in {elapsed}.", "green", w) + "\n")
        first = self.model.control_plane_hosts[:1]
        w.write("Next steps:\n")
        if first:
            h = first[0]
            home = "/root" if h.user == "root" else f"/home/{h.user}"
            w.write(f"  The kubeconfig is on the control-plane nodes: {home}/.kube/config "
                    f"(also /etc/kubernetes/admin.conf), e.g. on {h.name} ({h.address}).\n")
            w.write(f"  ssh -p {h.port} {h.user}@{h.address} kubectl get nodes\n")
            w.write(f"  or here: scp -P {h.port} {h.user}@{h.address}:{home}/.kube/config "
                    "~/.kube/config && kubectl get nodes\n")
        w.write("  kubectl get pod -A        # all system pods Running\n")

    def _failure(self, elapsed: str, code: int | None) -> None:
        w, p = self.stream, self.progress
        failure = self.hints.failure
        module = (failure.module if failure and failure.module else p.module) or "?"
        w.write("\n" + paint(f"kkui: kk failed (exit {code}) after {elapsed} in {module} "
                      f"(stage {p.stage}/{p.total} {p.stage_title}).", "red", w) + "\n")
        if failure and failure.hosts:
            for host, task, reason in failure.hosts:
                lines = [line.strip()[:200] for line in reason.splitlines() if line.strip()]
                w.write(f"  {host}: {task + ': ' if task else ''}{lines[0] if lines else ''}\n")
                for line in lines[1:4]:
                    w.write(f"      {line}\n")
        elif self.problems:
            for text in self.problems[-5:]:
                w.write(f"  {text}\n")
        hints: list[Hint] = self.hints.best()
        for hint in hints:
            w.write(paint(f"Hint: {hint.title}", "yellow", w) + f"\n  {hint.text}\n")
        w.write(f"  kk's own log: {self.workdir}/kubekey/logs/kubekey.log\n")


class JsonConsole:
    """``--json``: one JSON object per event on stdout (``{"event": "TaskStarted", ...}``)."""

    def on_event(self, event: KkEvent) -> None:
        data = {"event": type(event).__name__, **dataclasses.asdict(event)}
        sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
        sys.stdout.flush()

    def ask(self, prompt: PromptShown) -> bool | None:  # pragma: no cover - --json needs --yes
        return None

    def tick(self) -> None:
        pass

    def finish(self, proc: KkProcess) -> None:
        pass

