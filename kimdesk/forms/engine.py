"""Evaluate a form against answers: skip logic, calculations, required and constraint checks.

Answers are plain JSON data, stored as they are in ``Consultation.answers``: one key per field name
(groups do not nest answers, as in XLSForm, where names are unique), a repeat is a list of dicts,
one per instance. ``select_multiple`` answers are lists of choice names, dates ISO strings.

Everything is evaluated lazily with memoisation, so ``relevant`` and ``calculation`` may refer to
fields before or after them in any order (cycles are rejected by ``forms check`` and, should one
slip through, end in an :class:`ExpressionError`, never in endless recursion). Irrelevant fields
read as empty, as in ODK.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from kimdesk.forms.answer_shapes import DEC as _DEC
from kimdesk.forms.answer_shapes import INT as _INT
from kimdesk.forms.answer_shapes import is_number as _is_number
from kimdesk.forms.answer_shapes import type_problem
from kimdesk.forms.cascade import choice_rows
from kimdesk.forms.definition import INPUT_TYPES, Field, Form
from kimdesk.forms.expressions import (
    Context,
    ExpressionError,
    NodeSet,
    evaluate,
    to_bool,
    to_string,
)
from kimdesk.i18n import N_, gettext, language

Scope = tuple[tuple[str, int], ...]


MESSAGES = {
    "required": N_("This answer is required."),
    "constraint": N_("This answer is not valid."),
    "type": N_("This answer has the wrong format."),
    "choice": N_("This choice is not in the list."),
    "unknown": N_("This answer belongs to no field of the form."),
    "error": N_("The form's rule for this answer could not be evaluated."),
}


@dataclass(frozen=True)
class Issue:
    """One validation problem of one answer (``scope`` locates repeat instances)."""

    form: Form
    field: str
    scope: Scope
    kind: str  # required | constraint | type | choice | unknown | error
    detail: str = ""

    @property
    def path(self) -> str:
        return path_key(self.field, self.scope)

    def message(self, lang: str) -> str:
        f = self.form.by_name.get(self.field)
        if f is not None and self.kind == "constraint" and f.row.constraint_message:
            return self.form.text(f.row.constraint_message, lang)
        if f is not None and self.kind == "required" and f.row.required_message:
            return self.form.text(f.row.required_message, lang)
        with language(lang):
            return gettext(MESSAGES[self.kind])


def path_key(name: str, scope: Scope) -> str:
    """``name`` at the top level, ``repeat.0.name`` inside the first instance of a repeat."""
    return ".".join([*(f"{r}.{i}" for r, i in scope), name])


class FormState:
    """One evaluation of ``form`` over ``answers`` (cheap to create; create anew after edits)."""

    def __init__(self, form: Form, answers: Mapping[str, Any], *, today: date | None = None,
                 language: str | None = None):
        self.form = form
        self.answers = answers
        self.today = today or date.today()
        #: the form's current language (format-date's month names); default: the form's own
        self.language = language or form.default_language
        self._relevant: dict[tuple[int, Scope], bool] = {}
        self._calc: dict[tuple[int, Scope], Any] = {}
        self._busy: set[tuple[int, Scope]] = set()
        self.errors: list[Issue] = []

    # -- navigation ----------------------------------------------------------------------------
    def container(self, scope: Scope) -> Mapping[str, Any]:
        node: Any = self.answers
        for repeat, i in scope:
            items = node.get(repeat) if isinstance(node, Mapping) else None
            if not isinstance(items, list) or i >= len(items) or not isinstance(items[i], Mapping):
                return {}
            node = items[i]
        return node if isinstance(node, Mapping) else {}

    def instances(self, repeat: Field, scope: Scope) -> int:
        items = self.container(scope).get(repeat.name)
        return len(items) if isinstance(items, list) else 0

    def raw(self, f: Field, scope: Scope) -> Any:
        return self.container(scope).get(f.name)

    def scopes(self, f: Field, outer: Scope = ()) -> Iterator[Scope]:
        """Every scope in which field ``f`` exists (one per instance of each enclosing repeat)."""
        chain = f.repeats()
        depth = len(outer)

        def expand(scope: Scope, k: int) -> Iterator[Scope]:
            if k == len(chain):
                yield scope
                return
            rep = chain[k]
            for i in range(self.instances(rep, scope)):
                yield from expand((*scope, (rep.name, i)), k + 1)

        yield from expand(outer[: min(depth, len(chain))], min(depth, len(chain)))

    # -- values --------------------------------------------------------------------------------
    def context(self, scope: Scope, current: Any = "") -> Context:
        return Context({}, current=current, today=self.today,
                       lookup=lambda name: self.lookup(name, scope),
                       position=scope[-1][1] + 1 if scope else 0,
                       choice_label=self._choice_label,
                       choice_rows=lambda name: choice_rows(self.form, name),
                       indexed=lambda name, pairs: self._indexed(name, pairs, scope),
                       language=self.language,
                       file_rows=self.form.definition.files.get)

    def _indexed(self, name: str, pairs: list[tuple[str, int]], here: Scope) -> Any:
        """indexed-repeat: the named instances; repeats not named keep ``here``'s instance."""
        f = self.form.by_name.get(name)
        if f is None:
            raise ExpressionError(N_("Unknown field ${{{name}}}."), name=name)
        given, current = dict(pairs), dict(here)
        scope: Scope = ()
        for rep in f.repeats():
            i = given.get(rep.name, current.get(rep.name, 0))
            if i >= self.instances(rep, scope):
                return ""
            scope = (*scope, (rep.name, i))
        return self.value(f, scope)

    def _choice_label(self, value: str, name: str) -> str:
        f = self.form.by_name.get(name)
        if f is None:
            raise ExpressionError(N_("Unknown field ${{{name}}}."), name=name)
        return self.form.choice_label(f, value, self.form.default_language)

    def lookup(self, name: str, scope: Scope) -> Any:
        f = self.form.by_name.get(name)
        if f is None:
            raise ExpressionError(N_("Unknown field ${{{name}}}."), name=name)
        chain = f.repeats()
        k = 0
        while k < len(chain) and k < len(scope) and scope[k][0] == chain[k].name:
            k += 1
        if f.kind == "repeat" and k == len(chain):
            n = self.instances(f, scope[:k])
            return NodeSet(tuple(range(n)) if self.relevant(f, scope[:k]) else ())
        if k == len(chain):
            return self.value(f, scope[:k])
        return NodeSet(tuple(self.value(f, s) for s in self.scopes(f, scope[:k])))

    def value(self, f: Field, scope: Scope) -> Any:
        """The answer as expressions see it ("" when empty or irrelevant)."""
        if not self.relevant(f, scope):
            return ""
        if f.kind == "calculate":
            return self.calculated(f, scope)
        return expression_value(f, self.raw(f, scope))

    def calculated(self, f: Field, scope: Scope) -> Any:
        key = (f.index, scope)
        if key in self._calc:
            return self._calc[key]
        if key in self._busy:
            raise ExpressionError(N_("field {name}: the calculation depends on itself"),
                                  name=f.name)
        self._busy.add(key)
        try:
            # the stored value is the current one: once() keeps it (ODK)
            ctx = self.context(scope, current=self.raw(f, scope) or "")
            result = evaluate(f.row.calculation, ctx) if f.row.calculation else ""
        except ExpressionError as exc:
            self.errors.append(Issue(self.form, f.name, scope, "error", exc.translated()))
            result = ""
        finally:
            self._busy.discard(key)
        if isinstance(result, NodeSet):
            result = to_string(result)
        self._calc[key] = result
        return result

    def relevant(self, f: Field, scope: Scope) -> bool:
        key = (f.index, scope)
        if key in self._relevant:
            return self._relevant[key]
        if key in self._busy:
            raise ExpressionError(N_("field {name}: its relevance depends on itself"),
                                  name=f.name)
        self._busy.add(key)
        try:
            parent = f.parent
            result = True
            if parent is not None:
                pscope = scope[:-1] if parent.kind == "repeat" else scope
                result = self.relevant(parent, pscope)
            if result and f.row.relevant:
                try:
                    result = to_bool(evaluate(f.row.relevant, self.context(scope)))
                except ExpressionError as exc:
                    self.errors.append(Issue(self.form, f.name, scope, "error",
                                             exc.translated()))
                    result = True  # show the field rather than hide it on a broken rule
        finally:
            self._busy.discard(key)
        self._relevant[key] = result
        return result

    def required(self, f: Field, scope: Scope) -> bool:
        req = f.row.required
        if f.kind == "geopoint":
            return False  # a laptop has no GPS: a location is always optional here (issue 16)
        if isinstance(req, bool):
            return req
        try:
            return to_bool(evaluate(req, self.context(scope)))
        except ExpressionError as exc:
            self.errors.append(Issue(self.form, f.name, scope, "error", exc.translated()))
            return False

    # -- validation ----------------------------------------------------------------------------
    def issues(self) -> list[Issue]:
        """Every problem of the answers, in form order (empty list = the answers are valid)."""
        found: list[Issue] = []

        def visit(fields: list[Field], scope: Scope) -> None:
            for f in fields:
                if f.kind == "group":
                    visit(f.children, scope)
                elif f.kind == "repeat":
                    if self.relevant(f, scope):
                        for i in range(self.instances(f, scope)):
                            visit(f.children, (*scope, (f.name, i)))
                elif f.kind in INPUT_TYPES and self.relevant(f, scope):
                    found.extend(self.check_field(f, scope))

        visit(self.form.fields, ())
        found.extend(self._unknown(self.form.fields, self.answers, ()))
        seen: set[tuple[str, Scope, str]] = set()
        for issue in self.errors:
            key = (issue.field, issue.scope, issue.kind)
            if key not in seen:
                seen.add(key)
                found.append(issue)
        return found

    def check_field(self, f: Field, scope: Scope) -> list[Issue]:
        raw = self.raw(f, scope)
        if raw is None or raw == "" or raw == []:
            if self.required(f, scope):
                return [Issue(self.form, f.name, scope, "required")]
            return []
        kind = type_problem(self.form, f, raw)
        if not kind and f.row.choice_filter:  # cascading select: only the offered choices
            from kimdesk.forms.cascade import available_choices

            offered = {c.name for c in available_choices(self, f, scope)}
            kind = "" if set(raw if isinstance(raw, list) else [raw]) <= offered else "choice"
        if kind:
            return [Issue(self.form, f.name, scope, kind)]
        if f.row.constraint:
            try:
                ok = to_bool(evaluate(f.row.constraint,
                                      self.context(scope, expression_value(f, raw))))
            except ExpressionError as exc:
                return [Issue(self.form, f.name, scope, "error", exc.translated())]
            if not ok:
                return [Issue(self.form, f.name, scope, "constraint")]
        return []

    def _unknown(self, fields: list[Field], data: Any, scope: Scope) -> list[Issue]:
        if not isinstance(data, Mapping):
            return []
        known = _names_at_level(fields)
        out = [Issue(self.form, k, scope, "unknown") for k in data if k not in known]
        for f in _repeats_at_level(fields):
            items = data.get(f.name)
            if items is not None and not isinstance(items, list):
                out.append(Issue(self.form, f.name, scope, "type"))
                continue
            for i, item in enumerate(items or []):
                out.extend(self._unknown(f.children, item, (*scope, (f.name, i))))
        return out

    def cleaned(self) -> dict[str, Any]:
        """Answers for storage: calculations filled in, irrelevant answers dropped (as ODK)."""

        def build(fields: list[Field], scope: Scope) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for f in _level(fields):
                if f.kind == "repeat":
                    if self.relevant(f, scope):
                        n = self.instances(f, scope)
                        out[f.name] = [build(f.children, (*scope, (f.name, i))) for i in range(n)]
                    continue
                if not self.relevant(f, scope):
                    continue
                if f.kind == "calculate":
                    out[f.name] = to_string(self.calculated(f, scope))
                    continue
                raw = self.raw(f, scope)
                if raw is not None and raw != "" and raw != []:
                    out[f.name] = raw
            return out

        return build(self.form.fields, ())


