"""XLSForm expressions (a safe subset of XPath 1.0 as ODK uses it): parse, check, evaluate.

Why a small parser of our own and not elementpath: elementpath evaluates full XPath 2/3 over an XML
document, so every evaluation would first serialise the answers into an XML instance and rewrite
``${field}`` into paths; its errors come from many exception classes, its run time is not bounded
by anything we control, and it offers no static view of an expression. KIMdesk needs exactly that
static view (which fields an expression reads, for cycle detection; which types it combines, for
``forms check``) and a hard bound on work per evaluation. The XLSForm subset is a dozen operators
and a few dozen functions, so a Pratt-style recursive-descent parser (~400 lines) is the simpler,
auditable choice. It never calls ``eval``, has no attribute access, no loops driven by input
values, caps expression length, nesting depth, string sizes and regular expressions, and raises
only :class:`ExpressionError`.

Values follow XPath 1.0 / JavaRosa semantics: an empty answer is ``""``, numbers are floats, a
``select_multiple`` answer is a space-separated string, dates compare and subtract as day numbers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from kimdesk.errors import KimdeskError
from kimdesk.i18n import N_

MAX_LENGTH = 4000
MAX_DEPTH = 48
MAX_STRING = 20000
MAX_REGEX_SUBJECT = 2000
MAX_REGEX_PATTERN = 300
REGEX_TIMEOUT = 0.05  # seconds per regex() match
EPOCH = date(1970, 1, 1)


class ExpressionError(KimdeskError):
    """Any problem with an expression: syntax, unknown function, bounds, evaluation."""

    exit_code = 2


# -- syntax tree -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Num:
    value: float


@dataclass(frozen=True)
class Str:
    value: str


@dataclass(frozen=True)
class Ref:
    name: str


@dataclass(frozen=True)
class Current:
    pass


@dataclass(frozen=True)
class Parent:
    """``..``: only meaningful as ``position(..)``, the number of the current repeat instance."""


@dataclass(frozen=True)
class Neg:
    operand: Node


@dataclass(frozen=True)
class BinOp:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]


Node = Num | Str | Ref | Current | Parent | Neg | BinOp | Call

# -- tokens ------------------------------------------------------------------------------------
_TOKEN = re.compile(
    r"""\s*(?:
      (?P<num>\d+(?:\.\d*)?|\.\d+)
    | (?P<str>'[^']*'|"[^"]*")
    | (?P<ref>\$\{\s*(?P<refname>[A-Za-z_][A-Za-z0-9_.\-]*)\s*\})
    | (?P<op>!=|<=|>=|=|<|>|\+|-|\*|\(|\)|,)
    | (?P<name>[A-Za-z_][A-Za-z0-9_:\-]*(?<!-))
    | (?P<dotdot>\.\.)
    | (?P<dot>\.)
    )""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    pos: int


def tokenize(text: str) -> list[Token]:
    if len(text) > MAX_LENGTH:
        raise ExpressionError(N_("Expression too long (more than {n} characters)."), n=MAX_LENGTH)
    tokens: list[Token] = []
    pos = 0
    end = len(text.rstrip())
    while pos < end:
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ExpressionError(
                N_("Unexpected character {char!r} at position {pos}."), char=text[pos], pos=pos
            )
        kind = m.lastgroup or ""
        if kind == "refname":
            kind = "ref"
        value = m.group(kind)
        if kind == "ref":
            value = m.group("refname")
        elif kind == "str":
            value = value[1:-1]
        tokens.append(Token(kind, value, m.start(kind)))
        pos = m.end()
    tokens.append(Token("end", "", end))
    return tokens


