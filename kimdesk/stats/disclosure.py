"""Statistical disclosure control for a whole export, after the practice of the Bundesagentur für
Arbeit: counts resting on fewer than ``min_cell`` people are suppressed (primary suppression), and
further cells are suppressed so that no suppressed number can be narrowed down from the published
ones, within a table or across the tables of the same export (secondary suppression). Suppressed
cells are shown as ``"."``. The rules are stated in ``docs/statistics.md`` ("Disclosure control").

The attacker modelled: knows every published number of the export, every additive relation
(:meth:`Table.equations`; a quantity shared by several tables is one unknown), the inequalities
between tables (opened and closed cases, and the cells of a multi-valued table, are at most the
active cases), that values are whole numbers and that a ``"."`` is at least 1, since zeros are
published and never suppressed.

The protection interval: every suppressed number must have a feasible interval (the values
consistent with all of that) at least ``min_cell`` wide. :mod:`kimdesk.stats.intervals` proves it
with explicit moves (a cycle of suppressed cells in a table, or two rows of a shared total column
moving against each other with a path in every table sharing it) and suppresses the cheapest
further cells (by value, never a zero) where the moves found are too short; a number that cannot
be protected has its tables withheld (all ``"."``, stated in the export).

Nested thresholds: the pattern at ``min_cell`` = k extends the pattern at k - 1, from 2 up, so a
cell suppressed at 3 is suppressed at 10, and two exports of one period at different thresholds
tell together what the one at the lower threshold tells.

What the outputs say: which tables, how many cells, and the rules, never which suppressed cell is a
primary one (that would tell a reader that its value is small). :func:`audit` is the older exact
check (is a suppressed number determined, ignoring bounds?), kept for the tests; ``tests/stats``
re-checks every export with a linear programme.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from kimdesk.stats import flowlink, linkage
from kimdesk.stats.intervals import Model, Move
from kimdesk.stats.tables import Cell, Key, Table

SUPPRESSED = "."
DEFAULT_MIN_CELL = 3
_PRIME = (1 << 61) - 1
_MAX_ROUNDS = 50


@dataclass
class Protection:
    """The suppression pattern of one export."""

    min_cell: int
    primary: set[Key] = field(default_factory=set)
    secondary: set[Key] = field(default_factory=set)
    withheld: set[str] = field(default_factory=set)
    values: dict[Key, Cell] = field(default_factory=dict)
    #: "suppression" or "cell-key" (:mod:`kimdesk.stats.cellkey`: nothing suppressed, every
    #: count published as ``perturbed[key]``)
    method: str = "suppression"
    perturbed: dict[Key, int] | None = None
    #: the pattern before the flow link, per level (threshold 2 .. ``min_cell``): what the
    #: export of the next period takes as this one's (:mod:`kimdesk.stats.flowlink`)
    levels: dict[int, set[Key]] = field(default_factory=dict)
    #: suppressed secondary numbers that this export and the one of the period before give
    #: anyway (the flow link; never written to an export)
    determined: set[Key] = field(default_factory=set)

    @property
    def suppressed(self) -> set[Key]:
        return self.primary | self.secondary

    def is_suppressed(self, table: Table, row: str, column: str) -> bool:
        return table.id in self.withheld or table.key(row, column) in self.suppressed

    def shown(self, table: Table, row: str, column: str) -> int | str:
        """The published value: the count, or ``"."`` when it is suppressed."""
        if column in table.derived:
            raise KeyError(column)
        if self.perturbed is not None:
            return self.perturbed[table.key(row, column)]
        if self.is_suppressed(table, row, column):
            return SUPPRESSED
        return table.cell(row, column).value

    def shown_derived(self, table: Table, row: str, column: str) -> float | str | None:
        """A percentage from published numbers only: ``"."`` when either is suppressed, ``None``
        when the denominator is 0."""
        numerator, denominator = table.derived[column]
        num = self.shown(table, row, numerator)
        den = self.shown(table, row, denominator)
        if isinstance(num, str) or isinstance(den, str):
            return SUPPRESSED
        if den == 0:
            return None
        return round(100.0 * num / den, 1)

    def suppressed_cells(self, table: Table) -> int:
        """How many positions of the table (margins included) show ``"."``."""
        return sum(
            1 for r in table.all_rows for c in table.all_columns if self.is_suppressed(table, r, c)
        )

    def kind(self, table: Table, row: str, column: str) -> str | None:
        """``"primary"``, ``"secondary"``, ``"withheld"`` or None: for the preview only, which is
        shown to the counselor who can see the records anyway; never written to an export."""
        key = table.key(row, column)
        if key in self.primary:
            return "primary"
        if key in self.secondary:
            return "secondary"
        if table.id in self.withheld:
            return "withheld"
        return None


def collect_values(tables: Iterable[Table]) -> dict[Key, Cell]:
    values: dict[Key, Cell] = {}
    for table in tables:
        for r in table.all_rows:
            for c in table.all_columns:
                key = table.key(r, c)
                cell = table.cell(r, c)
                if values.setdefault(key, cell) != cell:
                    raise ValueError(f"inconsistent shared quantity {key}: {values[key]} != {cell}")
    return values


def protect(tables: Sequence[Table], min_cell: int = DEFAULT_MIN_CELL,
            previous: Sequence[Table] | None = None,
            before: tuple[Sequence[Table], Protection] | None = None, *,
            keep: Iterable[Key] = (), changed: dict[Key, int] | None = None) -> Protection:
    """Find the suppression pattern for an export made of ``tables``.

    Nested thresholds: the pattern for ``min_cell`` = k is built on the one for k - 1, which is
    built on the one for k - 2, ... from 2 up, each level adding its primary cells and extending
    the pattern until every suppressed number has an interval of at least the level's width. So
    every cell suppressed at 3 is suppressed at 10 too, and two exports of one period at two
    thresholds together tell no more than the one at the lower threshold.

    ``previous``, the tables of the reporting period of the same kind just before (the link
    rule, :mod:`kimdesk.stats.linkage`): the pattern also protects against a reader who
    subtracts that period's export from this one.

    ``before``, the case tables of that period and their :func:`protect` without ``before``
    (its base pattern per level, :attr:`Protection.levels`): the flow link
    (:mod:`kimdesk.stats.flowlink`), run after the levels and nested like them, so that the
    two exports together narrow no suppressed number of either below the threshold.

    ``keep`` and ``changed``, from earlier exports of this same period
    (:func:`kimdesk.stats.published.earlier_pattern`): numbers they suppressed stay suppressed,
    and a number that moved by 1 to ``min_cell - 1`` since one of them published it is
    suppressed as a primary cell, so that two versions of the period, subtracted, show no
    small change."""
    if min_cell < 1:
        raise ValueError("min_cell must be at least 1")
    values = collect_values(tables)
    counts = {k: cell.value for k, cell in values.items()}
    result = Protection(min_cell=min_cell, values=values)
    suppressed: set[Key] = set()
    withheld: set[str] = set()
    proven: dict[Key, int] = {}
    moved = linkage.churn(tables, previous) if previous is not None else {}
    suppressed |= {k for k in keep if counts.get(k, 0) > 0}
    for level in range(2, min_cell + 1):
        suppressed |= {k for k, cell in values.items() if 0 < cell.contributors < level}
        suppressed |= {k for d_of in (moved, changed or {}) for k, d in d_of.items()
                       if 0 < d < level and counts.get(k, 0) > 0}
        _extend(tables, counts, suppressed, withheld, level, min_cell, proven)
        result.levels[level] = set(suppressed)
    result.primary = {k for k, cell in values.items() if 0 < cell.contributors < min_cell}
    result.primary |= {k for d_of in (moved, changed or {}) for k, d in d_of.items()
                       if 0 < d < min_cell and counts.get(k, 0) > 0}
    if before is not None and "cases" not in withheld:
        suppressed = _link(tables, counts, withheld, result.levels, before, min_cell,
                           result.primary, result.determined)
    result.secondary = suppressed - result.primary
    result.withheld = withheld
    return result


def _link(tables: Sequence[Table], counts: dict[Key, int], withheld: set[str],
          levels: dict[int, set[Key]], before: tuple[Sequence[Table], Protection],
          min_cell: int, primary: set[Key], determined: set[Key]) -> set[Key]:
    """The flow link, level by level: the numbers added at level k are added on top of the
    base pattern of every higher level too (so thresholds stay nested); ``Protection.determined``
    gets the secondary numbers that the two exports give anyway. Withholds the case
    table of this period where a primary number (or one of the period before) cannot be
    protected."""
    prev_tables, prev = before
    prev_live = [t for t in prev_tables if t.id not in prev.withheld]
    live = [t for t in tables if t.id not in withheld]
    prev_values = {k: c.value for k, c in collect_values(prev_tables).items()}
    added: set[Key] = set()
    shown: set[Key] = set()
    proven: dict[tuple[str, Key], int] = {}
    after = flowlink.Side("after", live, counts, set())
    for level in range(2, min_cell + 1):
        after.hidden = levels[level] | added
        after.model.forget()
        link = flowlink.Link(after, flowlink.Side("before", prev_live, prev_values,
                                                  set(prev.levels.get(level, prev.suppressed))))
        if not flowlink.extend(link, level, min_cell, proven, primary, shown, prev.min_cell):
            withheld.add("cases")
            break
        added |= after.hidden - levels[level]
    determined.update(shown)
    return levels[min_cell] | added


def _extend(tables: Sequence[Table], counts: dict[Key, int], suppressed: set[Key],
            withheld: set[str], width: int, target: int, proven: dict[Key, int]) -> None:
    """Suppress more cells until every suppressed number of the live tables has a proven
    interval of at least ``width`` (:mod:`kimdesk.stats.intervals`); a number that cannot get
    one has its tables withheld. ``proven`` keeps the widths found (searched up to ``target``,
    the last level's width) across levels: a move stays possible when more cells are suppressed
    or tables withheld, so a width once proven holds at every later level."""
    if all(proven.get(q, 0) >= width for q in suppressed):
        return  # nothing new to prove (no small cell at all, say): no model to build
    live = [t for t in tables if t.id not in withheld]
    model = Model(live, counts)
    certified: set[Key] = set()
    for _round in range(_MAX_ROUNDS):
        todo = sorted(k for k in suppressed if k in model.tables_of and k not in certified)
        if not todo:
            return
        for q in todo:
            if q in certified or q not in model.tables_of:
                continue
            if proven.get(q, 0) < width:
                up = _widest(model, q, 1, suppressed, target)
                down = _widest(model, q, -1, suppressed, target - up) if up < target else 0
                proven[q] = up + down
                if up + down < width:
                    proven[q] = _cheapest(model, q, suppressed, width, up, down)
            if proven[q] >= width:
                certified.add(q)
                continue
            withheld.update(model.tables_of[q])
            live = [t for t in tables if t.id not in withheld]
            model = Model(live, counts)
    raise RuntimeError("disclosure control did not converge")  # pragma: no cover


def _widest(model: Model, q: Key, s: int, hidden: set[Key], enough: int) -> int:
    """The most steps in direction ``s`` that a move through suppressed numbers gives ``q``
    (stopping at ``enough``)."""
    if s < 0 and model.v[q] - 1 <= 0:
        return 0
    best = 0
    for move in model.moves(q, s, 1, hidden, cheap=False):
        best = max(best, model.capacity(move, s))
        if best >= enough:
            break
    return best


def _cheapest(model: Model, q: Key, suppressed: set[Key], width: int, up: int, down: int
              ) -> int:
    """Suppress the published numbers of the cheapest move (by their values) that gives ``q``
    the missing steps up, or else down; the width then proven (0 when there is no such move)."""
    for s, need in ((1, width - down), (-1, width - up)):
        if s < 0 and model.v[q] - 1 < need:
            continue
        best: tuple[int, int, Move] | None = None
        for move in model.moves(q, s, need, suppressed, cheap=True):
            cost = sum(model.v[k] for k in move if k not in suppressed)
            if best is None or cost < best[0]:
                steps = model.capacity(move, s)
                if steps >= need:
                    best = (cost, steps, move)
        if best is not None:
            suppressed.update(best[2])
            model.forget()
            return best[1] + (down if s > 0 else up)
    return 0


def audit(
    tables: Sequence[Table], suppressed: set[Key], withheld: set[str] = frozenset()  # type: ignore[assignment]
) -> set[Key]:
    """The suppressed quantities that the published ones determine exactly: first those pinned at
    0 by the bounds ``>= 0`` (:func:`_pinned_at_zero`), then, ignoring the bounds, those whose unit
    vector lies in the row space of the export's relations restricted to the other suppressed
    quantities. Exact arithmetic modulo a 61-bit prime."""
    live = [t for t in tables if t.id not in withheld]
    hidden = sorted({k for t in live for k in t.all_keys() if k in suppressed})
    if not hidden:
        return set()
    index = {k: i for i, k in enumerate(hidden)}
    pivots: dict[int, dict[int, int]] = {}  # pivot column -> fully reduced row (pivot = 1)
    for table in live:
        for parts, total in table.equations():
            row: dict[int, int] = {}
            for k in parts:
                if k in index:
                    row[index[k]] = (row.get(index[k], 0) + 1) % _PRIME
            if total in index:
                row[index[total]] = (row.get(index[total], 0) - 1) % _PRIME
            _insert(pivots, {i: v for i, v in row.items() if v})
    return {hidden[p] for p, row in pivots.items() if len(row) == 1}


def _insert(pivots: dict[int, dict[int, int]], row: dict[int, int]) -> None:
    for col in sorted(c for c in row if c in pivots):
        factor = row.get(col, 0)
        if factor:
            _axpy(row, pivots[col], -factor)
    if not row:
        return
    pivot = min(row)
    inv = pow(row[pivot], _PRIME - 2, _PRIME)
    row = {c: v * inv % _PRIME for c, v in row.items()}
    for other in pivots.values():
        factor = other.get(pivot, 0)
        if factor:
            _axpy(other, row, -factor)
    pivots[pivot] = row


def _axpy(target: dict[int, int], source: dict[int, int], factor: int) -> None:
    """target += factor * source (mod p), dropping zeros."""
    for c, v in source.items():
        nv = (target.get(c, 0) + factor * v) % _PRIME
        if nv:
            target[c] = nv
        else:
            target.pop(c, None)
