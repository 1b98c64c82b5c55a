"""The flow link between consecutive reporting periods (docs/statistics.md, "Link rule"):
per municipality, and for the Kreis,

    active(P) - opened(P) = active(P-1) - closed(P-1)

both sides being the cases active in both periods ("continuing"). An attacker holding the export
of P-1 and of P knows this; with three of the four numbers published he computes the fourth, and
with fewer he still narrows them: over 29 pairs of consecutive months of the two demo vaults the
linear programme of ``tests/stats/attack.py`` narrowed 290 suppressed case numbers below the
threshold (241 of them opened or closed cases), 153 over 10 pairs of quarters.

The export of P therefore proves every interval with *joint moves*: a move of P (from
:class:`~kimdesk.stats.intervals.Model`) that changes ``active - opened`` of some rows is kept
only together with a move of P-1, through the numbers P-1 suppressed, that changes ``active -
closed`` of the same rows by the same amounts (and the reverse for P-1's numbers: a move of P-1
needs a matching move of P). Where no such pair is wide enough, more numbers of P are suppressed
(the cheapest matching move of P, by value); P-1 is published already and never changes. Where
one move is cut short, moves are stacked (:meth:`Link.stacked`), each from where the last ended. A
secondary number of P that the two exports give whatever P does stays suppressed (see
:func:`extend`); a primary one, or one of P-1, that cannot be protected withholds P's case table
(its opened cases): then nothing links the two exports but the stocks, which the stock rule
(:mod:`kimdesk.stats.linkage`) covers.

P-1's pattern is taken as its *base* pattern: what :func:`~kimdesk.stats.disclosure.protect`
gives for P-1 with the stock rule but without this pass (which would need P-2's, and so on back
to the first month). P-1's real export suppresses those numbers and possibly more (this pass of
P-1 only adds), so the moves of P-1 used here are possible in it too. Not covered: the numbers
that P-1's own pass added, whose proofs in P-1 may change ``active - closed`` (see the doc).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from kimdesk.stats.intervals import Model, Move
from kimdesk.stats.tables import Key, Table

#: The group subtracted from the active cases on each side of the relation.
MINUS = {"after": "@opened", "before": "@closed"}
_MAX_ROUNDS = 50


def continuing(move: Move, minus: str) -> dict[str, int]:
    """How a move changes ``active - minus`` per row (rows it does not change left out)."""
    out: dict[str, int] = {}
    for k, d in move.items():
        if k[0] == "@active":
            out[k[1]] = out.get(k[1], 0) + d
        elif k[0] == minus:
            out[k[1]] = out.get(k[1], 0) - d
    return {r: d for r, d in out.items() if d}


class Side:
    """One of the two exports: its model, suppressed numbers and which group it subtracts."""

    def __init__(self, name: str, tables: Sequence[Table], values: dict[Key, int],
                 hidden: set[Key]) -> None:
        self.name = name
        self.minus = MINUS[name]
        self.tables = tables
        self.model = Model(tables, values)
        self.hidden = hidden

    def shifted(self, offset: Move) -> Side:
        """The same export seen from its true values plus ``offset`` (a point the attacker
        cannot exclude): moves searched there start where the ones before ended."""
        values = dict(self.model.v)
        for k, d in offset.items():
            values[k] += d
        return Side(self.name, self.tables, values, self.hidden)

    def repaired(self, move: Move, q: Key, s: int) -> Iterator[Move]:
        """``move`` together with two rows of this side's active cases moving against each
        other (with paths in every stock table), so that ``active - minus`` stays as it was in
        one row the move changes by one and changes in another row instead: a closed case
        more in P-1 that P cannot take off its own row (P's active cases there are held by
        its stock tables) is carried over to a row where it can."""
        target = continuing(move, self.minus)
        for x, d in target.items():
            if abs(d) != 1:
                continue
            for z in self.model.group_rows.get("active", []):
                for a in (1, -1) if z != x else ():
                    for extra in self.model.pair_moves("active", x, z, a, s, 1, self.hidden,
                                                       False):
                        if continuing(extra, self.minus).get(x) != -d:
                            continue
                        merged = dict(move)
                        for k, v in extra.items():
                            merged[k] = merged.get(k, 0) + v
                        merged = {k: v for k, v in merged.items() if v}
                        if merged.get(q) == 1:
                            yield merged

    def matching(self, target: dict[str, int], s: int, need: int, cheap: bool
                 ) -> Iterator[Move]:
        """Moves of this side that change ``active - minus`` exactly by ``target`` (two rows
        moving against each other: the active cases alone, or the subtracted group alone)."""
        if len(target) != 2:
            return
        x, y = sorted(target)
        for group in ("active", self.minus[1:]):
            for a in (1, -1):
                for move in self.model.pair_moves(group, x, y, a, s, need, self.hidden, cheap):
                    if continuing(move, self.minus) == target:
                        yield move


class Link:
    """The export of P (``after``, whose suppressed numbers may grow) and the base pattern of
    P-1 (``before``, fixed)."""

    def __init__(self, after: Side, before: Side) -> None:
        self.after, self.before = after, before

    def other(self, side: Side) -> Side:
        return self.before if side is self.after else self.after

    def _capacity(self, side: Side, move: Move, s: int, need: int) -> int:
        """Steps of ``move`` of ``side`` that a matching move of the other side allows too."""
        steps = side.model.capacity(move, s)
        target = continuing(move, side.minus)
        if not target or steps < need:
            return steps
        other = self.other(side)
        best = 0
        for match in other.matching(target, s, need, cheap=False):
            best = max(best, min(steps, other.model.capacity(match, s)))
            if best >= steps:
                break
        return best

    def widest(self, side: Side, q: Key, s: int, enough: int) -> int:
        if s < 0 and side.model.v[q] - 1 <= 0:
            return 0
        best = 0
        for move in side.model.moves(q, s, 1, side.hidden, cheap=False):
            best = max(best, self._capacity(side, move, s, best + 1))
            if best >= enough:
                break
        return best

    def _joint(self, side: Side, q: Key, s: int, enough: int) -> tuple[int, Move, Move]:
        """The widest joint move of ``q`` through suppressed numbers: its steps, the move of
        ``side`` and the matching move of the other side (empty when none is needed)."""
        best: tuple[int, Move, Move] = (0, {}, {})
        if s < 0 and side.model.v[q] - 1 <= 0:
            return best
        other = self.other(side)
        plain = list(side.model.moves(q, s, 1, side.hidden, cheap=False))
        for repair in (False, True):
            for base in plain:
                for move in side.repaired(base, q, s) if repair else (base,):
                    steps = side.model.capacity(move, s)
                    if steps <= best[0]:
                        continue
                    target = continuing(move, side.minus)
                    if not target:
                        best = (steps, move, {})
                    for match in other.matching(target, s, 1, cheap=False) if target else ():
                        got = min(steps, other.model.capacity(match, s))
                        if got > best[0]:
                            best = (got, move, match)
                        if got >= steps:
                            break
                    if best[0] >= enough:
                        return best
        return best

    def stacked(self, side: Side, q: Key, s: int, enough: int) -> int:
        """Steps of ``q`` from joint moves taken one after the other, each searched from where
        the ones before ended (up to ``enough``): where every single move is cut short by a
        small cell (three cells of 2 along the only paths), three moves through different
        cells together carry 3. Each move is checked exactly at its starting point, so the
        end point is possible for the attacker, and so is every whole-number point between
        (the feasible set is convex, the moves are whole numbers)."""
        return self._stack(side, q, s, enough)[0]

    def _stack(self, side: Side, q: Key, s: int, enough: int) -> tuple[int, Link]:
        """:meth:`stacked`, and the two exports seen from where its moves ended."""
        link, total = self, 0
        offsets: dict[str, Move] = {"after": {}, "before": {}}
        here = side
        while total < enough:
            steps, move, match = link._joint(here, q, s, enough - total)
            if steps <= 0:
                break
            steps = min(steps, enough - total)
            other = link.other(here).name
            for name, m in ((here.name, move), (other, match)):
                for k, d in m.items():
                    offsets[name][k] = offsets[name].get(k, 0) + s * steps * d
            total += steps
            link = Link(self.after.shifted(offsets["after"]),
                        self.before.shifted(offsets["before"]))
            here = link.after if side is self.after else link.before
        return total, link

    def cheapest(self, side: Side, q: Key, width: int, up: int, down: int) -> int:
        """Suppress the numbers of P of the cheapest joint move that gives ``q`` the missing
        steps; the width then proven (0 when there is none)."""
        after = self.after
        for s, need in ((1, width - down), (-1, width - up)):
            if s < 0 and side.model.v[q] - 1 < need:
                continue
            best = self._cheapest_of(self._candidates(side, q, s, need))
            if best is not None:
                after.hidden.update(k for k in best if after.model.v.get(k, 0) > 0)
                after.model.forget()
                return need + (down if s > 0 else up)
        for s, need in ((1, width - down), (-1, width - up)):
            if (s > 0 or side.model.v[q] - 1 >= need) and self._stack_cheapest(side, q, s, need):
                return need + (down if s > 0 else up)
        return 0

    def _stack_cheapest(self, side: Side, q: Key, s: int, need: int) -> bool:
        """No single joint move carries ``need`` steps: suppress the numbers of P of the
        cheapest joint move that carries one more step from where the stacked moves end,
        until the stack carries ``need``; undone (False) when it never does."""
        after, added = self.after, set()
        for _round in range(need):
            got, link = self._stack(side, q, s, need)
            if got >= need:
                return True
            here = link.after if side is self.after else link.before
            best = self._cheapest_of(link._candidates(here, q, s, 1))
            if best is None:
                break
            new = {k for k in best if after.model.v.get(k, 0) > 0} - after.hidden
            if not new:
                break
            after.hidden.update(new)
            added |= new
            after.model.forget()
        if self._stack(side, q, s, need)[0] >= need:
            return True
        after.hidden.difference_update(added)
        after.model.forget()
        return False

    def _cheapest_of(self, candidates: Iterable[Move]) -> Move | None:
        """The candidate whose numbers of P not yet suppressed sum to the least (the first of
        equals), None when there is none."""
        after = self.after
        return min(candidates, default=None,
                   key=lambda extra: sum(after.model.v[k] for k in extra
                                         if k not in after.hidden))

    def _candidates(self, side: Side, q: Key, s: int, need: int) -> Iterator[Move]:
        """Joint moves of ``q`` carrying ``need`` steps, as the numbers of P they make move
        (the ones to suppress)."""
        cheap = side is self.after
        for move in side.model.moves(q, s, need, side.hidden, cheap=cheap):
            if side.model.capacity(move, s) < need:
                continue
            target = continuing(move, side.minus)
            if side is self.after:
                if not target:
                    yield move
                    continue
                if any(self.before.model.capacity(m, s) >= need
                       for m in self.before.matching(target, s, need, cheap=False)):
                    yield move
            elif not target:
                yield {}
            else:
                for match in self.after.matching(target, s, need, cheap=True):
                    if self.after.model.capacity(match, s) >= need:
                        yield match


def extend(link: Link, width: int, target: int, proven: dict[tuple[str, Key], int],
           primary: set[Key], shown: set[Key], before_width: int | None = None) -> bool:
    """Suppress more numbers of P until every suppressed number of both exports has a joint
    interval at least ``width`` wide (searched up to ``target``). A number of P that is not
    ``primary`` and gets no joint interval at all (P-1's published numbers and a published 0
    of opened cases give it, whatever P does) stays suppressed and is added to ``shown``: it
    rests on ``min_cell`` people or more, and publishing it would tell the next period's export
    a wrong pattern (it takes P's base pattern as suppressed). False when a primary number or
    one of P-1 cannot get its interval. ``proven`` keeps widths across levels: a joint move
    stays possible when P suppresses more and P-1's base pattern grows with the level.
    ``before_width``: the threshold P-1 was published at, where lower than ``width`` (its
    numbers keep the width its own export promised; :mod:`kimdesk.stats.published`)."""
    full = width
    for _round in range(_MAX_ROUNDS):
        done = True
        for side in (link.after, link.before):
            width = full if side is link.after or before_width is None \
                else min(full, before_width)
            for q in sorted(side.hidden):
                if q not in side.model.tables_of or proven.get((side.name, q), 0) >= width:
                    continue
                up = link.widest(side, q, 1, target)
                down = link.widest(side, q, -1, target - up) if up < target else 0
                if up + down < width:  # one move each way is not enough: stack moves
                    up = max(up, link.stacked(side, q, 1, target))
                    down = max(down, link.stacked(side, q, -1, target - up)) \
                        if up < target else 0
                got = up + down
                if got < width:
                    before = len(link.after.hidden)
                    got = link.cheapest(side, q, width, up, down)
                    done = done and len(link.after.hidden) == before
                    if got < width and side is link.after and q not in primary:
                        shown.add(q)
                        got = width
                    if got < width:
                        return False
                proven[(side.name, q)] = got
        if done:
            return True
    raise RuntimeError("flow link did not converge")  # pragma: no cover
