"""Evaluating a parsed expression against a form's answers.

Each kind of syntax node has one small evaluator in :data:`_EVALUATORS`; a node of any other kind
is refused. Evaluation runs no code from the form: only the operators here and the functions of
:data:`~kimdesk.forms.expressions.functions.FUNCTIONS`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from kimdesk.forms.datafiles import file_key, pulldata
from kimdesk.forms.expressions.functions import FUNCTIONS, NEEDS_CONTEXT
from kimdesk.forms.expressions.functions_odk import format_date
from kimdesk.forms.expressions.limits import ExpressionError
from kimdesk.forms.expressions.parser import parse
from kimdesk.forms.expressions.syntax import (
    REF_IN_TEXT,
    BinOp,
    Call,
    Column,
    Current,
    Lookup,
    Neg,
    Node,
    Num,
    Parent,
    Ref,
    Str,
)
from kimdesk.forms.expressions.values import (
    DATE,
    NodeSet,
    scalar,
    to_bool,
    to_date,
    to_number,
    to_string,
)
from kimdesk.i18n import N_


@dataclass
class Context:
    """What an expression can see: the answers, the current value (``.``) and today's date.

    ``lookup`` resolves ``${name}`` (the engine supplies repeat-aware lookups); plain mappings
    work for simple uses and tests."""

    values: Mapping[str, Any]
    current: Any = ""
    today: date = date(2000, 1, 1)
    lookup: Callable[[str], Any] | None = None
    position: int = 0  # 1-based number of the current repeat instance (0: not in a repeat)
    choice_label: Callable[[str, str], str] | None = None  # (choice name, field) -> label
    item: Mapping[str, str] | None = None  # the choice a choice_filter tests: its columns
    #: instance('list')/root/item: a choice list's rows (name, label, other columns)
    choice_rows: Callable[[str], Sequence[Mapping[str, str]]] | None = None
    #: indexed-repeat: (field, [(repeat, 0-based index), ...]) -> that instance's value
    indexed: Callable[[str, list[tuple[str, int]]], Any] | None = None
    #: the form's current language: format-date's month and day names
    language: str = "en"
    #: pulldata(): a data file's rows by its name (``fruits.csv``); None when the form has none
    file_rows: Callable[[str], Sequence[Mapping[str, str]] | None] | None = None

    def get(self, name: str) -> Any:
        if self.lookup is not None:
            return self.lookup(name)
        if name not in self.values:
            raise ExpressionError(N_("Unknown field ${{{name}}}."), name=name)
        value = self.values[name]
        return "" if value is None else value


# -- operators ---------------------------------------------------------------------------------
_COMPARISONS = {"=", "!=", "<", "<=", ">", ">="}
_ORDER: dict[str, Callable[[float, float], bool]] = {
    "<": lambda x, y: x < y,
    "<=": lambda x, y: x <= y,
    ">": lambda x, y: x > y,
    ">=": lambda x, y: x >= y,
}


#: JavaRosa's XPathEqExpr: numbers closer than this are equal (0.1 + 0.2 = 0.3 is true).
EQUAL_TOLERANCE = 1e-12


def _equal(a: Any, b: Any) -> bool:
    """XPath 1.0 equality: booleans, then numbers, then dates win over text."""
    if isinstance(a, bool) or isinstance(b, bool):
        return to_bool(a) == to_bool(b)
    if isinstance(a, int | float) or isinstance(b, int | float):
        x, y = to_number(a), to_number(b)
        return x == y or abs(x - y) < EQUAL_TOLERANCE
    if isinstance(a, date) or isinstance(b, date):
        da, db = to_date(a), to_date(b)
        return da is not None and da == db
    return to_string(a) == to_string(b)


def _compare(op: str, a: Any, b: Any) -> bool:
    if isinstance(a, NodeSet) or isinstance(b, NodeSet):  # XPath: true if any node matches
        left = a if isinstance(a, NodeSet) else (a,)
        right = b if isinstance(b, NodeSet) else (b,)
        return any(_compare(op, x, y) for x in left for y in right)
    if op in {"=", "!="}:
        eq = _equal(a, b)
        return eq if op == "=" else not eq
    if isinstance(a, date) or isinstance(b, date):
        x, y = to_number(to_date(a) or math.nan), to_number(to_date(b) or math.nan)
    else:
        x, y = to_number(a), to_number(b)
    order = _ORDER.get(op)
    if order is None:
        raise ExpressionError(N_("Invalid expression."))
    return order(x, y)


def _operands(a: Any, b: Any) -> tuple[float, float]:
    """Numbers for arithmetic; two ISO dates (or a date value) count as day numbers."""
    x, y = to_number(a), to_number(b)
    if isinstance(scalar(a), str) and isinstance(scalar(b), str):
        da, db = to_date(a), to_date(b)
        if da and db and DATE.match(to_string(a)) and DATE.match(to_string(b)):
            x, y = to_number(da), to_number(db)
    elif isinstance(scalar(a), date) or isinstance(scalar(b), date):
        # a date-time keeps its time of day as a fraction (now() - ${date}, JavaRosa)
        x = x if isinstance(scalar(a), datetime) else to_number(to_date(a)) if to_date(a) else x
        y = y if isinstance(scalar(b), datetime) else to_number(to_date(b)) if to_date(b) else y
    return x, y


def _div(x: float, y: float) -> float:
    if y == 0:
        return math.nan if x == 0 or math.isnan(x) else math.copysign(math.inf, x) * (
            math.copysign(1, y))
    return x / y


def _mod(x: float, y: float) -> float:
    if y == 0 or math.isinf(x) or math.isnan(x) or math.isnan(y):
        return math.nan
    return math.fmod(x, y)


_ARITHMETIC: dict[str, Callable[[float, float], float]] = {
    "+": lambda x, y: x + y,
    "-": lambda x, y: x - y,
    "*": lambda x, y: x * y,
    "div": _div,
    "mod": _mod,
}


def _arith(op: str, a: Any, b: Any) -> float:
    operation = _ARITHMETIC.get(op)
    if operation is None:
        raise ExpressionError(N_("Invalid expression."))
    x, y = _operands(a, b)
    return operation(x, y)


# -- node evaluators ---------------------------------------------------------------------------
def _eval_ref(node: Ref, ctx: Context) -> Any:
    return ctx.get(node.name)


def _eval_column(node: Column, ctx: Context) -> Any:
    """A choice column; a column the choice leaves empty reads as "" (an empty element), a
    name that is no column of the list as an empty node-set (XPath: every comparison false)."""
    if ctx.item is None:
        raise ExpressionError(N_("Unsupported path or name {name!r}; use ${{field}}."),
                              name=node.name)
    if node.name not in ctx.item:
        return NodeSet(())
    return ctx.item[node.name]


def _eval_lookup(node: Lookup, ctx: Context) -> NodeSet:
    """The column of the choices the predicate lets through, as a node-set (XPath)."""
    if ctx.choice_rows is None:
        raise ExpressionError(N_("instance() needs the name of a choice list."))
    out: list[Any] = []
    for row in ctx.choice_rows(node.list_name):
        if node.predicate is not None and not to_bool(_eval(node.predicate,
                                                           replace(ctx, item=row))):
            continue
        if node.column in row:
            out.append(row[node.column])
    return NodeSet(tuple(out))


def _eval_current(_node: Current, ctx: Context) -> Any:
    return "" if ctx.current is None else ctx.current


def _eval_neg(node: Neg, ctx: Context) -> float:
    return -to_number(_eval(node.operand, ctx))


def _eval_parent(_node: Parent, _ctx: Context) -> Any:
    raise ExpressionError(N_("'..' is only supported as position(..)."))


def _eval_binop(node: BinOp, ctx: Context) -> Any:
    if node.op == "and":
        return to_bool(_eval(node.left, ctx)) and to_bool(_eval(node.right, ctx))
    if node.op == "or":
        return to_bool(_eval(node.left, ctx)) or to_bool(_eval(node.right, ctx))
    left, right = _eval(node.left, ctx), _eval(node.right, ctx)
    if node.op in _COMPARISONS:
        return _compare(node.op, left, right)
    return _arith(node.op, left, right)


def _eval_position(_node: Call, ctx: Context) -> float:
    if not ctx.position:
        raise ExpressionError(N_("position(..) is only meaningful inside a repeat."))
    return float(ctx.position)


def _eval_choice_name(node: Call, ctx: Context) -> str:
    value = to_string(_eval(node.args[0], ctx))
    ref = to_string(_eval(node.args[1], ctx))
    m = REF_IN_TEXT.search(ref)
    if ctx.choice_label is None or m is None:
        return value
    return ctx.choice_label(value, m.group(1))


def _eval_once(node: Call, ctx: Context) -> Any:
    """ODK's once(): the field keeps the value it has; only an empty one is calculated (the
    engine passes a calculation's stored value as the current value)."""
    if to_string(ctx.current):
        return ctx.current
    return _eval(node.args[0], ctx)


