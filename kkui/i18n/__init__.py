"""kkui's languages (issue #16): English and 简体中文, with standard gettext catalogs.

The Chinese catalogs are the ``locale/zh_CN/LC_MESSAGES/*.po`` files (the sources, edited by
people; one per area of kkui, e.g. ``kkui.po``, ``config.po``, ``tui.po``) and the ``.mo`` beside
each (compiled, committed, loaded here with the standard library's :mod:`gettext`: no runtime
dependency). A message id lives in exactly one of them. English is the message ids themselves.

Which language: ``--lang zh|en`` (kkui/cli.py calls :func:`set_language`), else ``KKUI_LANG``,
else the POSIX locale variables ``LC_ALL``, ``LC_MESSAGES``, ``LANG`` (first one set wins, as in
setlocale(3)); ``zh*`` means Chinese, anything else English.

Translation happens at presentation time only: ``--json`` output, run records and check ids are
never translated. Strings declared at import time (registries, tables) are marked with
:func:`N_` and translated where they are shown with :func:`_`. Text the core builds from values
(a validation problem, a precheck detail, a triage finding) is an :class:`L_` message: an English
``str`` (what ``--json`` and the records get) that remembers its template and values, so the CLI
and the TUI show it in the user's language with :func:`shown`.

Re-extract and compile after changing strings (Babel, in the test extras)::

    python tools/i18n.py missing --into config.po kkui/core/config   # stubs for new ids
    # translate the new entries (empty msgstr) in that .po, then:
    python tools/i18n.py compile        # every .po -> .mo
    python tools/i18n.py prune          # drop entries no code uses any more

Strings inside f-strings are not extracted: write ``_("... {name}").format(name=...)``.

tests/i18n checks that every id has a translation, none is unused, placeholders match, and the
committed ``.mo`` is the compiled ``.po``.
"""

from __future__ import annotations

import argparse
import gettext
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "kkui"  # the first catalog; the others are the other .mo files of the language
LANGUAGES = ("en", "zh")
# gettext catalog directory of each language (English needs none: the ids are English)
CATALOG = {"zh": "zh_CN"}
LOCALE_VARS = ("LC_ALL", "LC_MESSAGES", "LANG")

_translations: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"
_chosen = False
_ARGPARSE_SPLIT = argparse.HelpFormatter._split_lines
_ARGPARSE_RAW_FILL = argparse.RawDescriptionHelpFormatter._fill_text


def normalize(value: str | None) -> str | None:
    """``zh``, ``zh_CN.UTF-8``, ``zh-Hans`` -> ``zh``; ``en``, ``C``, ``fr_FR`` -> ``en``;
    empty -> None (not set)."""
    if not value or not value.strip():
        return None
    return "zh" if value.strip().lower().startswith("zh") else "en"


