"""Export a form definition to an XLSForm workbook (survey, choices, settings), the file staff
edit in Excel or LibreOffice and bring back with ``kimdesk forms import``
(:mod:`kimdesk.forms.xlsform`). Its own module since the importer grew past 500 lines; the
column names are the importer's (:data:`~kimdesk.forms.xlsform.TEXT_COLUMNS`,
:func:`~kimdesk.forms.xlsform.language_header`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kimdesk.forms.datafiles import is_file_list, write_files
from kimdesk.forms.definition import CodeListRef, FormDefinition, compile_form
from kimdesk.forms.xlsform import TEXT_COLUMNS, language_header


def export_xlsform(definition: FormDefinition, path: Path) -> None:
    import openpyxl

    form = compile_form(definition)
    s = definition.settings
    langs = s.languages or [s.default_language]
    heads = {lang: language_header(lang) for lang in langs}
    wb = openpyxl.Workbook()
    survey = wb.active
    survey.title = "survey"
    used = _used_text_langs(definition)
    header: list[str] = ["type", "name"]
    for col in TEXT_COLUMNS:
        if col == "label":
            header += [f"label::{heads[lang]}" for lang in langs]
        else:
            header += [f"{col}::{heads[lang]}" for lang in langs if (col, lang) in used]
    plain = ["required", "constraint", "relevant", "calculation", "default", "read_only",
             "appearance", "choice_filter", "repeat_count"]
    header += plain
    binds = sorted({attr for row in definition.survey for attr in row.bind})
    header += [f"bind::{attr}" for attr in binds]
    header += list(dict.fromkeys(k for row in definition.survey for k in row.xlsform))
    survey.append(header)
    for row in definition.survey:
        values: dict[str, Any] = {"type": _xls_type(row.type, row.list_name), "name": row.name}
        for col in TEXT_COLUMNS:
            for lang, text in getattr(row, col).items():
                values[f"{col}::{heads.get(lang, language_header(lang))}"] = text
        values["required"] = ("yes" if row.required is True else "" if row.required is False
                              else row.required)
        values["read_only"] = "yes" if row.read_only else ""
        for col in ("constraint", "relevant", "calculation", "default", "appearance",
                    "choice_filter", "repeat_count"):
            values[col] = getattr(row, col)
        values.update({f"bind::{attr}": target for attr, target in row.bind.items()})
        values.update(row.xlsform)
        survey.append([values.get(h, "") or None for h in header])
    choices = wb.create_sheet("choices")
    extra_cols = list(dict.fromkeys(
        k for entry in definition.choices.values() if isinstance(entry, list)
        for choice in entry for k in choice.columns))
    choices.append(["list_name", "name", *(f"label::{heads[lang]}" for lang in langs),
                    *extra_cols])
    codelists: dict[str, str] = {}
    for list_name, entry in definition.choices.items():
        if list_name in definition.files:
            continue  # written as its own CSV file below
        if isinstance(entry, CodeListRef):
            codelists[list_name] = entry.codelist
        for choice in form.choices.get(list_name, []):
            choices.append([list_name, choice.name, *(choice.label.get(lang) for lang in langs),
                            *(choice.columns.get(k) for k in extra_cols)])
    settings = wb.create_sheet("settings")
    extra = {"title": s.title, "languages": s.languages, "codelists": codelists,
             "legal_text": s.legal_text, "legal_reviewed": s.legal_reviewed}
    settings.append(["form_id", "version", "form_title", "default_language", "kimdesk",
                     *s.xlsform])
    settings.append([s.form_id, s.version, s.title.get(s.default_language, s.form_id),
                     heads.get(s.default_language, language_header(s.default_language)),
                     json.dumps(extra, ensure_ascii=False, separators=(",", ":")),
                     *s.xlsform.values()])
    from kimdesk.vault.files import atomic_file

    with atomic_file(path) as temp:  # a full disk or Ctrl-C leaves no half workbook
        wb.save(temp)
    write_files(definition.files, path.parent)


def _xls_type(type_: str, list_name: str | None) -> str:
    """``select_one x.csv`` is written ``select_one_from_file x.csv``, as XLSForm spells it."""
    if is_file_list(list_name):
        head = type_.split(" ", 1)[0]
        return f"{head}_from_file {list_name}"
    return type_


def _used_text_langs(definition: FormDefinition) -> set[tuple[str, str]]:
    used: set[tuple[str, str]] = set()
    for row in definition.survey:
        for col in TEXT_COLUMNS:
            used.update((col, lang) for lang in getattr(row, col))
    return used


