"""Mask secrets (SSH passwords, inline keys, LB passwords) in text before it is shown or logged."""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "******"
# A very short secret is masked only as a whole token: masking every "ab" in kk's output
# would make it unreadable while a two-letter password is guessable anyway.
SHORT_SECRET = 4


def needles(secret: str) -> list[str]:
    """What to look for: kk's output is redacted one line at a time, so a multi-line secret
    (an inline private key) is looked for line by line; its PEM armour lines are not secret."""
    lines = [line.strip() for line in secret.strip().splitlines()]
    if len(lines) <= 1:
        return [secret]
    return [line for line in lines if line and not line.startswith("-----")]


class Redactor:
    """Callable ``text -> text`` that masks every given secret.  Cheap when there are none."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        unique = sorted({n for s in secrets if s for n in needles(s)}, key=len, reverse=True)
        parts = []
        for secret in unique:
            escaped = re.escape(secret)
            if len(secret) < SHORT_SECRET:
                escaped = rf"(?<![\w]){escaped}(?![\w])"
            parts.append(escaped)
        self._pattern = re.compile("|".join(parts)) if parts else None
        # Plain substring tests are much faster than a regex search on lines that hold no secret.
        self._needles = tuple(s for s in unique) if parts else ()
        self._longest = max((len(s) for s in unique), default=1)

    def split(self, text: str) -> tuple[str, str]:
        """For text that continues (an over-long line arriving in pieces): the redacted part
        that is safe to emit now, and the unredacted rest, which may start a secret that the
        next piece completes.  A match beginning before the last ``longest - 1`` characters
        is complete within ``text``, so it is masked here, never split."""
        if self._pattern is None:
            return text, ""
        cut = max(0, len(text) - (self._longest - 1))
        if not any(n in text for n in self._needles):
            return text[:cut], text[cut:]
        end = cut
        for match in self._pattern.finditer(text):
            if match.start() >= cut:
                break
            end = max(end, match.end())
        return self._pattern.sub(MASK, text[:end]), text[end:]

    @property
    def active(self) -> bool:
        return self._pattern is not None

    def __call__(self, text: str) -> str:
        if self._pattern is None:
            return text
        for needle in self._needles:
            if needle in text:
                return self._pattern.sub(MASK, text)
        return text
