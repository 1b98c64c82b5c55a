"""Counting items into table cells: the value of each cell and the number of distinct people
behind it (:class:`~kimdesk.stats.tables.Cell`), with the margins (Kreis total row, total column)
counted from the same items, so they are exact even where one person counts in several cells.

Pure Python on plain sequences: no database, no Qt. The loops are written for speed at 100,000
items (``Counter`` over ``zip`` counts in C; see the notes in each function).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from kimdesk.stats.tables import TOTAL, Cell

#: A table's cells by (row, column).
Cells = dict[tuple[str, str], Cell]


def tally(rows: Sequence[str], columns: Sequence[str], people: Sequence[Any],
          weights: Sequence[int] | None = None, *, row_total: bool = True
          ) -> dict[tuple[str, str], Cell]:
    """Counts and distinct people per cell and margin, for items given as parallel sequences
    (one item: a municipality, a column, a person and a weight, default 1).

    A person with several items in one position (two cases, consultations in and out of the
    office) counts once there: people come from sets of (position, person) pairs, skipped where
    the items are already distinct per person. ``Counter`` over ``zip`` counts in C. With unit
    weights and unique people, people equal counts everywhere."""
    n = len(people)
    items: Counter[tuple[str, str]] = Counter(zip(rows, columns, strict=True))
    if weights is None:
        value: dict[tuple[str, str], int] = items
    else:  # a plain dict with a bound get: three times faster than Counter's += per item
        value = {}
        get = value.get
        for pos, w in zip(zip(rows, columns, strict=True), weights, strict=True):
            value[pos] = get(pos, 0) + w
    by_col: Counter[str] = Counter()
    by_row: Counter[str] = Counter()
    for (r, c), v in value.items():
        by_col[c] += v
        by_row[r] += v
    if weights is None and row_total and len(set(people)) == n:
        out = {pos: Cell(v, v) for pos, v in value.items()}
        out.update({(TOTAL, c): Cell(v, v) for c, v in by_col.items()})
        out.update({(r, TOTAL): Cell(v, v) for r, v in by_row.items()})
        if value:
            out[(TOTAL, TOTAL)] = Cell(n, n)
        return out
    if len(set(zip(columns, people, strict=True))) == n:  # one item per person and column
        people_cell, people_col = items, Counter(columns)
    else:
        people_cell = Counter((r, c) for r, c, _p in set(zip(rows, columns, people,
                                                             strict=True)))
        people_col = Counter(c for c, _p in set(zip(columns, people, strict=True)))
    out = {pos: Cell(v, people_cell[pos]) for pos, v in value.items()}
    out.update({(TOTAL, c): Cell(v, people_col[c]) for c, v in by_col.items()})
    if row_total:
        distinct = set(people)
        if len(distinct) == n:
            people_row = Counter(rows)
        else:
            people_row = Counter(r for r, _p in set(zip(rows, people, strict=True)))
        out.update({(r, TOTAL): Cell(v, people_row[r]) for r, v in by_row.items()})
        if value:
            out[(TOTAL, TOTAL)] = Cell(sum(by_row.values()), len(distinct))
    return out


def split_tally(counts: dict[tuple[str, Any], list[int]], index: int, yes: str, no: str,
                unique_people: bool | None = None) -> dict[tuple[str, str], Cell]:
    """Cells of a two-column event table (consultations with and without outreach, ...) from
    event counts per (municipality, person): ``counts[...][0]`` events in all, ``[index]`` of them
    in column ``yes``, the rest in ``no``.

    One pass over the people with plain integer sums: :func:`tally` over one item per event
    and person costs three times as much at 100,000 consultations. A person counts once in a
    cell however many events they had there; in the Kreis total row a person with events in two
    municipalities counts once as well (the people are merged across municipalities for that;
    ``unique_people`` tells that nobody has events in two, which saves the check)."""
    per_muni: dict[str, list[int]] = {}  # events yes, events no, people yes, people no, people
    for (muni, _person), acc in counts.items():
        n, k = acc[0], acc[index]
        m = per_muni.get(muni)
        if m is None:
            m = per_muni[muni] = [0, 0, 0, 0, 0]
        m[0] += k
        m[1] += n - k
        m[2] += k > 0
        m[3] += n > k
        m[4] += 1
    out: dict[tuple[str, str], Cell] = {}
    total = [0, 0, 0, 0, 0]
    for muni, m in per_muni.items():
        for column, events, contributors in ((yes, m[0], m[2]), (no, m[1], m[3])):
            if events:
                out[(muni, column)] = Cell(events, contributors)
        out[(muni, TOTAL)] = Cell(m[0] + m[1], m[4])
        for i in range(5):
            total[i] += m[i]
    if unique_people is None:
        unique_people = len({person for _muni, person in counts}) == len(counts)
    if not unique_people:  # someone has events in two municipalities: merge them
        merged: dict[Any, list[int]] = {}
        for (_muni, person), acc in counts.items():
            both = merged.setdefault(person, [0, 0])
            both[0] += acc[0]
            both[1] += acc[index]
        total[2] = sum(1 for n, k in merged.values() if k > 0)
        total[3] = sum(1 for n, k in merged.values() if n > k)
        total[4] = len(merged)
    for column, events, contributors in ((yes, total[0], total[2]), (no, total[1], total[3])):
        if events:
            out[(TOTAL, column)] = Cell(events, contributors)
    if per_muni:
        out[(TOTAL, TOTAL)] = Cell(total[0] + total[1], total[4])
    return out


def with_margins(value: dict[tuple[str, str], int], row_total: bool) -> Cells:
    """Cells of counts where every case is another person (contributors = count), with the
    Kreis total row and, in a partition table, the total column."""
    out = {pos: Cell(n, n) for pos, n in value.items() if n}
    by_col: Counter[str] = Counter()
    by_row: Counter[str] = Counter()
    for (r, c), n in value.items():
        by_col[c] += n
        by_row[r] += n
    out.update({(TOTAL, c): Cell(n, n) for c, n in by_col.items() if n})
    if row_total:
        out.update({(r, TOTAL): Cell(n, n) for r, n in by_row.items() if n})
        grand = sum(by_row.values())
        if grand:
            out[(TOTAL, TOTAL)] = Cell(grand, grand)
    return out



def key_tally(rows: Sequence[str], columns: Sequence[str], people: Sequence[Any],
              weights: Sequence[int] | None, *, row_total: bool = True) -> Cells:
    """:func:`tally`'s positions with only the weights summed (the cell-key method's record
    keys, :mod:`kimdesk.stats.cellkey`): no distinct people, so a third of the time."""
    value: dict[tuple[str, str], int] = {}
    get = value.get
    for pos, w in zip(zip(rows, columns, strict=True), weights or (), strict=True):
        value[pos] = get(pos, 0) + w
    out: Cells = {pos: Cell(v, 0) for pos, v in value.items()}
    for (r, c), v in value.items():
        cell = out.get((TOTAL, c))
        out[(TOTAL, c)] = Cell(v + (cell.value if cell else 0), 0)
        if row_total:
            cell = out.get((r, TOTAL))
            out[(r, TOTAL)] = Cell(v + (cell.value if cell else 0), 0)
    if row_total and value:
        out[(TOTAL, TOTAL)] = Cell(sum(value.values()), 0)
    return out
