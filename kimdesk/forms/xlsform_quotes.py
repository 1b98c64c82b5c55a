"""Keep the author's quotation marks in texts: pyxform straightens ‘ ’ “ ” in every cell.

pyxform's ``clean_text_values`` turns typographic quotes into ``'`` and ``"`` so an expression
typed with smart quotes still works. In a label that is a loss: German „…“ would come back as
„..." (only the closing one is straightened). While pyxform reads the workbook, its table maps
the four quotes to private-use placeholders instead; afterwards texts (labels, hints, messages,
the title) get the original characters back and everything else (expressions, names) the straight
quotes pyxform would have written, so expressions behave exactly as in ODK.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

#: Original quote -> placeholder (Unicode private use area: never in a real form).
_MARKS = {"\u2018": "\ue018", "\u2019": "\ue019", "\u201c": "\ue01c", "\u201d": "\ue01d"}
_ORIGINAL = {v: k for k, v in _MARKS.items()}
_STRAIGHT = {"\ue018": "'", "\ue019": "'", "\ue01c": '"', "\ue01d": '"'}
#: pyxform JSON keys whose values are texts shown to people.
TEXT_KEYS = frozenset({"label", "hint", "jr:constraintMsg", "jr:requiredMsg", "title",
                       "guidance_hint"})
_LOCK = threading.Lock()


@contextmanager
def placeholders() -> Iterator[None]:
    """pyxform's smart-quote table switched to placeholders for the duration (one at a time:
    the table is a module global)."""
    from pyxform.parsing import sheet_headers as sh

    with _LOCK:
        table, pattern = sh.SMART_QUOTES, sh.RE_SMART_QUOTES
        sh.SMART_QUOTES = dict(_MARKS)
        sh.RE_SMART_QUOTES = re.compile("|".join(re.escape(q) for q in _MARKS))
        try:
            yield
        finally:
            sh.SMART_QUOTES, sh.RE_SMART_QUOTES = table, pattern


def _swap(table: dict[str, str]) -> Callable[[str], str]:
    codes = {ord(k): v for k, v in table.items()}
    return lambda text: text.translate(codes)


_original = _swap(_ORIGINAL)
_straight = _swap(_STRAIGHT)


def restore(value: Any, text: bool = False) -> Any:
    """Placeholders back: the author's quotes under :data:`TEXT_KEYS`, straight ones elsewhere."""
    if isinstance(value, str):
        return _original(value) if text else _straight(value)
    if isinstance(value, dict):
        return {k: restore(v, text or k in TEXT_KEYS) for k, v in value.items()}
    if isinstance(value, list):
        return [restore(v, text) for v in value]
    return value
