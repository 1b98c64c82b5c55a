"""XLSForm in and out: import with pyxform (the ODK project's own parser), export with openpyxl.

Import reads the spreadsheet (``.xlsx``, ``.xls``, ``.csv`` or pyxform's markdown tables) through
``pyxform.xls2json.parse_file_to_json``, so pyxform's own validation applies first, then maps its
JSON to a :class:`FormDefinition`. Every column, type or setting KIMdesk does not support is
reported by name; nothing is dropped silently (Kobo's ``$kuid``-style bookkeeping columns are
reported as ignored warnings).

Export writes the three sheets (survey, choices, settings) with ``label::German (de)`` columns, the
convention pyxform, ODK and KoboToolbox read. KIMdesk-only settings (title in every language, the
form's languages, code-list choice lists, legal-review state) travel in one ``kimdesk`` settings
column as JSON, so a round trip is lossless; lists filled from code lists are also written out as
ordinary choices so the spreadsheet works in ODK tools too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kimdesk.forms.checker import Problem
from kimdesk.forms.definition import (
    CodeListRef,
    FormDefinition,
    Row,
)
from kimdesk.i18n import gettext as _

TEXT_COLUMNS = ("label", "hint", "required_message", "constraint_message")
_TRUE = {"yes", "true", "true()", "1"}
_FALSE = {"", "no", "false", "false()", "0"}

#: pyxform JSON type -> XLSForm type (selects get their list name appended).
_TYPES = {
    "text": "text", "string": "text", "integer": "integer", "int": "integer",
    "decimal": "decimal", "date": "date", "note": "note",
    "calculate": "calculate", "acknowledge": "acknowledge", "start": "start", "end": "end",
    "today": "today", "username": "username", "deviceid": "deviceid",
    "select one": "select_one", "select all that apply": "select_multiple",
    # choices from the workbook's external_choices sheet, offered as an ordinary select
    "select one external": "select_one",
    # a laptop has no GPS: a coordinate typed in (or left empty), stored as text
    "geopoint": "geopoint", "gps": "geopoint", "location": "geopoint",
    "q location": "geopoint", "add location prompt": "geopoint",
    # metadata a desktop cannot fill: kept (export gives them back), left empty, with a note
    "phonenumber": "phonenumber", "get phone number": "phonenumber",
    "cell phone number": "phonenumber", "simserial": "simserial", "sim id": "simserial",
    "sim serial": "simserial", "subscriberid": "subscriberid", "subscriber id": "subscriberid",
    "imei": "deviceid", "device id": "deviceid", "email": "email", "audit": "audit",
    "start-geopoint": "start-geopoint",
    # pyxform's aliases for inputs ("phone number" is text with a digits-only constraint)
    "trigger": "acknowledge", "phone number": "text", "uri:deviceid": "deviceid",
    "time": "time", "dateTime": "dateTime", "datetime": "dateTime",
    "barcode": "barcode",  # a desktop has no scanner: the code is typed in
    "hidden": "hidden",
    # a file from disk, kept in the vault (forms/attachments.py); recordings and videos: kept,
    # not asked (see definition.ATTACHMENT_TYPES)
    "photo": "image", "image": "image", "audio": "audio", "video": "video", "file": "file",
    "background-audio": "background-audio", "osm": "osm",
}
#: Settings that only matter to ODK's servers or its web forms (``style`` picks Enketo's theme):
#: kept in ``settings.xlsform`` so export gives them back, not used by KIMdesk (a note says so).
KEPT_SETTINGS = ("style", "submission_url", "public_key", "auto_send", "auto_delete",
                 "omit_instanceID", "clean_text_values", "allow_choice_duplicates",
                 "instance_name", "xml_root", "namespaces", "flat", "sms_separator",
                 "sms_allow_media", "sms_date_format", "sms_datetime_format", "sms_response",
                 "entity_version")
_SURVEY_KEYS = {"type", "name", "title", "id_string", "sms_keyword", "default_language",
                "children", "version", "choices", "kimdesk", *KEPT_SETTINGS}


@dataclass
class ImportResult:
    definition: FormDefinition | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def language_header(code: str) -> str:
    """``de`` -> ``German (de)``: XLSForm's language column convention."""
    from babel import Locale

    name = Locale("en").languages.get(code, code)
    return f"{name} ({code})"


