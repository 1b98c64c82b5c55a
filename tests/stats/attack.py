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
        t = by_id[jt["id"]]
        for row in jt["rows"]:
            for c in t.all_columns:
                value = row["values"][c]
                key = t.key(row["municipality"], c)
                if seen.setdefault(key, value) != value:
                    raise AssertionError(f"{key} published as {seen[key]} and {value}")
    return seen


def bounds(tables: Sequence[Table], protection: Protection,
           seen: dict[Key, int | str] | None = None) -> dict[Key, tuple[float, float]]:
    """LP bounds of every suppressed quantity. ``seen`` (from :func:`published_in`) makes the
    attacker use the numbers of an export file instead of the protection pattern."""
    live = [t for t in tables if t.id not in protection.withheld]
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
    order = sorted(hidden)
    if not order:
        return {}
    idx = {k: i for i, k in enumerate(order)}
    eq_rows: list[tuple[dict[int, float], float]] = []
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
    # inequalities lhs <= rhs between tables
    ub_rows: list[tuple[dict[int, float], float]] = []

    def le(small: Key, big: Key) -> None:
        coef: dict[int, float] = {}
        rhs = 0.0
        if small in idx:
            coef[idx[small]] = 1.0
        elif small in published:
            rhs -= published[small]
        else:
            return
        if big in idx:
            coef[idx[big]] = coef.get(idx[big], 0.0) - 1.0
        elif big in published:
            rhs += published[big]
        else:
            return
        if coef:
            ub_rows.append((coef, rhs))

    rows = live[0].all_rows if live else []
    for r in rows:
        le(("@opened", r), ("@active", r))
        le(("@closed", r), ("@active", r))
    for t in live:
        if t.bounded_by:
            for r in t.all_rows:
                for c in t.columns:
                    le(t.key(r, c), ("@" + t.bounded_by, r))
    n = len(order)

    def matrix(spec: list[tuple[dict[int, float], float]]) -> tuple[object, object]:
        if not spec:
            return None, None
        m = lil_matrix((len(spec), n))
        b = np.zeros(len(spec))
        for i, (coef, rhs) in enumerate(spec):
            for j, v in coef.items():
                m[i, j] = v
            b[i] = rhs
        return m.tocsr(), b

    a_eq, b_eq = matrix(eq_rows)
    a_ub, b_ub = matrix(ub_rows)
    out: dict[Key, tuple[float, float]] = {}
    for k in order:
        c = np.zeros(n)
        c[idx[k]] = 1.0
        lo = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=(0, None),
                     method="highs")
        hi = linprog(-c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=(0, None),
                     method="highs")
        assert lo.status == 0, (k, lo.message)
        hi_value = float("inf") if hi.status == 3 else -hi.fun
        out[k] = (lo.fun, hi_value)
    return out


def recovered(tables: Sequence[Table], protection: Protection,
              seen: dict[Key, int | str] | None = None) -> dict[Key, tuple[float, float]]:
    """Suppressed quantities whose LP bounds are less than one apart."""
    return {k: b for k, b in bounds(tables, protection, seen).items() if b[1] - b[0] < 1 - 1e-6}


__all__ = ["TOTAL", "bounds", "recovered"]
