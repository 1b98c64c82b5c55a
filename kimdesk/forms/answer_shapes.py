"""The stored shape of an answer, per question type: what :func:`type_problem` accepts.

Kept apart from :mod:`kimdesk.forms.engine` (which evaluates a form's logic) because the checker
of form files and the sync path use it alone: whether a stored value can be an answer to a
question of that type, without evaluating anything.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from kimdesk.forms.attachments import parse_answer
from kimdesk.forms.definition import Field, Form

INT = re.compile(r"^\s*-?\d+\s*$")
DEC = re.compile(r"^\s*-?(\d+(\.\d*)?|\.\d+)\s*$")
#: ODK's time and dateTime answers (``14:30``, ``14:30:00.000+01:00``, ``2026-02-20T14:30``).
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,3})?)?(Z|[+-]\d\d:?\d\d)?$")
_DATETIME = re.compile(r"^\d{4}-\d\d-\d\d[T ]" + _TIME.pattern[1:])


def is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def type_problem(form: Form, f: Field, raw: Any) -> str:
    """'' if ``raw`` has the stored shape of field ``f``'s type, else the issue kind."""
    kind = f.kind
    if kind == "integer":
        ok = (is_number(raw) and float(raw).is_integer()) or (
            isinstance(raw, str) and bool(INT.match(raw)))
        return "" if ok else "type"
    if kind == "decimal":
        return "" if is_number(raw) or (isinstance(raw, str) and DEC.match(raw)) else "type"
    if kind == "date":
        if not isinstance(raw, str):
            return "type"
        try:
            date.fromisoformat(raw)
        except ValueError:
            return "type"
        return ""
    if kind == "select_one":
        if not isinstance(raw, str):
            return "type"
        return "" if raw in _choice_names(form, f) else "choice"
    if kind == "select_multiple":
        if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
            return "type"
        names = _choice_names(form, f)
        return "" if all(x in names for x in raw) else "choice"
    simple = _SHAPES.get(kind)
    if simple is not None:
        return "" if simple(raw) else "type"
    if kind in {"time", "dateTime"}:
        pattern = _TIME if kind == "time" else _DATETIME
        return "" if isinstance(raw, str) and pattern.match(raw) else "type"
    return ""


#: Answer shapes checked by one test each (the other types above); a file question's answer is
#: "<attachment id>/<file name>" (kimdesk/forms/attachments.py).
_SHAPES: dict[str, Any] = {
    "acknowledge": lambda raw: raw in ("OK", True),
    "text": lambda raw: isinstance(raw, str),
    "barcode": lambda raw: isinstance(raw, str),
    "geopoint": lambda raw: isinstance(raw, str) and is_geopoint(raw),
    "image": lambda raw: parse_answer(raw) is not None,
    "file": lambda raw: parse_answer(raw) is not None,
}


def is_geopoint(text: str) -> bool:
    """ODK's geopoint answer: ``latitude longitude [altitude [accuracy]]``, separated by spaces
    (a comma between latitude and longitude, as maps copy them, is accepted too)."""
    parts = text.replace(",", " ").split()
    if not 2 <= len(parts) <= 4:
        return False
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        return False
    return -90 <= numbers[0] <= 90 and -180 <= numbers[1] <= 180


def _choice_names(form: Form, f: Field) -> frozenset[str]:
    cache: dict[str, frozenset[str]] = form.__dict__.setdefault("_choice_names", {})
    key = f.list_name or ""
    if key not in cache:
        cache[key] = frozenset(c.name for c in form.choice_list(f))
    return cache[key]
