"""Tokenizer and Pratt-style recursive-descent parser for the XLSForm expression subset.

The parser checks what it can before anything runs: function names and argument counts, ``..``
only as ``position(..)``, and the length and nesting bounds of :mod:`.limits`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from kimdesk.forms.expressions.functions_odk import FUNCTIONS
from kimdesk.forms.expressions.limits import MAX_DEPTH, MAX_LENGTH, ExpressionError
from kimdesk.forms.expressions.syntax import (
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
from kimdesk.i18n import N_

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<num>\d+(?:\.\d*)?|\.\d+)
    | (?P<str>'[^']*'|"[^"]*")
    | (?P<ref>\$\{\s*(?P<refname>[A-Za-z_][A-Za-z0-9_.\-]*)\s*\})
    | (?P<op>!=|<=|>=|=|<|>|\+|-|\*|\(|\)|,|/|\[|\])
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

#: Tokens that stand for themselves: (kind) -> node built from the token text.
_LEAVES: dict[str, Callable[[str], Node]] = {
    "num": lambda text: Num(float(text)),
    "str": Str,
    "ref": Ref,
    "dot": lambda _text: Current(),
    "dotdot": lambda _text: Parent(),
}


class _Parser:
    def __init__(self, text: str, columns: bool = False) -> None:
        self.columns = columns  # bare names are choice columns (choice_filter)
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0

    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def at_op(self, text: str) -> bool:
        tok = self.peek()
        return tok.kind == "op" and tok.text == text

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

    def deeper(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(N_("Expression nested too deeply."))

    def expression(self, min_prec: int) -> Node:
        self.deeper()
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
        if self.at_op("-"):
            self.take()
            self.deeper()
            node = Neg(self.unary())
            self.depth -= 1
            return node
        return self.primary()

    def primary(self) -> Node:
        tok = self.take()
        leaf = _LEAVES.get(tok.kind)
        if leaf is not None:
            return leaf(tok.text)
        if tok.kind == "op" and tok.text == "(":
            node = self.expression(0)
            self.expect(")")
            return node
        if tok.kind == "name":
            if tok.text == "instance" and self.at_op("("):
                return self.lookup()
            if self.at_op("("):
                return self.call(tok.text)
            if self.columns:
                return Column(tok.text)
            raise ExpressionError(
                N_("Unsupported path or name {name!r}; use ${{field}}."), name=tok.text
            )
        if tok.kind == "end":
            raise ExpressionError(N_("Unexpected end of expression."))
        raise ExpressionError(
            N_("Unexpected {token!r} at position {pos}."), token=tok.text, pos=tok.pos
        )

    def lookup(self) -> Lookup:
        """``instance('list')/root/item[predicate]/column`` after the name ``instance``: ODK's
        lookup in a choice list (the only secondary instance a form has here)."""
        self.take()  # "("
        tok = self.take()
        if tok.kind != "str":
            raise ExpressionError(N_("instance() needs the name of a choice list."))
        self.expect(")")
        for step in ("root", "item"):
            self.expect("/")
            if self.take().text != step:
                raise ExpressionError(N_("Write instance('list')/root/item[...]/column."))
        predicate = None
        if self.at_op("["):
            self.take()
            outer, self.columns = self.columns, True
            predicate = self.expression(0)
            self.columns = outer
            self.expect("]")
        self.expect("/")
        column = self.take()
        if column.kind != "name":
            raise ExpressionError(N_("Write instance('list')/root/item[...]/column."))
        return Lookup(tok.text, predicate, column.text)

    def call(self, name: str) -> Call:
        """``name(arg, ...)`` after the name: arguments, then the checks on the function."""
        self.take()  # "("
        args: list[Node] = []
        if not self.at_op(")"):
            args.append(self.expression(0))
            while self.at_op(","):
                self.take()
                args.append(self.expression(0))
        self.expect(")")
        if name not in FUNCTIONS:
            raise ExpressionError(N_("Unknown function {name}()."), name=name)
        lo, hi = FUNCTIONS[name].arity
        if len(args) < lo or (hi is not None and len(args) > hi):
            raise ExpressionError(N_("Wrong number of arguments for {name}()."), name=name)
        if name == "indexed-repeat" and (len(args) % 2 == 0 or not all(
                isinstance(a, Ref) for a in (args[0], *args[1::2]))):
            raise ExpressionError(N_("indexed-repeat() needs ${{field}}, ${{repeat}}, number."))
        if any(isinstance(a, Parent) for a in args) != (name == "position") or (
                name == "position" and not isinstance(args[0], Parent)):
            raise ExpressionError(N_("'..' is only supported as position(..)."))
        return Call(name, tuple(args))


@lru_cache(maxsize=4096)
def parse(text: str) -> Node:
    """Parse an expression (cached: forms evaluate the same few expressions very often)."""
    if not isinstance(text, str):
        raise ExpressionError(N_("An expression must be text."))
    if not text.strip():
        raise ExpressionError(N_("Empty expression."))
    return _Parser(text).parse()


@lru_cache(maxsize=1024)
def parse_filter(text: str) -> Node:
    """Parse a ``choice_filter``: as :func:`parse`, and a bare name is a choice column."""
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError(N_("Empty expression."))
    return _Parser(text, columns=True).parse()
