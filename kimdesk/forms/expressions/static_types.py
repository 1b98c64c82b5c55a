"""Static types of expressions, for ``forms check``: what an expression yields, and which
combinations are most likely a form author's mistake.

Strict where a mistake is likely (arithmetic on free text or on a choice; ``selected()`` on
something that is not a choice field), lenient elsewhere (``any`` for calculations and ``.``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from kimdesk.forms.expressions.functions import FUNCTIONS, safe_regex
from kimdesk.forms.expressions.limits import ExpressionError
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
from kimdesk.i18n import Text
from kimdesk.i18n import later as _

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
    "geopoint": "string",
    "time": "string",
    "dateTime": "string",
    "barcode": "string",
    "hidden": "string",
    "image": "string",
    "audio": "string",
    "video": "string",
    "file": "string",
    "background-audio": "string",
    "osm": "string",
    "phonenumber": "string",
    "simserial": "string",
    "subscriberid": "string",
    "email": "string",
    "audit": "string",
    "start-geopoint": "string",
    "repeat": "nodeset",
    "group": "any",
}

_NOT_NUMERIC = {"string", "select", "boolean"}
_SELECT_FUNCTIONS = {"selected", "count-selected", "selected-at"}

#: (node, field types, problems) -> type; the node is of the kind the table maps it from.
Inferrer = Callable[[Any, Mapping[str, str], list[Text]], str]


def _infer_ref(node: Ref, field_types: Mapping[str, str], _problems: list[Text]) -> str:
    return field_types.get(node.name, "any")


def _infer_neg(node: Neg, field_types: Mapping[str, str], problems: list[Text]) -> str:
    t = infer(node.operand, field_types, problems)
    if t in _NOT_NUMERIC:
        problems.append(_("unary minus applied to a {type}").format(type=t))
    return "number"


def _infer_binop(node: BinOp, field_types: Mapping[str, str], problems: list[Text]) -> str:
    lt = infer(node.left, field_types, problems)
    rt = infer(node.right, field_types, problems)
    if node.op in {"and", "or", "=", "!="}:
        return "boolean"
    if node.op in {"<", "<=", ">", ">="}:
        for t, side in ((lt, node.left), (rt, node.right)):
            if t == "select" or (t == "string" and not isinstance(side, Str)):
                problems.append(_("'{op}' compares a {type} by size").format(op=node.op, type=t))
        return "boolean"
    for t in (lt, rt):
        if t in _NOT_NUMERIC:
            problems.append(_("arithmetic '{op}' on a {type}").format(op=node.op, type=t))
    if node.op in {"+", "-"} and "date" in (lt, rt) and lt != rt:
        return "date"
    return "number"


def _check_select_call(node: Call, types: list[str], problems: list[Text]) -> None:
    first = node.args[0]
    if not isinstance(first, Current) and types[0] not in {"select", "any", "string"}:
        problems.append(_("{function}() needs a choice field, not a {type}").format(
            function=node.name, type=types[0]))
    if isinstance(first, Ref) and types[0] == "string":
        problems.append(_("{function}() needs a choice field, not a text field").format(
            function=node.name))


def _check_regex_call(node: Call, problems: list[Text]) -> None:
    """A literal pattern is compiled now, so an unsafe one is reported before anyone types."""
    if len(node.args) == 2 and isinstance(node.args[1], Str):
        try:
            safe_regex(node.args[1].value)
        except ExpressionError as exc:
            problems.append(exc.later())


def _infer_call(node: Call, field_types: Mapping[str, str], problems: list[Text]) -> str:
    types = [infer(a, field_types, problems) for a in node.args]
    if node.name in _SELECT_FUNCTIONS and node.args:
        _check_select_call(node, types, problems)
    if node.name == "count" and types and types[0] not in {"nodeset", "any"}:
        problems.append(_("{function}() needs a repeat or a field inside a repeat").format(
            function=node.name))
    if node.name == "regex":
        _check_regex_call(node, problems)
    if node.name in {"if", "coalesce"}:
        branch = [t for t in types[-2:] if t != "any"]
        return branch[0] if branch and len(set(branch)) == 1 else "any"
    return FUNCTIONS[node.name].result


_INFERRERS: dict[type, Inferrer] = {
    Num: lambda _node, _types, _problems: "number",
    Str: lambda _node, _types, _problems: "string",
    Current: lambda _node, _types, _problems: "any",
    Column: lambda _node, _types, _problems: "any",
    Lookup: lambda _node, _types, _problems: "any",
    Parent: lambda _node, _types, _problems: "any",
    Ref: _infer_ref,
    Neg: _infer_neg,
    BinOp: _infer_binop,
    Call: _infer_call,
}


def infer(node: Node, field_types: Mapping[str, str], problems: list[Text]) -> str:
    """The type an expression yields; appends ill-typed combinations to ``problems``."""
    inferrer = _INFERRERS.get(type(node))
    return "any" if inferrer is None else inferrer(node, field_types, problems)
