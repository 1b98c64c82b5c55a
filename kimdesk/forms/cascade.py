"""Choices and repeats that depend on answers: ``choice_filter`` and ``repeat_count``.

Cascading selects (a district list filtered by the chosen state) are XLSForm's ``choice_filter``:
an expression over the choice list's own columns, tested for each choice as ODK Collect does
(JavaRosa evaluates the itemset's predicate with the choice as context node, so a bare name is a
column of that choice and ``${field}`` an answer). A choice whose test fails or errs is not offered;
an answer that is no longer offered is reported ("This choice is not in the list") rather than
dropped, so nothing is lost behind the counselor's back.

``repeat_count`` fixes the number of instances of a repeat (ODK's ``jr:count``): the form view
adds and removes instances to match it (Collect does the same), capped at :data:`MAX_COUNT`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kimdesk.forms.definition import Choice, Field, Form
from kimdesk.forms.expressions import (
    ExpressionError,
    Node,
    columns,
    evaluate,
    parse,
    parse_filter,
    references,
    to_bool,
    to_number,
)
from kimdesk.i18n import later as _

if TYPE_CHECKING:
    from datetime import date

    from kimdesk.forms.answer_tree import AnswerTree
    from kimdesk.forms.engine import FormState, Scope

Add = Callable[..., Any]
#: The most instances a ``repeat_count`` makes (a form asking for 10^9 rows must not hang).
MAX_COUNT = 500


def available_choices(state: FormState, f: Field, scope: Scope) -> list[Choice]:
    """The choices field ``f`` offers in ``scope``: all, or those its filter lets through."""
    choices = state.form.choice_list(f)
    text = f.row.choice_filter
    if not text:
        return choices
    try:
        node = parse_filter(text)
    except ExpressionError:
        return []  # forms check refuses such a form; never offer unfiltered choices
    rows = choice_rows(state.form, f.list_name or "")
    out: list[Choice] = []
    for choice, row in zip(choices, rows, strict=True):
        ctx = state.context(scope)
        ctx.item = row
        try:
            keep = to_bool(evaluate(node, ctx))
        except ExpressionError:
            keep = False
        if keep:
            out.append(choice)
    return out


def repeat_count(state: FormState, f: Field, scope: Scope) -> int | None:
    """The number of instances ``repeat_count`` asks for (None: the counselor decides)."""
    text = f.row.repeat_count
    if not text:
        return None
    try:
        n = to_number(evaluate(text, state.context(scope)))
    except ExpressionError:
        return 0
    if math.isnan(n) or n < 0:
        return 0
    return int(min(n, MAX_COUNT))


def check_dynamic(form: Form, f: Field, name: str, add: Add) -> None:
    """``forms check`` of the two columns: syntax, the fields and choice columns they read."""
    row = f.row
    if row.repeat_count and f.kind != "repeat":
        add(name, _("repeat_count on a field that is not a repeat is not supported"))
    if row.repeat_count:
        _check_refs(form, name, "repeat_count", row.repeat_count, add, parse)
    if not row.choice_filter:
        return
    if f.kind not in {"select_one", "select_multiple"}:
        add(name, _("choice_filter on a field that is not a select is not supported"))
        return
    node = _check_refs(form, name, "choice_filter", row.choice_filter, add, parse_filter)
    if node is None:
        return
    known = {"name", *list_columns(form.choice_list(f))}
    for column in sorted(columns(node) - known):
        if column == "label" or column.startswith("label::"):
            continue
        add(name, _("choice_filter: the choice list '{list}' has no column '{column}'; as in"
                    " ODK it reads as empty (did you mean '{column}' in quotes?)").format(
                        list=f.list_name, column=column), "warning")


def choice_rows(form: Form, list_name: str) -> list[dict[str, str]]:
    """A choice list as ``instance('list')/root/item`` sees it: each choice's name, label and
    other columns (a column another choice has reads as empty). Cached on the form."""
    cache: dict[str, list[dict[str, str]]] = form.__dict__.setdefault("_choice_rows", {})
    if list_name not in cache:
        choices = form.choices.get(list_name, [])
        known = list_columns(choices)
        cache[list_name] = [{**dict.fromkeys(known, ""), **c.columns, "name": c.name,
                             **_label_columns(form, c)} for c in choices]
    return cache[list_name]


def list_columns(choices: list[Choice]) -> set[str]:
    """Every column some choice of the list has (the others read it as empty)."""
    return {c for choice in choices for c in choice.columns}


def _label_columns(form: Form, choice: Choice) -> dict[str, str]:
    """``label`` (default language) and ``label::English (en)``-style columns of a choice,
    under every header a filter may use: ``label::en``, ``label::English``, the full one."""
    from babel import Locale

    out = {"label": form.text(choice.label, form.default_language)}
    names = Locale("en").languages
    for code, text in choice.label.items():
        name = names.get(code, code)
        for head in (code, name, f"{name} ({code})"):
            out[f"label::{head}"] = text
    return out


def _check_refs(form: Form, name: str, column: str, text: str, add: Add,
                parser: Callable[[str], Node]) -> Node | None:
    try:
        node = parser(text)
    except ExpressionError as exc:
        add(name, f"{column}: {exc.translated()}")
        return None
    for ref in sorted(references(node)):
        if ref not in form.by_name:
            add(name, _("{column}: reference to a field that does not exist: {ref}").format(
                column=column, ref=f"${{{ref}}}"))
    return node


def sync_repeat_counts(form: Form, tree: AnswerTree, today: date | None = None) -> bool:
    """Add or remove trailing instances until every counted repeat has its count (as Collect
    does when the count changes); True when the answers changed. A few passes settle nested
    repeats whose count reads an outer instance."""
    from kimdesk.forms.engine import FormState

    counted = [f for f in form.walk() if f.kind == "repeat" and f.row.repeat_count]
    changed = False
    for _pass in range(4):
        moved = False
        for f in counted:
            state = FormState(form, tree.data, today=today)
            for scope in list(state.scopes(f)):
                want = repeat_count(state, f, scope) if state.relevant(f, scope) else 0
                have = state.instances(f, scope)
                for _i in range(have, want or 0):
                    tree.add_instance(form, f, scope, today)
                for i in range(have - 1, (want or 0) - 1, -1):
                    tree.remove_instance(f.name, scope, i)
                moved = moved or have != want
        changed = changed or moved
        if not moved:
            break
    return changed