def _eval_indexed_repeat(node: Call, ctx: Context) -> Any:
    """indexed-repeat(${field}, ${repeat}, n [, ${repeat2}, n2 ...]): the field's value in
    instance n (1-based) of the repeat; "" when there is no such instance."""
    names = [a.name for a in (node.args[0], *node.args[1::2]) if isinstance(a, Ref)]
    if len(names) != (len(node.args) + 1) // 2 or ctx.indexed is None:
        raise ExpressionError(N_("indexed-repeat() needs ${{field}}, ${{repeat}}, number."))
    pairs: list[tuple[str, int]] = []
    for repeat, index in zip(names[1:], node.args[2::2], strict=True):
        n = to_number(_eval(index, ctx))
        if math.isnan(n) or n < 1:
            return ""
        pairs.append((repeat, int(n) - 1))
    return ctx.indexed(names[0], pairs)


def _eval_now(_node: Call, ctx: Context) -> datetime:
    """now(): the date and time with the local zone (on ``ctx.today``'s date, so a form
    evaluated for another day is consistent with today())."""
    moment = datetime.now().astimezone()
    return datetime.combine(ctx.today, moment.timetz())


def _eval_format_date(node: Call, ctx: Context) -> str:
    """format-date(value, pattern) with month and day names in the form's current language."""
    return format_date(_eval(node.args[0], ctx), _eval(node.args[1], ctx), ctx.language)


