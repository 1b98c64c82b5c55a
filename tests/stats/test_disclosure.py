"""Disclosure control on hand-made and random tables: primary threshold, secondary suppression
that survives an LP attacker, linked tables, and what the outputs reveal."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kimdesk.stats.disclosure import SUPPRESSED, audit, protect
from kimdesk.stats.tables import TOTAL, Cell, Table
from tests.stats.attack import bounds, recovered


def partition(tid: str, grid: list[list[int]], shared: str | None = None) -> Table:
    """A table from a grid of counts (rows = municipalities), margins computed."""
    rows = [f"m{i}" for i in range(len(grid))]
    cols = [f"c{j}" for j in range(len(grid[0]))]
    cells: dict[tuple[str, str], Cell] = {}
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            cells[(r, c)] = Cell(grid[i][j], grid[i][j])
        s = sum(grid[i])
        cells[(r, TOTAL)] = Cell(s, s)
    for j, c in enumerate(cols):
        s = sum(g[j] for g in grid)
        cells[(TOTAL, c)] = Cell(s, s)
    g = sum(map(sum, grid))
    cells[(TOTAL, TOTAL)] = Cell(g, g)
    return Table(id=tid, title=tid, unit="cases", base="", rows=rows, columns=cols, cells=cells,
                 row_total=True, shared={TOTAL: shared or tid})


def test_primary_threshold_is_configurable() -> None:
    t = partition("t", [[1, 5, 9], [4, 2, 7], [3, 8, 6]])
    p3 = protect([t], 3)
    assert {k for k in p3.primary} == {t.key("m0", "c0"), t.key("m1", "c1")}
    p5 = protect([t], 5)
    assert t.key("m1", "c0") in p5.primary and t.key("m2", "c0") in p5.primary
    p1 = protect([t], 1)
    assert not p1.suppressed


def test_zero_is_not_a_small_cell() -> None:
    t = partition("t", [[0, 5, 9], [4, 6, 7]])
    assert not protect([t], 3).suppressed


def test_single_small_cell_gets_partners_no_value_derivable() -> None:
    t = partition("t", [[1, 5, 9], [4, 6, 7], [3, 8, 6]])
    p = protect([t], 3)
    assert p.shown(t, "m0", "c0") == SUPPRESSED
    assert len(p.suppressed) >= 4
    assert not audit([t], p.suppressed)
    assert not recovered([t], p)


def test_naive_pattern_is_caught_by_the_audit() -> None:
    """Suppressing only the small cell leaves it derivable from its row total."""
    t = partition("t", [[1, 5, 9], [4, 6, 7]])
    only = {t.key("m0", "c0")}
    assert audit([t], only) == only


def test_small_margin_is_suppressed_too() -> None:
    t = partition("t", [[1, 0, 1], [4, 6, 7], [3, 8, 6]])
    p = protect([t], 3)
    assert t.key("m0", TOTAL) in p.primary
    assert not recovered([t], p)


def test_linked_tables_cannot_be_combined() -> None:
    """Two tables share their row totals (like gender and age of the same active cases): the
    pattern of one must not open the other."""
    a = partition("a", [[1, 5, 9], [4, 6, 7], [3, 8, 6], [10, 2, 4]], shared="active")
    b = partition("b", [[4, 6, 5], [5, 5, 7], [9, 4, 4], [6, 5, 5]], shared="active")
    # row totals agree: 15, 17, 17, 16
    p = protect([a, b], 3)
    assert not audit([a, b], p.suppressed)
    assert not recovered([a, b], p)


def test_outputs_never_say_which_cell_is_primary() -> None:
    t = partition("t", [[1, 5, 9], [4, 6, 7], [3, 8, 6]])
    p = protect([t], 3)
    shown = {p.shown(t, r, c) for r in t.all_rows for c in t.all_columns
             if p.is_suppressed(t, r, c)}
    assert shown == {SUPPRESSED}


def test_derived_share_is_suppressed_with_its_parts() -> None:
    t = partition("t", [[1, 9], [4, 6], [5, 5]])
    t.derived = {"share": ("c0", TOTAL)}
    p = protect([t], 3)
    assert p.shown_derived(t, "m0", "share") == SUPPRESSED
    assert p.shown_derived(t, TOTAL, "share") in (SUPPRESSED, 33.3)


grids = st.integers(2, 5).flatmap(lambda r: st.integers(2, 5).flatmap(
    lambda c: st.lists(st.lists(st.integers(0, 12), min_size=c, max_size=c),
                       min_size=r, max_size=r)))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grids, st.integers(2, 5))
@example(grid=[[0, 1], [0, 1]], k=2)
def test_random_tables_resist_the_lp_attacker(grid: list[list[int]], k: int) -> None:
    """Every "." at least 1 (zeros are published) and at least ``k`` wide for the attacker."""
    t = partition("t", grid)
    p = protect([t], k)
    assert not audit([t], p.suppressed, p.withheld)
    assert all(p.values[q].value > 0 for q in p.suppressed)
    found = bounds([t], p, dots=1)
    assert all(hi - lo >= k - 1e-6 for lo, hi in found.values()), found


@pytest.mark.parametrize("seed", range(6))
def test_random_linked_tables_resist_the_lp_attacker(seed: int) -> None:
    rng = random.Random(seed)
    rows, cols = rng.randint(3, 8), rng.randint(2, 6)
    a = [[rng.choice((0, 1, 2, 3, 5, 8, 13)) for _ in range(cols)] for _ in range(rows)]
    b = []
    for row in a:  # same row totals, another split
        total, parts = sum(row), list[int]()
        for _ in range(cols - 1):
            parts.append(rng.randint(0, total - sum(parts)))
        parts.append(total - sum(parts))
        b.append(parts)
    ta, tb = partition("a", a, "active"), partition("b", b, "active")
    p = protect([ta, tb], 3)
    assert not recovered([ta, tb], p)
    for key, (lo, hi) in bounds([ta, tb], p, dots=1).items():
        assert lo - 1e-6 <= p.values[key].value <= hi + 1e-6
        assert hi - lo >= 3 - 1e-6, key
