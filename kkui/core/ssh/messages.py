"""Message helpers for the SSH-side packages (ssh, precheck, lb): text built from a host's
values that still shows in the user's language (issue #16).

A :class:`kkui.i18n.L_` message is English as a ``str`` (``--json``, run records) and
translated by ``shown()``; joining or cleaning one the usual way gives a plain English ``str``,
so :func:`displayable` cleans one part by part (``kkui.i18n.joined``/``listed`` join them, and
``kkui.core.errors.message_of`` takes one out of an exception).
"""

from __future__ import annotations

from kkui.core.sanitize import for_display, is_clean
from kkui.i18n import L_


def displayable(text: str, *, newlines: bool = True) -> str:
    """``for_display`` that keeps a message translatable: the host's values inside an ``L_``
    are cleaned one by one (the template is kkui's own text)."""
    if is_clean(text) and (newlines or "\n" not in text):
        return text
    if isinstance(text, L_) and text.values:
        return L_(text.template, **{k: displayable(v, newlines=newlines)
                                    if isinstance(v, str) else v
                                    for k, v in text.values.items()})
    return for_display(text, newlines=newlines)

