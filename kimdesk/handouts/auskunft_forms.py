"""A consultation's form answers on the Auskunft sheet, named by the form's own words.

Answers are stored by question name and choice name (``interpreter: yes``); the form that asked
them holds their labels, in the form's languages (the shipped forms: de, en, ar, fa, tr, uk, ru),
and its choice lists (code lists such as countries included) label the choices. So a question is
printed by the label of the exact form version the answers were recorded with
(:class:`~kimdesk.forms.registry.FormRegistry`: shipped forms and those received by sync), in the
column's language where the form has it, else in the language its reader most likely reads
(:data:`FORM_FALLBACK`: Persian for Pashto, Turkish for Kurmanji, English for the others), else
in the form's default language (German). A form or a question the registry does not know (a
form removed since, an answer of a later release) is printed by its stored name, as before
2026-12-07; nothing is dropped.
Dates are the sheet's dates, yes/no the column's words; a repeat's rows are printed as stored.
A form id (a form draft's, a deleted consultation's) is printed as the form's title.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from kimdesk.handouts.auskunft_terms import Phrase, Piece, Term

if TYPE_CHECKING:
    from kimdesk.forms.definition import Field, Form

_SEP = "\x1f"  # between form id, version and question name in a term's scope

#: The language a column prints a form's words in where the form lacks the column's own
#: (docs/privacy.md, "Form answers in a language the form lacks"): for the nine handout
#: languages without a form translation. Dari/Persian is Afghanistan's other official
#: language, read by nearly every Pashto reader, in the same script; Kurmanji is written in a
#: Latin alphabet built on Turkish spelling and most Kurmanji readers in NRW came from
#: Turkey; for Tigrinya, Somali, Romanian, Bulgarian, Polish, French and Albanian readers
#: English is the foreign language most learned (Eritrea's secondary schools teach in it).
#: Then English, then the form's default language. The German column prints German anyway.
FORM_FALLBACK: dict[str, tuple[str, ...]] = {"ps": ("fa", "en"), "ku": ("tr", "en")}


@functools.lru_cache(maxsize=1)
def _registry() -> Any:
    from kimdesk.forms.registry import FormRegistry

    return FormRegistry()


def _form(form_id: str, version: str) -> Form | None:
    try:
        form: Form = _registry().get(form_id, version or None)
        return form
    except Exception:  # no such form or version here, or a folder that cannot be read
        return None


def form_language(form: Form, lang: str) -> str:
    """The language ``form``'s words are printed in for a column in ``lang``
    (:data:`FORM_FALLBACK`)."""
    have = form.definition.settings.languages or [form.default_language]
    for candidate in (lang, *FORM_FALLBACK.get(lang, ("en",))):
        if candidate in have:
            return candidate
    return form.default_language


def _question(scope: str) -> tuple[Form | None, Field | None]:
    form_id, version, name = [*scope.split(_SEP), "", "", ""][:3]
    form = _form(form_id, version)
    return form, form.by_name.get(name) if form is not None else None


def answers_phrase(form_id: str | None, version: str | None,
                   answers: dict[str, Any]) -> Phrase:
    """``question: answer; ...`` of the answers that hold something."""
    from kimdesk.handouts.auskunft_terms import value_phrase

    out: list[Piece] = []
    for name, value in answers.items():
        if value in (None, "", [], {}):
            continue
        scope = _SEP.join((form_id or "", version or "", name))
        if isinstance(value, bool):
            shown: Phrase = (Term("yes_no", "1" if value else ""),)
        elif isinstance(value, str) or (isinstance(value, list)
                                        and all(isinstance(v, str) for v in value)):
            items = value if isinstance(value, list) else [value]
            shown = ()
            for item in items:
                shown += (", ",) * bool(shown) + (Term("choice", item, scope),)
        else:  # numbers, a repeat's rows
            shown = value_phrase("answers", name, value)
        out += ["; "] * bool(out) + [Term("answer", name, scope), ": ", *shown]
    return tuple(out)


def question_label(term: Term, lang: str) -> str:
    """A question's label in ``lang`` (see :func:`form_language` where the form lacks it)."""
    form, field = _question(term.scope)
    if form is None or field is None:
        return term.value
    return form.label(field, form_language(form, lang)) or term.value


def choice_label(term: Term, lang: str) -> str:
    """A stored answer as the form words it: a choice's label, a date as the sheet's date."""
    from kimdesk.handouts.sheet import day

    form, field = _question(term.scope)
    if form is None or field is None:
        return day(term.value)
    if field.row.base_type in ("date", "datetime"):
        return day(term.value)
    if field.list_name:
        # a select_multiple answer may come space-separated (XLSForm's own storage)
        said = form_language(form, lang)
        return " ".join(form.choice_label(field, part, said) for part in term.value.split())
    return term.value


def form_title(term: Term, lang: str) -> str:
    """A form's title (its newest version here) in ``lang``, or its id where it is unknown."""
    form = _form(term.value, "")
    return form.title(form_language(form, lang)) if form is not None else term.value
