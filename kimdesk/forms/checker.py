"""``forms check``: every problem of a definition, with file, field and reason; never a crash.

The loader uses the same checks, so a form that fails here is listed as unavailable (with the
reason) instead of breaking the app.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError as PydanticError

from kimdesk.forms.codelists import CODELISTS
from kimdesk.forms.definition import (
    COMPUTED_TYPES,
    DISPLAY_TYPES,
    INPUT_TYPES,
    METADATA_TYPES,
    SUPPORTED_TYPES,
    Field,
    Form,
    FormDefinition,
    FormError,
    compile_form,
    is_valid_name,
    load_data,
)
from kimdesk.forms.expressions import (
    FIELD_VALUE_TYPES,
    ExpressionError,
    calls,
    infer,
    parse,
    references,
    uses_current,
)


@dataclass(frozen=True)
class Problem:
    file: str
    field: str
    reason: str
    severity: str = "error"  # error | warning

    def __str__(self) -> str:
        where = self.field or "-"
        return f"{self.file}: {where}: {self.severity}: {self.reason}"


LABELLED = INPUT_TYPES | DISPLAY_TYPES | {"group", "repeat"}


def check_file(path: Path, *, agencies: Any = None) -> tuple[Form | None, list[Problem]]:
    """Load and check one file; the form is None when it has errors."""
    name = str(path)
    try:
        data = load_data(path)
    except OSError as exc:
        return None, [Problem(name, "", f"cannot read the file: {exc.strerror or exc}")]
    except Exception as exc:  # YAML/JSON syntax errors of every flavour
        reason = " ".join(str(exc).split())
        return None, [Problem(name, "", f"not valid YAML/JSON: {reason}")]
    return check_data(data, name, source=path, agencies=agencies)


def check_data(
    data: Any, file: str = "<data>", *, source: Path | None = None, agencies: Any = None
) -> tuple[Form | None, list[Problem]]:
    if not isinstance(data, Mapping):
        return None, [Problem(file, "", "the file must hold a mapping with settings and survey")]
    try:
        definition = FormDefinition.model_validate(data)
    except PydanticError as exc:
        return None, [_pydantic_problem(file, data, err) for err in exc.errors()]
    return check_definition(definition, file, source=source, agencies=agencies)


def _pydantic_problem(file: str, data: Mapping[str, Any], err: Mapping[str, Any]) -> Problem:
    loc = list(err.get("loc", ()))
    where = ".".join(str(p) for p in loc)
    if len(loc) >= 2 and loc[0] == "survey" and isinstance(loc[1], int):
        rows = data.get("survey") or []
        row = rows[loc[1]] if loc[1] < len(rows) else {}
        name = row.get("name") if isinstance(row, Mapping) else None
        where = f"{name or f'row {loc[1] + 2}'}" + (
            f".{'.'.join(str(p) for p in loc[2:])}" if loc[2:] else "")
    msg = err.get("msg", "invalid")
    if err.get("type") == "extra_forbidden":
        msg = f"unsupported column/key '{loc[-1]}'"
    return Problem(file, where, msg)


def check_definition(
    definition: FormDefinition, file: str = "<data>", *, source: Path | None = None,
    agencies: Any = None,
) -> tuple[Form | None, list[Problem]]:
    problems: list[Problem] = []

    def add(fieldname: str, reason: str, severity: str = "error") -> None:
        problems.append(Problem(file, fieldname, reason, severity))

    s = definition.settings
    langs = s.languages or [s.default_language]
    _check_settings(definition, add)
    for list_name, entry in definition.choices.items():
        if hasattr(entry, "codelist") and entry.codelist not in CODELISTS:
            add(f"choices.{list_name}", f"unknown code list '{entry.codelist}'")
    # Types and names before compiling, so each is reported by name.
    for i, row in enumerate(definition.survey):
        label = row.name or f"row {i + 2}"
        base = row.base_type
        if base not in SUPPORTED_TYPES:
            add(label, f"unknown or unsupported type '{row.type}'")
        if row.type not in {"end group", "end repeat"}:
            if not row.name:
                add(label, "the field has no name")
            elif not is_valid_name(row.name):
                add(label, f"'{row.name}' is not a valid name")
    try:
        form = compile_form(definition, source, agencies=agencies)
    except FormError as exc:
        add("", exc.translated())
        return None, problems
    for f in form.walk():
        _check_field(form, f, langs, add)
    _check_choices(form, langs, add)
    _check_cycles(form, add)
    errors = [p for p in problems if p.severity == "error"]
    return (None if errors else form), problems


def _check_settings(definition: FormDefinition, add: Any) -> None:
    from kimdesk.domain.iso import language_codes

    s = definition.settings
    if not s.form_id or not is_valid_name(s.form_id):
        add("settings.form_id", f"'{s.form_id}' is not a valid form id")
    if not s.version.strip():
        add("settings.version", "the version is empty")
    if not s.languages:
        add("settings.languages", "no languages listed", "warning")
    elif s.default_language not in s.languages:
        add("settings.default_language", f"'{s.default_language}' is not among the languages")
    known = language_codes()
    for lang in s.languages:
        if lang not in known:
            add("settings.languages", f"unknown language code '{lang}'")
    for lang in s.languages:
        if not s.title.get(lang, "").strip():
            add("settings.title", f"title missing in language {lang}",
                "warning" if any(s.title.values()) else "error")
    for lang in s.legal_reviewed:
        if lang not in s.languages:
            add("settings.legal_reviewed", f"'{lang}' is not among the languages")


def _check_texts(where: str, what: str, texts: Mapping[str, str], langs: list[str],
                 add: Any, *, required: bool) -> None:
    """Labels must exist in every language (error); hints and messages fall back to the default
    language, so a missing translation of those is a warning."""
    if not texts and not required:
        return
    for lang in langs:
        if not str(texts.get(lang, "")).strip():
            add(where, f"{what} missing in language {lang}", "error" if required else "warning")
    for lang in texts:
        if lang not in langs:
            add(where, f"{what} in language {lang}, which the form does not list", "warning")


def _types_seen_from(form: Form, f: Field) -> dict[str, str]:
    """Expression types of every field as seen from ``f`` (repeats outside f: node-sets)."""
    own = set(id(r) for r in f.repeats())
    if f.kind == "repeat":
        own.add(id(f))
    out = {}
    for other in form.walk():
        chain = other.repeats()
        outside = any(id(r) not in own for r in chain)
        out[other.name] = "nodeset" if outside else FIELD_VALUE_TYPES.get(other.kind, "any")
    return out


def _check_field(form: Form, f: Field, langs: list[str], add: Any) -> None:
    name = f.name or f"row {f.index + 2}"
    _check_field_texts(f, name, langs, add)
    _check_field_columns(form, f, name, add)
    if f.row.default:
        _check_default(form, f, name, add)
    _check_field_expressions(form, f, name, add)


def _check_field_texts(f: Field, name: str, langs: list[str], add: Any) -> None:
    row = f.row
    if f.kind in LABELLED:
        _check_texts(name, "label", row.label, langs, add, required=True)
    _check_texts(name, "hint", row.hint, langs, add, required=False)
    _check_texts(name, "constraint message", row.constraint_message, langs, add, required=False)
    _check_texts(name, "required message", row.required_message, langs, add, required=False)


def _check_field_columns(form: Form, f: Field, name: str, add: Any) -> None:
    """Columns that make no sense for the field's type (a calculation on a text field, ...)."""
    row = f.row
    kind = f.kind
    if kind in {"select_one", "select_multiple"}:
        if not row.list_name:
            add(name, f"'{row.type}' names no choice list")
        elif row.list_name not in form.definition.choices:
            add(name, f"dangling choice list '{row.list_name}'")
    if kind in COMPUTED_TYPES and not row.calculation:
        add(name, "a calculate field needs a calculation")
    if row.calculation and kind not in COMPUTED_TYPES:
        add(name, "a calculation on a field that is not 'calculate' is not supported")
    if row.constraint and kind not in INPUT_TYPES:
        add(name, "a constraint on a field without input is never checked", "warning")
    if (row.required is True or isinstance(row.required, str)) and kind not in INPUT_TYPES:
        add(name, "'required' on a field without input is not supported")
    if kind in METADATA_TYPES | {"calculate"} and row.label:
        add(name, "a hidden field's label is never shown", "warning")


