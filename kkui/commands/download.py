"""``kkui download``: fetch, verify and cache the kk v3 binary."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any

from kkui.commands._common import load_config, print_json
from kkui.core.download.release import (
    DEFAULT_KK_VERSION,
    host_arch,
    normalize_version,
    release_url,
    resolve_zone,
)
from kkui.i18n import N_, _

if TYPE_CHECKING:  # httpx loads when kk is downloaded, not for --help
    from kkui.core.download import DownloadProgress, KkBinary

EPILOG = N_("""\
where kk comes from (the official release layout, shared by both zones and any mirror):
  global  https://github.com/kubesphere/kubekey/releases/download/<version>/kubekey-<version>-linux-<arch>.tar.gz
  cn      https://kubernetes.pek3b.qingstor.com/kubekey/releases/download/<version>/...
  --base-url URL  ->  URL/<version>/kubekey-<version>-linux-<arch>.tar.gz

zone: --zone, else $KKZONE, else spec.kk.zone of kkui's document (-f/--profile), else global.
The binary is cached in $XDG_CACHE_HOME/kkui/kk/<version>/linux-<arch>/kk (default ~/.cache).

integrity: kk v3 releases publish no checksum. kkui pins the sha256 of the first download
of each version/arch in $XDG_CACHE_HOME/kkui/kk/kk-sha256.lock.json; every later download
must match it. --sha256 checks a digest you got from a trusted place instead.

A cut download resumes from its .part file; connection errors and HTTP 5xx are retried.
kk v4 is refused: it reads a different config format (kkui drives kk v3).

examples:
  kkui download                                  # {version}, this machine's arch
  kkui download --zone cn --dest .               # from the China mirror, copy ./kk
  kkui download --arch arm64 --version v3.1.10
  kkui download --from-file kubekey-{version}-linux-amd64.tar.gz   # air-gapped host
  kkui download --json | jq -r .path
""")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "download", help=_("download (or import) the kk v3 binary and verify it"),
        description=_("Get the KubeKey v3 binary (kk): download it with resume and retries, "
                      "check its sha256, extract only the kk file, and cache it per "
                      "version/arch."),
        epilog=_(EPILOG).format(version=DEFAULT_KK_VERSION),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    add_download_args(parser)
    parser.add_argument("-f", "--config", metavar="FILE",
                        help=_("read spec.kk.version/zone from kkui's document in FILE"))
    parser.add_argument("--profile", metavar="NAME", help=argparse.SUPPRESS)
    parser.add_argument("--version", dest="kk_version", metavar="VERSION",
                        help=_("kk release (default: the config's spec.kk.version, else "
                               "{version}); v4 is refused").format(version=DEFAULT_KK_VERSION))
    parser.add_argument("--arch", choices=("amd64", "arm64"),
                        help=_("binary architecture (default: from `uname -m`)"))
    parser.add_argument("--dest", metavar="DIR", help=_("also put a copy of kk in DIR"))
    parser.add_argument("--sha256", metavar="HEX", help=_("expected sha256 of the tarball"))
    parser.add_argument("--from-file", metavar="TARBALL",
                        help=_("install from a kubekey-*.tar.gz already on disk (no network)"))
    parser.add_argument("--refresh", action="store_true",
                        help=_("download again even when the cache has this version"))
    parser.add_argument("--json", action="store_true", help=_("print the result as JSON"))
    parser.set_defaults(func=run)


def add_download_args(parser: argparse.ArgumentParser) -> None:
    """Options shared with ``kkui install``."""
    parser.add_argument("--zone", choices=("cn", "global"),
                        help=_("download mirror, and KKZONE for kk (default: $KKZONE, else the "
                               "config's spec.kk.zone, else global)"))
    parser.add_argument("--base-url", metavar="URL",
                        help=_("private mirror or test server with the release layout"))


def run(args: argparse.Namespace) -> int:
    from kkui.core.download import obtain_kk

    config_zone = None
    version = args.kk_version
    if args.config or args.profile:
        settings = load_config(args).model().kkui
        config_zone = settings.zone
        version = version or settings.kk_version
    version = normalize_version(version or DEFAULT_KK_VERSION)
    zone = resolve_zone(args.zone, os.environ, config_zone)
    arch = args.arch or host_arch()
    quiet = args.json
    if not quiet and not args.from_file:
        from kkui.commands.console import console, line

        where = "--base-url" if args.base_url else _("{zone} zone").format(zone=zone)
        line(console(sys.stderr), f"kk {version} linux/{arch} ({where}): "
             f"{release_url(version, arch, zone, args.base_url)}")
    result = obtain_kk(version, zone=zone, arch=arch, base_url=args.base_url,
                       sha256=args.sha256, from_file=args.from_file, dest=args.dest,
                       on_progress=None if quiet else progress_printer(sys.stderr),
                       refresh=args.refresh)
    if args.json:
        print_json(result_dict(result, zone))
    else:
        print_result(result, sys.stdout)
    return 0


def result_dict(result: KkBinary, zone: str) -> dict[str, Any]:
    from kkui.core.download import lock_path

    return {"path": str(result.path), "version": result.version, "arch": result.arch,
            "zone": zone, "sha256": result.sha256, "source": result.source,
            "from_cache": result.from_cache, "pinned_now": result.pinned_now,
            "copied_to": str(result.copied_to) if result.copied_to else None,
            "lock_file": str(lock_path())}


def print_result(result: KkBinary, stream: IO[str]) -> None:
    from kkui.commands.console import console, line, styled
    from kkui.core.download import lock_path

    con = console(stream)
    origin = _("cached") if result.from_cache else _("from {source}").format(
        source=result.source)
    line(con, styled(f"kk {result.version} linux/{result.arch}", "bold"),
         f": {result.path} ({origin})")
    pin = (_("pinned now in {lock}").format(lock=lock_path()) if result.pinned_now
           else _("matches the pinned/expected digest"))
    line(con, "sha256 ", styled(result.sha256, "green"), f" ({pin})")
    if result.copied_to:
        line(con, _("copied to {path}").format(path=result.copied_to))


def progress_printer(stream: IO[str]) -> Callable[[DownloadProgress], None] | None:
    """A rich progress bar (bytes, rate, ETA, retries) on a terminal (without colour under
    ``NO_COLOR``); nothing on a pipe or ``TERM=dumb``. Redrawn on each report of the download
    (no refresh thread), taken down when the bytes are all there or kkui exits."""
    import atexit

    from kkui.commands.console import console, is_live

    if not is_live(stream):
        return None
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

    bar = Progress(TextColumn("kk"), BarColumn(), DownloadColumn(binary_units=True),
                   TextColumn("{task.fields[rate]}"), TextColumn("{task.fields[eta]}"),
                   TextColumn("{task.fields[retry]}", style="yellow"),
                   console=console(stream), auto_refresh=False, transient=False)
    task = bar.add_task("kk", total=None, rate="", eta="", retry="")
    atexit.register(bar.stop)  # a failed download must not leave the cursor hidden

    def show(p: DownloadProgress) -> None:
        if not bar.live.is_started:
            bar.start()
        eta = f"ETA {int(p.eta) // 60}:{int(p.eta) % 60:02d}" if p.eta is not None else ""
        retry = _("attempt {n}").format(n=p.attempt) if p.attempt > 1 else ""
        bar.update(task, completed=p.received, total=p.total, rate=f"{_mib(p.rate)} MiB/s",
                   eta=eta, retry=retry)
        bar.refresh()
        if p.total and p.received >= p.total:
            bar.stop()

    return show


def _mib(n: float | None) -> str:
    return f"{(n or 0) / 1048576:.1f}"
