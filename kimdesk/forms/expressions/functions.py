"""The XLSForm function library (name -> arity, result type, implementation), with bounded regex.

The parser refuses any name not in :data:`FUNCTIONS`, so this table is the whole surface an
expression can call; none of it reaches files, attributes or the interpreter.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from kimdesk.forms.expressions.limits import (
    MAX_REGEX_PATTERN,
    MAX_REGEX_SUBJECT,
    REGEX_TIMEOUT,
    ExpressionError,
)
from kimdesk.forms.expressions.values import (
    NodeSet,
    capped,
    to_bool,
    to_date,
    to_number,
    to_string,
)
from kimdesk.i18n import N_

if TYPE_CHECKING:
    from kimdesk.forms.expressions.evaluator import Context

# -- regular expressions (bounded) -------------------------------------------------------------


@lru_cache(maxsize=256)
def safe_regex(pattern: str) -> Any:
    """Compile a form's regex with the ``regex`` module, whose matching takes a timeout.

    Python's ``re`` cannot be stopped, and no pattern check catches every catastrophic case
    (``(a|a)+$``, ``a*a*a*a*$``), so the hard bound is :data:`REGEX_TIMEOUT` per match. Nested
    repetition is allowed (real e-mail patterns such as ``^[\\w-\\.]+@([\\w-]+\\.)+[\\w-]{2,}$``
    have it; issue 16): the timeout guards it. Backreferences and lookaround, which are not
    XLSForm, are refused up front with a clear message, and lengths are capped."""
    import regex

    if len(pattern) > MAX_REGEX_PATTERN:
        raise ExpressionError(N_("Regular expression too long."))
    if re.search(r"\\\d|\(\?P=|\(\?<?[=!]", pattern):
        raise ExpressionError(N_("Regular expression not allowed (lookaround or backreference)."))
    try:
        return regex.compile(pattern, regex.VERSION0)
    except (regex.error, RecursionError, OverflowError, ValueError) as exc:
        raise ExpressionError(N_("Invalid regular expression: {reason}"), reason=str(exc)) from None


# -- functions ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Function:
    arity: tuple[int, int | None]
    result: str  # number | string | boolean | date | any
    impl: Callable[..., Any]
    lazy: bool = False  # gets unevaluated nodes and the evaluator (if, coalesce)


def _selected(values: Any, item: Any) -> bool:
    return to_string(item).strip() in to_string(values).split()


def _selected_at(values: Any, index: Any) -> str:
    parts = to_string(values).split()
    i = to_number(index)
    if math.isnan(i) or not 0 <= i < len(parts):
        return ""
    return parts[int(i)]


def _substr(s: Any, start: Any, end: Any = None) -> str:
    """JavaRosa's substr: 0-based, end exclusive, negative indexes count from the end."""
    text = to_string(s)
    a = to_number(start)
    b = len(text) if end is None else to_number(end)
    if math.isnan(a) or math.isnan(b):
        return ""
    n = len(text)
    a_i, b_i = int(a), int(b)
    a_i = n + a_i if a_i < 0 else a_i
    b_i = n + b_i if b_i < 0 else b_i
    a_i, b_i = min(max(0, a_i), n), min(max(0, b_i), n)
    return text[a_i:b_i] if a_i <= b_i else ""


def _regex(s: Any, pattern: Any) -> bool:
    subject = to_string(s)
    if len(subject) > MAX_REGEX_SUBJECT:
        raise ExpressionError(N_("Text too long for a regular expression test."))
    try:
        # the whole text must match, as JavaRosa's Pattern.matches (ODK Collect)
        compiled = safe_regex(to_string(pattern))
        return compiled.fullmatch(subject, timeout=REGEX_TIMEOUT) is not None
    except TimeoutError:
        raise ExpressionError(N_("The regular expression takes too long.")) from None


def _round(x: Any, digits: Any = 0) -> float:
    """JavaRosa's round: decimal rounding of the number as written (``round(1.005, 2)`` is
    1.01, not binary 1.0049999 -> 1.0), half away from zero for positive numbers and towards
    zero for negative ones (XPath's round(-2.5) = -2)."""
    from decimal import ROUND_HALF_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

    v = to_number(x)
    d = to_number(digits)
    if math.isnan(v) or math.isinf(v) or math.isnan(d):
        return v
    d_i = int(d)
    if not -30 <= d_i <= 30:
        return math.nan
    if d_i >= 0:
        try:
            exact = Decimal(repr(v)).quantize(Decimal(1).scaleb(-d_i),
                                              ROUND_HALF_DOWN if v < 0 else ROUND_HALF_UP)
        except InvalidOperation:  # more digits than the context holds
            return v
        return float(exact)
    scale = 10.0 ** (-d_i)
    return float(math.floor(v / scale + 0.5)) * scale


