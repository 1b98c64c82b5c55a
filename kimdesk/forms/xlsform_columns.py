"""Which XLSForm columns an import uses, keeps for the round trip, or refuses; XPath paths.

Issue 16: a form written for ODK Collect or KoboToolbox carries many columns that only matter on a
phone or in a web form (``media::image``, ``control::rows``, ``bind::saveIncomplete``,
``instance::…``, SMS columns, a form author's own notes column). pyxform itself passes them
through or ignores them; KIMdesk keeps each in the row's ``xlsform`` map (export writes it back)
and names it in a warning, so nothing is lost and nothing silently. Columns whose meaning
KIMdesk cannot honour (a preload, a trigger, a widget parameter that changes the answer) are
refused by name instead: accepting them would change what the form does.

pyxform writes ``selected(../x, 'other')`` for ``or_other`` and forms may use relative or absolute
paths (``../x``, ``/data/group/x``). Names are unique in a form, so a path that points at a field
becomes ``${x}``; a path that points nowhere is left as written and the check names it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

#: Element keys mapped to :class:`~kimdesk.forms.definition.Row` columns by the importer.
USED_KEYS = frozenset({"type", "name", "label", "hint", "bind", "control", "default",
                       "children", "choices", "itemset", "list_name", "choice_filter"})
#: Bind attributes the importer maps (``required``, ``relevant``, ...).
USED_BIND = frozenset({"required", "relevant", "constraint", "jr:constraintMsg",
                       "jr:requiredMsg", "calculate", "readonly", "kimdesk:field"})
#: Columns that change what a form does and that KIMdesk does not do: refused by name.
REFUSED = frozenset({"bind::jr:preload", "bind::jr:preloadParams", "trigger",
                     "bind::type", "body::accuracyThreshold"})
#: Widget parameters that only tune a phone's capture (photo size, audio quality): kept.
KEPT_PARAMETERS = frozenset({"max-pixels", "quality"})


def flatten(key: str, value: Any) -> Iterator[tuple[str, str]]:
    """``media: {image: {English: a.jpg}}`` -> ``("media::image::English", "a.jpg")``: the
    spreadsheet's own column headers, so export writes the columns back as they were."""
    if isinstance(value, Mapping):
        for sub, inner in value.items():
            yield from flatten(f"{key}::{sub}", inner)
    elif value is not None and value != "" and value != {}:
        yield key, str(value)


def element_columns(el: Mapping[str, Any]) -> tuple[dict[str, str], list[str]]:
    """The columns of one pyxform element that KIMdesk keeps unused, and those it refuses."""
    kept: dict[str, str] = {}
    refused: list[str] = []
    for key, value in el.items():
        if key in USED_KEYS or (key in {"_dynamic_default", "actions"} and
                                el.get("_dynamic_default")):
            continue
        if key == "parameters":
            if isinstance(value, str):  # "max-pixels=1024 quality=high"
                value = dict(p.partition("=")[::2] for p in value.replace(",", " ").split())
            for sub, text in flatten("parameters", value):
                if sub.split("::")[1] in KEPT_PARAMETERS:
                    kept[sub] = text
                else:
                    refused.append(sub)
            continue
        kept.update(flatten(key, value))
    for key, value in dict(el.get("bind") or {}).items():
        if key not in USED_BIND:
            kept.update(flatten(f"bind::{key}", value))
    for key, value in dict(el.get("control") or {}).items():
        if key not in {"appearance", "jr:count"}:
            kept.update(flatten(f"control::{key}", value))
    for key in [k for k in kept if k in REFUSED]:
        refused.append(key)
        del kept[key]
    return kept, refused


# -- paths -------------------------------------------------------------------------------------
_NAME = r"[A-Za-z_][A-Za-z0-9_.\-]*"
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
#: ``../x``, ``../../g/x``, ``./x`` and ``/data/g/x`` (not ``instance('l')/root/item``, not a
#: number's decimal point).
_PATH = re.compile(rf"(?<![\w)\]}}'\"])(?:(?:\.\./)+|\./|/){_NAME}(?:/{_NAME})*")


def field_paths(children: Sequence[Mapping[str, Any]], root: str) -> dict[str, tuple[str, ...]]:
    """Each field name -> its XML path (``("data", "group", "x")``), as pyxform builds it."""
    out: dict[str, tuple[str, ...]] = {}

    def walk(items: Sequence[Mapping[str, Any]], at: tuple[str, ...]) -> None:
        for el in items:
            name = str(el.get("name", ""))
            if not name:
                continue
            path = (*at, name)
            out.setdefault(name, path)
            walk(list(el.get("children") or []), path)

    walk(children, (root,))
    return out


def resolve_paths(text: str, here: tuple[str, ...], paths: Mapping[str, tuple[str, ...]]) -> str:
    """``text`` with every path that points at a field written as ``${name}``; ``here`` is the
    path of the field the expression belongs to (its context node, as in ODK)."""
    if "/" not in text:
        return text
    by_path = {p: n for n, p in paths.items()}

    def target(m: re.Match[str]) -> str:
        raw = m.group(0)
        if raw.startswith("/"):
            steps = raw[1:].split("/")
            found = by_path.get(tuple(steps))
        else:
            node = list(here)
            rest = raw
            while rest.startswith("../"):
                node = node[:-1]
                rest = rest[3:]
            rest = rest.removeprefix("./")
            found = by_path.get((*node, *rest.split("/")))
        return f"${{{found}}}" if found else raw

    parts: list[str] = []
    last = 0
    for q in _QUOTED.finditer(text):
        parts.append(_PATH.sub(target, text[last:q.start()]))
        parts.append(q.group(0))
        last = q.end()
    parts.append(_PATH.sub(target, text[last:]))
    return "".join(parts)
