"""``kkui bundle``: one secret-free archive to attach to a bug report or send to a helper."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from kkui.core.errors import ConfigError
from kkui.i18n import L_, N_, _, shown

EPILOG = N_("""\
contents (kkui-bundle/ in the archive):
  config.yaml   the config with every password, key and token replaced by ******
  kk.log        the kk log (--log, else the newest WORKDIR/logs/install-*.log, else
                WORKDIR/kubekey/logs/kubekey.log), masked the same way
  triage.json   `kkui triage --json` of that log, using the host evidence
  triage.txt    the same report as text
  evidence/     per failed host, over SSH, read-only and bounded: journalctl (kubelet,
                containerd, etcd, docker), crictl ps -a, ss -ltnp, df -h, clock, /etc/hosts
  versions.txt  kkui, python, OS and kk versions

Every member is checked for the config's secrets before anything is written; the archive
is written mode 0600 through a temp file and a rename (never through a symbolic link).

exit status: 0 written, 1 refused (a secret survived masking) or not writable, 2 bad config.

examples:
  kkui bundle -f config-sample.yaml
  kkui bundle -f config-sample.yaml -o /tmp/support.tar.gz --log install.log
  kkui bundle -f config-sample.yaml --no-collect       # no SSH: config, log, triage only
""")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "bundle", help=_("a secret-free support bundle: config, kk log, triage, host evidence"),
        description=_("Pack the redacted config, the kk log, its triage report, evidence from "
                      "the failed hosts and the versions into one .tar.gz (mode 0600)."),
        epilog=_(EPILOG), formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-f", "--config", metavar="CONFIG", required=True,
                        help=_("the cluster config"))
    parser.add_argument("-o", "--output", metavar="FILE.tar.gz",
                        help=_("where to write (default ./kkui-bundle-<name>-<time>.tar.gz)"))
    parser.add_argument("--log", metavar="FILE", help=_("the kk log to include and triage"))
    parser.add_argument("--workdir", metavar="DIR",
                        help=_("kkui's work dir for this cluster (default kkui-work/<name>)"))
    parser.add_argument("--no-collect", action="store_true",
                        help=_("do not SSH into the failed hosts for evidence"))
    parser.set_defaults(func=run)


def find_log(workdir: Path) -> Path | None:
    logs = sorted((workdir / "logs").glob("install-*.log"), key=lambda p: p.stat().st_mtime)
    logs = logs or sorted((workdir / "logs").glob("kkui-*.log"), key=lambda p: p.stat().st_mtime)
    if logs:
        return logs[-1]
    kk_log = workdir / "kubekey" / "logs" / "kubekey.log"
    return kk_log if kk_log.is_file() else None


def run(args: argparse.Namespace) -> int:
    from kkui.core.config import ClusterDocument
    from kkui.core.download import resolve_zone
    from kkui.core.install.plan import secrets_of
    from kkui.core.kk import bundle as b
    from kkui.core.kk.redact import Redactor
    from kkui.core.kk.triage import Triage, split_lines
    from kkui.core.kk.triage.report import render_text
    from kkui.core.kk.workdir import default_workdir

    doc = ClusterDocument.load(args.config)
    model = doc.model()
    secrets = secrets_of(model)
    redact = Redactor(secrets)
    workdir = Path(args.workdir).expanduser() if args.workdir else \
        default_workdir(model.name, Path(args.config))
    log_path = Path(args.log).expanduser() if args.log else find_log(workdir)
    log_text = ""
    if log_path is not None:
        try:
            log_text = log_path.read_bytes().decode("utf-8", errors="replace")
        except OSError as exc:
            raise ConfigError(L_("--log {path}: cannot read ({error})", path=str(log_path),
                                 error=str(exc.strerror or exc))) from None
    engine = Triage(zone=resolve_zone(None, None, model.kkui.zone))
    for log_line in split_lines(log_text):
        engine.feed_line(log_line)
    content = b.BundleContent()
    notes: list[str] = [] if log_path else [
        L_("no kk log found in {workdir}: pass --log FILE", workdir=str(workdir))]
    hosts: list[str] = []
    if not args.no_collect and log_text:
        from kkui.core.kk.evidence import collect_evidence

        evidence = collect_evidence(model, engine.report().failed_hosts)
        for item in evidence.hosts:
            engine.feed_evidence(item.host, item.text)
            if item.items:
                hosts.append(item.host)
                content.add(f"evidence/{item.host}.txt",
                            b.scrub(b.evidence_member(item.host, item.items, item.derived),
                                    redact))
        notes += evidence.notes
    report = engine.report()
    content.add("README.txt", b.scrub(b.readme_text(str(log_path or "none"), hosts, notes),
                                      redact))
    content.add("config.yaml", b.scrub(doc.to_text(), redact))
    if log_text:
        content.add("kk.log", b.scrub(log_text, redact))
    content.add("triage.json", b.scrub(b.bundle_json(report.to_json()), redact))
    content.add("triage.txt", b.scrub(render_text(report, source=str(log_path or "")), redact))
    content.add("versions.txt", b.scrub(b.versions_text(workdir / "kk", report.kk_version),
                                        redact))
    out = Path(args.output).expanduser() if args.output else \
        Path(f"kkui-bundle-{model.name}-{time.strftime('%Y%m%d-%H%M%S')}.tar.gz")
    written = b.write_bundle(content, out, secrets)
    from kkui.commands.console import console, line, styled

    line(console(sys.stdout), styled(_(
        "kkui: support bundle written: {path} (mode 0600; {files} files; outcome {outcome}, "
        "{findings} finding(s))").format(path=written, files=len(content.members),
                                         outcome=report.outcome,
                                         findings=len(report.findings)), "green"))
    err = console(sys.stderr)
    for note in notes:  # host and file text: cleaned and literal, secrets masked
        line(err, styled(redact(_("note: {note}").format(note=shown(note))), "yellow"))
    return 0
