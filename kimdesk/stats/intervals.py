"""Protection intervals: how far each suppressed number of an export can move, seen from an
attacker who knows every published number, every relation between them and that a ``"."`` is at
least 1 (zeros are published, so a suppressed number is never 0; docs/statistics.md).

The check is constructive. A *move* is a change of suppressed numbers, one unit per step, that
keeps every published number and every relation of the export (every row and column of every
table adds up, a number shared by several tables changes in all of them alike, and the known
inequalities hold: cases opened or closed, and a multi-valued table's cells, are at most the
active cases). If the true values plus ``t`` steps of a move are still possible (every moved
number at least 1, every inequality kept), an attacker cannot tell those values from the true
ones; so a move up by ``u`` and one down by ``d`` prove that the attacker's interval for the cell
is at least ``u + d`` wide (the set of possible tables is convex). The moves are built, not solved
for: within a table a cycle of suppressed cells (rows and columns as nodes, cells as edges: a
cell moves up, the next one in the cycle down, ...); a number of a total column shared by several
tables (a municipality's active cases) moves together with another row's (or the Kreis total),
with a path of suppressed cells between the two rows in *every* table sharing that column; opened
and closed cases, and the cells of a multi-valued table, may move together with the active cases
they are bounded by. Every move is
checked exactly (:meth:`Model.capacity`), so the proof holds whatever the search found; the linear
programme of ``tests/stats/attack.py`` checks it independently.

No solver is needed at run time (SciPy is a test-only dependency): a Dijkstra over a table of a
dozen rows and columns per candidate move.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Sequence

from kimdesk.stats.tables import TOTAL, Key, Table

#: Known inequalities between shared quantities: a municipality's cases opened (closed) in the
#: period are at most its cases active in the period (both published, in the case table).
AT_MOST = {"opened": "active", "closed": "active"}
INF = 1 << 40

Move = dict[Key, int]
Node = tuple[str, str]
Step = tuple[Key, int]


def _tcs(row: str) -> int:
    """Sign of a total-column entry in the signed table (margins negative, the grand total
    positive), in which every row and column adds up to 0."""
    return 1 if row == TOTAL else -1


class Model:
    """The relations of the live tables of an export, and the true values."""

    def __init__(self, tables: Sequence[Table], values: dict[Key, int]) -> None:
        self.v = values
        self.groups: dict[str, list[Table]] = {}  # 2-D tables by the group of their total column
        self.group_rows: dict[str, list[str]] = {}
        self.where: dict[Key, tuple[Table, str, str]] = {}  # a table's own quantities
        self.tables_of: dict[Key, list[str]] = {}
        #: per 2-D table and node, the cells leaving it: (next node, key, value, change of the
        #: quantity when its signed entry goes up)
        self.edges: dict[tuple[str, Node], list[tuple[Node, Key, int, int]]] = {}
        for t in tables:
            for column, group in t.shared.items():
                self.group_rows.setdefault(group, t.all_rows)
                if column == TOTAL and t.row_total:
                    self.groups.setdefault(group, []).append(t)
            for r in t.all_rows:
                for c in t.all_columns:
                    k = t.key(r, c)
                    self.tables_of.setdefault(k, []).append(t.id)
                    if not k[0].startswith("@"):
                        self.where[k] = (t, r, c)
            if t.row_total:
                self._graph(t)
        self._trees: dict[tuple[object, ...], dict[Node, tuple[Node, Step]]] = {}
        self.ineq: dict[Key, list[tuple[Key, Key]]] = {}
        for t in tables:
            if t.bounded_by:
                for r in t.all_rows:
                    for c in t.columns:
                        self._le(t.key(r, c), ("@" + t.bounded_by, r))
        for small, big in AT_MOST.items():
            for r in self.group_rows.get(small, []):
                self._le(("@" + small, r), ("@" + big, r))

    def _graph(self, t: Table) -> None:
        """The cells of a 2-D table (without its total column) as edges between its rows and
        columns; a cell of the total row goes down when its signed entry goes up."""
        for r in t.all_rows:
            for c in t.columns:
                k = t.key(r, c)
                change = -1 if r == TOTAL else 1
                v = self.v.get(k, 0)
                self.edges.setdefault((t.id, ("r", r)), []).append((("c", c), k, v, change))
                self.edges.setdefault((t.id, ("c", c)), []).append((("r", r), k, v, change))

    def _le(self, small: Key, big: Key) -> None:
        if small in self.v and big in self.v:
            for k in (small, big):
                self.ineq.setdefault(k, []).append((small, big))

    def forget(self) -> None:
        """Drop the cached widest paths: more cells are suppressed now."""
        self._trees.clear()

    # -- exact check -------------------------------------------------------------------------
    def capacity(self, move: Move, s: int) -> int:
        """How many steps of ``move`` (``s`` = 1) or of its reverse (``s`` = -1) the true values
        allow: every moved number stays at least 1, every known inequality holds."""
        t = INF
        seen: set[tuple[Key, Key]] = set()
        for k, d in move.items():
            if s * d < 0:
                t = min(t, (self.v[k] - 1) // (-s * d))
            for pair in self.ineq.get(k, ()):
                if pair in seen:
                    continue
                seen.add(pair)
                small, big = pair
                coef = s * (move.get(small, 0) - move.get(big, 0))
                if coef > 0:
                    t = min(t, (self.v[big] - self.v[small]) // coef)
        return max(t, 0)

    # -- candidate moves ---------------------------------------------------------------------
    def moves(self, q: Key, s: int, need: int, hidden: set[Key], cheap: bool) -> Iterator[Move]:
        """Moves in which ``q`` goes up by one a step, built to carry ``need`` steps in direction
        ``s`` (edges that cannot are left out of the searches). Only through ``hidden`` numbers,
        unless ``cheap``: then published non-zero numbers may join (the cheapest path by value),
        and suppressing them is the price of the move."""
        if q in self.where:
            t, r, c = self.where[q]
            if not t.row_total:  # a column of its own: another row of it moves the other way
                for y in t.all_rows:
                    k = t.key(y, c)
                    if y != r and self.v.get(k, 0) >= 1 and (cheap or k in hidden):
                        pair = {q: 1, k: 1 if TOTAL in (r, y) else -1}
                        yield pair
                        if t.bounded_by:  # with the bounds: the rows' active cases move too
                            yield from self._group_moves(t.bounded_by, r, y, -_tcs(r), s, need,
                                                         hidden, cheap, pair, None)
                return
            e = -1 if r == TOTAL else 1  # the signed entry of q goes up by e
            cycle = self.path(t, ("r", r), ("c", c), -e, s, need, hidden, q, cheap)
            if cycle is not None:
                yield {q: 1, **dict(cycle)}
            group = t.shared.get(TOTAL)
            if group is None:
                return
            for y in self.group_rows[group]:  # through the total column: rows r and y
                if y == r or not self._partner(group, r, y, hidden, cheap):
                    continue
                first = self.path(t, ("c", c), ("r", y), e, s, need, hidden, q, cheap)
                if first is not None:
                    yield from self._group_moves(group, r, y, e, s, need, hidden, cheap,
                                                 {q: 1, **dict(first)}, t)
            return
        group, x = q[0][1:], q[1]
        a = -_tcs(x)  # the path from row x starts with this sign, so that q goes up
        for y in self.group_rows.get(group, []):
            if y != x and self._partner(group, x, y, hidden, cheap):
                yield from self._group_moves(group, x, y, a, s, need, hidden, cheap, {}, None)

    def pair_moves(self, group: str, x: str, y: str, a: int, s: int, need: int,
                   hidden: set[Key], cheap: bool) -> Iterator[Move]:
        """Rows ``x`` and ``y`` of a shared group moving against each other, alone and with the
        groups bound to it (for the flow link between periods, :mod:`kimdesk.stats.flowlink`)."""
        return self._group_moves(group, x, y, a, s, need, hidden, cheap, {}, None)

    def _group_moves(self, group: str, x: str, y: str, a: int, s: int, need: int,
                     hidden: set[Key], cheap: bool, start: Move, done: Table | None
                     ) -> Iterator[Move]:
        """Rows ``x`` and ``y`` of a shared total column move against each other (the signed
        entries by -a and +a), with a path in every other table sharing it; alone, and together
        with the groups bound to it by :data:`AT_MOST` (closed cases move with active ones)."""
        base = self._group_move(group, x, y, a, s, need, hidden, cheap, done)
        if base is None:
            return
        move = {**start, **base}
        yield move
        linked = [g for g, big in AT_MOST.items() if big == group]
        linked += [AT_MOST[group]] if group in AT_MOST else []
        for other in linked:
            extra = self._group_move(other, x, y, a, s, need, hidden, cheap, None)
            if extra is not None:
                yield {**move, **extra}

    def _partner(self, group: str, x: str, y: str, hidden: set[Key], cheap: bool) -> bool:
        """Whether rows ``x`` and ``y`` of a shared column can move against each other: both
        non-zero (zeros are published) and, unless ``cheap``, both suppressed."""
        kx, ky = ("@" + group, x), ("@" + group, y)
        if self.v.get(kx, 0) < 1 or self.v.get(ky, 0) < 1:
            return False
        return cheap or (kx in hidden and ky in hidden)

    def _group_move(self, group: str, x: str, y: str, a: int, s: int, need: int,
                    hidden: set[Key], cheap: bool, done: Table | None) -> Move | None:
        if not self._partner(group, x, y, hidden, cheap):
            return None
        kx, ky = ("@" + group, x), ("@" + group, y)
        move: Move = {kx: -a * _tcs(x), ky: a * _tcs(y)}
        for t in self.groups.get(group, []):
            if t is done:
                continue
            steps = self.path(t, ("r", x), ("r", y), a, s, need, hidden, None, cheap)
            if steps is None:
                return None
            move.update(steps)
        return move

    def _search(self, t: Table, start: Node, goal: Node | None, rc_sign: int, s: int, need: int,
                hidden: set[Key], avoid: Key | None, cheap: bool
                ) -> dict[Node, tuple[Node, Step]]:
        """Dijkstra for :meth:`path` (to ``goal``, or to every node when None): the step into
        each node reached."""
        best: dict[Node, int] = {start: 0}
        prev: dict[Node, tuple[Node, Step]] = {}
        heap: list[tuple[int, Node]] = [(0 if cheap else -INF, start)]
        while heap:
            label, node = heapq.heappop(heap)
            if node == goal:
                break
            if label > best.get(node, INF):
                continue
            sign = rc_sign if node[0] == "r" else -rc_sign
            for nxt, key, value, change in self.edges.get((t.id, node), ()):
                if value < 1 or key == avoid or nxt == start:
                    continue
                if not cheap and key not in hidden:
                    continue
                change *= sign  # the quantity's change
                room = value - 1 if s * change < 0 else INF
                if room < need:
                    continue
                new = label + (0 if key in hidden else value) if cheap else max(label, -room)
                if new < best.get(nxt, INF):
                    best[nxt] = new
                    prev[nxt] = (node, (key, change))
                    heapq.heappush(heap, (new, nxt))
        return prev

    def path(self, t: Table, start: Node, goal: Node, rc_sign: int, s: int, need: int,
             hidden: set[Key], avoid: Key | None, cheap: bool) -> list[Step] | None:
        """A path of cells of table ``t`` (not its total column) from ``start`` to ``goal``,
        alternating in sign: a cell entered from its row gets ``rc_sign`` in the signed table,
        from its column the opposite. Cells that would go down in direction ``s`` need a value
        of at least ``need + 1``; zeros never join. ``cheap``: the cheapest path (value of the
        published cells on it); otherwise the widest one through ``hidden`` cells only.
        Returns (quantity, change) pairs, or None."""
        if cheap:
            prev = self._search(t, start, goal, rc_sign, s, need, hidden, avoid, cheap)
        else:  # one widest-path tree serves every goal until more cells are suppressed
            memo = (t.id, start, rc_sign, s, need, avoid)
            prev = self._trees.get(memo)  # type: ignore[assignment]
            if prev is None:
                prev = self._trees[memo] = self._search(t, start, None, rc_sign, s, need, hidden,
                                                        avoid, cheap)
        if goal not in prev:
            return None
        steps: list[Step] = []
        node = goal
        while node != start:
            node, step = prev[node]
            steps.append(step)
        return steps
