"""The case list's queries: filters, sort orders and search agree with plain Python."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from kimdesk.vault.caselist import COLUMNS, CaseFilter, CaseList


def _cases(vault: Any) -> list[Any]:
    return vault.cases.where()


def test_filters_match_python(demo_vault: Any) -> None:
    case_list = CaseList(demo_vault)
    cases = _cases(demo_vault)
    assert len(case_list.matching_seqs(CaseFilter())) == len(cases)
    for phase in ("erstkontakt", "abschluss"):
        expected = {c.id for c in cases if c.phase == phase}
        seqs = case_list.matching_seqs(CaseFilter(phase=phase))
        assert {r.case_id for r in case_list.page(list(seqs)).values()} == expected
    open_ids = {c.id for c in cases if c.phase != "abschluss"}
    seqs = case_list.matching_seqs(CaseFilter(phase="open"))
    assert {r.case_id for r in case_list.page(list(seqs)).values()} == open_ids
    expected = {c.id for c in cases if "sgb2" in c.rechtskreise and "housing" in c.handlungsfelder}
    seqs = case_list.matching_seqs(CaseFilter(rechtskreis="sgb2", handlungsfeld="housing"))
    assert {r.case_id for r in case_list.page(list(seqs)).values()} == expected
    mine = {c.id for c in cases if c.owner == "m.yilmaz"}
    seqs = case_list.matching_seqs(CaseFilter(scope="mine", me="m.yilmaz"))
    assert {r.case_id for r in case_list.page(list(seqs)).values()} == mine
    today = date.today()
    due = {c.id for c in cases if c.phase != "abschluss" and c.review_on and c.review_on <= today}
    seqs = case_list.matching_seqs(CaseFilter(needs_review=True, today=today))
    assert {r.case_id for r in case_list.page(list(seqs)).values()} == due
    assert due  # the demo data has reviews due


def test_search_with_and_without_filters(demo_vault: Any) -> None:
    case_list = CaseList(demo_vault)
    hits = demo_vault.search("mel")
    seqs = case_list.matching_seqs(CaseFilter(text="mel"))
    assert [r.case_id for r in (case_list.page(list(seqs))[s] for s in seqs)] == \
        [h.case_id for h in hits]
    phase = hits[0].phase
    seqs = case_list.matching_seqs(CaseFilter(text="mel", phase=phase))
    assert {r.case_id for r in case_list.page(list(seqs)).values()} == \
        {h.case_id for h in hits if h.phase == phase}


@pytest.mark.parametrize("column", range(len(COLUMNS)))
def test_sorting(demo_vault: Any, column: int) -> None:
    case_list = CaseList(demo_vault)
    for descending in (False, True):
        seqs = case_list.matching_seqs(CaseFilter(sort_column=column, descending=descending))
        rows = case_list.page(list(seqs))
        ordered = [rows[s] for s in seqs]
        key = COLUMNS[column][0]
        order = ["erstkontakt", "assessment", "hilfeplanung", "umsetzung", "abschluss"]
        by_key: dict[str, list[Any]] = {
            "case_number": [r.case_number for r in ordered],
            "name": [(r.family_name.casefold(), r.given_name.casefold()) for r in ordered],
            "name_latin": [(r.family_name_latin.casefold(), r.given_name_latin.casefold())
                           for r in ordered],
            "phase": [order.index(r.phase) for r in ordered],
            "owner": [r.owner.casefold() for r in ordered],
            "opened_on": [r.opened_on for r in ordered],
            "review_on": [r.review_on or "9999" for r in ordered],
        }
        values = by_key[key]
        if key.startswith("name"):
            # SQLite's NOCASE folds ASCII only; compare the ASCII-folded part loosely
            assert len(values) == len(rows)
            continue
        if key == "review_on" and descending:
            values = [v for v in values if v != "9999"]
        assert values == sorted(values, reverse=descending)



def test_phase_order_follows_the_domain() -> None:
    """Sorting by phase follows the phases' working order as the domain lists them."""
    from kimdesk.domain.codes import Phase

    expr = dict(COLUMNS)["phase"]
    positions = [expr.index(f"'{p.value}'") for p in list(Phase)[:-1]]
    assert positions == sorted(positions)
    assert expr.endswith(f"ELSE {len(Phase) - 1} END")