def resolve(cli: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The language: ``--lang``, then ``KKUI_LANG``, then LC_ALL/LC_MESSAGES/LANG, then English."""
    env = os.environ if environ is None else environ
    for value in (cli, env.get("KKUI_LANG"), *(env.get(v) for v in LOCALE_VARS)):
        language = normalize(value)
        if language is not None:
            return language
    return "en"


def set_language(language: str | None = None) -> str:
    """Switch kkui's messages to ``language`` (``zh``/``en``/a locale name; None: from the
    environment). Returns the language now in use."""
    global _translations, _language, _chosen
    _language = resolve(language)
    catalog = CATALOG.get(_language)
    _translations = _load(catalog) if catalog else gettext.NullTranslations()
    _chosen = True
    _install_argparse()
    return _language


def catalog_domains(catalog: str) -> list[str]:
    """The catalogs (gettext domains) of a language directory: ``kkui`` first, then by name."""
    found = sorted(p.stem for p in (LOCALE_DIR / catalog / "LC_MESSAGES").glob("*.mo"))
    return sorted(found, key=lambda name: (name != DOMAIN, name))


def _load(catalog: str) -> gettext.NullTranslations:
    """All catalogs of ``catalog`` chained: a message is looked up in each in turn."""
    chain: gettext.NullTranslations = gettext.NullTranslations()
    first: gettext.NullTranslations | None = None
    for domain in catalog_domains(catalog):
        part = gettext.translation(domain, LOCALE_DIR, languages=[catalog], fallback=True)
        if first is None:
            first = part
        else:
            first.add_fallback(part)
    return first if first is not None else chain


def language() -> str:
    _ensure()
    return _language


def _ensure() -> None:
    if not _chosen:
        set_language(None)


def _(message: str) -> str:
    """``message`` in the current language (the English id when it has no translation)."""
    _ensure()
    return _translations.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n``, in the current language."""
    _ensure()
    return _translations.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Marks a string for extraction without translating it (it is translated where shown)."""
    return message


class L_(str):  # noqa: N801 - named like _ and N_: Babel extracts its first argument
    """A message built now and shown later: ``L_("{host}: {n} members", host=h, n=3)`` *is* the
    English text (a ``str``: JSON, run records, comparisons and logs get English), and
    :func:`shown` renders it in the user's language. Values that are themselves ``L_`` messages
    are translated too. Concatenating or f-formatting one gives a plain English ``str``."""

    template: str
    values: dict[str, Any]

    def __new__(cls, template: str, /, **values: Any) -> L_:
        text = template.format(**values) if values else template
        message = super().__new__(cls, text)
        message.template = template
        message.values = values
        return message

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore, (self.template, self.values))

    def localized(self) -> str:
        translated = _(self.template)
        if not self.values:
            return translated
        return translated.format(**{k: shown(v) for k, v in self.values.items()})


def _restore(template: str, values: dict[str, Any]) -> L_:
    return L_(template, **values)


def joined(separator: str, parts: Sequence[str]) -> str:
    """``parts`` joined by ``separator``, each part still shown in the user's language: an
    :class:`L_` whose template is placeholders only (no catalog entry needed); as a ``str`` it
    is the plain English join."""
    if len(parts) < 2:
        return parts[0] if parts else ""
    template = separator.join(f"{{part{i}}}" for i in range(len(parts)))
    return L_(template, **{f"part{i}": part for i, part in enumerate(parts)})


def listed(parts: Sequence[str]) -> str:
    """"a", "a and b", "a, b and c" in the user's language."""
    if len(parts) < 2:
        return parts[0] if parts else ""
    return L_("{first} and {second}", first=joined(", ", parts[:-1]), second=parts[-1])


def shown(text: Any) -> Any:
    """``text`` as the user sees it: an :class:`L_` message in the current language; anything
    else unchanged (plain strings are data or already translated)."""
    return text.localized() if isinstance(text, L_) else text


def _install_argparse() -> None:
    """argparse's own words ("usage:", "options", "show this help message and exit", its
    errors) go through module-level ``_``/``ngettext`` looked up at call time; point them at
    kkui's catalog (their ids are listed in kkui/i18n/argparse_ids.py so extraction keeps them)."""
    import argparse

    argparse._ = _  # type: ignore[attr-defined]
    argparse.ngettext = ngettext  # type: ignore[attr-defined]
    # argparse wraps help by characters; Chinese needs columns (two per character) or lines
    # run past the terminal. English keeps argparse's own wrapping, byte for byte.
    # The raw formatter (kkui's descriptions and epilogs) keeps lines as written: a Chinese
    # line wider than the terminal is wrapped by columns, keeping its indentation; ASCII
    # lines (example commands) are never touched.
    formatter: Any = argparse.HelpFormatter
    raw: Any = argparse.RawDescriptionHelpFormatter
    if _language == "zh":
        formatter._split_lines = _split_lines_by_columns
        raw._fill_text = _fill_raw_by_columns
    else:
        if vars(formatter).get("_split_lines") is _split_lines_by_columns:
            formatter._split_lines = _ARGPARSE_SPLIT
        if vars(raw).get("_fill_text") is _fill_raw_by_columns:
            raw._fill_text = _ARGPARSE_RAW_FILL


def _fill_raw_by_columns(self: Any, text: str, width: int, indent: str) -> str:
    from kkui.i18n.width import cells, wrap

    limit = width + 2  # argparse's width leaves 2 columns spare; raw text may use them
    out = []
    for line in text.splitlines():
        if cells(line) <= limit or cells(line) == len(line):
            out.append(indent + line)
            continue
        lead = line[:len(line) - len(line.lstrip())]
        out += [indent + lead + part for part in wrap(line.strip(), limit - len(lead))]
    return "\n".join(out) + ("\n" if text.endswith("\n") else "")


def _split_lines_by_columns(self: Any, text: str, width: int) -> list[str]:
    from kkui.i18n.width import wrap

    return wrap(" ".join(text.split()), width)
