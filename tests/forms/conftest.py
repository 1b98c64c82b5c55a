"""Helpers for the forms tests: the shipped registry (loaded once) and small definitions."""

from __future__ import annotations

from typing import Any

import pytest

from kimdesk.forms.registry import FormRegistry, shipped_dir

LANGS = ["de", "en", "ar", "fa", "tr", "uk", "ru"]


@pytest.fixture(scope="session")
def registry() -> FormRegistry:
    return FormRegistry([shipped_dir()])


def texts(de: str, en: str | None = None) -> dict[str, str]:
    return {"de": de, "en": en or de}


def small(**over: Any) -> dict[str, Any]:
    """A two-language definition with skip logic, a constraint, a repeat and a calculation."""
    data: dict[str, Any] = {
        "settings": {"form_id": "t", "version": "1", "title": texts("T"),
                     "default_language": "de", "languages": ["de", "en"]},
        "survey": [
            {"type": "integer", "name": "age", "label": texts("Alter", "Age"), "required": True,
             "constraint": ". >= 0 and . < 130", "constraint_message": texts("falsch", "wrong")},
            {"type": "select_one yn", "name": "kids", "label": texts("Kinder?", "Kids?"),
             "relevant": "${age} >= 18"},
            {"type": "begin repeat", "name": "child", "label": texts("Kind", "Child"),
             "relevant": "${kids} = 'yes'"},
            {"type": "text", "name": "cname", "label": texts("Name"), "required": True},
            {"type": "integer", "name": "cage", "label": texts("Alter", "Age"),
             "constraint": ". < ${age}"},
            {"type": "end repeat"},
            {"type": "calculate", "name": "n", "calculation": "count(${child})"},
            {"type": "note", "name": "many", "label": texts("Viele: ${n}", "Many: ${n}"),
             "relevant": "${n} > 2"},
        ],
        "choices": {"yn": [{"name": "yes", "label": texts("Ja", "Yes")},
                           {"name": "no", "label": texts("Nein", "No")}]},
    }
    data.update(over)
    return data