def test_total_and_unfiltered(demo_vault: Any) -> None:
    case_list = CaseList(demo_vault)
    assert case_list.total() == len(_cases(demo_vault))
    assert CaseFilter(sort_column=2, descending=True).unfiltered
    assert not CaseFilter(text="mel").unfiltered
    assert not CaseFilter(scope="mine").unfiltered
    assert case_list.page([]) == {}


@pytest.mark.parametrize("flt", [
    CaseFilter(), CaseFilter(text="a"), CaseFilter(text="2"), CaseFilter(text="moh"),
    CaseFilter(text="a", phase="open"), CaseFilter(sort_column=1),
    CaseFilter(text="e", sort_column=5, descending=True), CaseFilter(scope="mine", me="m.yilmaz"),
])
def test_first_screen_is_the_head_of_the_whole_list(demo_vault: Any, flt: CaseFilter) -> None:
    """The list's first answer (``LIMIT``) is exactly the first rows of the full answer, which
    the list later appends to it (kimdesk/gui/workspace.py)."""
    case_list = CaseList(demo_vault)
    whole = case_list.matching_seqs(flt)
    for limit in (1, 64, 257):
        assert list(case_list.first_seqs(flt, limit)) == list(whole[:limit])


def test_a_newer_search_stops_the_whole_list(demo_vault: Any) -> None:
    """The long query gives way when ``stop`` turns true (the user typed on), and the
    connection works normally afterwards."""
    case_list = CaseList(demo_vault)
    flt = CaseFilter(sort_column=1)  # by name: a sort of every case before the first row
    calls: list[int] = []

    def stop() -> bool:
        calls.append(1)
        return len(calls) >= 2

    assert case_list.matching_seqs_unless(flt, stop, check_steps=100) is None
    assert len(calls) >= 2
    whole = case_list.matching_seqs_unless(flt, lambda: False)
    assert whole is not None and len(whole) == len(_cases(demo_vault))


def test_a_name_in_arabic_script_is_listed_with_the_arabic_comma(demo_vault: Any) -> None:
    """The case list's "Family, Given" (kimdesk/domain/names.py): a demo client in Arabic
    script with "،", a Latin one with ", " (before 2026-12-07 both with ", ")."""
    case_list = CaseList(demo_vault)
    rows = list(case_list.page(list(case_list.matching_seqs(CaseFilter()))).values())
    arabic = [r for r in rows if any("\u0600" <= ch <= "\u06ff" for ch in r.family_name)]
    latin = [r for r in rows if r.family_name.isascii() and r.given_name.isascii()
             and r.family_name and r.given_name]
    assert arabic and latin
    assert all("\u060c " in r.display_name and ", " not in r.display_name for r in arabic)
    assert all(r.display_name == f"{r.family_name}, {r.given_name}" for r in latin)


@pytest.mark.parametrize("digits", ["٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹"])
def test_a_case_number_typed_in_native_digits_finds_the_case(demo_vault: Any,
                                                               digits: str) -> None:
    """An Arabic or Persian keyboard types "٠٠٠٢٩٦" for a case number's "000296" (a walk
    through a counselor's day in Arabic, 2026-12-08): it found nothing, the number's digits
    being stored as typed, in ASCII. Native digits now also match their Western ones; a word
    with ASCII digits searches as before."""
    case_list = CaseList(demo_vault)
    case = _cases(demo_vault)[0]
    native = str.maketrans("0123456789", digits)
    for typed in (case.case_number[-6:], case.case_number):
        seqs = case_list.matching_seqs(CaseFilter(text=typed.translate(native)))
        assert case.id in {r.case_id for r in case_list.page(list(seqs)).values()}, typed
