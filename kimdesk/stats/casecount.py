"""The case tables: cases opened, active and closed, and the active and closed cases by every
category, per municipality, with distinct people in every cell.

The cases active in the period are grouped by municipality in SQL and their categories counted
from one string per municipality (:func:`case_cells`); the few people with several active cases
are counted again row by row and their cells corrected. Tombstoned records are never counted.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import chain, compress, repeat
from typing import TYPE_CHECKING, Any

from kimdesk.stats import regions
from kimdesk.stats.categories import LETTERS, MULTI_CODES, SEPARATOR
from kimdesk.stats.period import Period
from kimdesk.stats.tables import Cell
from kimdesk.stats.tally import Cells, key_tally, tally, with_margins

if TYPE_CHECKING:
    from kimdesk.vault.statsqueries import StatsQueries

#: Where each case counts: its id -> (municipality, person). The person is the ``persons.seq``
#: as text, an identity only compared with others.
Places = dict[str, tuple[str, str]]

#: The case tables, in the order :func:`case_cells` returns them.
CASE_TABLES = ("cases", "closed_by_reason", "closed_by_duration", "active_by_age",
               "active_by_gender", "active_by_region", "active_by_residence_status",
               "active_by_rechtskreis", "active_by_handlungsfeld")
#: Whether a case table has a total column (its columns partition the cases).
ROW_TOTAL = {tid: tid not in ("cases", "active_by_rechtskreis", "active_by_handlungsfeld")
             for tid in CASE_TABLES}


@dataclass
class CaseCount:
    """The case tables' cells and where each active case counts."""

    cells: dict[str, Cells]
    places: Places


def case_cells(db: StatsQueries, period: Period, *, grouped: bool = True) -> CaseCount:
    """The cells of every case table (:data:`CASE_TABLES`).

    Grouped (the default): SQLite groups the active cases by municipality and hands over each
    municipality's categories as strings of one letter per case, which ``Counter`` counts in C;
    no Python object per case and category is made. Reading 68,000 rows of 13 columns into
    Python took as long as all the counting. This counts cases; where one person has several
    active cases (a reopened case, cases in two municipalities), those people's cases are also
    counted row by row with distinct people, and their contributors replace the cases' count in
    the cells they touch.

    ``grouped=False`` counts every case row by row, the definition the grouped count is tested
    against.

    Purged cases count through their statistical remains (:meth:`StatsQueries.remains_rows`,
    kimdesk/vault/statsremains.py) like live ones: a person with a live and a purged case, or
    several purged ones, is one of the people counted again row by row."""
    start, end = period.start, period.end
    remains = db.remains_rows(start, end)
    if grouped:
        count = _grouped_case_cells(db.case_groups(start, end))
        if count is not None:
            persons = [person for _muni, person in count.places.values()]
            if remains:
                # each purged case once, as the grouped count counts cases; corrected below
                _add(count.cells, _row_case_cells(
                    [(*r[:2], ("remains", i), *r[3:]) for i, r in enumerate(remains)]).cells)
                persons += [str(r[2]) for r in remains]
            if len(set(persons)) < len(persons):
                shared = [int(p) for p, k in Counter(persons).items() if k > 1]
                both = set(shared)
                _correct(count.cells, _row_case_cells(chain(
                    db.case_rows(start, end, shared),
                    (r for r in remains if r[2] in both))).cells)
            return count
        # else a separator inside a value: count row by row
    return _row_case_cells(chain(db.case_rows(start, end), remains))


def _add(cells: dict[str, Cells], more: dict[str, Cells]) -> None:
    """Add ``more``'s cells (values and people) to ``cells``, table by table."""
    for tid, parts in more.items():
        table = cells[tid]
        for pos, part in parts.items():
            cell = table.get(pos)
            table[pos] = part if cell is None else Cell(cell.value + part.value,
                                                        cell.contributors + part.contributors)


def _correct(cells: dict[str, Cells], shared: dict[str, Cells]) -> None:
    """Distinct people in the cells that people with several cases touch: ``shared`` holds
    those people's cases counted with distinct people; in ``cells`` they count once per case."""
    for tid, parts in shared.items():
        table = cells[tid]
        for pos, part in parts.items():
            cell = table[pos]
            table[pos] = Cell(cell.value, cell.contributors - part.value + part.contributors)


def _parse_codes() -> Callable[[str], tuple[str, ...]]:
    """The codes of a JSON list (each once), parsed once per distinct text."""
    parsed: dict[str, tuple[str, ...]] = {}

    def codes_of(text: str) -> tuple[str, ...]:
        got = parsed.get(text)
        if got is None:
            got = parsed[text] = tuple(dict.fromkeys(json.loads(text or "[]")))
        return got
    return codes_of