def _level(fields: list[Field]) -> Iterator[Field]:
    """Fields whose answers live at this level: descend into groups, stop at repeats."""
    for f in fields:
        if f.kind == "group":
            yield from _level(f.children)
        else:
            yield f


def _names_at_level(fields: list[Field]) -> set[str]:
    return {f.name for f in _level(fields) if f.name}


def _repeats_at_level(fields: list[Field]) -> list[Field]:
    return [f for f in _level(fields) if f.kind == "repeat"]


def expression_value(f: Field, raw: Any) -> Any:
    """A stored answer as expressions see it (numbers, dates, space-joined selections)."""
    if raw is None:
        return ""
    kind = f.kind
    if kind in {"integer", "decimal"}:
        if _is_number(raw):
            return float(raw)
        if isinstance(raw, str) and _DEC.match(raw):
            return float(raw)
        return raw if isinstance(raw, str) else ""
    if kind in {"date", "start", "end", "today"}:
        if isinstance(raw, str) and len(raw) >= 10:
            try:
                return date.fromisoformat(raw[:10])
            except ValueError:
                return raw
        return raw if isinstance(raw, str) else ""
    if kind == "select_multiple":
        if isinstance(raw, list):
            return " ".join(str(x) for x in raw)
        return str(raw)
    if isinstance(raw, bool):
        return "OK" if raw else ""
    return raw if isinstance(raw, str | int | float) else to_string(raw)


