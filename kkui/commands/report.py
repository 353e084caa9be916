"""``kkui report``: the Markdown handover report of a cluster (issue #16), from its config and
the run history. The content is built by :mod:`kkui.core.handover`; this module only chooses the
language, the history database and where the page goes."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

from kkui.commands._common import add_config_args, valid_document
from kkui.core.errors import shown_error
from kkui.i18n import LANGUAGES, N_, _, set_language

EPILOG = N_("""\
what it contains:
  the topology (hosts, roles, addresses, control-plane endpoint, VIP, LB pair), the versions
  (Kubernetes, kk, container runtime, CNI), the last precheck, install and verify runs, the
  drills and the certificate calendar (the certs check of the last verify) from the run
  history (`kkui history`), where the kk logs and the config are, and the config itself with
  every secret masked. Nothing connects to any host.

examples:
  kkui report -f config-sample.yaml                  # ./kkui-report-<cluster>.md
  kkui report -f config-sample.yaml --lang zh -o 交接报告.md
  kkui report -f config-sample.yaml -o -             # print it
""")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "report", help="a Markdown handover report: topology, versions, last runs, drills",
        description=_("Write a handover report for whoever runs the cluster next."),
        epilog=_(EPILOG), formatter_class=argparse.RawDescriptionHelpFormatter)
    add_config_args(parser)
    # the global `kkui --lang` works too; here it may follow the command word
    parser.add_argument("--lang", choices=LANGUAGES, metavar="zh|en", default=argparse.SUPPRESS,
                        help=_("language of the report (default: as kkui's messages)"))
    parser.add_argument("-o", "--output", metavar="FILE",
                        help=_("where to write it (a directory: the default name in it); - "
                               "prints it (default: ./kkui-report-<cluster>.md)"))
    parser.add_argument("--db", metavar="FILE",
                        help=_("the run history database (default: $KKUI_DB, else "
                               "~/.local/share/kkui/kkui.db)"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kkui import __version__
    from kkui.core.handover import HandoverInputs, build_report, default_output
    from kkui.core.runs import HistoryError, connect, default_db_path

    if getattr(args, "lang", None):
        set_language(args.lang)
    doc = valid_document(args)
    if doc is None:
        return 2
    model = doc.model()
    db_path = Path(args.db).expanduser() if args.db else default_db_path()
    conn = None
    if db_path.exists():
        try:
            conn = connect(db_path)
        except HistoryError as exc:
            print(_("kkui: run history not read: {error}").format(error=shown_error(exc)),
                  file=sys.stderr)
    inputs = HandoverInputs(model=model, config_text=doc.to_text(),
                            config_path=str(Path(doc.path).resolve()) if doc.path else None,
                            db_path=str(db_path), now=time.time(), kkui_version=__version__)
    try:
        text = build_report(inputs, conn)
    finally:
        if conn is not None:
            conn.close()
    if args.output == "-":
        sys.stdout.write(text)
        return 0
    out = Path(args.output) if args.output else default_output(model)
    if args.output and (args.output.endswith(os.sep) or out.is_dir()):
        out = out / default_output(model).name  # -o DIR/: the default name inside it
    from kkui.core.fsutil import atomic_write

    # the one safe writer (a planted link or a directory in its place is refused); a report
    # holds no secret: readable like any document, no .bak of an older report
    atomic_write(out, text, mode=0o644, keep_backup=False)
    print(_("kkui: report written to {path}").format(path=out), file=sys.stderr)
    return 0