_BINARY = {  # operator -> precedence (higher binds tighter)
    "or": 1,
    "and": 2,
    "=": 3,
    "!=": 3,
    "<": 4,
    "<=": 4,
    ">": 4,
    ">=": 4,
    "+": 5,
    "-": 5,
    "*": 6,
    "div": 6,
    "mod": 6,
}


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0

    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def expect(self, text: str) -> None:
        tok = self.take()
        if tok.kind != "op" or tok.text != text:
            raise ExpressionError(
                N_("Expected {what} at position {pos}."), what=repr(text), pos=tok.pos
            )

    def binary_op(self) -> str | None:
        tok = self.peek()
        if tok.kind == "op" and tok.text in _BINARY:
            return tok.text
        if tok.kind == "name" and tok.text in {"and", "or", "div", "mod"}:
            return tok.text
        return None

    def parse(self) -> Node:
        node = self.expression(0)
        tok = self.peek()
        if tok.kind != "end":
            raise ExpressionError(
                N_("Unexpected {token!r} at position {pos}."), token=tok.text, pos=tok.pos
            )
        return node

    def expression(self, min_prec: int) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(N_("Expression nested too deeply."))
        left = self.unary()
        while True:
            op = self.binary_op()
            if op is None or _BINARY[op] < min_prec:
                break
            self.take()
            right = self.expression(_BINARY[op] + 1)
            left = BinOp(op, left, right)
        self.depth -= 1
        return left

    def unary(self) -> Node:
        tok = self.peek()
        if tok.kind == "op" and tok.text == "-":
            self.take()
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise ExpressionError(N_("Expression nested too deeply."))
            node = Neg(self.unary())
            self.depth -= 1
            return node
        return self.primary()

    def primary(self) -> Node:
        tok = self.take()
        if tok.kind == "num":
            return Num(float(tok.text))
        if tok.kind == "str":
            return Str(tok.text)
        if tok.kind == "ref":
            return Ref(tok.text)
        if tok.kind == "dot":
            return Current()
        if tok.kind == "dotdot":
            return Parent()
        if tok.kind == "op" and tok.text == "(":
            node = self.expression(0)
            self.expect(")")
            return node
        if tok.kind == "name":
            nxt = self.peek()
            if nxt.kind == "op" and nxt.text == "(":
                self.take()
                args: list[Node] = []
                if not (self.peek().kind == "op" and self.peek().text == ")"):
                    args.append(self.expression(0))
                    while self.peek().kind == "op" and self.peek().text == ",":
                        self.take()
                        args.append(self.expression(0))
                self.expect(")")
                if tok.text not in FUNCTIONS:
                    raise ExpressionError(N_("Unknown function {name}()."), name=tok.text)
                lo, hi = FUNCTIONS[tok.text].arity
                if len(args) < lo or (hi is not None and len(args) > hi):
                    raise ExpressionError(
                        N_("Wrong number of arguments for {name}()."), name=tok.text
                    )
                if any(isinstance(a, Parent) for a in args) != (tok.text == "position") or (
                        tok.text == "position" and not isinstance(args[0], Parent)):
                    raise ExpressionError(N_("'..' is only supported as position(..)."))
                return Call(tok.text, tuple(args))
            raise ExpressionError(
                N_("Unsupported path or name {name!r}; use ${{field}}."), name=tok.text
            )
        if tok.kind == "end":
            raise ExpressionError(N_("Unexpected end of expression."))
        raise ExpressionError(
            N_("Unexpected {token!r} at position {pos}."), token=tok.text, pos=tok.pos
        )


@lru_cache(maxsize=4096)
def parse(text: str) -> Node:
    """Parse an expression (cached: forms evaluate the same few expressions very often)."""
    if not isinstance(text, str):
        raise ExpressionError(N_("An expression must be text."))
    if not text.strip():
        raise ExpressionError(N_("Empty expression."))
    return _Parser(text).parse()


_REF_IN_TEXT = re.compile(r"\$\{\s*([A-Za-z_][A-Za-z0-9_.\-]*)\s*\}")


def references(node: Node) -> set[str]:
    """Names of the fields an expression reads (``${name}``)."""
    found: set[str] = set()
    stack: list[Node] = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, Ref):
            found.add(n.name)
        elif isinstance(n, Neg):
            stack.append(n.operand)
        elif isinstance(n, BinOp):
            stack.extend((n.left, n.right))
        elif isinstance(n, Call):
            stack.extend(n.args)
            if n.name == "jr:choice-name" and len(n.args) == 2 and isinstance(n.args[1], Str):
                found.update(_REF_IN_TEXT.findall(n.args[1].value))
    return found


