"""The answers being edited, as the JSON-shaped tree stored in ``Consultation.answers``.

A field inside a repeat lives at ``answers[repeat][i][name]``; a *scope* (``(("goals", 0),)``)
names the instance. This is the model of the Qt form widget (``kimdesk.gui.forms``), kept free of
Qt so it is tested on its own: editors write through :meth:`AnswerTree.set`, the Add and Remove
buttons through the instance methods.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from kimdesk.forms.definition import Field, Form
from kimdesk.forms.engine import FormState, Scope, apply_defaults
from kimdesk.forms.expressions import to_string


def deep_copy(data: Any) -> Any:
    """A copy of JSON-shaped data (dicts and lists copied, leaves shared)."""
    if isinstance(data, dict):
        return {k: deep_copy(v) for k, v in data.items()}
    if isinstance(data, list):
        return [deep_copy(v) for v in data]
    return data


class AnswerTree:
    """Answers by scope; empty answers are removed rather than stored as ``""`` or ``[]``."""

    def __init__(self, answers: dict[str, Any] | None = None) -> None:
        self.data: dict[str, Any] = deep_copy(answers or {})

    def copy(self) -> dict[str, Any]:
        return deep_copy(self.data)

    def container(self, scope: Scope, create: bool = False) -> dict[str, Any]:
        """The dict holding the answers of ``scope`` (``{}``, not stored, if it does not exist
        and ``create`` is false)."""
        node: dict[str, Any] = self.data
        for repeat, i in scope:
            items = node.get(repeat)
            if not isinstance(items, list):
                if not create:
                    return {}
                items = node[repeat] = []
            while create and len(items) <= i:
                items.append({})
            if i >= len(items) or not isinstance(items[i], dict):
                return {}
            node = items[i]
        return node

    def value(self, name: str, scope: Scope) -> Any:
        return self.container(scope).get(name)

    def set(self, name: str, scope: Scope, value: Any) -> None:
        node = self.container(scope, create=True)
        if value is None or value == "" or value == []:
            node.pop(name, None)
        else:
            node[name] = value

    def keep_once(self, state: FormState) -> bool:
        """Store the value of every calculation that uses ``once()`` and has none stored yet
        (True when something was stored). JavaRosa computes such a field once, when it is
        empty, and keeps the value from then on: the value becomes an answer here, so a later
        change of the inputs, a draft restored or a saved answer reopened keeps it (the engine
        hands once() the stored value). Only a non-empty result is kept: an empty one is
        calculated again, as in JavaRosa."""
        from kimdesk.forms.expressions import ExpressionError, parse
        from kimdesk.forms.expressions.syntax import calls

        stored = False
        for f in state.form.walk():
            if f.kind != "calculate" or "once" not in f.row.calculation:
                continue
            try:
                if "once" not in calls(parse(f.row.calculation)):
                    continue
            except ExpressionError:  # a broken calculation is reported by the engine
                continue
            for scope in state.scopes(f):
                if self.value(f.name, scope) in (None, "") and state.relevant(f, scope):
                    value = to_string(state.calculated(f, scope))
                    if value:
                        self.set(f.name, scope, value)
                        stored = True
        return stored

    def add_instance(self, form: Form, f: Field, scope: Scope, today: date | None) -> None:
        """A new instance of repeat ``f``, with its fields' defaults."""
        node = self.container(scope, create=True)
        items = node.setdefault(f.name, [])
        instance: dict[str, Any] = {}
        apply_defaults(form, f.children, instance, today)
        items.append(instance)

    def remove_instance(self, name: str, scope: Scope, i: int) -> None:
        """Drop instance ``i`` of repeat ``name``; the repeat's key goes with its last one."""
        items = self.container(scope).get(name)
        if isinstance(items, list) and i < len(items):
            del items[i]
            if not items:
                self.container(scope).pop(name, None)