def _check_field_expressions(form: Form, f: Field, name: str, add: Any) -> None:
    row = f.row
    types = _types_seen_from(form, f)
    columns: list[tuple[str, str]] = [("relevant", row.relevant), ("constraint", row.constraint),
                                      ("calculation", row.calculation)]
    if isinstance(row.required, str):
        columns.append(("required", row.required))
    for column, text in columns:
        if text:
            _check_expression(form, f, name, column, text, types, add)


def _check_expression(form: Form, f: Field, name: str, column: str, text: str,
                      types: dict[str, str], add: Any) -> None:
    """One expression column: syntax, references, position(..), '.', and types."""
    try:
        node = parse(text)
    except ExpressionError as exc:
        add(name, f"{column}: {exc.translated()}")
        return
    for ref in sorted(references(node)):
        if ref not in form.by_name:
            add(name, f"{column}: reference to a field that does not exist: ${{{ref}}}")
    if "position" in calls(node) and f.repeat is None:
        add(name, f"{column}: position(..) outside a repeat")
    if column != "constraint" and uses_current(node):
        add(name, f"{column}: '.' (the current answer) only makes sense in a constraint")
    issues: list[str] = []
    infer(node, types, issues)
    for issue in dict.fromkeys(issues):
        add(name, f"{column}: ill-typed expression: {issue}")