def _int(x: Any) -> float:
    v = to_number(x)
    if math.isnan(v) or math.isinf(v):
        return v
    return float(math.trunc(v))


def _int_op(op: Callable[[float], int], x: Any) -> float:
    v = to_number(x)
    if math.isnan(v) or math.isinf(v):
        return v
    return float(op(v))


def _pow(a: Any, b: Any) -> float:
    try:
        return math.pow(to_number(a), to_number(b))
    except (OverflowError, ValueError):
        return math.nan


def _numbers(args: Sequence[Any]) -> list[float]:
    out: list[float] = []
    for a in args:
        if isinstance(a, NodeSet):
            out.extend(to_number(x) for x in a)
        else:
            out.append(to_number(a))
    return out


def _max(*args: Any) -> float:
    nums = _numbers(args)
    return math.nan if not nums or any(math.isnan(n) for n in nums) else max(nums)


def _min(*args: Any) -> float:
    nums = _numbers(args)
    return math.nan if not nums or any(math.isnan(n) for n in nums) else min(nums)


def _sum(*args: Any) -> float:
    return math.fsum(_numbers(args)) if args else 0.0


def _count(x: Any) -> float:
    if isinstance(x, NodeSet):
        return float(len(x))
    return 1.0 if to_string(x) else 0.0


def _date(x: Any) -> Any:
    d = to_date(x)
    return d if d is not None else ""


def _concat(*args: Any) -> str:
    """concat(${field_in_repeat}) joins every instance's value (JavaRosa); with several
    arguments each stands for one value."""
    if len(args) == 1 and isinstance(args[0], NodeSet):
        return capped("".join(to_string(v) for v in args[0]))
    return capped("".join(to_string(a) for a in args))


def _today(ctx: Context) -> date:
    return ctx.today


FUNCTIONS: dict[str, Function] = {
    "if": Function((3, 3), "any", lambda ev, c, a, b: ev(a) if to_bool(ev(c)) else ev(b), True),
    "coalesce": Function(
        (2, 2), "any", lambda ev, a, b: v if to_string(v := ev(a)) else ev(b), True
    ),
    "selected": Function((2, 2), "boolean", _selected),
    "count-selected": Function((1, 1), "number", lambda v: float(len(to_string(v).split()))),
    "selected-at": Function((2, 2), "string", _selected_at),
    "today": Function((0, 0), "date", _today),
    "now": Function((0, 0), "date", lambda: ""),  # evaluated by the evaluator (date and time)
    "string-length": Function((1, 1), "number", lambda s: float(len(to_string(s)))),
    "regex": Function((2, 2), "boolean", _regex),
    "concat": Function((1, None), "string", _concat),
    "contains": Function((2, 2), "boolean", lambda a, b: to_string(b) in to_string(a)),
    "starts-with": Function((2, 2), "boolean", lambda a, b: to_string(a).startswith(to_string(b))),
    "ends-with": Function((2, 2), "boolean", lambda a, b: to_string(a).endswith(to_string(b))),
    "substr": Function((2, 3), "string", _substr),
    "substring-before": Function(
        (2, 2), "string", lambda a, b: to_string(a).partition(to_string(b))[0]
        if to_string(b) in to_string(a) else ""
    ),
    "substring-after": Function(
        (2, 2), "string", lambda a, b: to_string(a).partition(to_string(b))[2]
        if to_string(b) in to_string(a) else ""
    ),
    "normalize-space": Function((1, 1), "string", lambda s: " ".join(to_string(s).split())),
    "string": Function((1, 1), "string", to_string),
    "number": Function((1, 1), "number", to_number),
    "boolean": Function((1, 1), "boolean", to_bool),
    "int": Function((1, 1), "number", _int),
    "round": Function((1, 2), "number", _round),
    "floor": Function((1, 1), "number", lambda x: _int_op(math.floor, x)),
    "ceiling": Function((1, 1), "number", lambda x: _int_op(math.ceil, x)),
    "abs": Function((1, 1), "number", lambda x: abs(to_number(x))),
    "pow": Function((2, 2), "number", _pow),
    "max": Function((1, None), "number", _max),
    "min": Function((1, None), "number", _min),
    "sum": Function((1, 1), "number", _sum),
    "count": Function((1, 1), "number", _count),
    "not": Function((1, 1), "boolean", lambda x: not to_bool(x)),
    "true": Function((0, 0), "boolean", lambda: True),
    "false": Function((0, 0), "boolean", lambda: False),
    "date": Function((1, 1), "date", _date),
    "position": Function((1, 1), "number", lambda: 0.0),  # evaluated by the evaluator (context)
    "jr:choice-name": Function((2, 2), "string", lambda: ""),  # evaluated by the evaluator
}
#: Functions whose implementation takes the evaluation context instead of arguments.
NEEDS_CONTEXT = {"today"}
