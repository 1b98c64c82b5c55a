"""pyxform's two ways of writing rows once for many: ``include`` and ``begin loop``.

pyxform expands both when it builds the XForm (``builder.py``), not in the JSON that the import
reads, so the import expands them the same way before mapping rows:

* ``include NAME`` inlines the survey of the spreadsheet ``NAME`` in the same folder (pyxform's
  ``include_directory``); its rows become part of the imported form (a warning says so). Only a
  plain name is accepted (no path), only the form's own folder is read, and includes nest at most
  :data:`MAX_DEPTH` deep, so a form cannot make the import read elsewhere or loop.
* ``begin loop over LIST`` repeats its rows once per choice of ``LIST`` (``none`` skipped), each
  copy in a group named after the choice, with ``%(name)s`` and ``%(label)s`` replaced by the
  choice's name and label. ODK nests the copies (``loop/choice/number``); KIMdesk's names are
  unique in a form, so a copy is named ``<choice>_<name>`` (a warning names the rule).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from kimdesk.i18n import gettext as _

Add = Callable[..., None]
#: How deep includes may nest (pyxform has no limit; a cycle would never end).
MAX_DEPTH = 4
_SECTION = re.compile(r"^[A-Za-z0-9_\-]+$")
_SUFFIXES = (".xlsx", ".xls", ".csv", ".md")


def expand_sections(children: list[Mapping[str, Any]], folder: Path | None, add: Add,
                    choices: dict[str, Any], depth: int = 0) -> list[dict[str, Any]]:
    """``children`` with includes inlined and loops unrolled (recursively); choice lists of
    included sections are merged into ``choices``."""
    out: list[dict[str, Any]] = []
    for el in children:
        kind = str(el.get("type", ""))
        if kind == "include":
            out.extend(_include(el, folder, add, choices, depth))
        elif kind == "loop":
            out.append(_loop(el, folder, add, choices, depth))
        else:
            item = dict(el)
            if item.get("children"):
                item["children"] = expand_sections(list(item["children"]), folder, add, choices,
                                                   depth)
            out.append(item)
    return out


def _include(el: Mapping[str, Any], folder: Path | None, add: Add, choices: dict[str, Any],
             depth: int) -> list[dict[str, Any]]:
    from pyxform.errors import PyXFormError
    from pyxform.xls2json import parse_file_to_json

    from kimdesk.forms.xlsform_quotes import placeholders, restore

    name = str(el.get("name", ""))
    found = None
    if folder is not None and _SECTION.match(name) and depth < MAX_DEPTH:
        found = next((folder / f"{name}{s}" for s in _SUFFIXES
                      if (folder / f"{name}{s}").is_file()), None)
    if found is None:
        add(name, _("include: the included file '{name}' (.xlsx, .xls, .csv or .md) is missing"
                    " from the form's folder (or includes nest too deep)").format(name=name))
        return []
    try:
        with placeholders():
            data = restore(parse_file_to_json(str(found), warnings=[]))
    except PyXFormError as exc:
        from kimdesk.forms.xlsform_errors import refusal

        add(name, _("include {file}: {reason}").format(file=found.name, reason=refusal(exc)))
        return []
    except Exception as exc:  # an unreadable workbook
        from kimdesk.forms.xlsform_errors import unreadable

        add(name, _("include {file}: {reason}").format(file=found.name, reason=unreadable(exc)))
        return []
    for list_name, items in (data.get("choices") or {}).items():
        if list_name in choices and choices[list_name] != items:
            add(name, _("include {file}: the choice list '{list}' differs from the form's"
                        " own").format(file=found.name, list=list_name))
        choices.setdefault(list_name, items)
    add(name, _("the section '{name}' is included from {file}: its rows are now part of this"
                " form").format(name=name, file=found.name), "warning")
    rows = [c for c in data.get("children") or [] if not _is_meta(c)]
    return expand_sections(rows, folder, add, choices, depth + 1)


def _is_meta(el: Mapping[str, Any]) -> bool:
    return el.get("name") == "meta" and el.get("type") == "group" and bool(
        (el.get("control") or {}).get("bodyless"))


def _loop(el: Mapping[str, Any], folder: Path | None, add: Add, choices: dict[str, Any],
          depth: int) -> dict[str, Any]:
    name = str(el.get("name", ""))
    groups: list[dict[str, Any]] = []
    for column in el.get("columns") or []:
        if column.get("name") == "none":
            continue
        cname = str(column.get("name", ""))
        copies = [_substitute(child, column) for child in el.get("children") or []]
        for copy in copies:
            copy["name"] = f"{cname}_{copy.get('name', '')}"
        groups.append({"type": "group", "name": f"{name}_{cname}",
                       "label": column.get("label", ""),
                       "children": expand_sections(copies, folder, add, choices, depth)})
    add(name, _("loop '{name}': each choice's copy of its questions is named"
                " '<choice>_<question>' (KIMdesk's names are unique; ODK nests them)").format(
                    name=name), "warning")
    group = {k: v for k, v in el.items() if k not in {"columns", "children", "type"}}
    return {**group, "type": "group", "children": groups}


def _substitute(value: Any, column: Mapping[str, Any]) -> Any:
    """pyxform's ``%(name)s`` / ``%(label)s`` in every text of a loop's row (per language when
    the choice's label is translated)."""
    if isinstance(value, Mapping):
        return {k: _substitute_lang(v, column, k) if k == "label" or isinstance(v, Mapping)
                else _substitute(v, column) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, column) for v in value]
    if isinstance(value, str):
        return _fill(value, str(column.get("name", "")), _label(column.get("label"), None))
    return value


