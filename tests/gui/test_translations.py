"""The catalog is complete: a missing or empty translation, or a translation whose placeholders
differ from the source, fails here (``tools/i18n.py check`` logic)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("kimdesk_i18n_tool", ROOT / "tools" / "i18n.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_every_language_complete_and_placeholders_match() -> None:
    problems = _tool().problems()
    assert problems == [], "\n".join(problems[:40])


OTHER_AREAS = ("kimdesk/gui/forms/", "kimdesk/gui/sync/", "kimdesk/gui/handouts/",
               "kimdesk/gui/stats/")


def test_gui_strings_are_in_the_catalog() -> None:
    """Every string of the main window's code and ui/*.ui was extracted (``tools/i18n.py update``
    ran); the embedded packages' own tests watch theirs."""
    tool = _tool()
    template = tool.extract()
    catalog = tool.load("de")
    missing = [
        m.id for m in template
        if m.id and any(str(loc[0]).startswith(("kimdesk/gui", "ui/"))
                        and not str(loc[0]).startswith(OTHER_AREAS) for loc in m.locations)
        and catalog.get(m.id if not isinstance(m.id, tuple) else m.id[0]) is None
        and not any(isinstance(c.id, tuple) and c.id[0] == (m.id[0] if isinstance(m.id, tuple)
                    else m.id) for c in catalog)
    ]
    assert missing == []


@pytest.mark.parametrize(("source", "translation", "bad"), [
    ("{n} cases", "{n} Fälle", False),
    ("{n} cases", "{count} Fälle", True),
    ("{n} cases", "", True),
    ("{shown} of {total}", "{total} / {shown}", False),
    ("%(prog)s: error", "%(prog)s: Fehler", False),
    ("%(n)s percent", "%(n)s %", True),  # a lone % raises in %-formatting
    ("%(n)s percent", "%(n)s %%", False),
    ("{n} cases", "{n} Fälle {", True),  # a lone brace raises in str.format
    ("{n} cases, ${{x}}", "{n} Fälle, ${{x}}", False),
    ("50 % done", "50 % fertig", False),  # not formatted: a % is just a character
])
def test_checker_catches_bad_translations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          source: str, translation: str, bad: bool) -> None:
    """The checker itself, on a throwaway catalog."""
    from babel.messages.catalog import Catalog

    tool = _tool()
    monkeypatch.setattr(tool, "TRANSLATIONS", tmp_path)
    monkeypatch.setattr(tool, "LANGUAGES", ("de",))
    catalog = Catalog(locale="de")
    catalog.add(source, translation)
    tool.save("de", catalog)
    assert bool(tool.problems()) is bad


def test_update_leaves_a_new_message_untranslated_in_every_language_but_english(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """English is the source: ``update`` copies a new msgid into the English catalog only. Babel
    puts the template's own message objects into every catalog it updates, so the English copy
    landed in every language updated after English (ar, fa, tr, uk, ru): ``check`` named it for
    the non-Latin ones, and in Turkish it passed for a translation."""
    from babel.messages.catalog import Catalog

    tool = _tool()
    monkeypatch.setattr(tool, "TRANSLATIONS", tmp_path)

    def extract() -> Catalog:
        template = Catalog(project="KIMdesk", charset="utf-8")
        template.add("A brand-new message", None, [("kimdesk/x.py", 1)])
        return template

    monkeypatch.setattr(tool, "extract", extract)
    tool.update()
    strings = {lang: tool.load(lang).get("A brand-new message").string
               for lang in tool.LANGUAGES}
    assert strings == {lang: "A brand-new message" if lang == "en" else ""
                       for lang in tool.LANGUAGES}
    assert "tr: untranslated: 'A brand-new message'" in tool.problems()
