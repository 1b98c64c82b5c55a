"""Maintain the one gettext catalog: extract, update every language, fill translations, check.

    python tools/i18n.py update              # extract from kimdesk/ and ui/*.ui, merge into .po
    python tools/i18n.py fill FILE.json      # {"msgid": {"de": "...", "ar": "..."}, ...}
    python tools/i18n.py check               # untranslated / placeholder mismatches; exit 1 if any

Several people (or helpers) may run it at once: every run holds an exclusive lock on
``resources/translations/.lock`` while it reads and rewrites the catalogs, so no run loses another's
translations. Babel does the extraction and the .po reading/writing; only the ``.ui`` extractor
(Qt Designer XML) is ours, because Babel has none.
"""

from __future__ import annotations

import copy
import fcntl
import io
import json
import re
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as ``python tools/i18n.py`` from a checkout
    sys.path.insert(0, str(ROOT))

from kimdesk.vault.files import atomic_write  # noqa: E402

TRANSLATIONS = ROOT / "resources" / "translations"
LANGUAGES = ("de", "en", "ar", "fa", "tr", "uk", "ru")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "N_plural": (1, 2),
            "tr": None}
#: Languages in a non-Latin script: a msgstr equal to the English msgid there is a copy, not a
#: translation (in de/tr an identical word such as "Team" or "Server" can be right).
NON_LATIN = ("ar", "fa", "uk", "ru")
#: An English word: three or more letters, not all capitals (CSV, JSON, SGB stay allowed).
ENGLISH_WORD = re.compile(r"\b(?!KIMdesk\b)[A-Za-z]*[a-z][A-Za-z]*\b")
PLACEHOLDER = re.compile(r"\{[^{}]*\}|%\(?\w*\)?[sdrif]")
#: What a translation may hold besides its placeholders: an escaped ``%%``, ``{{`` or ``}}``.
ESCAPED = re.compile(r"%%|\{\{|\}\}")


@contextmanager
def locked() -> Iterator[None]:
    TRANSLATIONS.mkdir(parents=True, exist_ok=True)
    with (TRANSLATIONS / ".lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        yield


def po_path(lang: str) -> Path:
    return TRANSLATIONS / lang / "LC_MESSAGES" / "kimdesk.po"


def extract() -> Catalog:
    template = Catalog(project="KIMdesk", charset="utf-8")
    # The classes compiled from ui/*.ui carry the same strings as the .ui files, which are read
    # below (the source translators and Designer see); skipping them keeps the catalog's
    # locations stable when a file is regenerated.
    method_map = [("gui/forms_generated/**.py", "ignore"), ("**.py", "python")]
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT / "kimdesk"), method_map=method_map, keywords=KEYWORDS
    ):
        template.add(
            message,
            None,
            [(f"kimdesk/{filename}", lineno)],
            auto_comments=comments,
            context=context,
        )
    for ui in sorted((ROOT / "ui").glob("**/*.ui")):
        for element in ET.parse(ui).iter("string"):
            if element.text and element.get("notr") != "true":
                template.add(element.text, None, [(str(ui.relative_to(ROOT)), 0)])
    return template


def load(lang: str) -> Catalog:
    path = po_path(lang)
    if not path.exists():
        return Catalog(locale=lang, project="KIMdesk", charset="utf-8")
    with path.open("rb") as fh:
        return read_po(fh, locale=lang)


def save(lang: str, catalog: Catalog) -> None:
    path = po_path(lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    write_po(buf, catalog, width=100, omit_header=False, sort_output=True, include_previous=False)
    atomic_write(path, buf.getvalue(), new_mode=0o644)  # a catalog is source, not personal data


def update() -> None:
    with locked():
        template = extract()
        for lang in LANGUAGES:
            catalog = load(lang)
            # each language its own copy: Babel inserts the template's message objects, so the
            # English text set below reached every language updated after English, where it
            # passed for a translation (in Turkish even for ``check``)
            catalog.update(copy.deepcopy(template), no_fuzzy_matching=True)
            for message in catalog:
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                if message.id and lang == "en" and not all(strings):
                    message.string = message.id  # English is the source language
            catalog.obsolete.clear()
            save(lang, catalog)


def fill(path: Path) -> None:
    data: dict[str, dict[str, str | list[str]]] = json.loads(path.read_text("utf-8"))
    with locked():
        for lang in LANGUAGES:
            catalog = load(lang)
            for msgid, by_lang in data.items():
                if lang not in by_lang:
                    continue
                key: str | tuple[str, str] = msgid
                message = catalog.get(key)
                if message is None:
                    # plural entries are keyed by their singular
                    message = next(
                        (m for m in catalog if isinstance(m.id, tuple) and m.id[0] == msgid), None
                    )
                if message is None:
                    print(
                        f"fill: {msgid!r} is not in the catalog (run update first)", file=sys.stderr
                    )
                    continue
                value = by_lang[lang]
                message.string = tuple(value) if isinstance(value, list) else value
                message.flags.discard("fuzzy")
            save(lang, catalog)


def texts(value: str | Sequence[str | None] | None) -> tuple[str, ...]:
    """A message's id or translation as a tuple: Babel gives a plural message's as a sequence
    (singular, plural, ...), a singular one's as a string; a missing translation becomes ""."""
    if isinstance(value, str | None):
        return (value or "",)
    return tuple(v or "" for v in value)


def problems() -> list[str]:
    found = []
    for lang in LANGUAGES:
        catalog = load(lang)
        for message in catalog:
            if not message.id:
                continue
            ids = texts(message.id)
            strings = texts(message.string)
            if not all(s and s.strip() for s in strings) or "fuzzy" in message.flags:
                found.append(f"{lang}: untranslated: {ids[0]!r}")
                continue
            if (
                lang in NON_LATIN
                and any(s == i for s, i in zip(strings, ids, strict=False))
                and (ENGLISH_WORD.search(PLACEHOLDER.sub("", ids[0])))
            ):
                found.append(f"{lang}: English copy instead of a translation: {ids[0]!r}")
                continue
            wanted = sorted(PLACEHOLDER.findall(ids[-1]))
            for s in strings:
                if sorted(PLACEHOLDER.findall(s)) != wanted and (
                    len(ids) == 1
                    or sorted(PLACEHOLDER.findall(s)) != sorted(PLACEHOLDER.findall(ids[0]))
                ):
                    found.append(f"{lang}: placeholders differ: {ids[0]!r} -> {s!r}")
                elif stray := stray_marks(ids[-1], s):
                    found.append(f"{lang}: stray {stray!r} breaks formatting: {ids[0]!r} -> {s!r}")
    return found


def stray_marks(source: str, translation: str) -> str:
    """A ``%`` or brace in ``translation`` that is neither a placeholder nor escaped, where the
    source is formatted that way: ``"50 % of %(n)s"`` raises in ``%`` formatting and a lone
    ``{`` in ``str.format``. The runtime falls back to English then; the check says it first."""
    rest = PLACEHOLDER.sub("", ESCAPED.sub("", translation))
    marks = PLACEHOLDER.findall(source)
    if any(m.startswith("%") for m in marks) and "%" in rest:
        return "%"
    if any(m.startswith("{") for m in marks) and ("{" in rest or "}" in rest):
        return "{" if "{" in rest else "}"
    return ""


def main(argv: list[str]) -> int:
    if argv[:1] == ["update"]:
        update()
    elif argv[:1] == ["fill"] and len(argv) == 2:
        fill(Path(argv[1]))
    elif argv[:1] == ["check"]:
        found = problems()
        print("\n".join(found) if found else "catalogs complete")
        return 1 if found else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
