"""``forms check``: every problem of a definition, with file, field and reason; never a crash.

The loader uses the same checks, so a form that fails here is listed as unavailable (with the
reason) instead of breaking the app.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError as PydanticError

from kimdesk.errors import os_reason, validation_message
from kimdesk.forms.binding import check_bindings
from kimdesk.forms.cascade import check_dynamic
from kimdesk.forms.codelists import CODELISTS
from kimdesk.forms.datafiles import check_files
from kimdesk.forms.definition import (
    ATTACHMENT_TYPES,
    COMPUTED_TYPES,
    DISPLAY_TYPES,
    HIDDEN_TYPES,
    INPUT_TYPES,
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
from kimdesk.forms.expressions.syntax import REF_IN_TEXT, lookups
from kimdesk.forms.notes import form_notes
from kimdesk.i18n import N_, Message, Text, gettext
from kimdesk.i18n import later as _


@dataclass(frozen=True)
class Problem:
    """One finding of the checks. ``reason`` is kept untranslated with its arguments
    (:class:`kimdesk.i18n.Message`) and reads in the language current when it is shown."""

    file: str
    field: str
    reason: Text
    severity: str = "error"  # error | warning

    def __str__(self) -> str:
        """``file: field: error: reason``, the severity in the current language (the field is
        the form's own name or column, which the form author typed)."""
        where = self.field or "-"
        severity = _(_SEVERITIES.get(self.severity, self.severity))
        return f"{self.file}: {where}: {severity}: {self.reason}"


_SEVERITIES = {"error": N_("error"), "warning": N_("warning")}


_NOT_LISTED = N_("'{lang}' is not among the languages")
_NO_FIELD = N_("{column}: reference to a field that does not exist: {ref}")

#: Kinds that need a label; groups and repeats may have none, as in ODK (issue 16).
LABELLED = INPUT_TYPES | DISPLAY_TYPES
#: Survey rows a form may have. The check is linear (20,000 questions in a few seconds), but a
#: 300,000-row sheet is not a questionnaire a counselor can fill in; sync and import refuse it
#: with a message instead of working for minutes.
MAX_ROWS = 50_000


def too_many_rows(rows: int) -> Message | None:
    """The translated refusal for a form of ``rows`` survey rows, or None when it is fine."""
    if rows <= MAX_ROWS:
        return None
    return _("The form has more than {limit} rows, more than KIMdesk takes: split it into"
             " several forms.").format(limit=f"{MAX_ROWS:,}")


def check_file(path: Path, *, agencies: Any = None) -> tuple[Form | None, list[Problem]]:
    """Load and check one file; the form is None when it has errors."""
    name = str(path)
    try:
        data = load_data(path)
    except OSError as exc:
        return None, [Problem(name, "", _("cannot read the file: {reason}").format(
            reason=_(os_reason(exc))))]
    except Exception as exc:  # YAML/JSON syntax errors of every flavour
        reason = " ".join(str(exc).split())
        return None, [Problem(name, "", _("not valid YAML/JSON: {reason}").format(reason=reason))]
    return check_data(data, name, source=path, agencies=agencies)


def check_data(
    data: Any, file: str = "<data>", *, source: Path | None = None, agencies: Any = None
) -> tuple[Form | None, list[Problem]]:
    if not isinstance(data, Mapping):
        return None, [Problem(file, "", _("the file must hold a mapping with settings and"
                                          " survey"))]
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
        where = f"{name or _row(loc[1])}" + (
            f".{'.'.join(str(p) for p in loc[2:])}" if loc[2:] else "")
    msg: Text = validation_message(err)
    if err.get("type") == "extra_forbidden":
        msg = _("unsupported column/key '{key}'").format(key=loc[-1])
    return Problem(file, where, msg)


def _row(index: int) -> str:
    """Where a survey row without a name is: its spreadsheet row (the header is row 1)."""
    return gettext("row {n}").format(n=index + 2)


def check_definition(
    definition: FormDefinition, file: str = "<data>", *, source: Path | None = None,
    agencies: Any = None,
) -> tuple[Form | None, list[Problem]]:
    problems: list[Problem] = []

    def add(fieldname: str, reason: Text, severity: str = "error") -> None:
        problems.append(Problem(file, fieldname, reason, severity))

    too_big = too_many_rows(len(definition.survey))
    if too_big:
        add("", too_big)
        return None, problems
    s = definition.settings
    langs = s.languages or [s.default_language]
    _check_settings(definition, add)
    check_files(definition, add)
    for list_name, entry in definition.choices.items():
        if hasattr(entry, "codelist") and entry.codelist not in CODELISTS:
            add(f"choices.{list_name}", _("unknown code list '{name}'").format(
                name=entry.codelist))
    # Types and names before compiling, so each is reported by name.
    for i, row in enumerate(definition.survey):
        label = row.name or _row(i)
        base = row.base_type
        if base not in SUPPORTED_TYPES:
            add(label, _("unknown or unsupported type '{type}'").format(type=row.type))
        if row.type not in {"end group", "end repeat"}:
            if not row.name:
                add(label, _("the field has no name"))
            elif not is_valid_name(row.name):
                add(label, _("'{name}' is not a valid name").format(name=row.name))
    try:
        form = compile_form(definition, source, agencies=agencies)
    except FormError as exc:
        add("", exc.translated())
        return None, problems
    chains = repeat_chains(form)
    for f in form.walk():
        _check_field(form, f, langs, add, _TypesSeenFrom(form, chains, f))
    _check_choices(form, langs, add)
    _check_cycles(form, add)
    check_bindings(form, add)
    form_notes(form, add)
    errors = [p for p in problems if p.severity == "error"]
    return (None if errors else form), problems


def _check_settings(definition: FormDefinition, add: Any) -> None:
    from kimdesk.domain.iso import language_codes

    s = definition.settings
    if not s.form_id or not is_valid_name(s.form_id):
        add("settings.form_id", _("'{id}' is not a valid form id").format(id=s.form_id))
    if not s.version.strip():
        add("settings.version", _("the version is empty"))
    if not s.languages:
        add("settings.languages", _("no languages listed"), "warning")
    elif s.default_language not in s.languages:
        add("settings.default_language", _(_NOT_LISTED).format(lang=s.default_language))
    known = language_codes()
    for lang in s.languages:
        if lang not in known:
            add("settings.languages", _("'{lang}' is not a CLDR language code; the texts are kept"
                                        " under this name").format(lang=lang), "warning")
    for lang in s.languages:
        if not s.title.get(lang, "").strip():
            add("settings.title", _("title missing in language {lang}").format(lang=lang),
                "warning" if any(s.title.values()) else "error")
    for lang in s.legal_reviewed:
        if lang not in s.languages:
            add("settings.legal_reviewed", _(_NOT_LISTED).format(lang=lang))


def _check_texts(where: str, what: str, texts: Mapping[str, str], langs: list[str],
                 add: Any, *, required: bool, default: str = "") -> None:
    """A required text (a label) missing in every language is an error; missing in some, it
    falls back to the default language as in ODK Collect, so that is a warning (issue 16), as
    for hints and messages."""
    if not texts and not required:
        return
    present = [lang for lang in langs if str(texts.get(lang, "")).strip()]
    word = _(what)  # "label", "hint": translated with the reason
    if required and not present and not any(str(t).strip() for t in texts.values()):
        add(where, _("{what} missing in every language").format(what=word))
        return
    fallback = default if default in present else (present or list(texts) or [""])[0]
    for lang in langs:
        if lang not in present:
            add(where, _("{what} missing in language {lang}; the {fallback} text is shown").format(
                what=word, lang=lang, fallback=fallback), "warning")
    for lang in texts:
        if lang not in langs:
            add(where, _("{what} in language {lang}, which the form does not list").format(
                what=word, lang=lang), "warning")


class _TypesSeenFrom(Mapping[str, str]):
    """Expression types of the fields as seen from one field: a field inside a repeat that does
    not enclose the viewer is a node-set (every instance), any other field has its own type.

    A lazy view, not a dict: an expression reads a handful of names, so looking up just those
    keeps ``forms check`` linear in the number of fields (a dict of every field per field made a
    5,000-question form take a minute; issue 16)."""

    def __init__(self, form: Form, chains: Mapping[int, tuple[int, ...]], f: Field) -> None:
        self._form = form
        self._chains = chains
        own = set(chains[id(f)])
        if f.kind == "repeat":
            own.add(id(f))
        self._own = own

    def __getitem__(self, name: str) -> str:
        other = self._form.by_name[name]
        if any(r not in self._own for r in self._chains[id(other)]):
            return "nodeset"
        if other.kind == "select_one" and _numeric_codes(self._form, other):
            return "number"  # codes 1..5 of a scale: arithmetic on them is meant (ODK allows)
        return FIELD_VALUE_TYPES.get(other.kind, "any")

    def __iter__(self) -> Iterator[str]:
        return iter(self._form.by_name)

    def __len__(self) -> int:
        return len(self._form.by_name)


def _numeric_codes(form: Form, f: Field) -> bool:
    """Whether every choice name of ``f``'s list is a number (a scale's 1..5)."""
    choices = form.choice_list(f)
    return bool(choices) and all(_NUMBER.match(c.name) for c in choices)


_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def repeat_chains(form: Form) -> dict[int, tuple[int, ...]]:
    """Each field's enclosing repeats (by ``id``), outermost first, in one walk of the tree."""
    chains: dict[int, tuple[int, ...]] = {}
    stack: list[tuple[Field, tuple[int, ...]]] = [(f, ()) for f in reversed(form.fields)]
    while stack:
        node, chain = stack.pop()
        chains[id(node)] = chain
        inner = (*chain, id(node)) if node.kind == "repeat" else chain
        stack.extend((child, inner) for child in reversed(node.children))
    return chains


def _check_field(form: Form, f: Field, langs: list[str], add: Any,
                 types: Mapping[str, str]) -> None:
    name = f.name or _row(f.index)
    _check_field_texts(f, name, langs, add, form.default_language)
    for column, texts in (("label", f.row.label), ("hint", f.row.hint)):
        for ref in sorted({r for t in texts.values() for r in REF_IN_TEXT.findall(t)}):
            if ref not in form.by_name:
                add(name, _(_NO_FIELD).format(column=column, ref=f"${{{ref}}}"))
    _check_field_columns(form, f, name, add)
    if f.row.default:
        _check_default(form, f, name, add)
    _check_field_expressions(form, f, name, add, types)
    check_dynamic(form, f, name, add)


def _check_field_texts(f: Field, name: str, langs: list[str], add: Any, default: str) -> None:
    row = f.row
    if f.kind in LABELLED:
        # a table-list's rows (appearance label / list-nolabel) have no label of their own
        unlabelled = {"label", "list-nolabel"} & set(row.appearance.split())
        media_only = not row.label and any(k.startswith("media::") for k in row.xlsform)
        if media_only:  # ODK shows the image; KIMdesk keeps it but shows no media
            add(name, _("the field has only media, no label: KIMdesk shows no media, so the"
                        " field has no text"), "warning")
        _check_texts(name, N_("label"), row.label, langs, add,
                     required=not (unlabelled or media_only), default=default)
    for what, texts in ((N_("hint"), row.hint),
                        (N_("constraint message"), row.constraint_message),
                        (N_("required message"), row.required_message)):
        _check_texts(name, what, texts, langs, add, required=False, default=default)


def _check_field_columns(form: Form, f: Field, name: str, add: Any) -> None:
    """Columns that make no sense for the field's type (a calculation on a text field, ...)."""
    row = f.row
    kind = f.kind
    if kind in {"select_one", "select_multiple"}:
        if not row.list_name:
            add(name, _("'{type}' names no choice list").format(type=row.type))
        elif row.list_name.lower().endswith((".xml", ".geojson")):
            add(name, _("choices from the file '{file}': only CSV files are supported, not XML"
                        " or GeoJSON").format(file=row.list_name))
        elif row.list_name.lower().endswith(".csv") and row.list_name not in form.definition.files:
            add(name, _("the included file '{file}' is missing: put it beside the form's"
                        " spreadsheet and import again").format(file=row.list_name))
        elif row.list_name not in form.choices:
            add(name, _("dangling choice list '{name}'").format(name=row.list_name))
    if kind in COMPUTED_TYPES and not row.calculation:
        add(name, _("a calculate field needs a calculation"))
    if row.calculation and kind not in COMPUTED_TYPES:
        add(name, _("a calculation on a field that is not 'calculate' is not supported"))
    if row.constraint and kind not in INPUT_TYPES:
        add(name, _("a constraint on a field without input is never checked"), "warning")
    if (row.required is True or isinstance(row.required, str)) and kind not in INPUT_TYPES:
        if kind in ATTACHMENT_TYPES:
            add(name, _("'required' on an attachment KIMdesk does not ask for is ignored"),
                "warning")
        else:
            add(name, _("'required' on a field without input is not supported"))
    if kind in HIDDEN_TYPES | {"calculate"} and row.label:
        add(name, _("a hidden field's label is never shown"), "warning")


def _check_field_expressions(form: Form, f: Field, name: str, add: Any,
                             types: Mapping[str, str]) -> None:
    row = f.row
    columns: list[tuple[str, str]] = [("relevant", row.relevant), ("constraint", row.constraint),
                                      ("calculation", row.calculation)]
    if isinstance(row.required, str):
        columns.append(("required", row.required))
    for column, text in columns:
        if text:
            _check_expression(form, f, name, column, text, types, add)


def _check_expression(form: Form, f: Field, name: str, column: str, text: str,
                      types: Mapping[str, str], add: Any) -> None:
    """One expression column: syntax, references, position(..), '.', and types."""
    try:
        node = parse(text)
    except ExpressionError as exc:
        add(name, Message("{column}: {reason}", column=column, reason=exc.later()))
        return
    for ref in sorted(references(node)):
        if ref not in form.by_name:
            add(name, _(_NO_FIELD).format(column=column, ref=f"${{{ref}}}"))
    for list_name in sorted(lookups(node)):
        if list_name not in form.choices:
            add(name, _("{column}: instance('{list}'): there is no choice list '{list}'").format(
                column=column, list=list_name))
    if "position" in calls(node) and f.repeat is None:
        add(name, _("{column}: position(..) outside a repeat").format(column=column))
    if column != "constraint" and uses_current(node):
        add(name, _("{column}: '.' (the current answer) only makes sense in a constraint").format(
            column=column))
    issues: list[Text] = []
    infer(node, types, issues)
    for issue in dict.fromkeys(issues):
        add(name, _("{column}: ill-typed expression: {issue}").format(column=column, issue=issue))


def _check_default(form: Form, f: Field, name: str, add: Any) -> None:
    from kimdesk.forms.engine import default_value, is_dynamic_default, type_problem

    if f.kind not in INPUT_TYPES:
        add(name, _("a default on a field without input is never used"), "warning")
        return
    if is_dynamic_default(f.row.default):
        try:
            node = parse(f.row.default)
        except ExpressionError as exc:
            add(name, Message("default: {reason}", reason=exc.later()))
            return
        if references(node):
            add(name, _("default: only expressions without ${field} references are supported"))
        return
    value = default_value(form, f)
    if value is not None and type_problem(form, f, value):
        add(name, _("default '{value}' is not a valid answer of this field").format(
            value=f.row.default))


def _check_choices(form: Form, langs: list[str], add: Any) -> None:
    used = {f.list_name for f in form.walk() if f.list_name}
    for list_name, entry in form.definition.choices.items():
        if list_name not in used:
            add(f"choices.{list_name}", _("choice list is not used"), "warning")
        if hasattr(entry, "codelist"):
            continue
        if not entry:
            add(f"choices.{list_name}", _("choice list is empty"))
        seen: set[str] = set()
        for choice in entry:
            where = f"choices.{list_name}.{choice.name}"
            if choice.name in seen:
                duplicates = form.definition.settings.xlsform.get("allow_choice_duplicates")
                if str(duplicates).lower() in {"yes", "true"}:
                    add(where, _("choice name used twice (allow_choice_duplicates): both are"
                                 " offered, the answer stores the name"), "warning")
                else:
                    add(where, _("choice name used twice"))
            seen.add(choice.name)
            if not choice.name or " " in choice.name:
                add(where, _("a choice name must be one word (select_multiple stores them"
                             " joined)"))
            if not any(str(t).strip() for t in choice.label.values()):
                add(where, _("choice without a label: its name is shown"), "warning")
                continue
            _check_texts(where, N_("label"), choice.label, langs, add, required=True,
                         default=form.default_language)


def _check_cycles(form: Form, add: Any) -> None:
    graph: dict[str, set[str]] = {}
    for f in form.walk():
        refs: set[str] = set()
        exprs = [f.row.relevant, f.row.calculation, f.row.repeat_count]
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
    _report_cycles(graph, add)


def _report_cycles(graph: Mapping[str, set[str]], add: Any) -> None:
    """Depth-first search with an explicit stack: a chain of 20,000 fields that each read the
    next must not hit Python's recursion limit."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    reported: set[frozenset[str]] = set()
    for start in graph:
        if state.get(start) is not None:
            continue
        path: list[str] = [start]
        state[start] = 1
        todo: list[Iterator[str]] = [iter(sorted(graph.get(start, ())))]
        while todo:
            nxt = next(todo[-1], None)
            if nxt is None:
                todo.pop()
                state[path.pop()] = 2
            elif state.get(nxt) == 1:
                cycle = [*path[path.index(nxt):], nxt]
                key = frozenset(cycle)
                if key not in reported:
                    reported.add(key)
                    add(nxt, _("cyclic expression: {cycle}").format(
                        cycle=" -> ".join(f"${{{c}}}" for c in cycle)))
            elif state.get(nxt) is None:
                state[nxt] = 1
                path.append(nxt)
                todo.append(iter(sorted(graph.get(nxt, ()))))
