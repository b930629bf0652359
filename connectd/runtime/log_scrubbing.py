"""Keeps values that config providers resolved out of the logs, whoever logs them.

The runtime never logs a resolved value, but plugins are free to log their configs and exceptions may
quote them. Every resolution registers its (placeholder, value) pairs here; the filter the roles
install on their log handler writes each value as its placeholder, in the message and in the trace.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

# Shorter values are not scrubbed: replacing every "true" or "1" in the logs with a placeholder
# would garble them, and a secret that short protects nothing.
MIN_SCRUBBED_LENGTH = 6

_lock = threading.Lock()
_known: dict[str, str] = {}
# Longest value first, so a value containing another is replaced whole.
_ordered: tuple[tuple[str, str], ...] = ()


def register(substitutions: Iterable[tuple[str, str]]) -> None:
    """Remember (placeholder, value) pairs: the value is from now on logged as the placeholder."""
    global _ordered
    with _lock:
        changed = False
        for placeholder, value in substitutions:
            if len(value) >= MIN_SCRUBBED_LENGTH and value not in _known:
                _known[value] = placeholder
                changed = True
        if changed:
            _ordered = tuple(sorted(((v, p) for v, p in _known.items()), key=lambda vp: -len(vp[0])))


def scrub(text: str, pairs: Iterable[tuple[str, str]] | None = None) -> str:
    """``text`` with each value (of ``pairs``, else every registered one) replaced by its placeholder."""
    ordered = _ordered if pairs is None else sorted(((v, p) for p, v in pairs), key=lambda vp: -len(vp[0]))
    for value, placeholder in ordered:
        if len(value) >= MIN_SCRUBBED_LENGTH and value in text:
            text = text.replace(value, placeholder)
    return text


class ResolvedValueFilter(logging.Filter):
    """A handler filter: formats the record's message and trace with the values scrubbed."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not _ordered:
            return True
        message = record.getMessage()
        scrubbed = scrub(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        return True