def is_dynamic_default(text: str) -> bool:
    """XLSForm defaults are literal values unless they contain an expression (``today()``,
    ``${field}``), as pyxform decides."""
    return "(" in text or "${" in text


def default_value(form: Form, f: Field, today: date | None = None) -> Any:
    """The initial answer of a field from its ``default`` column (None when there is none)."""
    text = f.row.default
    if not text or f.kind not in INPUT_TYPES:
        return None
    if is_dynamic_default(text):
        try:
            value = evaluate(text, Context({}, today=today or date.today(),
                                           lookup=lambda name: ""))
        except ExpressionError:
            return None
        text = to_string(value)
    if f.kind == "integer" and _INT.match(text):
        return int(text)
    if f.kind == "decimal" and _DEC.match(text):
        return float(text)
    if f.kind == "select_multiple":
        return text.split()
    return text


def apply_defaults(form: Form, fields: list[Field], target: dict[str, Any],
                   today: date | None = None) -> None:
    """Fill defaults into a new answer set (or a new repeat instance), not into stored answers."""
    for f in _level(fields):
        if f.kind == "repeat" or f.name in target:
            continue
        value = default_value(form, f, today)
        if value is not None:
            target[f.name] = value


def fill_metadata(form: Form, answers: dict[str, Any], *, now: datetime | None = None,
                  username: str = "", deviceid: str = "") -> None:
    """Set metadata fields as ODK does on save: ``start`` once, ``end`` and ``today`` each time,
    ``username`` (the counselor) and ``deviceid`` (the vault's device tag)."""
    stamp = (now or datetime.now().astimezone()).isoformat(timespec="seconds")
    for f in form.walk():
        if f.kind == "start":
            answers.setdefault(f.name, stamp)
        elif f.kind == "end":
            answers[f.name] = stamp
        elif f.kind == "today":
            answers[f.name] = stamp[:10]
        elif f.kind == "username" and username:
            answers[f.name] = username
        elif f.kind == "deviceid" and deviceid:
            answers[f.name] = deviceid


def validate(form: Form, answers: Mapping[str, Any], *, today: date | None = None) -> list[Issue]:
    return FormState(form, answers, today=today).issues()
