"""kkui's languages (issue #16): English and 简体中文, with standard gettext catalogs.

The Chinese catalog is ``locale/zh_CN/LC_MESSAGES/kkui.po`` (the source, edited by people) and
``kkui.mo`` beside it (compiled, committed, loaded here with the standard library's
:mod:`gettext`: no runtime dependency). English is the message ids themselves.

Which language: ``--lang zh|en`` (kkui/cli.py calls :func:`set_language`), else ``KKUI_LANG``,
else the POSIX locale variables ``LC_ALL``, ``LC_MESSAGES``, ``LANG`` (first one set wins, as in
setlocale(3)); ``zh*`` means Chinese, anything else English.

Translation happens at presentation time only: ``--json`` output, run records and check ids are
never translated. Strings declared at import time (registries, tables) are marked with
:func:`N_` and translated where they are shown with :func:`_`.

Re-extract and compile after changing strings (Babel, in the test extras)::

    pybabel extract -F babel.cfg -o /tmp/kkui.pot --no-location --omit-header --sort-output .
    pybabel update -i /tmp/kkui.pot -d kkui/i18n/locale -D kkui -l zh_CN -w 100 \
        --ignore-obsolete --no-fuzzy-matching
    # translate the new entries (empty msgstr) in kkui.po, then:
    pybabel compile -d kkui/i18n/locale -D kkui -l zh_CN

Strings inside f-strings are not extracted: write ``_("... {name}").format(name=...)``.

tests/i18n checks that every id has a translation, none is unused, placeholders match, and the
committed ``.mo`` is the compiled ``.po``.
"""

from __future__ import annotations

import argparse
import gettext
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "kkui"
LANGUAGES = ("en", "zh")
# gettext catalog directory of each language (English needs none: the ids are English)
CATALOG = {"zh": "zh_CN"}
LOCALE_VARS = ("LC_ALL", "LC_MESSAGES", "LANG")

_translations: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"
_chosen = False
_ARGPARSE_SPLIT = argparse.HelpFormatter._split_lines


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
    _translations = gettext.translation(DOMAIN, LOCALE_DIR, languages=[catalog], fallback=True) \
        if catalog else gettext.NullTranslations()
    _chosen = True
    _install_argparse()
    return _language


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


def _install_argparse() -> None:
    """argparse's own words ("usage:", "options", "show this help message and exit", its
    errors) go through module-level ``_``/``ngettext`` looked up at call time; point them at
    kkui's catalog (their ids are listed in kkui/i18n/argparse_ids.py so extraction keeps them)."""
    import argparse

    argparse._ = _  # type: ignore[attr-defined]
    argparse.ngettext = ngettext  # type: ignore[attr-defined]
    # argparse wraps help by characters; Chinese needs columns (two per character) or lines
    # run past the terminal. English keeps argparse's own wrapping, byte for byte.
    formatter: Any = argparse.HelpFormatter
    if _language == "zh":
        formatter._split_lines = _split_lines_by_columns
    elif "_split_lines" in vars(formatter) and vars(formatter)["_split_lines"] is \
            _split_lines_by_columns:
        formatter._split_lines = _ARGPARSE_SPLIT


def _split_lines_by_columns(self: Any, text: str, width: int) -> list[str]:
    from kkui.i18n.width import wrap

    return wrap(" ".join(text.split()), width)
