"""The Chinese catalogs are whole and current (issue #16): every message kkui marks for
translation has a zh_CN translation in exactly one catalog, no translation is left for a message
that is gone, the placeholders of each pair match, and each committed ``.mo`` is its compiled
``.po``.

Extraction is Babel's, with the project's own ``babel.cfg`` (the same as the documented
`pybabel extract` command in kkui/i18n/__init__.py)."""

from __future__ import annotations

import io
import re
import string
import tokenize
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from support.catalog_tool import catalog_tool

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = ROOT / "kkui" / "i18n" / "locale" / "zh_CN" / "LC_MESSAGES"
PO_FILES = sorted(CATALOGS.glob("*.po"))


def extracted_ids(root: Path = ROOT) -> dict[str, str]:
    """Every message id marked in ``root``'s kkui sources -> the first file it is in
    (tools/i18n.py's extraction: the tool and this test agree by construction)."""
    return {key: where for key, (where, _message) in catalog_tool().extracted(root).items()}


def untranslated(ids: dict[str, str], catalog: Catalog) -> list[str]:
    """The ids (a plural: its singular) that have no (complete) translation in ``catalog``,
    with where they are."""
    missing = []
    for key, where in ids.items():
        entry = catalog.get(key)
        strings = entry.string if entry is not None else None
        forms = list(strings) if isinstance(strings, tuple | list) else [strings]
        if entry is None or not all(forms) or entry.fuzzy:
            missing.append(f"{where}: {key!r}")
    return sorted(missing)


def _read(path: Path) -> Catalog:
    with open(path, "rb") as f:
        return read_po(f, locale="zh_CN", domain=path.stem)


@pytest.fixture(scope="module")
def catalogs() -> dict[str, Catalog]:
    return {p.name: _read(p) for p in PO_FILES}


@pytest.fixture(scope="module")
def catalog(catalogs: dict[str, Catalog]) -> Catalog:
    """All catalogs as one (the lookup kkui.i18n does: a chain of them)."""
    merged = Catalog(locale="zh_CN", domain="kkui")
    for part in catalogs.values():
        for m in part:
            if m.id:
                merged[m.id] = m
    return merged


def test_each_message_is_in_one_catalog_only(catalogs: dict[str, Catalog]) -> None:
    assert "kkui.po" in catalogs and len(catalogs) >= 1
    home: dict[str, str] = {}
    twice = []
    for name, part in catalogs.items():
        for m in part:
            key = m.id if isinstance(m.id, str) else m.id[0]
            if key and key in home:
                twice.append(f"{key!r}: {home[key]} and {name}")
            home.setdefault(key, name)
    assert not twice, "keep one translation of each message:\n" + "\n".join(twice)


@pytest.fixture(scope="module")
def ids() -> dict[str, str]:
    return extracted_ids()


def test_every_marked_message_has_a_chinese_translation(ids, catalog: Catalog) -> None:
    assert len(ids) > 150  # the extraction really ran over kkui (not an empty directory)
    missing = untranslated(ids, catalog)
    assert not missing, ("translate these in a catalog of kkui/i18n/locale/zh_CN/LC_MESSAGES/ "
                         "(python tools/i18n.py missing --into AREA.po; commands in "
                         "kkui/i18n/__init__.py):\n" + "\n".join(missing))


def test_no_translation_is_left_for_a_message_that_is_gone(ids, catalog: Catalog) -> None:
    wanted = set(ids)
    unused = sorted(m.id if isinstance(m.id, str) else m.id[0] for m in catalog
                    if m.id and (m.id if isinstance(m.id, str) else m.id[0]) not in wanted)
    assert not unused, f"no code uses these any more (python tools/i18n.py prune): {unused}"


def test_a_new_untranslated_string_is_caught(tmp_path: Path, catalog: Catalog) -> None:
    """What the first test does when someone adds ``_("...")`` without a translation."""
    pkg = tmp_path / "kkui" / "commands"
    pkg.mkdir(parents=True)
    (pkg / "new.py").write_text('from kkui.i18n import _\nprint(_("verifying {name}: {checks} '
                                'checks on {hosts} hosts (read-only)"))\n'
                                'print(_("a brand-new message nobody translated"))\n')
    missing = untranslated(extracted_ids(tmp_path), catalog)
    assert missing == ["kkui/commands/new.py: 'a brand-new message nobody translated'"]


