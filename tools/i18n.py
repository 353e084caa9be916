"""Maintain kkui's Chinese catalogs (issue #16): one ``.po`` per area of kkui in
``kkui/i18n/locale/zh_CN/LC_MESSAGES/``, each compiled to the ``.mo`` beside it.

    python tools/i18n.py missing [--into AREA.po] [PATH ...]   # ids with no translation
    python tools/i18n.py compile                                # every .po -> .mo
    python tools/i18n.py prune                                  # drop ids no code uses

``missing`` lists the marked messages under PATH (default: all of kkui) that no catalog
translates; with ``--into`` it appends them to that catalog with an empty ``msgstr`` to fill
in (the file is created when new). Extraction is Babel's with the project's ``babel.cfg`` —
the same that tests/i18n/test_catalog.py runs. Needs the test extras (Babel).
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
CATALOGS = ROOT / "kkui" / "i18n" / "locale" / "zh_CN" / "LC_MESSAGES"


def extracted(root: Path = ROOT) -> dict[str, tuple[str, str | tuple[str, ...]]]:
    """Every marked message id under ``root``/kkui -> the first file it is in and the message
    as extracted (plural pairs whole, for new catalog entries)."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: dict[str, tuple[str, str | tuple[str, ...]]] = {}
    for filename, _line, message, _comments, _context in extract_from_dir(
            str(root), method_map, options_map):
        key = message[0] if isinstance(message, tuple) else message
        found.setdefault(key, (filename, message))
    return found


def read(path: Path) -> Catalog:
    with open(path, "rb") as f:
        return read_po(f, locale="zh_CN", domain=path.stem)


def catalogs() -> dict[Path, Catalog]:
    return {p: read(p) for p in sorted(CATALOGS.glob("*.po"))}


def write(path: Path, catalog: Catalog) -> None:
    out = io.BytesIO()
    write_po(out, catalog, width=100, omit_header=False, sort_output=False, no_location=True)
    tmp = path.with_suffix(".po.tmp")
    tmp.write_bytes(out.getvalue())
    tmp.replace(path)


def compiled(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def translated(entry: object) -> bool:
    strings = getattr(entry, "string", None)
    forms = list(strings) if isinstance(strings, tuple | list) else [strings]
    return all(forms) and not getattr(entry, "fuzzy", False)


def cmd_missing(args: argparse.Namespace) -> int:
    wanted: dict[str, str | tuple[str, ...]] = {}
    where: dict[str, str] = {}
    for key, (filename, message) in extracted().items():
        if not args.paths or any(filename.startswith(p.rstrip("/")) for p in args.paths):
            wanted[key] = message
            where[key] = filename
    known = catalogs()
    missing = [k for k in wanted
               if not any(k in c and translated(c[k]) for c in known.values())]
    for key in missing:
        print(f"{where[key]}: {key!r}")
    if args.into and missing:
        path = CATALOGS / args.into
        catalog = known.get(path) or Catalog(locale="zh_CN", domain=path.stem,
                                             project="kkui", fuzzy=False)
        for key in missing:
            if key not in catalog:
                catalog.add(wanted[key], string=("", "") if isinstance(wanted[key], tuple)
                            else "")
        write(path, catalog)
        print(f"{len(missing)} stub(s) added to {path.relative_to(ROOT)}: fill in msgstr",
              file=sys.stderr)
    return 1 if missing else 0


def cmd_compile(_args: argparse.Namespace) -> int:
    for path, catalog in catalogs().items():
        path.with_suffix(".mo").write_bytes(compiled(catalog))
    for mo in CATALOGS.glob("*.mo"):
        if not mo.with_suffix(".po").exists():
            mo.unlink()
    return 0


def cmd_prune(_args: argparse.Namespace) -> int:
    used = set(extracted())
    for path, catalog in catalogs().items():
        gone = [m.id for m in catalog if m.id and
                (m.id if isinstance(m.id, str) else m.id[0]) not in used]
        for message_id in gone:
            catalog.delete(message_id)
        if gone:
            write(path, catalog)
            print(f"{path.name}: removed {len(gone)}")
    return cmd_compile(_args)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    missing = sub.add_parser("missing", help="list (and stub) untranslated ids")
    missing.add_argument("--into", help="catalog file name to append stubs to, e.g. tui.po")
    missing.add_argument("paths", nargs="*", help="only ids found under these paths (kkui/...)")
    missing.set_defaults(func=cmd_missing)
    sub.add_parser("compile", help="compile every .po").set_defaults(func=cmd_compile)
    sub.add_parser("prune", help="remove unused ids, compile").set_defaults(func=cmd_prune)
    args = parser.parse_args()
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