def _grouped_case_cells(groups: list[tuple[Any, ...]]) -> CaseCount | None:
    """Case table cells from :data:`~kimdesk.vault.statsqueries.CASE_GROUPED_SQL`'s rows (None
    if a free-form value held the separator, so that its parts no longer line up with the
    cases)."""
    decode = {category: {letter: code for code, letter in letters.items()}
              for category, letters in LETTERS.items()}
    region_of = regions.region_map()
    unknown = regions.UNKNOWN
    value: dict[str, dict[tuple[str, str], int]] = {tid: {} for tid in CASE_TABLES}
    places: Places = {}
    for (muni, n, n_opened, n_closed, reasons, durations, ages, genders, statuses,
         nationalities, ids, people, *listed) in groups:
        flow = value["cases"]
        flow[(muni, "opened")], flow[(muni, "active")], flow[(muni, "closed")] = (
            n_opened, n, n_closed)
        for tid, category, letters in (("closed_by_reason", "reason", reasons),
                                       ("closed_by_duration", "duration", durations),
                                       ("active_by_age", "age", ages),
                                       ("active_by_gender", "gender", genders),
                                       ("active_by_residence_status", "status", statuses)):
            names = decode[category]
            table = value[tid]
            for letter, k in Counter(letters or "").items():
                table[(muni, names[letter])] = k
        countries = nationalities.split(SEPARATOR)
        if len(countries) != n:
            return None
        table = value["active_by_region"]
        for nationality, k in Counter(countries).items():
            pos = (muni, region_of.get(nationality, unknown) if nationality else unknown)
            table[pos] = table.get(pos, 0) + k
        for (tid, (_column, codes)), lists in zip(MULTI_CODES.items(), listed, strict=True):
            # a code's JSON token, quotes included, occurs once in each list that holds it
            value[tid].update(((muni, code), lists.count(f'"{code}"')) for code in codes)
        places.update(zip(ids.split(","), zip(repeat(muni), people.split(",")), strict=True))
    return CaseCount({tid: with_margins(v, ROW_TOTAL[tid]) for tid, v in value.items()},
                     places)


def case_keys(db: StatsQueries, period: Period, key: Callable[[str], int]) -> dict[str, Cells]:
    """The cell-key method's sums (:mod:`kimdesk.stats.cellkey`): every case table cell's
    ``value`` is the sum of ``key(case id)`` over the cases it counts, row by row (purged cases
    by their remains' ids)."""
    start, end = period.start, period.end
    rows = chain(db.case_rows(start, end), db.remains_rows(start, end))
    return _row_case_cells(rows, key).cells


def _row_case_cells(case_rows: Iterable[tuple[Any, ...]],
                    key: Callable[[str], int] | None = None) -> CaseCount:
    """Case table cells counted case by case, with distinct people in every cell; with ``key``
    each case weighs ``key(its id)`` (:func:`case_keys`)."""
    rows = list(case_rows)
    (ids, a_muni, a_person, opened, closed, reason, duration, a_age, a_gender, nationality,
     a_status, rks, hfs) = (list(col) for col in zip(*rows, strict=True)) if rows \
        else ([] for _ in range(13))
    w = [key(str(i)) for i in ids] if key is not None else None
    count = tally if w is None else key_tally

    def pick(mask: list[Any]) -> list[int] | None:
        return None if w is None else list(compress(w, mask))
    region_of = regions.region_map()
    unknown = regions.UNKNOWN
    codes_of = _parse_codes()
    c_muni, c_person = list(compress(a_muni, closed)), list(compress(a_person, closed))
    flow: Cells = {}  # three columns, each with its own people
    for column, munis, persons, weights in ((("opened", list(compress(a_muni, opened)),
                                              list(compress(a_person, opened)), pick(opened)),
                                             ("active", a_muni, a_person, w),
                                             ("closed", c_muni, c_person, pick(closed)))):
        flow.update(count(munis, [column] * len(munis), persons, weights, row_total=False))

    def multi(lists: list[str]) -> Cells:
        parsed = [codes_of(t) for t in lists]
        return count([m for m, cs in zip(a_muni, parsed, strict=True) for _ in cs],
                     [c for cs in parsed for c in cs],
                     [p for p, cs in zip(a_person, parsed, strict=True) for _ in cs],
                     None if w is None else [x for x, cs in zip(w, parsed, strict=True)
                                             for _ in cs],
                     row_total=False)

    a_region = [region_of.get(n, unknown) if n else unknown for n in nationality]
    return CaseCount({
        "cases": flow,
        "closed_by_reason": count(c_muni, list(compress(reason, closed)), c_person,
                                  pick(closed)),
        "closed_by_duration": count(c_muni, list(compress(duration, closed)), c_person,
                                    pick(closed)),
        "active_by_age": count(a_muni, a_age, a_person, w),
        "active_by_gender": count(a_muni, a_gender, a_person, w),
        "active_by_region": count(a_muni, a_region, a_person, w),
        "active_by_residence_status": count(a_muni, a_status, a_person, w),
        "active_by_rechtskreis": multi(rks),
        "active_by_handlungsfeld": multi(hfs),
    }, {cid: (muni, str(person)) for cid, muni, person in zip(ids, a_muni, a_person,
                                                               strict=True)})