def calls(node: Node) -> set[str]:
    """Names of the functions an expression calls."""
    found: set[str] = set()
    stack: list[Node] = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, Call):
            found.add(n.name)
            stack.extend(n.args)
        elif isinstance(n, Neg):
            stack.append(n.operand)
        elif isinstance(n, BinOp):
            stack.extend((n.left, n.right))
    return found


def uses_current(node: Node) -> bool:
    stack: list[Node] = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, Current):
            return True
        if isinstance(n, Neg):
            stack.append(n.operand)
        elif isinstance(n, BinOp):
            stack.extend((n.left, n.right))
        elif isinstance(n, Call):
            stack.extend(n.args)
    return False


# -- values ------------------------------------------------------------------------------------
class NodeSet(tuple[Any, ...]):
    """The values of a field inside a repeat, read from outside it (XPath's node-set)."""


_NUMBER = re.compile(r"^\s*-?(\d+(\.\d*)?|\.\d+)\s*$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _scalar(v: Any) -> Any:
    if isinstance(v, NodeSet):
        return v[0] if v else ""
    return v


def to_number(v: Any) -> float:
    v = _scalar(v)
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, int | float):
        return float(v)
    if isinstance(v, datetime):
        return (v.date() - EPOCH).days + (v.hour * 3600 + v.minute * 60 + v.second) / 86400
    if isinstance(v, date):
        return float((v - EPOCH).days)
    if isinstance(v, str) and _NUMBER.match(v):
        return float(v)
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


def to_string(v: Any) -> str:
    v = _scalar(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return repr(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, datetime | date):
        return v.isoformat()
    if v is None:
        return ""
    if isinstance(v, list | tuple):
        return " ".join(to_string(x) for x in v)
    return str(v)


def to_date(v: Any) -> date | None:
    v = _scalar(v)
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    if isinstance(v, str) and _DATE.match(v):
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


def _cap(s: str) -> str:
    if len(s) > MAX_STRING:
        raise ExpressionError(N_("Text result too long."))
    return s


# -- regular expressions (bounded) -------------------------------------------------------------
_NESTED = re.compile(r"\([^()]*[+*}][^()]*\)\s*[+*{]")


@lru_cache(maxsize=256)
def safe_regex(pattern: str) -> Any:
    """Compile a form's regex with the ``regex`` module, whose matching takes a timeout.

    Python's ``re`` cannot be stopped, and no pattern check catches every catastrophic case
    (``(a|a)+$``, ``a*a*a*a*$``), so the hard bound is :data:`REGEX_TIMEOUT` per match. Patterns
    that are obviously catastrophic or not XLSForm (nested quantifiers, backreferences,
    lookaround) are refused up front with a clear message, and lengths are capped."""
    import regex

    if len(pattern) > MAX_REGEX_PATTERN:
        raise ExpressionError(N_("Regular expression too long."))
    if _NESTED.search(pattern) or re.search(r"\\\d|\(\?P=|\(\?<?[=!]", pattern):
        raise ExpressionError(
            N_("Regular expression not allowed (nested repetition, lookaround or backreference).")
        )
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
    text = to_string(s)
    a = to_number(start)
    b = len(text) if end is None else to_number(end)
    if math.isnan(a) or math.isnan(b):
        return ""
    a_i = max(0, min(len(text), int(a)))
    b_i = max(0, min(len(text), int(b)))
    return text[a_i:b_i]


def _regex(s: Any, pattern: Any) -> bool:
    subject = to_string(s)
    if len(subject) > MAX_REGEX_SUBJECT:
        raise ExpressionError(N_("Text too long for a regular expression test."))
    try:
        return safe_regex(to_string(pattern)).search(subject, timeout=REGEX_TIMEOUT) is not None
    except TimeoutError:
        raise ExpressionError(N_("The regular expression takes too long.")) from None


def _round(x: Any, digits: Any = 0) -> float:
    v = to_number(x)
    d = to_number(digits)
    if math.isnan(v) or math.isinf(v) or math.isnan(d):
        return v
    d_i = max(-15, min(15, int(d)))
    scale = 10.0**d_i
    return math.floor(v * scale + 0.5) / scale


def _int(x: Any) -> float:
    v = to_number(x)
    if math.isnan(v) or math.isinf(v):
        return v
    return float(math.trunc(v))


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
    return _cap("".join(to_string(a) for a in args))


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
    "now": Function((0, 0), "date", _today),
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
    "decimal-date-time": Function((1, 1), "number", to_number),
    "position": Function((1, 1), "number", lambda: 0.0),  # evaluated in _eval (needs context)
    "jr:choice-name": Function((2, 2), "string", lambda: ""),  # evaluated in _eval
}
_NEEDS_CONTEXT = {"today", "now"}