def _fields(text: str) -> list[str]:
    """The ``{name}`` placeholders of a str.format template, sorted."""
    return sorted(f"{name}:{spec}" for _lit, name, spec, _conv in string.Formatter().parse(text)
                  if name is not None)


def test_placeholders_match(catalog: Catalog) -> None:
    # %-style (argparse's ids): Babel's own checkers (python_format)
    problems = [f"{m.id!r}: {errors}" for m, errors in catalog.check()]
    # {}-style (kkui's ids): the same names and format specs in both languages
    for m in catalog:
        if not m.id:
            continue
        ids = [m.id] if isinstance(m.id, str) else list(m.id)
        strings = [m.string] if isinstance(m.string, str) else list(m.string)
        for translated in strings:
            if _fields(ids[-1]) != _fields(translated) and _fields(ids[0]) != _fields(translated):
                problems.append(f"{m.id!r}: {_fields(ids[0])} vs {_fields(translated)}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("po", PO_FILES, ids=lambda p: p.name)
def test_the_committed_mo_is_the_compiled_po(po: Path) -> None:
    compiled = io.BytesIO()
    write_mo(compiled, _read(po))
    mo = po.with_suffix(".mo")
    assert mo.exists() and mo.read_bytes() == compiled.getvalue(), \
        f"{mo.name} is stale: python tools/i18n.py compile"


def test_every_compiled_catalog_has_its_source() -> None:
    orphans = [mo.name for mo in CATALOGS.glob("*.mo") if not mo.with_suffix(".po").exists()]
    assert not orphans, f"a .mo without its .po is loaded but cannot be reviewed: {orphans}"


def test_a_lazy_message_is_english_in_json_and_chinese_when_shown() -> None:
    import json

    from kkui import i18n

    message = i18n.L_("{what}: {value}", what=i18n.L_("usage: "), value=3)
    try:
        i18n.set_language("zh")
        assert json.dumps({"m": message}) == '{"m": "usage: : 3"}'
        assert i18n.shown(message) == "用法: : 3"
        assert i18n.shown("usage: ") == "usage: "  # plain text is data: unchanged
    finally:
        i18n.set_language("en")
    assert i18n.shown(message) == "usage: : 3"


TRANSLATE_CALL = re.compile(r"\b(?:_|N_|ngettext)\(\s*[rbu]*['\"]")


def test_no_message_literal_inside_an_f_string() -> None:
    """Babel (on Python 3.11) does not look inside f-strings: ``f"{_('x')}"`` would never
    reach the catalog, and the first test could not see it."""
    hits = []
    for path in sorted((ROOT / "kkui").rglob("*.py")):
        with open(path, "rb") as f:
            for tok in tokenize.tokenize(f.readline):
                if tok.type == tokenize.STRING and re.match(r"[rbRB]*[fF]", tok.string) \
                        and TRANSLATE_CALL.search(tok.string):
                    hits.append(f"{path.relative_to(ROOT)}:{tok.start[0]}")
    assert not hits, f"use _('... {{x}}').format(x=...) instead: {hits}"


def test_every_catalog_of_the_language_is_looked_up(tmp_path: Path, monkeypatch) -> None:
    """A message translated only in a second catalog (e.g. tui.po) is found too."""
    from kkui import i18n

    folder = tmp_path / "zh_CN" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    for name, (msgid, msgstr) in {"kkui": ("usage: ", "用法: "),
                                  "tui": ("Hosts", "节点")}.items():
        part = Catalog(locale="zh_CN", domain=name)
        part.add(msgid, msgstr)
        with open(folder / f"{name}.mo", "wb") as f:
            write_mo(f, part)
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    try:
        i18n.set_language("zh")
        assert (i18n._("usage: "), i18n._("Hosts"), i18n._("other")) == ("用法: ", "节点", "other")
    finally:
        monkeypatch.undo()
        i18n.set_language("en")
