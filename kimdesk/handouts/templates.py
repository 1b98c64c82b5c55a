"""Handout templates and their texts: loading and checking, with errors that name the culprit.

A template (``resources/handouts/templates/<id>.yaml``) is a list of blocks that refer to text keys;
the words live per language in ``resources/handouts/texts/<lang>.yaml`` (one file per language, so a
translator edits one file and a reviewer signs off one file by setting ``status: reviewed``).
Everything is checked before a PDF is started: a malformed template, a missing language, a missing
key or a translation whose ``{placeholders}`` differ from the German text raise
:class:`HandoutError` naming the file and the key, and no output file is touched.

The consent handout reuses the consent text of the forms module (``resources/forms/
einwilligung.yaml``) where that form has the language, so the paper matches the consent recorded
in the app; other languages fall back to the handout's own text (block type ``form_text``).
"""

from __future__ import annotations

import functools
import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kimdesk.errors import KimdeskError
from kimdesk.i18n import N_, resources_dir

#: Languages with a handout text, in the order the GUI lists them.
LANGUAGES: tuple[str, ...] = (
    "de", "en", "ar", "fa", "tr", "uk", "ru", "ps", "ti", "so", "ro", "bg", "pl", "fr", "sq", "ku",
)  # fmt: skip
SOURCE_LANGUAGE = "de"
#: Values a template may print (see :mod:`.data`); anything else is a template error.
VALUE_NAMES = frozenset(
    {
        "client_name", "case_number", "counselor", "team", "municipality", "counselor_phone",
        "office_hours", "appointment_date", "appointment_time", "appointment_place", "recipients",
        "today",
    }
)  # fmt: skip
BLOCK_FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # type: (required text-key fields, other allowed fields)
    "title": (("text",), ()),
    "heading": (("text",), ()),
    "paragraph": (("text",), ()),
    "checklist": ((), ("items",)),
    "bullets": ((), ("items",)),
    "field": (("label",), ("value",)),
    "signature": (("label",), ()),
    "form_text": (("fallback",), ("form", "name")),
    "goals": (("goal", "steps", "responsible", "review"), ("blank",)),
    "referrals": (("agency", "address", "hours", "phone", "bring"), ("blank",)),
}
_ID = re.compile(r"^[a-z][a-z0-9_]*$")


class HandoutError(KimdeskError):
    """A template, a text file or an output path that cannot make a handout (exit code 2)."""

    exit_code = 2


@dataclass(frozen=True)
class Block:
    type: str
    keys: dict[str, str]  # text-key fields (label, text, goal, ...)
    items: tuple[str, ...] = ()
    value: str | None = None
    blank: int = 0
    form: str = ""
    name: str = ""


@dataclass(frozen=True)
class Template:
    id: str
    title: str
    blocks: tuple[Block, ...]
    path: Path

    def text_keys(self) -> set[str]:
        keys = {self.title}
        for block in self.blocks:
            keys.update(block.keys.values())
            keys.update(block.items)
        return keys


@dataclass(frozen=True)
class Texts:
    """One language's handout texts."""

    lang: str
    name: str  # the language's own name
    status: str  # source | reviewed | draft
    texts: dict[str, str] = field(default_factory=dict)
    path: Path = Path()

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"


def handouts_dir() -> Path:
    return resources_dir() / "handouts"


def _load_yaml(path: Path, what: str) -> Any:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: 10x faster where present
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.load(fh, Loader=loader)
    except yaml.YAMLError as exc:
        reason = str(exc).replace("\n", " ")
        raise HandoutError(N_("{what} {path} is malformed: {reason}"), what=what, path=str(path),
                           reason=reason) from exc
    except OSError as exc:
        raise HandoutError(N_("Cannot read {path}: {reason}"), path=str(path),
                           reason=exc.strerror or str(exc)) from exc


def _malformed(path: Path, reason: str) -> HandoutError:
    return HandoutError(N_("{what} {path} is malformed: {reason}"), what="Handout template",
                        path=str(path), reason=reason)


def template_names(templates_dir: Path | None = None) -> list[str]:
    folder = templates_dir or handouts_dir() / "templates"
    return sorted(p.stem for p in folder.glob("*.yaml"))


def load_template(name: str, templates_dir: Path | None = None) -> Template:
    """Read and check one template (cached while the file's modification time stays the same)."""
    folder = templates_dir or handouts_dir() / "templates"
    path = folder / f"{name}.yaml"
    if not _ID.match(name) or not path.is_file():
        raise HandoutError(N_("Unknown handout template {name}. Available: {available}."),
                           name=name, available=", ".join(template_names(folder)))
    stat = path.stat()
    return _load_template_cached(name, path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=64)
def _load_template_cached(name: str, path: Path, mtime_ns: int, size: int) -> Template:
    data = _load_yaml(path, "Handout template")
    if not isinstance(data, dict):
        raise _malformed(path, "the top level must be a mapping")
    if data.get("id") != name:
        raise _malformed(path, f"'id' must be {name!r}")
    title = data.get("title")
    if not isinstance(title, str) or not title:
        raise _malformed(path, "'title' must name a text key")
    raw_blocks = data.get("blocks")
    if not isinstance(raw_blocks, list) or not raw_blocks:
        raise _malformed(path, "'blocks' must be a non-empty list")
    blocks = [_parse_block(path, i, raw) for i, raw in enumerate(raw_blocks, 1)]
    return Template(name, title, tuple(blocks), path)


