"""The syntax tree of an expression, and what can be read off it without evaluating it.

The static questions (which fields does it read, which functions does it call, does it use ``.``)
feed cycle detection and ``forms check``; they walk the tree with an explicit stack, so a deep
expression cannot exhaust Python's recursion limit.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
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


def nodes(node: Node) -> Iterator[Node]:
    """Every node of an expression, ``node`` first (depth first; the order does not matter to
    the questions below)."""
    stack: list[Node] = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(_children(n))


def references(node: Node) -> set[str]:
    """Names of the fields an expression reads (``${name}``)."""
    found: set[str] = set()
    for n in nodes(node):
        if isinstance(n, Ref):
            found.add(n.name)
        elif isinstance(n, Call) and n.name == "jr:choice-name" and len(n.args) == 2 and \
                isinstance(n.args[1], Str):
            found.update(REF_IN_TEXT.findall(n.args[1].value))
    return found


def calls(node: Node) -> set[str]:
    """Names of the functions an expression calls."""
    return {n.name for n in nodes(node) if isinstance(n, Call)}


def uses_current(node: Node) -> bool:
    """Whether the expression reads ``.`` (the answer being checked: constraints only)."""
    return any(isinstance(n, Current) for n in nodes(node))


def columns(node: Node) -> set[str]:
    """Names of the choice columns a ``choice_filter`` reads."""
    return {n.name for n in nodes(node) if isinstance(n, Column)}


def lookups(node: Node) -> set[str]:
    """Names of the choice lists an expression reads with ``instance('list')/root/item``."""
    return {n.list_name for n in nodes(node) if isinstance(n, Lookup)}
