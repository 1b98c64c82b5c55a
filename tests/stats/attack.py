"""The attacker: bound every suppressed cell of an export by linear programming.

Everything a reader of the export knows goes in: every additive relation of every published table
(quantities shared by tables are one variable), every published number, non-negativity, and the
inequalities between tables (a municipality's cases opened or closed in the period, and its cases
per Rechtskreis or Handlungsfeld, are at most its active cases). For each suppressed quantity the
LP's minimum and maximum are the tightest bounds the attacker can prove; a cell is *recovered*
when they are less than 1 apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import lil_matrix

from kimdesk.stats.disclosure import Protection
from kimdesk.stats.tables import TOTAL, Key, Table


def published_in(tables: Sequence[Table], document: dict) -> dict[Key, int | str]:
    """What a reader of an export's JSON document sees, keyed like the tables' quantities."""
    by_id = {t.id: t for t in tables}
    seen: dict[Key, int | str] = {}
    for jt in document["tables"]:
        if jt["withheld"]:  # all "." and said so: the attacker leaves it out
            continue
        t = by_id[jt["id"]]
        for row in jt["rows"]:
            for c in t.all_columns:
                value = row["values"][c]
                key = t.key(row["municipality"], c)
                if seen.setdefault(key, value) != value:
                    raise AssertionError(f"{key} published as {seen[key]} and {value}")
    return seen


#: A linear row ``sum(coef[j] * x[j]) (= or <=) rhs`` over the hidden quantities' indexes.
LinearRow = tuple[dict[int, float], float]


def bounds(tables: Sequence[Table], protection: Protection,
           seen: dict[Key, int | str] | None = None, *, dots: float = 1.0,
           enough: float | None = None) -> dict[Key, tuple[float, float]]:
    """LP bounds of every suppressed quantity. ``seen`` (from :func:`published_in`) makes the
    attacker use the numbers of an export file instead of the protection pattern. ``dots`` is
    the lower bound the attacker puts on every ".": 1, because the export publishes its zeros
    (a "." is never a 0; docs/statistics.md), or 0 for the weaker attacker of before.
    ``enough``: exact bounds only where narrower than this, as in :func:`joint_bounds`."""
    live = [t for t in tables if t.id not in protection.withheld]
    published, hidden = _what_is_shown(live, protection, seen)
    order = sorted(hidden)
    if not order:
        return {}
    idx = {k: i for i, k in enumerate(order)}
    eq_rows = _equations(live, idx, published)
    ub_rows = _inequalities(live, idx, published)
    if enough is not None:
        a_eq, b_eq = _matrix(eq_rows, len(order))
        a_ub, b_ub = _matrix(ub_rows, len(order))
        truth = np.array([float(protection.values[k].value) for k in order])
        _check_possible(truth, a_eq, b_eq, a_ub, b_ub, order, dots)
        return _narrow_enough(list(range(len(order))), dict(enumerate(order)), truth, enough,
                              a_eq, b_eq, a_ub, b_ub, dots)
    return _solve(order, idx, eq_rows, ub_rows, dots)


def _what_is_shown(live: Sequence[Table], protection: Protection,
                   seen: dict[Key, int | str] | None) -> tuple[dict[Key, int], set[Key]]:
    """The published numbers and the hidden quantities (shown as ".") of the live tables."""
    published: dict[Key, int] = {}
    hidden: set[Key] = set()
    for t in live:
        for r in t.all_rows:
            for c in t.all_columns:
                k = t.key(r, c)
                shown = seen[k] if seen is not None else (
                    "." if k in protection.suppressed else t.cell(r, c).value)
                if shown == ".":
                    hidden.add(k)
                else:
                    assert isinstance(shown, int)
                    published[k] = shown
    return published, hidden


def _equations(live: Sequence[Table], idx: dict[Key, int],
               published: dict[Key, int]) -> list[LinearRow]:
    """Every additive relation of every table (parts - total = 0), published numbers moved to
    the right-hand side; a relation with nothing hidden is left out."""
    eq_rows: list[LinearRow] = []
    for t in live:
        for parts, total in t.equations():
            coef: dict[int, float] = {}
            rhs = 0.0
            for k, s in [*((p, 1.0) for p in parts), (total, -1.0)]:
                if k in idx:
                    coef[idx[k]] = coef.get(idx[k], 0.0) + s
                else:
                    rhs -= s * published[k]
            if coef:
                eq_rows.append((coef, rhs))
    return eq_rows


def _inequalities(live: Sequence[Table], idx: dict[Key, int],
                  published: dict[Key, int]) -> list[LinearRow]:
    """The inequalities lhs <= rhs between tables: opened and closed cases, and a bounded
    table's cells, are at most the municipality's active cases."""
    ub_rows: list[LinearRow] = []

    def le(small: Key, big: Key) -> None:
        row = _at_most(small, big, idx, published)
        if row is not None:
            ub_rows.append(row)

    rows = live[0].all_rows if live else []
    for r in rows:
        le(("@opened", r), ("@active", r))
        le(("@closed", r), ("@active", r))
    for t in live:
        if t.bounded_by:
            for r in t.all_rows:
                for c in t.columns:
                    le(t.key(r, c), ("@" + t.bounded_by, r))
    return ub_rows


def _at_most(small: Key, big: Key, idx: dict[Key, int],
             published: dict[Key, int]) -> LinearRow | None:
    """``small <= big`` as a row; None when either is unknown or both are published."""
    coef: dict[int, float] = {}
    rhs = 0.0
    if small in idx:
        coef[idx[small]] = 1.0
    elif small in published:
        rhs -= published[small]
    else:
        return None
    if big in idx:
        coef[idx[big]] = coef.get(idx[big], 0.0) - 1.0
    elif big in published:
        rhs += published[big]
    else:
        return None
    return (coef, rhs) if coef else None


def _matrix(spec: list[LinearRow], n: int) -> tuple[object, object]:
    """The rows as a sparse matrix and right-hand side for linprog (None, None when empty)."""
    if not spec:
        return None, None
    m = lil_matrix((len(spec), n))
    b = np.zeros(len(spec))
    for i, (coef, rhs) in enumerate(spec):
        for j, v in coef.items():
            m[i, j] = v
        b[i] = rhs
    return m.tocsr(), b


def _solve(order: list[Key], idx: dict[Key, int], eq_rows: list[LinearRow],
           ub_rows: list[LinearRow], dots: float) -> dict[Key, tuple[float, float]]:
    """Minimise and maximise every hidden quantity under the relations (all at least ``dots``)."""
    n = len(order)
    a_eq, b_eq = _matrix(eq_rows, n)
    a_ub, b_ub = _matrix(ub_rows, n)
    out: dict[Key, tuple[float, float]] = {}
    for k in order:
        objective = np.zeros(n)
        objective[idx[k]] = 1.0
        lo = linprog(objective, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=(dots, None),
                     method="highs")
        hi = linprog(-objective, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=(dots, None),
                     method="highs")
        assert lo.status == 0, (k, lo.message)
        hi_value = float("inf") if hi.status == 3 else -hi.fun
        out[k] = (lo.fun, hi_value)
    return out


def recovered(tables: Sequence[Table], protection: Protection,
              seen: dict[Key, int | str] | None = None) -> dict[Key, tuple[float, float]]:
    """Suppressed quantities whose LP bounds are less than one apart."""
    return {k: b for k, b in bounds(tables, protection, seen).items() if b[1] - b[0] < 1 - 1e-6}


__all__ = ["TOTAL", "bounds", "joint_bounds", "recovered"]


def joint_bounds(before: tuple[Sequence[Table], Protection],
                 after: tuple[Sequence[Table], Protection], only: set[str] | None = None,
                 *, enough: float | None = None
                 ) -> dict[tuple[str, Key], tuple[float, float]]:
    """LP bounds of the suppressed quantities of two exports of consecutive periods, P-1
    (``before``) and P (``after``), held together: each export's relations and inequalities, and
    per municipality (and for the Kreis) the link ``active(P) - opened(P) = active(P-1) -
    closed(P-1)`` (the cases active in both periods), docs/statistics.md "Link rule". Keys are
    ("before" | "after", quantity); ``only``: bound just the quantities of these groups or
    tables (``"@opened"``, ``"cases"``, ...), all when None.

    ``enough``: the caller only asks whether a quantity's interval is narrower than this. The
    true values are checked to satisfy every relation (so they lie in every interval), and a
    quantity whose values over the true ones and the LP solutions found so far already spread
    ``enough`` apart gets that spread, an interval inside its exact one, without LPs of its
    own; the others get exact bounds (each solution found is a possible table too). Why: a
    pair of demo months has some 650 hidden quantities, and 1,300 LPs per pair took most of
    the twelve-month tests (14,378 LPs, 78 of 87 s under cProfile); about half the quantities
    are shown wide by the vertices found for others (some 550 LPs per pair). The answer to
    "narrower than ``enough``?" is the same as with every LP solved."""
    idx: dict[str, dict[Key, int]] = {}
    order: list[tuple[str, Key]] = []
    published: dict[str, dict[Key, int]] = {}
    eq_rows: list[LinearRow] = []
    ub_rows: list[LinearRow] = []
    rows: dict[str, set[str]] = {}
    for side, (tables, protection) in (("before", before), ("after", after)):
        live = [t for t in tables if t.id not in protection.withheld]
        shown, hidden = _what_is_shown(live, protection, None)
        idx[side] = {k: len(order) + i for i, k in enumerate(sorted(hidden))}
        order.extend((side, k) for k in sorted(hidden))
        published[side] = shown
        eq_rows += _equations(live, idx[side], shown)
        ub_rows += _inequalities(live, idx[side], shown)
        rows[side] = set(live[0].all_rows) if live else set()
    withheld = "cases" in before[1].withheld or "cases" in after[1].withheld
    for r in sorted(rows["before"] | rows["after"]) if not withheld else ():
        coef: dict[int, float] = {}
        rhs = 0.0
        for side, group, sign in (("after", "@active", 1.0), ("after", "@opened", -1.0),
                                  ("before", "@active", -1.0), ("before", "@closed", 1.0)):
            k = (group, r)
            if k in idx[side]:
                coef[idx[side][k]] = coef.get(idx[side][k], 0.0) + sign
            else:  # published, or a row the period does not have: 0
                rhs -= sign * published[side].get(k, 0)
        if coef:
            eq_rows.append((coef, rhs))
    n = len(order)
    if not n:
        return {}
    flat = {i: key for i, key in enumerate(order)}
    wanted = [i for i, (_s, k) in flat.items()
              if only is None or k[0] in only]
    a_eq, b_eq = _matrix(eq_rows, n)
    a_ub, b_ub = _matrix(ub_rows, n)
    if enough is not None:
        truth = np.array([float((before if s == "before" else after)[1].values[k].value)
                          for s, k in order])
        _check_possible(truth, a_eq, b_eq, a_ub, b_ub, order, 1.0)
        return _narrow_enough(wanted, flat, truth, enough, a_eq, b_eq, a_ub, b_ub)
    out: dict[tuple[str, Key], tuple[float, float]] = {}
    for i in wanted:
        objective = np.zeros(n)
        objective[i] = 1.0
        lo = linprog(objective, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=(1.0, None),
                     method="highs")
        hi = linprog(-objective, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=(1.0, None),
                     method="highs")
        assert lo.status == 0, (flat[i], lo.message)
        out[flat[i]] = (lo.fun, float("inf") if hi.status == 3 else -hi.fun)
    return out


def _check_possible(x: np.ndarray, a_eq: Any, b_eq: Any, a_ub: Any, b_ub: Any,
                    order: Sequence[object], dots: float) -> None:
    """``x`` (the true values) satisfies every relation and is at least ``dots``: it lies inside
    the exact interval of every quantity (what the callers checked bound by bound before)."""
    assert (x >= dots - 1e-6).all(), [order[int(i)] for i in np.flatnonzero(x < dots - 1e-6)]
    if a_eq is not None:
        off = np.abs(a_eq @ x - b_eq) > 1e-6
        assert not off.any(), f"{int(off.sum())} relations do not hold for the true values"
    if a_ub is not None:
        over = a_ub @ x - b_ub > 1e-6
        assert not over.any(), f"{int(over.sum())} inequalities do not hold for the true values"


#: LPs of random objectives (alternately minimised and maximised, every weight positive) whose
#: solutions start the spread: about 15 % fewer LPs per pair of demo months than none.
SEEDS = 8


def _narrow_enough(wanted: list[int], flat: dict[int, Any], truth: np.ndarray, enough: float,
                   a_eq: Any, b_eq: Any, a_ub: Any, b_ub: Any, dots: float = 1.0
                   ) -> dict[Any, tuple[float, float]]:
    """:func:`joint_bounds` and :func:`bounds` with ``enough``: the spread of the possible
    tables found so far (the true one, every LP's solution) where it is at least ``enough``,
    exact bounds where not. The spread lies inside the exact interval: it can only understate
    a width."""
    low, high = truth.copy(), truth.copy()
    rng = np.random.default_rng(0)
    for seed in range(SEEDS):
        res = linprog(rng.random(len(truth)) * (-1.0 if seed % 2 else 1.0), A_ub=a_ub,
                      b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=(dots, None), method="highs")
        if res.status == 0:
            np.minimum(low, res.x, out=low)
            np.maximum(high, res.x, out=high)
    out: dict[Any, tuple[float, float]] = {}
    for i in wanted:
        exact: list[float | None] = [None, None]
        for end, sign in ((0, 1.0), (1, -1.0)):
            if high[i] - low[i] >= enough - 1e-6:
                break
            objective = np.zeros(len(truth))
            objective[i] = sign
            res = linprog(objective, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq,
                          bounds=(dots, None), method="highs")
            if end == 0:
                assert res.status == 0, (flat[i], res.message)
            if res.status == 3:  # unbounded above
                exact[1] = high[i] = float("inf")
                continue
            assert res.status == 0, (flat[i], res.message)
            exact[end] = sign * res.fun
            np.minimum(low, res.x, out=low)
            np.maximum(high, res.x, out=high)
        lo, hi = exact
        out[flat[i]] = (low[i] if lo is None else lo, high[i] if hi is None else hi)
    return out