def _substitute_lang(value: Any, column: Mapping[str, Any], _key: str) -> Any:
    if isinstance(value, Mapping):
        return {lang: _fill(str(text), str(column.get("name", "")),
                            _label(column.get("label"), lang)) if isinstance(text, str)
                else _substitute(text, column) for lang, text in value.items()}
    return _substitute(value, column)


def _label(label: Any, lang: str | None) -> str:
    if isinstance(label, Mapping):
        if lang is not None and lang in label:
            return str(label[lang])
        return str(next(iter(label.values()), ""))
    return str(label or "")


def _fill(text: str, name: str, label: str) -> str:
    return text.replace("%(name)s", name).replace("%(label)s", label)


def external_choices(path: Path) -> dict[str, list[dict[str, Any]]]:
    """The ``external_choices`` sheet, as pyxform's choice items by list (``select_one_external``
    offers them; ODK Collect reads them from the itemsets.csv pyxform writes from this sheet)."""
    from pyxform.xls2json_backends import get_xlsform

    try:
        rows = get_xlsform(str(path)).external_choices or []
    except Exception:  # the main parse already reported an unreadable workbook
        return {}
    lists: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        item: dict[str, Any] = {}
        labels: dict[str, str] = {}
        list_name = ""
        for head, value in row.items():
            key = str(head).strip()
            norm = key.casefold().replace(" ", "_")
            if norm == "list_name":
                list_name = str(value)
            elif norm == "name":
                item["name"] = str(value)
            elif norm == "label" or norm.startswith("label::"):
                labels[key.split("::", 1)[1] if "::" in key else "default"] = str(value)
            elif value not in (None, ""):
                item[key] = str(value)
        if list_name and "name" in item:
            item["label"] = labels.get("default") if list(labels) == ["default"] else labels
            lists.setdefault(list_name, []).append(item)
    return lists


def merge_external(data: Mapping[str, Any], path: Path) -> dict[str, Any]:
    """``data`` with the external_choices lists added to its choices. A list whose name the
    choices sheet also uses for other choices (two sheets, two namespaces in pyxform) is
    renamed ``<name>_external``; ``_kimdesk_external`` tells the converter the names."""
    choices = dict(data.get("choices") or {})
    names: dict[str, str] = {}
    for list_name, items in external_choices(path).items():
        new = list_name
        while new in choices and choices[new] != items:  # the same list twice is one list
            new = f"{new}_external"
        choices[new] = items
        names[list_name] = new
    return {**data, "choices": choices, "_kimdesk_external": names}


def unflatten(children: list[Any], parent: str = "") -> list[Any]:
    """Undo pyxform's ``flat`` setting on the JSON: for ODK Tables, pyxform "and"s each group's
    relevance onto every question inside it (``G and (Q)``, or ``G`` alone). KIMdesk keeps the
    group's own relevance, so the question gets back its own; otherwise the kept ``flat`` setting
    would add the group's rule again on every export and re-import."""
    out: list[Any] = []
    for el in children:
        item = dict(el)
        bind = dict(item.get("bind") or {})
        own = str(bind.get("relevant", "") or "")
        if item.get("children"):
            combined = own if not parent else parent + (f" and ({own})" if own else "")
            item["children"] = unflatten(list(item["children"]), combined)
        elif parent and own:
            if own == parent:
                bind.pop("relevant")
            elif own.startswith(f"{parent} and (") and own.endswith(")"):
                bind["relevant"] = own[len(parent) + 6:-1]
            item["bind"] = bind
        out.append(item)
    return out