def _eval_pulldata(node: Call, ctx: Context) -> str:
    """pulldata('file', 'column', 'key_column', key): the column of the file's first row whose
    key column is the key ("" when no row has it), as ODK Collect looks it up."""
    file, column, key_column, key = (to_string(_eval(a, ctx)) for a in node.args)
    rows = ctx.file_rows(file_key(file)) if ctx.file_rows is not None else None
    if rows is None:
        raise ExpressionError(N_("pulldata(): the file '{file}' is not part of the form."),
                              file=file_key(file))
    return pulldata(rows, column, key_column, key)


#: Functions that need more of the context than their arguments.
_CONTEXT_CALLS: dict[str, Callable[[Call, Context], Any]] = {
    "position": _eval_position,
    "jr:choice-name": _eval_choice_name,
    "once": _eval_once,
    "indexed-repeat": _eval_indexed_repeat,
    "now": _eval_now,
    "format-date": _eval_format_date,
    "format-date-time": _eval_format_date,
    "pulldata": _eval_pulldata,
}


def _eval_call(node: Call, ctx: Context) -> Any:
    fn = FUNCTIONS[node.name]
    special = _CONTEXT_CALLS.get(node.name)
    if special is not None:
        return special(node, ctx)
    if fn.lazy:
        return fn.impl(lambda n: _eval(n, ctx), *node.args)
    if node.name in NEEDS_CONTEXT:
        return fn.impl(ctx)
    return fn.impl(*(_eval(a, ctx) for a in node.args))


_EVALUATORS: dict[type, Callable[[Any, Context], Any]] = {
    Num: lambda node, _ctx: node.value,
    Str: lambda node, _ctx: node.value,
    Ref: _eval_ref,
    Column: _eval_column,
    Lookup: _eval_lookup,
    Current: _eval_current,
    Neg: _eval_neg,
    BinOp: _eval_binop,
    Parent: _eval_parent,
    Call: _eval_call,
}


def _eval(node: Node, ctx: Context) -> Any:
    handler = _EVALUATORS.get(type(node))
    if handler is None:
        raise ExpressionError(N_("Invalid expression."))
    return handler(node, ctx)


def evaluate(expression: str | Node, ctx: Context) -> Any:
    """Evaluate; every failure becomes :class:`ExpressionError` (never another exception)."""
    try:
        node = parse(expression) if isinstance(expression, str) else expression
        return _eval(node, ctx)
    except ExpressionError:
        raise
    except (ArithmeticError, ValueError, TypeError, RecursionError, re.error) as exc:
        raise ExpressionError(N_("Expression failed: {reason}"), reason=str(exc)) from None


def evaluate_bool(expression: str | Node, ctx: Context) -> bool:
    return to_bool(evaluate(expression, ctx))