def _int_op(op: Callable[[float], int], x: Any) -> float:
    v = to_number(x)
    if math.isnan(v) or math.isinf(v):
        return v
    return float(op(v))


# -- evaluation --------------------------------------------------------------------------------
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

    def get(self, name: str) -> Any:
        if self.lookup is not None:
            return self.lookup(name)
        if name not in self.values:
            raise ExpressionError(N_("Unknown field ${{{name}}}."), name=name)
        value = self.values[name]
        return "" if value is None else value


def _compare(op: str, a: Any, b: Any) -> bool:
    if isinstance(a, NodeSet) or isinstance(b, NodeSet):  # XPath: true if any node matches
        left = a if isinstance(a, NodeSet) else (a,)
        right = b if isinstance(b, NodeSet) else (b,)
        return any(_compare(op, x, y) for x in left for y in right)
    if op in {"=", "!="}:
        if isinstance(a, bool) or isinstance(b, bool):
            eq = to_bool(a) == to_bool(b)
        elif isinstance(a, int | float) or isinstance(b, int | float):
            eq = to_number(a) == to_number(b)
        elif isinstance(a, date) or isinstance(b, date):
            da, db = to_date(a), to_date(b)
            eq = da is not None and da == db
        else:
            eq = to_string(a) == to_string(b)
        return eq if op == "=" else not eq
    if isinstance(a, date) or isinstance(b, date):
        x, y = to_number(to_date(a) or math.nan), to_number(to_date(b) or math.nan)
    else:
        x, y = to_number(a), to_number(b)
    if op == "<":
        return x < y
    if op == "<=":
        return x <= y
    if op == ">":
        return x > y
    return x >= y


def _arith(op: str, a: Any, b: Any) -> float:
    x, y = to_number(a), to_number(b)
    if isinstance(_scalar(a), str) and isinstance(_scalar(b), str):
        da, db = to_date(a), to_date(b)
        if da and db and _DATE.match(to_string(a)) and _DATE.match(to_string(b)):
            x, y = to_number(da), to_number(db)
    elif isinstance(_scalar(a), date) or isinstance(_scalar(b), date):
        x = to_number(to_date(a)) if to_date(a) else x
        y = to_number(to_date(b)) if to_date(b) else y
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if op == "div":
        if y == 0:
            return math.nan if x == 0 or math.isnan(x) else math.copysign(math.inf, x) * (
                math.copysign(1, y))
        return x / y
    if y == 0 or math.isinf(x) or math.isnan(x) or math.isnan(y):
        return math.nan
    return math.fmod(x, y)