def _check_default(form: Form, f: Field, name: str, add: Any) -> None:
    from kimdesk.forms.engine import default_value, is_dynamic_default, type_problem

    if f.kind not in INPUT_TYPES:
        add(name, "a default on a field without input is never used", "warning")
        return
    if is_dynamic_default(f.row.default):
        try:
            node = parse(f.row.default)
        except ExpressionError as exc:
            add(name, f"default: {exc.translated()}")
            return
        if references(node):
            add(name, "default: only expressions without ${field} references are supported")
        return
    value = default_value(form, f)
    if value is not None and type_problem(form, f, value):
        add(name, f"default '{f.row.default}' is not a valid answer of this field")


def _check_choices(form: Form, langs: list[str], add: Any) -> None:
    used = {f.list_name for f in form.walk() if f.list_name}
    for list_name, entry in form.definition.choices.items():
        if list_name not in used:
            add(f"choices.{list_name}", "choice list is not used", "warning")
        if hasattr(entry, "codelist"):
            continue
        if not entry:
            add(f"choices.{list_name}", "choice list is empty")
        seen: set[str] = set()
        for choice in entry:
            where = f"choices.{list_name}.{choice.name}"
            if choice.name in seen:
                add(where, "choice name used twice")
            seen.add(choice.name)
            if not choice.name or " " in choice.name:
                add(where, "a choice name must be one word (select_multiple stores them joined)")
            _check_texts(where, "label", choice.label, langs, add, required=True)


def _check_cycles(form: Form, add: Any) -> None:
    graph: dict[str, set[str]] = {}
    for f in form.walk():
        refs: set[str] = set()
        exprs = [f.row.relevant, f.row.calculation]
        if isinstance(f.row.required, str):
            exprs.append(f.row.required)
        for text in exprs:
            if text:
                try:
                    refs |= references(parse(text))
                except ExpressionError:
                    continue
        # a field's relevance also depends on its enclosing groups' relevance
        if f.parent is not None and f.parent.name:
            refs.add(f.parent.name)
        graph[f.name] = {r for r in refs if r in form.by_name}
    state: dict[str, int] = {}
    reported: set[frozenset[str]] = set()

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycle = [*path[path.index(nxt):], nxt]
                key = frozenset(cycle)
                if key not in reported:
                    reported.add(key)
                    add(nxt, "cyclic expression: " + " -> ".join(f"${{{c}}}" for c in cycle))
            elif state.get(nxt) is None:
                visit(nxt, path)
        path.pop()
        state[node] = 2

    for name in graph:
        if state.get(name) is None:
            visit(name, [])
