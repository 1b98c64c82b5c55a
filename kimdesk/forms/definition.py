"""Form definitions: XLSForm's vocabulary as a readable YAML (or JSON) file, and its compiled tree.

A definition file has the three sheets of an XLSForm as three keys — ``settings``, ``survey`` (the
rows, with ``begin group``/``end group`` and ``begin repeat``/``end repeat`` exactly as in the
spreadsheet) and ``choices`` — and writes translations as ``{language code: text}`` maps instead of
``label::Language (code)`` columns. Staying row-for-row with XLSForm keeps import and export a
mapping, not a translation, and lets anyone who knows XLSForm read the files. See docs/forms.md.

:class:`FormDefinition` is the file as data (validated with pydantic, unknown keys rejected);
:func:`compile_form` turns it into a :class:`Form` (a tree of :class:`Field` with resolved choice
lists) that the engine, the checker and the Qt renderer use.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator
from pydantic import Field as PydField

from kimdesk.errors import KimdeskError
from kimdesk.i18n import N_

Texts = dict[str, str]

#: Field types KIMdesk renders and evaluates (XLSForm names). Metadata types are filled on save.
INPUT_TYPES = frozenset(
    {"text", "integer", "decimal", "date", "select_one", "select_multiple", "acknowledge",
     "geopoint", "time", "dateTime", "barcode", "image", "file"}
)
DISPLAY_TYPES = frozenset({"note"})
COMPUTED_TYPES = frozenset({"calculate"})
METADATA_TYPES = frozenset({"start", "end", "today", "username", "deviceid"})
#: Metadata of a phone that a desktop does not have: kept so the form round-trips, never filled.
UNFILLED_METADATA = frozenset({"phonenumber", "simserial", "subscriberid", "email", "audit",
                               "start-geopoint"})
STRUCTURE_TYPES = frozenset({"begin group", "end group", "begin repeat", "end repeat"})
#: ``image`` (``photo``) and ``file`` are asked: a file picked from disk, kept encrypted in the
#: vault (:mod:`kimdesk.forms.attachments`). The other attachments (a recording, a video, an
#: OpenStreetMap feature) are kept so the form round-trips, not shown or asked (docs/forms.md).
#: ``hidden`` is pyxform's field without a control: it keeps its default, nobody edits it.
ATTACHMENT_TYPES = frozenset({"audio", "video", "background-audio", "osm"})
HIDDEN_TYPES = METADATA_TYPES | UNFILLED_METADATA | ATTACHMENT_TYPES | {"hidden"}
SUPPORTED_TYPES = INPUT_TYPES | DISPLAY_TYPES | COMPUTED_TYPES | HIDDEN_TYPES | STRUCTURE_TYPES

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


class FormError(KimdeskError):
    """A definition that cannot be loaded (the reason names the file and the field)."""

    exit_code = 2


class Row(BaseModel):
    """One survey row, with XLSForm's column names (``label::de`` becomes ``label: {de: ...}``)."""

    model_config = ConfigDict(extra="forbid")

    type: str
    name: str = ""
    label: Texts = PydField(default_factory=dict)
    hint: Texts = PydField(default_factory=dict)
    required: bool | str = False
    required_message: Texts = PydField(default_factory=dict)
    constraint: str = ""
    constraint_message: Texts = PydField(default_factory=dict)
    relevant: str = ""
    calculation: str = ""
    default: str = ""
    read_only: bool = False
    appearance: str = ""
    #: XLSForm's custom bind attributes (``bind::kimdesk:field`` -> ``{"kimdesk:field": ...}``):
    #: the case field the answer is bound to (kimdesk/forms/binding.py, docs/forms.md).
    bind: dict[str, str] = PydField(default_factory=dict)
    #: Cascading selects: which choices to offer, an expression over the choice list's own
    #: columns (``state = ${state}``), evaluated per choice as ODK does.
    choice_filter: str = ""
    #: ``repeat_count``: the number of instances of a repeat, an expression.
    repeat_count: str = ""
    #: XLSForm columns kept for export but not used (``media::image``, ``control::rows``, a
    #: form author's own column, ...); each is named in a warning.
    xlsform: dict[str, str] = PydField(default_factory=dict)

    @field_validator("type")
    @classmethod
    def _type(cls, value: str) -> str:
        return " ".join(value.split())

    @property
    def base_type(self) -> str:
        """``select_one yes_no`` -> ``select_one``; other types unchanged."""
        head = self.type.split(" ", 1)[0]
        return head if head in {"select_one", "select_multiple"} else self.type

    @property
    def list_name(self) -> str | None:
        parts = self.type.split(" ")
        if parts[0] in {"select_one", "select_multiple"} and len(parts) > 1:
            return parts[1]
        return None


