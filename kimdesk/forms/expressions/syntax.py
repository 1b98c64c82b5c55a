"""The syntax tree of an expression, and what can be read off it without evaluating it.

The static questions (which fields does it read, which functions does it call, does it use ``.``)
feed cycle detection and ``forms check``; they walk the tree with an explicit stack, so a deep
expression cannot exhaust Python's recursion limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


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
class Column:
    """A bare name in a ``choice_filter``: the column of the choice being tested (``state``)."""

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


@dataclass(frozen=True)
class Lookup:
    """``instance('list')/root/item[predicate]/column``: a column of the choices of a list that
    pass the predicate (bare names in it are the choice's columns), as a node-set."""

    list_name: str
    predicate: Node | None
    column: str


Node = Num | Str | Ref | Column | Current | Parent | Neg | BinOp | Call | Lookup

#: ``${name}`` inside a text (``jr:choice-name``'s second argument, note templates).
REF_IN_TEXT = re.compile(r"\$\{\s*([A-Za-z_][A-Za-z0-9_.\-]*)\s*\}")


def _children(n: Node) -> tuple[Node, ...]:
    if isinstance(n, Neg):
        return (n.operand,)
    if isinstance(n, BinOp):
        return (n.left, n.right)
    if isinstance(n, Call):
        return n.args
    if isinstance(n, Lookup) and n.predicate is not None:
        return (n.predicate,)
    return ()


def references(node: Node) -> set[str]:
    """Names of the fields an expression reads (``${name}``)."""
    found: set[str] = set()
    stack: list[Node] = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, Ref):
            found.add(n.name)
        elif isinstance(n, Call) and n.name == "jr:choice-name" and len(n.args) == 2 and \
                isinstance(n.args[1], Str):
            found.update(REF_IN_TEXT.findall(n.args[1].value))
        stack.extend(_children(n))
    return found


def calls(node: Node) -> set[str]:
    """Names of the functions an expression calls."""
    found: set[str] = set()
    stack: list[Node] = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, Call):
            found.add(n.name)
        stack.extend(_children(n))
    return found


def uses_current(node: Node) -> bool:
    """Whether the expression reads ``.`` (the answer being checked: constraints only)."""
    stack: list[Node] = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, Current):
            return True
        stack.extend(_children(n))
    return False


def columns(node: Node) -> set[str]:
    """Names of the choice columns a ``choice_filter`` reads."""
    found: set[str] = set()
    stack: list[Node] = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, Column):
            found.add(n.name)
        stack.extend(_children(n))
    return found


def lookups(node: Node) -> set[str]:
    """Names of the choice lists an expression reads with ``instance('list')/root/item``."""
    found: set[str] = set()
    stack: list[Node] = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, Lookup):
            found.add(n.list_name)
        stack.extend(_children(n))
    return found