def language_code(header: str, default: str) -> str | None:
    """``German (de)``, ``de``, ``French``, ``Français`` -> the code (see
    :mod:`kimdesk.forms.languages`); ``default`` for pyxform's untranslated column."""
    from kimdesk.forms.languages import header_code

    if header == "default":
        return default
    return header_code(header)


# -- import ------------------------------------------------------------------------------------
def import_xlsform(path: Path, *, default_language: str | None = None) -> ImportResult:
    """Convert an XLSForm (xlsx, xls, csv or pyxform markdown) into a definition."""
    from pyxform.errors import PyXFormError
    from pyxform.xls2json import parse_file_to_json

    from kimdesk.forms.checker import MAX_ROWS, too_many_rows
    from kimdesk.forms.xlsform_files import file_problem, survey_rows

    name = str(path)
    refusal = file_problem(path) or too_many_rows(survey_rows(path, MAX_ROWS) or 0)
    if refusal:
        return ImportResult(None, [Problem(name, "", refusal)])
    from kimdesk.forms.xlsform_quotes import placeholders, restore

    warnings: list[str] = []
    try:
        with placeholders():
            data = restore(parse_file_to_json(str(path), warnings=warnings))
    except PyXFormError as exc:
        from kimdesk.forms.xlsform_errors import refusal as pyxform_refusal

        return ImportResult(None, [Problem(name, "", restore(pyxform_refusal(exc), text=True))])
    except Exception as exc:  # unreadable workbooks raise zipfile/openpyxl/xlrd errors
        from kimdesk.forms.xlsform_errors import unreadable

        return ImportResult(None, [Problem(name, "", unreadable(exc))])
    warnings = [restore(w, text=True) for w in warnings]
    if _uses_external(data.get("children") or []):
        from kimdesk.forms.xlsform_sections import merge_external

        data = merge_external(data, path)
    return convert_pyxform_json(data, name, default_language=default_language, warnings=warnings,
                                folder=path.parent)


def convert_pyxform_json(
    data: Mapping[str, Any], file: str = "<xlsform>", *, default_language: str | None = None,
    warnings: list[str] | None = None, folder: Path | None = None,
) -> ImportResult:
    """Map pyxform's JSON to a definition: settings, survey rows (groups and repeats as
    begin/end rows), choices, translations. Problems come in the order the steps find them.
    ``folder`` is where ``include`` finds its sections (none: includes are refused)."""
    from kimdesk.forms.xlsform_columns import field_paths
    from kimdesk.forms.xlsform_sections import expand_sections, unflatten

    conv = _Converter(file, warnings or [])
    conv.external = dict(data.get("_kimdesk_external") or {})
    data = {k: v for k, v in data.items() if k != "_kimdesk_external"}
    extra = conv.kimdesk_settings(data)
    conv.default = _default_language(data, default_language, conv.add)
    choice_lists = dict(data.get("choices") or {})
    children = expand_sections(list(data.get("children") or []), folder, conv.add, choice_lists)
    if _flag(data.get("flat")) not in (False, ""):  # pyxform copied group rules onto questions
        children = unflatten(children)
    data = {**data, "choices": choice_lists}
    conv.paths = field_paths(children, str(data.get("name") or "data"))
    conv.walk(children)
    choices = conv.choices(data, extra)
    settings = conv.settings(data, extra)
    return conv.result(settings, choices, conv.data_files(folder))


def _default_language(data: Mapping[str, Any], given: str | None, add: Any) -> str:
    """The language of untagged columns: ``--default-language`` if given, else the settings
    sheet's ``default_language``, else a guess from the texts (:mod:`.language_guess`), else
    German with a warning that says how to choose."""
    from kimdesk.forms.language_guess import guess_language, tagged_headers, untagged_texts

    if given:
        return given
    default = language_code(str(data.get("default_language") or "default"), "")
    if default and default != "default":
        return default
    texts = list(untagged_texts(data))
    if not texts:
        return "de"
    guess = guess_language(texts)
    tagged = {code for code in map(lambda h: language_code(h, ""), tagged_headers(data))
              if code}
    if guess is None and len(tagged) == 1:
        guess = tagged.pop()
    if guess is None:
        add("settings.default_language", _("The language of the texts without a language column"
                                           " could not be recognised; they are taken as German"
                                           " (de). Choose with --default-language."), "warning")
        return "de"
    add("settings.default_language", _("The texts without a language column are recognised as"
                                       " {lang}; they are imported as '{code}' (choose with"
                                       " --default-language).").format(
                                           lang=language_header(guess), code=guess), "warning")
    return guess


