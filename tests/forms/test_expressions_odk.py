"""ODK's functions beyond XPath 1.0 (issue 16), with JavaRosa's results."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any, cast

import pytest

from kimdesk.forms.checker import check_data
from kimdesk.forms.engine import FormState
from kimdesk.forms.expressions import Context, ExpressionError, evaluate, parse, to_string


def ev(text: str, **values: Any) -> Any:
    return evaluate(text, Context(values, today=date(2026, 2, 20)))


@pytest.mark.parametrize(("text", "expected"), [
    ("sqrt(16)", 4.0), ("sqrt(-1)", math.nan), ("pow(2, 10)", 1024.0), ("exp(0)", 1.0),
    ("exp10(2)", 100.0), ("log(1)", 0.0), ("log10(1000)", 3.0), ("log(0)", math.nan),
    ("round(sin(pi() div 2), 6)", 1.0), ("cos(0)", 1.0), ("round(tan(0), 3)", 0.0),
    ("asin(2)", math.nan), ("round(acos(0) * 2, 6)", round(math.pi, 6)),
    ("round(atan(1) * 4, 6)", round(math.pi, 6)), ("round(atan2(1, 1) * 4, 6)", round(math.pi, 6)),
])
def test_maths(text: str, expected: float) -> None:
    got = ev(text)
    assert (math.isnan(got) and math.isnan(expected)) or got == pytest.approx(expected)


def test_format_date_and_date_time() -> None:
    assert ev("format-date('2026-02-05', '%d.%m.%Y')") == "05.02.2026"
    assert ev("format-date('2026-02-05', '%e %b %y, %a')") == "5 Feb 26, Thu"
    assert ev("format-date('2026-02-05', '%n/%e')") == "2/5"
    assert ev("format-date('nonsense', '%Y')") == ""
    assert ev("format-date-time('2026-02-05T14:07:09.250+01:00', '%Y-%m-%d %H:%M:%S.%3 %h')"
              ) == "2026-02-05 14:07:09.250 14"
    assert ev("format-date(date-time(0.5), '%H:%M')") == "12:00"
    assert to_string(ev("date-time('2026-02-05T14:07:00')")) == "2026-02-05T14:07:00.000"
    assert ev("decimal-date-time('1970-01-02T12:00:00Z')") == 1.5
    assert ev("decimal-time('06:00:00.000+00:00')") == 0.25


def test_now_has_time_and_zone() -> None:
    now = ev("now()")
    assert isinstance(now, datetime) and now.tzinfo is not None
    assert now.date() == date(2026, 2, 20)
    assert ev("format-date(now(), '%Y-%m-%d')") == "2026-02-20"
    assert ev("now() >= today()") is True
    assert 0 <= ev("now() - today()") < 1  # the time of day as a fraction, as in JavaRosa


def test_join_random_uuid() -> None:
    assert ev("join(', ', 'a', 'b', 'c')") == "a, b, c"
    r = ev("random()")
    assert 0 <= r < 1
    assert len(ev("uuid()")) == 36


FORM = {
    "settings": {"form_id": "f", "version": "1", "title": {"en": "F"}, "default_language": "en",
                 "languages": ["en"]},
    "survey": [
        {"type": "begin repeat", "name": "kid", "label": {"en": "Kid"}},
        {"type": "text", "name": "kname", "label": {"en": "Name"}},
        {"type": "end repeat"},
        {"type": "calculate", "name": "second",
         "calculation": "indexed-repeat(${kname}, ${kid}, 2)"},
        {"type": "calculate", "name": "all", "calculation": "join(' & ', ${kname})"},
        {"type": "calculate", "name": "stamp", "calculation": "once(format-date(now(), '%Y'))"},
    ],
}


def test_indexed_repeat_join_and_once_in_a_form() -> None:
    form, problems = check_data(FORM)
    assert form is not None, [str(p) for p in problems]
    answers = {"kid": [{"kname": "Ana"}, {"kname": "Ben"}], "stamp": "1999"}
    state = FormState(form, answers, today=date(2026, 2, 20))
    assert state.calculated(form.by_name["second"], ()) == "Ben"
    assert state.calculated(form.by_name["all"], ()) == "Ana & Ben"
    assert state.calculated(form.by_name["stamp"], ()) == "1999"  # once(): kept
    fresh = FormState(form, {"kid": [{"kname": "Ana"}]}, today=date(2026, 2, 20))
    assert fresh.calculated(form.by_name["second"], ()) == ""  # no second instance
    assert fresh.calculated(form.by_name["stamp"], ()) == "2026"
    with pytest.raises(ExpressionError):
        parse("indexed-repeat('x', ${kid}, 1)")


LOOKUP: dict[str, Any] = {
    "settings": {"form_id": "l", "version": "1", "title": {"en": "L"}, "default_language": "en",
                 "languages": ["en"]},
    "survey": [
        {"type": "select_one fruit", "name": "f", "label": {"en": "Fruit"}},
        {"type": "calculate", "name": "price",
         "calculation": "instance('fruit')/root/item[name = ${f}]/price"},
        {"type": "calculate", "name": "label",
         "calculation": "instance('fruit')/root/item[name = ${f}]/label"},
        {"type": "calculate", "name": "cheap",
         "calculation": "count(instance('fruit')/root/item[price < 2]/name)"},
    ],
    "choices": {"fruit": [
        {"name": "apple", "label": {"en": "Apple"}, "columns": {"price": "1.5"}},
        {"name": "kiwi", "label": {"en": "Kiwi"}, "columns": {"price": "3"}},
    ]},
}


def test_instance_lookups_over_choices() -> None:
    form, problems = check_data(LOOKUP)
    assert form is not None, [str(p) for p in problems if p.severity == "error"]
    state = FormState(form, {"f": "kiwi"})
    assert to_string(state.calculated(form.by_name["price"], ())) == "3"
    assert to_string(state.calculated(form.by_name["label"], ())) == "Kiwi"
    assert state.calculated(form.by_name["cheap"], ()) == 1.0
    bad = {**LOOKUP, "survey": [*LOOKUP["survey"][:1], {
        "type": "calculate", "name": "x", "calculation": "instance('nope')/root/item/name"}]}
    form2, problems2 = check_data(bad)
    assert form2 is None
    assert any("there is no choice list 'nope'" in p.reason for p in problems2)
    with pytest.raises(ExpressionError):
        parse("instance('fruit')/data/item/name")


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", "Thu 5 Mar 2026"), ("de", "Do. 5 März 2026"), ("tr", "Per 5 Mar 2026"),
    ("ru", "чт 5 мар. 2026"), ("uk", "чт 5 бер. 2026"), ("ar", "الخميس 5 مارس 2026"),
    ("xx-unknown", "Thu 5 Mar 2026"),  # no CLDR data: JavaRosa's English
])
def test_format_date_names_in_the_forms_language(lang: str, expected: str) -> None:
    """%a and %b in the form's current language (CLDR's abbreviated 'format' names), not always
    English (issue 16)."""
    ctx = Context({}, today=date(2026, 2, 20), language=lang)
    assert evaluate("format-date('2026-03-05', '%a %e %b %Y')", ctx) == expected
    assert evaluate("format-date-time('2026-05-20T10:00', '%e %b')", Context(
        {}, language="ru")) == "20 мая"  # genitive, as a date is written


def test_format_date_follows_the_form_state_language() -> None:
    settings: dict[str, Any] = {**cast(dict[str, Any], FORM["settings"]), "languages": ["en", "de"],
                                "title": {"en": "F", "de": "F"}}
    form, problems = check_data({**FORM, "settings": settings,
                                 "survey": [{"type": "calculate", "name": "m",
                                             "calculation": "format-date('2026-12-01', '%b')"}]})
    assert form is not None, [str(p) for p in problems]
    assert FormState(form, {}).calculated(form.by_name["m"], ()) == "Dec"  # default language
    assert FormState(form, {}, language="de").calculated(form.by_name["m"], ()) == "Dez."
