"""Values as XPath 1.0 / JavaRosa see them, and the conversions between them.

An empty answer is ``""``, numbers are floats, a ``select_multiple`` answer is a space-separated
string, dates compare and subtract as day numbers since 1970-01-01, and a field inside a repeat
read from outside it is a :class:`NodeSet`.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta
from typing import Any

from kimdesk.forms.expressions.limits import MAX_STRING, ExpressionError
from kimdesk.i18n import N_

EPOCH = date(1970, 1, 1)


class NodeSet(tuple[Any, ...]):
    """The values of a field inside a repeat, read from outside it (XPath's node-set)."""


_NUMBER = re.compile(r"^\s*-?(\d+(\.\d*)?|\.\d+)\s*$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def scalar(v: Any) -> Any:
    """A node-set used where one value is expected stands for its first value (XPath)."""
    if isinstance(v, NodeSet):
        return v[0] if v else ""
    return v


def to_number(v: Any) -> float:
    v = scalar(v)
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, int | float):
        return float(v)
    if isinstance(v, datetime):
        return (v.date() - EPOCH).days + (v.hour * 3600 + v.minute * 60 + v.second) / 86400
    if isinstance(v, date):
        return float((v - EPOCH).days)
    if isinstance(v, str):
        text = v.replace(",", ".")  # JavaRosa: some locales write 1,5 (number('1,5') = 1.5)
        if _NUMBER.match(text):
            return float(text)
    return math.nan


def to_bool(v: Any) -> bool:
    if isinstance(v, NodeSet):
        return len(v) > 0
    if isinstance(v, bool):
        return v
    if isinstance(v, int | float):
        return not (v == 0 or math.isnan(v))
    if isinstance(v, date):
        return True
    return bool(v)


def _float_string(v: float) -> str:
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    if abs(v) < 1e-12:
        return "0"  # JavaRosa: rounding noise such as 0.1 + 0.2 - 0.3 reads as 0
    if v.is_integer() and abs(v) < 1e21:
        return str(int(v))  # string(1e15) = "1000000000000000", not "1e+15" or "...0.0"
    return repr(v)


def to_string(v: Any) -> str:
    v = scalar(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return _float_string(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, datetime):
        return v.isoformat(timespec="milliseconds")  # JavaRosa: 2026-02-20T14:30:00.000+01:00
    if isinstance(v, date):
        return v.isoformat()
    if v is None:
        return ""
    if isinstance(v, list | tuple):
        return " ".join(to_string(x) for x in v)
    return str(v)


def to_date(v: Any) -> date | None:
    v = scalar(v)
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    if isinstance(v, str) and DATE.match(v):
        try:
            return date.fromisoformat(v[:10])
        except ValueError:
            return None
    if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v):
        try:
            return EPOCH + timedelta(days=math.floor(v))
        except OverflowError:
            return None
    return None


def capped(s: str) -> str:
    """A text result, refused when longer than :data:`MAX_STRING` (concat in a loop of fields)."""
    if len(s) > MAX_STRING:
        raise ExpressionError(N_("Text result too long."))
    return s