class _Converter:
    """One import: the problems found so far, the languages seen (in order) and the rows."""

    def __init__(self, file: str, warnings: list[str]) -> None:
        self.file = file
        self.problems: list[Problem] = [Problem(file, "", f"pyxform: {w}", "warning")
                                        for w in warnings]
        self.default = ""
        self.seen_langs: list[str] = []
        self.rows: list[Row] = []
        self.kept: dict[str, str] = {}
        self.external: dict[str, str] = {}  # external_choices list -> its name here
        self.paths: dict[str, tuple[str, ...]] = {}

    def expr(self, value: Any, here: tuple[str, ...]) -> str:
        """An expression column, with XPath paths to fields written as ``${name}``."""
        from kimdesk.forms.xlsform_columns import resolve_paths

        return resolve_paths(str(value or ""), here, self.paths)

    def _meta(self, el: Mapping[str, Any]) -> None:
        """pyxform's meta group: instanceID and instanceName (from settings) are its own; an
        ODK entity declaration is for ODK Central's entity lists, which KIMdesk has not."""
        for child in el.get("children") or []:
            if child.get("type") == "entity":
                dataset = next((str(c.get("value")) for c in child.get("children") or []
                                if c.get("name") == "dataset"), "")
                self.add("meta.entity", _("The form declares an ODK entity (list '{dataset}');"
                                          " KIMdesk keeps no entity lists, the declaration is not"
                                          " imported.").format(dataset=dataset), "warning")

    def _comment_row(self, el: Mapping[str, Any]) -> None:
        """A row with neither type nor name (a form author's note): pyxform leaves it out of
        the form; its text is not imported, and a warning says which column it was in."""
        for key in el:
            self.add("-", _("A row without type and name is not a question; its column '{column}'"
                            " is not imported.").format(column=key), "warning")

    def add(self, where: str, reason: str, severity: str = "error") -> None:
        self.problems.append(Problem(self.file, where, reason, severity))

    # -- settings ------------------------------------------------------------------------------
    def kimdesk_settings(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """The ``kimdesk`` settings column (JSON), after reporting unsupported settings."""
        extra: dict[str, Any] = {}
        if data.get("kimdesk"):
            try:
                extra = json.loads(str(data["kimdesk"]))
            except ValueError:
                self.add("settings.kimdesk", _("not valid JSON"))
        for key in data:
            if key == "add_none_option" and not data[key]:
                continue  # pyxform's default (no "none" choice added): nothing to honour
            if key not in _SURVEY_KEYS:
                _unsupported(self.add, "settings", key)
        return extra

    def settings(self, data: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
        default, seen = self.default, self.seen_langs
        if seen and default not in seen:  # every column is tagged, none with the default
            self.add("settings.default_language",
                     _("No text is in the default language '{default}'; the form's first"
                       " language, '{first}', becomes its default language.").format(
                         default=default, first=seen[0]), "warning")
            self.default = default = seen[0]
        languages = list(extra.get("languages") or [])
        if not languages:
            languages = sorted(seen, key=lambda c: (c != default, seen.index(c)))
        title = dict(extra.get("title") or {})
        if not title:
            title = {default: str(data.get("title") or data.get("id_string") or "")}
        version = str(data.get("version") or "")
        if not version:
            self.add("settings.version", _("no version; set one in the settings sheet (using 1)"),
                     "warning")
            version = "1"
        return {
            "form_id": self.form_id(str(data.get("id_string") or data.get("name") or "form")),
            "version": version,
            "title": title,
            "default_language": default,
            "languages": languages,
            "legal_text": bool(extra.get("legal_text", False)),
            "legal_reviewed": list(extra.get("legal_reviewed") or []),
            "xlsform": {key: str(data[key]) for key in KEPT_SETTINGS
                        if data.get(key) not in (None, "")},
        }

    def form_id(self, raw: str) -> str:
        """ODK takes any text as form id; KIMdesk's must be a name (it names files and sync
        records): spaces and other characters become ``_``, and a warning says so."""
        from kimdesk.forms.definition import is_valid_name

        if is_valid_name(raw):
            return raw
        fixed = re.sub(r"[^A-Za-z0-9_.\-]", "_", raw)
        fixed = fixed if is_valid_name(fixed) else f"form_{fixed}"
        self.add("settings.form_id", _("The form id '{raw}' is not a name; it is imported as"
                                       " '{fixed}'.").format(raw=raw, fixed=fixed), "warning")
        return fixed

    # -- translations --------------------------------------------------------------------------
    def texts(self, value: Any, where: str, what: str) -> dict[str, str]:
        """A translated cell (``{"German (de)": ...}`` or one untranslated text) by language
        code; every language met is remembered for the form's language list."""
        if value is None or value == "":
            return {}
        if isinstance(value, str):
            value = {"default": value}
        out: dict[str, str] = {}
        for head, text in value.items():
            code = language_code(str(head), self.default)
            if code is None:
                code = " ".join(str(head).split())
                if code not in self.seen_langs:
                    self.add("-", _("The language '{name}' is not a known language name or code;"
                                    " it is kept under this name. Write it as 'Name (code)',"
                                    " e.g. 'Tigrinya (ti)'.").format(name=code), "warning")
            if code not in self.seen_langs:
                self.seen_langs.append(code)
            if text is not None and str(text) != "":
                out[code] = str(text)
        return out

    # -- survey rows, groups and repeats -------------------------------------------------------
    def walk(self, children: Sequence[Mapping[str, Any]]) -> None:
        for el in children:
            name = str(el.get("name", ""))
            jtype = str(el.get("type", ""))
            if name == "meta" and jtype == "group" and (el.get("control") or {}).get("bodyless"):
                self._meta(el)  # pyxform adds this (instanceID) to every form
                continue
            if not jtype and not name:
                self._comment_row(el)
                continue
            bind, appearance = self._element_columns(el, name)
            here = self.paths.get(name, ())
            common = {
                "name": name,
                "label": self.texts(el.get("label"), name, "label"),
                "hint": self.texts(el.get("hint"), name, "hint"),
                "relevant": self.expr(bind.get("relevant"), here),
                "appearance": appearance,
                "xlsform": self.kept,
            }
            if jtype in {"group", "repeat"}:
                count = str((el.get("control") or {}).get("jr:count", "") or "")
                extra = {"repeat_count": self.expr(count, here)} if count else {}
                self.rows.append(Row(type=f"begin {jtype}", **common, **extra))
                self.walk(el.get("children") or [])
                self.rows.append(Row(type=f"end {jtype}"))
            else:
                self._field(el, name, jtype, bind, common)

    def _element_columns(self, el: Mapping[str, Any], name: str) -> tuple[dict[str, Any], str]:
        """Refuse the element's unsupported columns by name, keep the unused ones (see
        :mod:`kimdesk.forms.xlsform_columns`); its bind columns and its appearance."""
        from kimdesk.forms.xlsform_columns import element_columns

        kept, refused = element_columns(el)
        for key in refused:
            _unsupported(self.add, name, key)
        for key in [k for k in kept if k.startswith("$")]:
            _unsupported(self.add, name, key)
            del kept[key]
        self.kept = kept
        bind = dict(el.get("bind") or {})
        control = dict(el.get("control") or {})
        return bind, str(control.get("appearance", "") or "")

    def _field(self, el: Mapping[str, Any], name: str, jtype: str, bind: Mapping[str, Any],
               common: dict[str, Any]) -> None:
        xtype = _TYPES.get(jtype)
        if xtype is None:
            from kimdesk.forms.xlsform_errors import unknown_type

            self.add(name, unknown_type(jtype))
            return
        if xtype.startswith("select"):
            list_name = str(el.get("list_name") or el.get("itemset") or "")
            if jtype == "select one external":
                mapped = self.external.get(list_name, list_name)
                self.add(name, _("select_one_external: the list '{list}' of the external_choices"
                                 " sheet is imported as the ordinary choice list '{name}'").format(
                                     list=list_name, name=mapped), "warning")
                list_name = mapped
            xtype = f"{xtype} {list_name}"
        here = self.paths.get(name, ())
        required: bool | str = _flag(self.expr(bind.get("required"), here))
        if jtype == "phone number" and not bind.get("constraint"):
            bind = {**bind, "constraint": r"regex(., '^\d*$')"}  # pyxform's own definition
        self.rows.append(Row(
            type=xtype,
            required=required,
            required_message=self.texts(bind.get("jr:requiredMsg"), name, "required_message"),
            constraint=self.expr(bind.get("constraint"), here),
            constraint_message=self.texts(bind.get("jr:constraintMsg"), name,
                                          "constraint_message"),
            calculation=self.expr(bind.get("calculate"), here),
            default=_default(xtype, el.get("default")),
            choice_filter=self.expr(el.get("choice_filter"), here),
            read_only=_flag(bind.get("readonly", "")) is True,
            bind={k: str(v) for k, v in bind.items() if k == "kimdesk:field" and v},
            **common,
        ))

    # -- choices -------------------------------------------------------------------------------
    def choices(self, data: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
        """Choice lists; those the ``kimdesk`` column names as code lists become references."""
        from kimdesk.forms.xlsform_columns import flatten

        choices: dict[str, Any] = {}
        codelists = dict(extra.get("codelists") or {})
        for list_name, items in (data.get("choices") or {}).items():
            if list_name in codelists:
                choices[list_name] = CodeListRef(codelist=codelists[list_name])
                continue
            out = []
            for item in items:
                columns: dict[str, str] = {}
                for key, value in item.items():
                    if str(key).startswith("$"):
                        _unsupported(self.add, f"choices.{list_name}", str(key))
                    elif key not in {"name", "label"}:
                        columns.update(flatten(str(key), value))
                out.append({"name": str(item.get("name", "")),
                            "label": self.texts(item.get("label"), f"choices.{list_name}",
                                                "label"), "columns": columns})
            choices[list_name] = out
        return choices

    def data_files(self, folder: Path | None) -> dict[str, Any]:
        """The CSV files the form's selects and pulldata() read, from beside the spreadsheet
        (:mod:`kimdesk.forms.datafiles`); each missing one is refused by name."""
        from kimdesk.forms.datafiles import is_file_list, pulldata_files, read_files

        where: dict[str, str] = {}
        for row in self.rows:
            if is_file_list(row.list_name):
                where.setdefault(str(row.list_name), row.name)
            for name in pulldata_files((row.calculation, row.relevant, row.constraint,
                                        row.choice_filter, row.default)):
                where.setdefault(name, row.name)
        return read_files(list(where), folder, self.add, where)

    # -- result --------------------------------------------------------------------------------
    def result(self, settings: dict[str, Any], choices: dict[str, Any],
               files: dict[str, Any]) -> ImportResult:
        problems = self.problems
        if any(p.severity == "error" for p in problems):
            return ImportResult(None, problems)
        try:
            definition = FormDefinition.model_validate({
                "settings": settings, "survey": [r.model_dump() for r in self.rows],
                "choices": choices, "files": files})
        except Exception as exc:
            problems.append(Problem(self.file, "", f"not a valid definition: {exc}"))
            return ImportResult(None, problems)
        return ImportResult(definition, problems)


def _uses_external(children: Sequence[Mapping[str, Any]]) -> bool:
    return any(el.get("type") == "select one external" or _uses_external(el.get("children") or [])
               for el in children)


def _default(xtype: str, value: Any) -> str:
    """The default column; a spreadsheet date cell pyxform wrote with a midnight time
    (``2020-01-01 00:00:00``) is the date it shows."""
    text = str(value or "")
    if xtype == "date" and text.endswith(" 00:00:00") and len(text) == 19:
        return text[:10]
    return text


def _flag(value: Any) -> bool | str:
    text = str(value if value is not None else "").strip()
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    return text


def _unsupported(add: Any, where: str, key: str) -> None:
    if key.startswith("$"):
        add(where or "-", _("ignored KoboToolbox bookkeeping column '{key}'").format(key=key),
            "warning")
    else:
        add(where or "-", _("unsupported column or setting '{key}'").format(key=key))


def export_xlsform(definition: FormDefinition, path: Path) -> None:
    """Write ``definition`` as an XLSForm workbook (:mod:`kimdesk.forms.xlsform_export`)."""
    from kimdesk.forms.xlsform_export import export_xlsform as write

    write(definition, path)