class Choice(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    label: Texts = PydField(default_factory=dict)
    #: The choice list's other columns (``state: nrw``), read by ``choice_filter`` expressions.
    columns: dict[str, str] = PydField(default_factory=dict)

    @field_validator("name", mode="before")
    @classmethod
    def _name(cls, value: Any) -> str:
        return str(value)  # YAML reads yes/1 as bool/int; choice names are always text


class CodeListRef(BaseModel):
    """A choice list filled from a KIMdesk code list (CLDR countries, Rechtskreise, ...)."""

    model_config = ConfigDict(extra="forbid")

    codelist: str


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    form_id: str
    version: str
    title: Texts = PydField(default_factory=dict)
    default_language: str = "de"
    languages: list[str] = PydField(default_factory=list)
    #: Legal text (consent): translations are shown marked "not legally reviewed" unless their
    #: language is listed in ``legal_reviewed``.
    legal_text: bool = False
    legal_reviewed: list[str] = PydField(default_factory=list)
    #: XLSForm settings KIMdesk keeps for the round trip but does not use (``style``,
    #: ``submission_url``, ``instance_name``, ...; see ``xlsform.KEPT_SETTINGS``).
    xlsform: dict[str, str] = PydField(default_factory=dict)

    @field_validator("version", "form_id", mode="before")
    @classmethod
    def _text(cls, value: Any) -> str:
        return str(value)


class FormDefinition(BaseModel):
    """A definition file as data (what import produces and export writes)."""

    model_config = ConfigDict(extra="forbid")

    settings: Settings
    survey: list[Row]
    choices: dict[str, list[Choice] | CodeListRef] = PydField(default_factory=dict)
    #: Data files that travel with the form (``select_one_from_file x.csv``, ``pulldata('x',
    #: ...)``): file name -> its CSV rows (:mod:`kimdesk.forms.datafiles`).
    files: dict[str, list[dict[str, str]]] = PydField(default_factory=dict)

    def to_data(self) -> dict[str, Any]:
        """Plain data for YAML/JSON, without default-valued keys (files stay short)."""
        return self.model_dump(mode="json", exclude_defaults=True)


@dataclass(eq=False)
class Field:
    """One node of the compiled form: a question, note, calculation, group or repeat."""

    row: Row
    kind: str  # base type, or "group" / "repeat"
    parent: Field | None = None
    children: list[Field] = field(default_factory=list)
    index: int = 0  # survey row number (0-based), for problem reports

    @property
    def name(self) -> str:
        return self.row.name

    @property
    def list_name(self) -> str | None:
        return self.row.list_name

    @property
    def repeat(self) -> Field | None:
        """The nearest enclosing repeat (not the field itself)."""
        node = self.parent
        while node is not None:
            if node.kind == "repeat":
                return node
            node = node.parent
        return None

    def repeats(self) -> list[Field]:
        """Enclosing repeats, outermost first."""
        chain: list[Field] = []
        node = self.parent
        while node is not None:
            if node.kind == "repeat":
                chain.append(node)
            node = node.parent
        return chain[::-1]

    def walk(self) -> Iterator[Field]:
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(eq=False)
class Form:
    """A compiled, checked definition: what the engine, checker and renderer work with."""

    definition: FormDefinition
    fields: list[Field]
    by_name: dict[str, Field]
    choices: dict[str, list[Choice]]
    source: Path | None = None

    @property
    def form_id(self) -> str:
        return self.definition.settings.form_id

    @property
    def version(self) -> str:
        return self.definition.settings.version

    @property
    def languages(self) -> list[str]:
        return self.definition.settings.languages

    @property
    def default_language(self) -> str:
        return self.definition.settings.default_language

    def walk(self) -> Iterator[Field]:
        for f in self.fields:
            yield from f.walk()

    def text(self, texts: Texts, lang: str) -> str:
        """A translation, falling back to the form's default language, then to any."""
        if lang in texts:
            return texts[lang]
        if self.default_language in texts:
            return texts[self.default_language]
        return next(iter(texts.values()), "")

    def title(self, lang: str) -> str:
        return self.text(self.definition.settings.title, lang) or self.form_id

    def label(self, f: Field, lang: str) -> str:
        return self.text(f.row.label, lang)

    def hint(self, f: Field, lang: str) -> str:
        return self.text(f.row.hint, lang)

    def choice_list(self, f: Field) -> list[Choice]:
        return self.choices.get(f.list_name or "", [])

    def choice_label(self, f: Field, name: str, lang: str) -> str:
        for c in self.choice_list(f):
            if c.name == name:
                return self.text(c.label, lang) or name
        return name

    def legal_unreviewed(self, lang: str) -> bool:
        s = self.definition.settings
        return s.legal_text and lang not in s.legal_reviewed


def compile_form(
    definition: FormDefinition, source: Path | None = None, *, agencies: Any = None
) -> Form:
    """Build the field tree and resolve choice lists; raises :class:`FormError` on structure
    errors (the checker reports the finer problems without raising)."""
    from kimdesk.forms.codelists import resolve

    roots: list[Field] = []
    stack: list[Field] = []
    by_name: dict[str, Field] = {}
    for i, row in enumerate(definition.survey):
        t = row.type
        if t in {"end group", "end repeat"}:
            want = "group" if t == "end group" else "repeat"
            if not stack or stack[-1].kind != want:
                raise FormError(N_("row {row}: '{type}' without a matching begin"), row=i + 2,
                                type=t)
            stack.pop()
            continue
        kind = {"begin group": "group", "begin repeat": "repeat"}.get(t, row.base_type)
        node = Field(row=row, kind=kind, parent=stack[-1] if stack else None, index=i)
        if row.name:
            if row.name in by_name:
                raise FormError(N_("field {name}: the name is used twice"), name=row.name)
            by_name[row.name] = node
        (stack[-1].children if stack else roots).append(node)
        if kind in {"group", "repeat"}:
            stack.append(node)
    if stack:
        raise FormError(N_("field {name}: '{kind}' is never closed"), name=stack[-1].name,
                        kind=f"begin {stack[-1].kind}")
    langs = definition.settings.languages or [definition.settings.default_language]
    choices: dict[str, list[Choice]] = {}
    for list_name, entry in definition.choices.items():
        if isinstance(entry, CodeListRef):
            choices[list_name] = resolve(entry.codelist, langs, agencies=agencies)
        else:
            choices[list_name] = entry
    for file_name, rows in definition.files.items():
        if file_name not in choices:
            choices[file_name] = _file_choices(rows, definition.settings.default_language)
    return Form(definition=definition, fields=roots, by_name=by_name, choices=choices,
                source=source)


def _file_choices(rows: list[dict[str, str]], default: str) -> list[Choice]:
    """A CSV's rows as choices (``select_one_from_file``): ``name``, ``label`` or
    ``label::Language (code)`` columns, the other columns for ``choice_filter``. Rows without a
    name are no choices (Collect skips them too)."""
    from kimdesk.forms.languages import header_code

    out: list[Choice] = []
    for row in rows:
        if not row.get("name"):
            continue
        label: Texts = {}
        columns: dict[str, str] = {}
        for key, value in row.items():
            head, _sep, lang = key.partition("::")
            if head == "label":
                code = (header_code(lang) or lang) if lang else default
                if value:
                    label[code] = value
            elif key != "name":
                columns[key] = value
        out.append(Choice(name=row["name"], label=label, columns=columns))
    return out


def load_data(path: Path) -> Any:
    """Read a YAML or JSON definition file as plain data (safe YAML: no Python objects)."""
    import json

    import yaml

    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        return json.loads(text)
    return yaml.safe_load(text)


def dump_yaml(definition: FormDefinition) -> str:
    """Canonical YAML of a definition: settings, survey, choices, files; Unicode kept readable."""
    import yaml

    data = definition.to_data()
    ordered = {k: data[k] for k in ("settings", "survey", "choices", "files") if k in data}

    # libyaml's emitter where PyYAML has it: the pure-Python one took 0.1-0.3 s of a 200-question
    # import (issue 16); both write the same YAML
    base: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

    class _Dumper(base):
        pass

    def _str(dumper: Any, value: str) -> yaml.Node:
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    _Dumper.add_representer(str, _str)
    return yaml.dump(ordered, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)


def is_valid_name(name: str) -> bool:
    return bool(_NAME.match(name))
