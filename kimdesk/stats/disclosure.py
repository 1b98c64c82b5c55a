"""Statistical disclosure control for a whole export, after the practice of the Bundesagentur für
Arbeit: counts resting on fewer than ``min_cell`` people are suppressed (primary suppression), and
further cells are suppressed so that no suppressed number can be recomputed from the published ones,
within a table or across the tables of the same export (secondary suppression). Suppressed cells
are shown as ``"."``.

How the pattern is found. The export is one system of additive relations (:meth:`Table.equations`;
quantities shared by several tables have one identity). Written with margins as negative cells, a
table with a total row and column is a table whose rows and columns all sum to zero, and the values
an attacker cannot pin down are exactly those of suppressed cells lying on a *cycle* of suppressed
cells (rows and columns as nodes, suppressed cells as edges). So:

1. each suppressed cell of a table that is not in the shared total column gets a cycle: a cheapest
   path (Dijkstra; the cost of a cell is its value, 0 when it is already suppressed, a penalty for
   zeros, which protect in one direction only) between its row and its column, whose cells are
   then suppressed (the "shortest path" heuristic for 2-D tables). The path avoids the total
   column except through margins that are already suppressed: those are protected in pairs (2.),
   so the other tables of the group absorb the move. Without that way out, a cell whose row holds
   only zeros besides it (its margin is then suppressed as well) got a cycle of suppressed zeros,
   which cannot move when the zeros sit on both sides of the cycle (two zeros of one column whose
   total is a published 0): the zeros were pinned at 0 and the cycle protected nothing;
2. quantities shared between tables (a municipality's number of active cases is the total column of
   the gender, age, region and residence tables) are protected in *pairs*: when A and B are
   suppressed, every table of the group gets a path of suppressed cells between rows A and B, so
   moving A up and B down by one is consistent with every published number of every table;
3. a column without a total column (a one-dimensional column) has no or at least two suppressed
   cells.

Then :func:`audit` checks the result: a suppressed quantity is derivable (ignoring the bounds
``>= 0``) iff its unit vector lies in the row space of the relations restricted to the suppressed
quantities; Gaussian elimination modulo a 61-bit prime decides that. Before that, the audit applies
the one consequence of the bounds that suppressed zeros run into: a relation whose suppressed
quantities all have the same sign and whose published numbers leave 0 for them pins each of them
at 0 (repeated until nothing changes; pinned quantities count as published). Since the heuristic
only suppresses cells with a value of at least 1 unless no other cell exists, moving along a cycle
by one keeps every cell non-negative, so an underivable cell has at least two possible integer
values. Whatever the audit still finds derivable gets its whole row suppressed; a table that still
leaks after that is withheld entirely. ``tests/stats`` re-checks every export with a linear
programme (lower and upper bound of each suppressed cell, non-negativity and the inequalities
between tables included).

What the outputs say: which tables, how many cells, and the rules, never which suppressed cell is a
primary one (that would tell a reader that its value is 1 or 2).
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from kimdesk.stats.tables import TOTAL, Cell, Key, Table

SUPPRESSED = "."
DEFAULT_MIN_CELL = 3
_PRIME = (1 << 61) - 1
_ZERO_PENALTY = 10**6
_MAX_ROUNDS = 50


@dataclass
class Protection:
    """The suppression pattern of one export."""

    min_cell: int
    primary: set[Key] = field(default_factory=set)
    secondary: set[Key] = field(default_factory=set)
    withheld: set[str] = field(default_factory=set)
    values: dict[Key, Cell] = field(default_factory=dict)

    @property
    def suppressed(self) -> set[Key]:
        return self.primary | self.secondary

    def is_suppressed(self, table: Table, row: str, column: str) -> bool:
        return table.id in self.withheld or table.key(row, column) in self.suppressed

    def shown(self, table: Table, row: str, column: str) -> int | str:
        """The published value: the count, or ``"."`` when it is suppressed."""
        if column in table.derived:
            raise KeyError(column)
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


def protect(tables: Sequence[Table], min_cell: int = DEFAULT_MIN_CELL) -> Protection:
    """Find the suppression pattern for an export made of ``tables``."""
    if min_cell < 1:
        raise ValueError("min_cell must be at least 1")
    values = collect_values(tables)
    result = Protection(min_cell=min_cell, values=values)
    result.primary = {k for k, cell in values.items() if 0 < cell.contributors < min_cell}
    state = _State(list(tables), values, set(result.primary))
    for _round in range(_MAX_ROUNDS):
        state.propagate()
        leaks = audit(tables, state.suppressed, state.withheld)
        if not leaks:
            break
        state.fallback(leaks)
    else:  # pragma: no cover - the fallback withholds whole tables long before this
        raise RuntimeError("disclosure control did not converge")
    result.secondary = state.suppressed - result.primary
    result.withheld = state.withheld
    return result


class _State:
    def __init__(self, tables: list[Table], values: dict[Key, Cell], suppressed: set[Key]) -> None:
        self.tables = tables
        self.values = values
        self.suppressed = suppressed
        self.withheld: set[str] = set()
        self.strikes: dict[str, int] = {}
        self.groups: dict[str, list[Table]] = {}
        self.group_rows: dict[str, list[str]] = {}
        for table in tables:
            for column, group in table.shared.items():
                self.group_rows.setdefault(group, table.all_rows)
                if column == TOTAL and table.row_total:
                    self.groups.setdefault(group, []).append(table)

    def live(self) -> list[Table]:
        return [t for t in self.tables if t.id not in self.withheld]

    def cost(self, key: Key) -> int:
        if key in self.suppressed:
            return 0
        value = self.values[key].value
        return value if value > 0 else _ZERO_PENALTY

    def add(self, keys: Iterable[Key]) -> bool:
        new = set(keys) - self.suppressed
        self.suppressed |= new
        return bool(new)

    def propagate(self) -> None:
        changed = True
        while changed:
            changed = False
            for group, rows in self.group_rows.items():
                changed |= self._protect_group(group, rows)
            for table in self.live():
                changed |= self._protect_table(table)

    # -- shared quantities -------------------------------------------------------------------
    def _protect_group(self, group: str, rows: list[str]) -> bool:
        entries = [("@" + group, r) for r in rows]
        hidden = [k for k in entries if k in self.suppressed]
        changed = False
        if len(hidden) == 1:
            candidates = [k for k in entries if k not in self.suppressed]
            if candidates:
                # a municipality before the Kreis total; the smallest positive value
                best = min(candidates, key=lambda k: (k[1] == TOTAL, self.cost(k)))
                changed |= self.add([best])
                hidden = [k for k in entries if k in self.suppressed]
        for a, b in itertools.pairwise(hidden):
            for table in self.groups.get(group, []):
                if table.id in self.withheld:
                    continue
                path = _cheapest_path(table, self, ("r", a[1]), ("r", b[1]), avoid=None)
                changed |= self.add(path)
        return changed

    # -- one table ---------------------------------------------------------------------------
    def _protect_table(self, table: Table) -> bool:
        changed = False
        if not table.row_total:
            for column in table.columns:
                if column in table.shared:
                    continue  # a shared 1-D column is protected with its group
                keys = [table.key(r, column) for r in table.all_rows]
                hidden = [k for k in keys if k in self.suppressed]
                if len(hidden) == 1:
                    rest = [k for k in keys if k not in self.suppressed]
                    if rest:
                        changed |= self.add([min(rest, key=lambda k: (k[1] == TOTAL,
                                                                       self.cost(k)))])
            return changed
        for row in table.all_rows:
            for column in table.columns:
                key = table.key(row, column)
                if key not in self.suppressed:
                    continue
                if _on_cycle(table, self.suppressed, row, column):
                    continue
                path = _cheapest_path(table, self, ("r", row), ("c", column), avoid=(row, column),
                                      margins=True)
                changed |= self.add(path)
        return changed

    def fallback(self, leaks: set[Key]) -> None:
        """Suppress whole rows of the tables that still leak; withhold a table on its third
        strike."""
        for table in self.live():
            mine = [(r, c) for r in table.all_rows for c in table.all_columns
                    if table.key(r, c) in leaks]
            if not mine:
                continue
            self.strikes[table.id] = self.strikes.get(table.id, 0) + 1
            if self.strikes[table.id] >= 3:
                self.withheld.add(table.id)
                continue
            for r, c in mine:
                if table.row_total:
                    self.add(table.key(r, cc) for cc in table.all_columns)
                else:
                    self.add(table.key(rr, c) for rr in table.all_rows)


Node = tuple[str, str]


def _graph_neighbours(
    table: Table, node: Node, margins: set[Key] | None = None
) -> list[tuple[Node, str, str]]:
    """Neighbours in the complete bipartite graph of a table without its total column: a row
    node joins every column node through the cell (row, column). With ``margins`` (the suppressed
    quantities), a row also joins the total column through its margin when that is suppressed."""
    kind, name = node
    if kind == "r":
        out = [(("c", c), name, c) for c in table.columns]
        if margins is not None and table.row_total and table.key(name, TOTAL) in margins:
            out.append((("c", TOTAL), name, TOTAL))
        return out
    if name == TOTAL:
        if margins is None:
            return []
        return [(("r", r), r, TOTAL) for r in table.all_rows if table.key(r, TOTAL) in margins]
    return [(("r", r), r, name) for r in table.all_rows]


def _on_cycle(table: Table, suppressed: set[Key], row: str, column: str) -> bool:
    """Whether suppressed cell (row, column) lies on a cycle of suppressed cells: a path from its
    row to its column not using the cell itself (through the total column only by suppressed
    margins, which :meth:`_State._protect_group` protects across the tables sharing them)."""
    start, goal = ("r", row), ("c", column)
    seen = {start}
    todo = [start]
    while todo:
        node = todo.pop()
        for nxt, r, c in _graph_neighbours(table, node, suppressed):
            if (r, c) == (row, column) or nxt in seen:
                continue
            if table.key(r, c) not in suppressed:
                continue
            if nxt == goal:
                return True
            seen.add(nxt)
            todo.append(nxt)
    return False


def _cheapest_path(
    table: Table, state: _State, start: Node, goal: Node, avoid: tuple[str, str] | None,
    margins: bool = False,
) -> list[Key]:
    """Cells of the cheapest path from ``start`` to ``goal`` (Dijkstra), never through ``avoid``
    and never through the total column, unless ``margins``: then through margins that are already
    suppressed (not for the paths between two rows of a group, which must stay inside the table).
    Already suppressed cells cost nothing."""
    if start == goal:
        return []
    dist: dict[Node, int] = {start: 0}
    prev: dict[Node, tuple[Node, Key]] = {}
    heap: list[tuple[int, Node]] = [(0, start)]
    while heap:
        d, node = heapq.heappop(heap)
        if node == goal:
            break
        if d > dist.get(node, 1 << 62):
            continue
        for nxt, r, c in _graph_neighbours(table, node, state.suppressed if margins else None):
            if (r, c) == avoid:
                continue
            key = table.key(r, c)
            nd = d + state.cost(key)
            if nd < dist.get(nxt, 1 << 62):
                dist[nxt] = nd
                prev[nxt] = (node, key)
                heapq.heappush(heap, (nd, nxt))
    if goal not in prev:
        return []
    path: list[Key] = []
    node = goal
    while node != start:
        node, key = prev[node]
        path.append(key)
    return path


def audit(
    tables: Sequence[Table], suppressed: set[Key], withheld: set[str] = frozenset()  # type: ignore[assignment]
) -> set[Key]:
    """The suppressed quantities that the published ones determine exactly: first those pinned at
    0 by the bounds ``>= 0`` (:func:`_pinned_at_zero`), then, ignoring the bounds, those whose unit
    vector lies in the row space of the export's relations restricted to the other suppressed
    quantities. Exact arithmetic modulo a 61-bit prime."""
    live = [t for t in tables if t.id not in withheld]
    pinned = _pinned_at_zero(live, suppressed)
    hidden = sorted({k for t in live for k in t.all_keys() if k in suppressed} - pinned)
    if not hidden:
        return pinned
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
    return pinned | {hidden[p] for p, row in pivots.items() if len(row) == 1}


def _pinned_at_zero(live: Sequence[Table], suppressed: set[Key]) -> set[Key]:
    """Suppressed quantities that non-negativity pins at 0: in a relation whose suppressed
    quantities all have the same sign, and whose published numbers leave 0 for them (a column of
    suppressed zeros under a published total 0), each of them is 0. Repeated, a pinned quantity
    counting as published, until nothing changes. Only the one-relation case; the LP attacker of
    the tests is the complete check."""
    values = {t.key(r, c): t.cell(r, c).value for t in live for r in t.all_rows
              for c in t.all_columns}
    relations = []
    for table in live:
        for parts, total in table.equations():
            coef: dict[Key, int] = {}
            for k, sign in [*((p, 1) for p in parts), (total, -1)]:
                coef[k] = coef.get(k, 0) + sign
            relations.append({k: v for k, v in coef.items() if v})
    pinned: set[Key] = set()
    changed = True
    while changed:
        changed = False
        for coef in relations:
            open_ = [k for k in coef if k in suppressed and k not in pinned]
            if not open_ or len({coef[k] > 0 for k in open_}) != 1:
                continue
            if sum(v * values[k] for k, v in coef.items() if k not in open_) == 0:
                pinned.update(open_)
                changed = True
    return pinned


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
