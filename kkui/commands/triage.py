"""``kkui triage``: why did kk fail, on which host, and what to do now."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from kkui.commands._common import print_json
from kkui.commands.console import console, untrusted
from kkui.core.errors import ConfigError, os_reason
from kkui.i18n import L_, N_, _, shown

EPILOG = N_("""\
input: FILE, or - for stdin (a paste, also a partial one); without FILE, stdin when it is
not a terminal, else ./kubekey/logs/kubekey.log (kk's own log in its work dir).

Reads kk's console output in every format kk has printed (v1 logrus, v2/v3, the v2-v3.0
"retires" misspelling, partial pastes, a hang on a sudo prompt) and prints the outcome, the
failed module/task and hosts, and the known causes found, most likely first, each with the
exact commands that fix it and the public kubekey issues behind it.

-f CONFIG tells triage the zone (spec.kk.zone) and masks the config's passwords in the output;
with --collect it also gathers evidence from the failed hosts over SSH (read-only, bounded:
journalctl of kubelet/containerd/etcd/docker, crictl ps -a, ss -ltnp, df, clock, /etc/hosts)
and uses it (e.g. a kubelet cgroup-driver mismatch found in the journal).

exit status: 0 a report was printed (whatever kk's outcome), 2 unreadable input or config.

examples:
  kkui triage kkui-work/sample/logs/kkui-20260101-101500.log
  kkui triage ./kubekey/logs/kubekey.log --json
  xclip -o | kkui triage -                      # a paste from an issue thread
  kkui triage install.log -f config-sample.yaml --collect
""")

# kk writes its log file with the console's formatter (kk v3.1.12
# cmd/kk/pkg/core/logger/logger.go:42-73), so one reader serves both
DEFAULT_LOG = Path("kubekey") / "logs" / "kubekey.log"
MAX_INPUT = 256 * 1024 * 1024  # kk logs of a big install are a few MiB; refuse runaway input


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "triage", help="explain a kk failure from its log: cause, hosts, fix",
        description=_("Triage a kk console log: outcome, failed module/task/hosts and the "
                      "known causes with their fixes, most likely first."),
        epilog=_(EPILOG), formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("log", nargs="?", metavar="FILE|-",
                        help=_("kk output to read (- = stdin; default: stdin or "
                               "./{log})").format(log=DEFAULT_LOG))
    parser.add_argument("--json", action="store_true",
                        help=_("print the report as JSON (stable contract, see README)"))
    parser.add_argument("-f", "--config", metavar="CONFIG",
                        help=_("the cluster config (zone, secrets to mask, hosts for "
                               "--collect)"))
    parser.add_argument("--zone", choices=("cn", "global"),
                        help=_("the KKZONE kk ran with (default: spec.kk.zone of -f, "
                               "$KKZONE)"))
    parser.add_argument("--collect", action="store_true",
                        help=_("gather evidence from the failed hosts over SSH (needs -f)"))
    parser.set_defaults(func=run)


def read_log(name: str | None) -> tuple[str, str]:
    """The log text and a name for it; ConfigError (exit 2) when it cannot be read."""
    if name == "-" or (name is None and not sys.stdin.isatty()):
        data = sys.stdin.buffer.read(MAX_INPUT + 1)
        source = "<stdin>"
    else:
        path = Path(name) if name else DEFAULT_LOG
        if name is None and not path.exists():
            raise ConfigError(L_("no FILE given, stdin is a terminal and there is no ./{log} "
                                 "here: pass the log file, or - to read a paste from stdin",
                                 log=str(DEFAULT_LOG)))
        try:
            with open(path, "rb") as handle:
                data = handle.read(MAX_INPUT + 1)
        except OSError as exc:
            raise ConfigError(L_("{path}: cannot read ({error}): give a readable kk log file",
                                 path=str(path), error=os_reason(exc))) from None
        source = str(path)
    if len(data) > MAX_INPUT:
        raise ConfigError(L_("{source}: larger than {mib} MiB: pass the end of it "
                             "(`tail -n 5000 {source} | kkui triage -`)", source=source,
                             mib=MAX_INPUT >> 20))
    return data.decode("utf-8", errors="replace"), source


def run(args: argparse.Namespace) -> int:
    from kkui.core.kk.redact import Redactor
    from kkui.core.kk.triage import Triage, split_lines
    from kkui.core.kk.triage.report import render_text

    text, source = read_log(args.log)
    model = _model(args.config) if args.config else None
    if args.collect and model is None:
        raise ConfigError(L_("--collect needs -f CONFIG: the hosts and their SSH credentials "
                             "come from the config"))
    zone = None  # unknown: only the log itself can show the cn zone
    if args.zone or os.environ.get("KKZONE") or model is not None:
        from kkui.core.download import resolve_zone

        zone = resolve_zone(args.zone, os.environ, model.kkui.zone if model else None)
    engine = Triage(zone=zone)
    for line in split_lines(text):
        engine.feed_line(line)
    notes: list[str] = []
    if args.collect and model is not None:
        from kkui.core.kk.evidence import collect_evidence

        evidence = collect_evidence(model, engine.report().failed_hosts)
        for item in evidence.hosts:
            engine.feed_evidence(item.host, item.text)
        notes = evidence.notes
        if not evidence.hosts and not notes:
            notes = [L_("no failed host to collect evidence from (kk failed on its own "
                        "machine, or the log names no host)")]
    report = engine.report()
    secrets = _secrets(model) if model is not None else []
    redact = Redactor(secrets)
    if args.json:
        data = report.to_json()
        if notes:
            data["collect_notes"] = notes
        print_json(_redacted(data, redact))
    else:
        # the report quotes kk's log: cleaned text, never markup; the terminal wraps it
        con = console(sys.stdout)
        con.print(untrusted(redact(render_text(report, source=source))), end="",
                  soft_wrap=True)
        for note in notes:
            con.print(untrusted(redact(_("note: {note}").format(note=shown(note)))),
                      soft_wrap=True)
    return 0


def _model(path: str) -> Any:
    from kkui.core.config import ClusterDocument

    return ClusterDocument.load(path).model()


def _secrets(model: Any) -> list[str]:
    from kkui.core.install.plan import secrets_of

    return list(secrets_of(model))


def _redacted(value: Any, redact: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [_redacted(v, redact) for v in value]
    if isinstance(value, dict):
        return {k: _redacted(v, redact) for k, v in value.items()}
    return value