def _parse_block(path: Path, number: int, raw: Any) -> Block:
    where = f"block {number}"
    if not isinstance(raw, dict):
        raise _malformed(path, f"{where} must be a mapping")
    kind = raw.get("type")
    if kind not in BLOCK_FIELDS:
        raise _malformed(path, f"{where} has unknown type {kind!r} "
                               f"(known: {', '.join(sorted(BLOCK_FIELDS))})")
    required, optional = BLOCK_FIELDS[kind]
    unknown = set(raw) - {"type", *required, *optional}
    if unknown:
        names = ", ".join(sorted(unknown))
        raise _malformed(path, f"{where} ({kind}) has unknown field(s) {names}")
    keys: dict[str, str] = {}
    for name in required:
        value = raw.get(name)
        if not isinstance(value, str) or not value:
            raise _malformed(path, f"{where} ({kind}) needs {name!r} (a text key)")
        keys[name] = value
    items: tuple[str, ...] = ()
    if kind in ("checklist", "bullets"):
        raw_items = raw.get("items")
        if not isinstance(raw_items, list) or not raw_items or not all(
            isinstance(item, str) and item for item in raw_items
        ):
            raise _malformed(path, f"{where} ({kind}) needs 'items', a list of text keys")
        items = tuple(raw_items)
    value = raw.get("value")
    if value is not None and value not in VALUE_NAMES:
        raise _malformed(path, f"{where} ({kind}) prints unknown value {value!r}")
    blank = raw.get("blank", 0)
    if not isinstance(blank, int) or not 0 <= blank <= 10:
        raise _malformed(path, f"{where} ({kind}): 'blank' must be a number from 0 to 10")
    form, name = str(raw.get("form", "")), str(raw.get("name", ""))
    if kind == "form_text" and not (form and name):
        raise _malformed(path, f"{where} (form_text) needs 'form' and 'name'")
    return Block(kind, keys, items, value, blank, form, name)


def _fields(text: str) -> set[str]:
    try:
        return {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
    except ValueError:
        return {"<unbalanced brace>"}


@functools.lru_cache(maxsize=64)
def _load_texts_cached(path: Path, mtime_ns: int, size: int) -> Texts:
    data = _load_yaml(path, "Handout text")
    lang = path.stem
    if not isinstance(data, dict) or not isinstance(data.get("texts"), dict):
        raise HandoutError(N_("{what} {path} is malformed: {reason}"), what="Handout text",
                           path=str(path), reason="it needs a 'texts' mapping")
    if data.get("language") != lang:
        raise HandoutError(N_("{what} {path} is malformed: {reason}"), what="Handout text",
                           path=str(path), reason=f"'language' must be {lang!r}")
    status = data.get("status", "draft")
    if status not in ("source", "reviewed", "draft"):
        raise HandoutError(N_("{what} {path} is malformed: {reason}"), what="Handout text",
                           path=str(path), reason="'status' must be source, reviewed or draft")
    texts = {str(k): str(v) for k, v in data["texts"].items() if v is not None}
    return Texts(lang, str(data.get("name", lang)), status, texts, path)


def load_texts(lang: str, texts_dir: Path | None = None) -> Texts:
    folder = texts_dir or handouts_dir() / "texts"
    path = folder / f"{lang}.yaml"
    if not re.fullmatch(r"[a-z]{2,3}", lang) or not path.is_file():
        available = ", ".join(sorted(p.stem for p in folder.glob("*.yaml")))
        raise HandoutError(N_("No handout text in language {lang} (available: {available})."),
                           lang=lang, available=available)
    stat = path.stat()
    return _load_texts_cached(path, stat.st_mtime_ns, stat.st_size)


_LACKS = N_("The {lang} handout text lacks {key} (needed by template {template}; file {path}).")


def check_texts(template: Template, texts: Texts, source: Texts) -> None:
    """Every key the template needs is there, with the same placeholders as the German text."""
    needed = sorted(template.text_keys() | {"common.draft", "common.page"})
    for key in needed:
        if key not in source.texts:
            raise HandoutError(
                _LACKS,
                lang=source.lang, key=key, template=template.id, path=str(source.path))
        if key not in texts.texts or not texts.texts[key].strip():
            raise HandoutError(
                _LACKS,
                lang=texts.lang, key=key, template=template.id, path=str(texts.path))
        if _fields(texts.texts[key]) != _fields(source.texts[key]):
            expected = ", ".join(sorted(_fields(source.texts[key]))) or "none"
            raise HandoutError(N_("{what} {path} is malformed: {reason}"), what="Handout text",
                               path=str(texts.path),
                               reason=f"{key} must use the placeholders of the German text "
                                      f"({expected})")


@functools.lru_cache(maxsize=8)
def _form_labels(form: str, mtime: float) -> dict[str, dict[str, str]]:
    path = resources_dir() / "forms" / f"{form}.yaml"
    data = _load_yaml(path, "Form")
    labels: dict[str, dict[str, str]] = {}
    for item in (data or {}).get("survey", []) if isinstance(data, dict) else []:
        if isinstance(item, dict) and isinstance(item.get("label"), dict):
            labels[str(item.get("name"))] = {str(k): str(v) for k, v in item["label"].items()}
    return labels


def form_text(form: str, name: str, lang: str) -> str | None:
    """The text of a form's note in ``lang``, or None where the form lacks it."""
    path = resources_dir() / "forms" / f"{form}.yaml"
    if not path.is_file():
        return None
    try:
        return _form_labels(form, path.stat().st_mtime).get(name, {}).get(lang)
    except HandoutError:
        return None
