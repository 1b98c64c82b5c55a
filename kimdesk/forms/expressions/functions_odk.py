"""ODK's functions beyond XPath 1.0 (issue 16): maths, date-times, formatting, join, random.

Each follows JavaRosa (``org.javarosa.xpath.expr.XPathFuncExpr`` and ``DateUtils``) as ODK
Collect evaluates it: a maths domain error is NaN, not an exception; ``format-date`` knows
JavaRosa's ``%Y %y %m %n %b %d %e %a %H %h %M %S %3`` and leaves any other character as
written (month and day names in the form's current language, as Collect takes them from the
phone's locale: CLDR's abbreviated names through Babel, English where Babel knows no such
language); ``now()`` is the date and time with
the local zone. Importing this module adds them to :data:`~.functions.FUNCTIONS` (the parser does).
``once``, ``indexed-repeat`` and ``now`` need the evaluation context and are evaluated in
:mod:`.evaluator`; their entries here give arity and result type.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from kimdesk.forms.expressions.functions import FUNCTIONS, Function
from kimdesk.forms.expressions.values import (
    DATE,
    EPOCH,
    NodeSet,
    capped,
    to_date,
    to_number,
    to_string,
)

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _math(op: Callable[..., float]) -> Callable[..., float]:
    """A maths function on numbers, NaN where the function is undefined (JavaRosa)."""

    def run(*args: Any) -> float:
        try:
            return float(op(*(to_number(a) for a in args)))
        except (ValueError, OverflowError, ZeroDivisionError):
            return math.nan

    return run


def to_datetime(v: Any) -> datetime | None:
    """A date-time from a date-time text (``2026-02-20T14:30:00.000+01:00``), a date, or a
    number of days since 1970 (fractions are the time of day)."""
    if isinstance(v, NodeSet):
        v = v[0] if v else ""
    if isinstance(v, datetime):
        return v
    if isinstance(v, date):
        return datetime.combine(v, time())
    if isinstance(v, str) and DATE.match(v):
        text = v.strip().replace("Z", "+00:00")
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            d = to_date(v)
            return datetime.combine(d, time()) if d else None
    if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v):
        try:
            return datetime.combine(EPOCH, time()) + timedelta(days=v)
        except OverflowError:
            return None
    return None


def _date_time(v: Any) -> Any:
    dt = to_datetime(v)
    return dt if dt is not None else ""


def _decimal_date_time(v: Any) -> float:
    dt = to_datetime(v)
    if dt is None:
        return math.nan
    if dt.tzinfo is not None:  # JavaRosa counts in UTC
        dt = dt.astimezone(UTC).replace(tzinfo=None)
    return to_number(dt)


def _decimal_time(v: Any) -> float:
    """``decimal-time('12:00:00.000+00:00')`` = 0.5: the time of day as a fraction of a day."""
    text = to_string(v).strip()
    try:
        t = time.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return math.nan
    seconds = t.hour * 3600 + t.minute * 60 + t.second + t.microsecond / 1e6
    if t.tzinfo is not None:
        offset = t.utcoffset()
        seconds -= offset.total_seconds() if offset else 0
    return (seconds % 86400) / 86400


@lru_cache(maxsize=32)
def month_and_day_names(lang: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """CLDR's abbreviated month (January first) and day (Monday first) names in ``lang``, in
    their 'format' form (Russian "20 мая", not the nominative "май"); English when Babel does
    not know the language."""
    try:
        from babel import Locale, UnknownLocaleError
        from babel.dates import get_day_names, get_month_names
    except ImportError:
        return _MONTHS, _DAYS
    try:
        locale = Locale.parse(lang.replace("-", "_"))
        months = get_month_names("abbreviated", locale=locale)
        days = get_day_names("abbreviated", locale=locale)
        return (tuple(str(months[m]) for m in range(1, 13)),
                tuple(str(days[d]) for d in range(7)))
    except (UnknownLocaleError, ValueError, LookupError, TypeError):
        return _MONTHS, _DAYS


_FORMATS: dict[str, Callable[[datetime, str], str]] = {
    "Y": lambda d, _l: f"{d.year:04d}",
    "y": lambda d, _l: f"{d.year % 100:02d}",
    "m": lambda d, _l: f"{d.month:02d}",
    "n": lambda d, _l: str(d.month),
    "b": lambda d, lang: month_and_day_names(lang)[0][d.month - 1],
    "d": lambda d, _l: f"{d.day:02d}",
    "e": lambda d, _l: str(d.day),
    "a": lambda d, lang: month_and_day_names(lang)[1][d.weekday()],
    "H": lambda d, _l: f"{d.hour:02d}",
    "h": lambda d, _l: str(d.hour),
    "M": lambda d, _l: f"{d.minute:02d}",
    "S": lambda d, _l: f"{d.second:02d}",
    "3": lambda d, _l: f"{d.microsecond // 1000:03d}",
}


def format_date(v: Any, pattern: Any, lang: str = "en") -> str:
    """JavaRosa's DateUtils.format: ``%`` codes replaced, everything else kept; "" when the
    value is no date. Month and day names in ``lang``."""
    dt = to_datetime(v)
    if dt is None:
        return ""
    fmt = to_string(pattern)
    out: list[str] = []
    i = 0
    while i < len(fmt):
        c = fmt[i]
        if c == "%" and i + 1 < len(fmt):
            code = fmt[i + 1]
            fn = _FORMATS.get(code)
            out.append(fn(dt, lang) if fn else code)
            i += 2
            continue
        out.append(c)
        i += 1
    return capped("".join(out))


def _join(sep: Any, *values: Any) -> str:
    """``join(', ', ${field_in_repeat})``: the values joined with the separator."""
    items: list[Any] = []
    for v in values:
        items.extend(v if isinstance(v, NodeSet) else [v])
    return capped(to_string(sep).join(to_string(x) for x in items))


ODK_FUNCTIONS: dict[str, Function] = {
    "sqrt": Function((1, 1), "number", _math(math.sqrt)),
    "exp": Function((1, 1), "number", _math(math.exp)),
    "exp10": Function((1, 1), "number", _math(lambda x: math.pow(10, x))),
    "log": Function((1, 1), "number", _math(math.log)),
    "log10": Function((1, 1), "number", _math(math.log10)),
    "sin": Function((1, 1), "number", _math(math.sin)),
    "cos": Function((1, 1), "number", _math(math.cos)),
    "tan": Function((1, 1), "number", _math(math.tan)),
    "asin": Function((1, 1), "number", _math(math.asin)),
    "acos": Function((1, 1), "number", _math(math.acos)),
    "atan": Function((1, 1), "number", _math(math.atan)),
    "atan2": Function((2, 2), "number", _math(math.atan2)),
    "pi": Function((0, 0), "number", lambda: math.pi),
    "random": Function((0, 0), "number", random.random),
    "uuid": Function((0, 1), "string", lambda *_a: str(uuid.uuid4())),
    "date-time": Function((1, 1), "date", _date_time),
    "decimal-date-time": Function((1, 1), "number", _decimal_date_time),
    "decimal-time": Function((1, 1), "number", _decimal_time),
    "format-date": Function((2, 2), "string", format_date),
    "format-date-time": Function((2, 2), "string", format_date),
    "join": Function((2, None), "string", _join),
    # evaluated by the evaluator (they need the context; format-date its language)
    "once": Function((1, 1), "any", lambda: ""),
    # pulldata('file', 'column', 'key_column', key): a CSV travelling with the form
    "pulldata": Function((4, 4), "string", lambda *_a: ""),
    "indexed-repeat": Function((3, 7), "any", lambda: ""),
}
FUNCTIONS.update(ODK_FUNCTIONS)