def _eval(node: Node, ctx: Context) -> Any:
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Str):
        return node.value
    if isinstance(node, Ref):
        return ctx.get(node.name)
    if isinstance(node, Current):
        return "" if ctx.current is None else ctx.current
    if isinstance(node, Neg):
        return -to_number(_eval(node.operand, ctx))
    if isinstance(node, BinOp):
        if node.op == "and":
            return to_bool(_eval(node.left, ctx)) and to_bool(_eval(node.right, ctx))
        if node.op == "or":
            return to_bool(_eval(node.left, ctx)) or to_bool(_eval(node.right, ctx))
        left, right = _eval(node.left, ctx), _eval(node.right, ctx)
        if node.op in {"=", "!=", "<", "<=", ">", ">="}:
            return _compare(node.op, left, right)
        return _arith(node.op, left, right)
    if isinstance(node, Parent):
        raise ExpressionError(N_("'..' is only supported as position(..)."))
    if isinstance(node, Call):
        fn = FUNCTIONS[node.name]
        if node.name == "position":
            if not ctx.position:
                raise ExpressionError(N_("position(..) is only meaningful inside a repeat."))
            return float(ctx.position)
        if node.name == "jr:choice-name":
            value = to_string(_eval(node.args[0], ctx))
            ref = to_string(_eval(node.args[1], ctx))
            m = _REF_IN_TEXT.search(ref)
            if ctx.choice_label is None or m is None:
                return value
            return ctx.choice_label(value, m.group(1))
        if fn.lazy:
            return fn.impl(lambda n: _eval(n, ctx), *node.args)
        if node.name in _NEEDS_CONTEXT:
            return fn.impl(ctx)
        return fn.impl(*(_eval(a, ctx) for a in node.args))
    raise ExpressionError(N_("Invalid expression."))


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


# -- static types ------------------------------------------------------------------------------
#: Value type of each field type, as expressions see it.
FIELD_VALUE_TYPES = {
    "text": "string",
    "integer": "number",
    "decimal": "number",
    "date": "date",
    "select_one": "select",
    "select_multiple": "select",
    "calculate": "any",
    "note": "string",
    "acknowledge": "string",
    "start": "date",
    "end": "date",
    "today": "date",
    "username": "string",
    "deviceid": "string",
    "repeat": "nodeset",
    "group": "any",
}


def infer(node: Node, field_types: Mapping[str, str], problems: list[str]) -> str:
    """The type an expression yields; appends ill-typed combinations to ``problems``.

    Strict where a form author most likely made a mistake (arithmetic on free text or on a
    choice; ``selected()`` on something that is not a choice field)."""
    if isinstance(node, Num):
        return "number"
    if isinstance(node, Str):
        return "string"
    if isinstance(node, Current | Parent):
        return "any"
    if isinstance(node, Ref):
        return field_types.get(node.name, "any")
    if isinstance(node, Neg):
        t = infer(node.operand, field_types, problems)
        if t in {"string", "select", "boolean"}:
            problems.append(f"unary minus applied to a {t}")
        return "number"
    if isinstance(node, BinOp):
        lt = infer(node.left, field_types, problems)
        rt = infer(node.right, field_types, problems)
        if node.op in {"and", "or", "=", "!="}:
            return "boolean"
        if node.op in {"<", "<=", ">", ">="}:
            for t, side in ((lt, node.left), (rt, node.right)):
                if t == "select" or (t == "string" and not isinstance(side, Str)):
                    problems.append(f"'{node.op}' compares a {t} by size")
            return "boolean"
        for t in (lt, rt):
            if t in {"string", "select", "boolean"}:
                problems.append(f"arithmetic '{node.op}' on a {t}")
        if node.op in {"+", "-"} and "date" in (lt, rt) and lt != rt:
            return "date"
        return "number"
    if isinstance(node, Call):
        types = [infer(a, field_types, problems) for a in node.args]
        if node.name in {"selected", "count-selected", "selected-at"} and node.args:
            first = node.args[0]
            if not isinstance(first, Current) and types[0] not in {"select", "any", "string"}:
                problems.append(f"{node.name}() needs a choice field, not a {types[0]}")
            if isinstance(first, Ref) and types[0] == "string":
                problems.append(f"{node.name}() needs a choice field, not a text field")
        if node.name == "count" and types and types[0] not in {"nodeset", "any"}:
                problems.append(f"{node.name}() needs a repeat or a field inside a repeat")
        if node.name == "regex" and len(node.args) == 2 and isinstance(node.args[1], Str):
            try:
                safe_regex(node.args[1].value)
            except ExpressionError as exc:
                problems.append(exc.translated())
        if node.name in {"if", "coalesce"}:
            branch = [t for t in types[-2:] if t != "any"]
            return branch[0] if branch and len(set(branch)) == 1 else "any"
        return FUNCTIONS[node.name].result
    return "any"
