"""Take only the ``kk`` binary out of a release tarball, refusing anything suspicious."""

from __future__ import annotations

import contextlib
import os
import tarfile
import tempfile
import zlib
from pathlib import Path, PurePosixPath

from kkui.core.errors import KkuiError
from kkui.i18n import L_

MAX_KK_SIZE = 512 * 1024 * 1024  # kk is ~80 MB; a bigger member is not kk (or is a bomb)


class TarballError(KkuiError):
    pass


def _unsafe_reason(member: tarfile.TarInfo) -> str | None:
    path = PurePosixPath(member.name)
    if member.name.startswith("/") or path.is_absolute():
        return L_("has an absolute path")
    if ".." in path.parts:
        return L_("climbs out of the directory with '..'")
    if member.issym() or member.islnk():
        return L_("is a link (to {target})", target=repr(member.linkname))
    if member.isdev():
        return L_("is a device or FIFO entry")
    if not (member.isfile() or member.isdir()):
        return L_("is not a regular file")
    return None


def extract_kk(tarball: str | os.PathLike[str], dest_dir: str | os.PathLike[str]) -> Path:
    """Write ``dest_dir/kk`` (0755) from the tarball's ``kk`` member; nothing else is written.

    The whole archive is refused when any entry is absolute, contains ``..``, is a link or a
    device: a genuine kk release holds only the ``kk`` file.
    """
    src = Path(tarball)
    dest = Path(dest_dir)
    try:
        archive = tarfile.open(src, "r:*")  # noqa: SIM115 - closed by the with below
    except (EOFError, zlib.error) as exc:  # a gzip stream cut short
        raise TarballError(L_("{path} is damaged or incomplete ({error})", path=str(src),
                              error=str(exc))) from None
    except (tarfile.TarError, OSError) as exc:
        # tarfile's "r:*" error lists every method it tried, one per line: keep the first line
        raise TarballError(L_("{path} is not a readable tar.gz archive ({error})",
                              path=str(src),
                              error=str(exc).splitlines()[0].rstrip(":") if str(exc)
                              else type(exc).__name__)) from None
    with archive:
        try:
            members = archive.getmembers()
        except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
            raise TarballError(L_("{path} is damaged or incomplete ({error})", path=str(src),
                                  error=str(exc))) from None
        for member in members:
            reason = _unsafe_reason(member)
            if reason:
                raise TarballError(L_("refusing {path}: entry {entry} {reason}; a kk release "
                                      "tarball contains only the kk binary", path=str(src),
                                      entry=repr(member.name), reason=reason))
        kk = [m for m in members if m.isfile() and PurePosixPath(m.name).parts[-1:] == ("kk",)
              and len(PurePosixPath(m.name).parts) <= 2]
        if not kk:
            names = ", ".join(m.name for m in members[:5]) or L_("nothing")
            raise TarballError(L_("{path} has no 'kk' file (it contains: {names}); is this a "
                                  "kubekey-<version>-linux-<arch>.tar.gz release tarball?",
                                  path=str(src), names=names))
        member = kk[0]
        if member.size > MAX_KK_SIZE:
            raise TarballError(L_("refusing {path}: its kk entry is {size} bytes",
                                  path=str(src), size=member.size))
        source = archive.extractfile(member)
        if source is None:  # pragma: no cover - isfile() members always have data
            raise TarballError(L_("{path}: cannot read its kk entry", path=str(src)))
        dest.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".kk.", dir=dest)
        try:
            with os.fdopen(fd, "wb") as out, source:
                written = 0
                while chunk := source.read(1 << 20):
                    written += len(chunk)
                    if written > MAX_KK_SIZE:
                        raise TarballError(L_("refusing {path}: kk entry larger than "
                                              "announced", path=str(src)))
                    out.write(chunk)
            os.chmod(tmp, 0o755)
            target = dest / "kk"
            os.replace(tmp, target)
        except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise TarballError(L_("{path} is damaged ({error})", path=str(src),
                                  error=str(exc))) from None
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
    return target
