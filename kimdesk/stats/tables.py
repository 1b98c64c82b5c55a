"""The shape every statistics table has, independent of what it counts.

A table has municipality rows plus a total row (:data:`TOTAL`), category columns and, when its
columns partition the rows' population, a total column. A published number is a *quantity*; the
same quantity may appear in several tables (the number of active cases in a municipality is the
total column of the gender table, the age table, ... and a column of the case table). Naming the
quantity once (:meth:`Table.key`) lets disclosure control treat the export as one linear system,
which is what an attacker combining the tables would do.

No Qt, no database here: :mod:`kimdesk.stats.indicators` fills tables, :mod:`.disclosure` protects
them, :mod:`.export` writes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Row and column code of margins (the Kreis total row, the total column).
TOTAL = "total"

Key = tuple[str, ...]


@dataclass(frozen=True)
class Cell:
    """A count and the number of distinct people behind it.

    For case tables both are the same (one case, one person, mostly); for consultations and
    referrals ``value`` counts events and ``contributors`` the people, and the threshold applies to
    the people: ten consultations of two people are as revealing as two cases."""

    value: int
    contributors: int


@dataclass
class Table:
    """One indicator table. ``shared`` maps a column (or :data:`TOTAL`) to the name of a quantity
    group it shares with other tables; ``derived`` maps a percentage column to its (numerator
    column, denominator column) and is computed from published numbers only."""

    id: str
    title: str  # English msgid; translated where it is shown
    unit: str  # "cases", "consultations", "referrals", "gaps"
    base: str  # English msgid saying which population is counted
    rows: list[str]
    columns: list[str]
    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)
    row_total: bool = True
    shared: dict[str, str] = field(default_factory=dict)
    derived: dict[str, tuple[str, str]] = field(default_factory=dict)
    multi_valued: bool = False  # one case may count in several columns (no total column)
    #: the group whose per-row value bounds every cell of this table (a multi-valued table's
    #: cells are at most the number of active cases): an inequality an attacker may use.
    bounded_by: str | None = None

    @property
    def all_rows(self) -> list[str]:
        return [*self.rows, TOTAL]

    @property
    def all_columns(self) -> list[str]:
        return [*self.columns, TOTAL] if self.row_total else list(self.columns)

    def cell(self, row: str, column: str) -> Cell:
        return self.cells.get((row, column), Cell(0, 0))

    def key(self, row: str, column: str) -> Key:
        """The identity of the quantity at (row, column) across the whole export."""
        group = self.shared.get(column)
        if group is not None:
            return ("@" + group, row)
        return (self.id, row, column)

    def equations(self) -> list[tuple[list[Key], Key]]:
        """The additive relations an attacker knows: each (parts, total) means sum(parts) = total.

        Every column sums over the municipalities to the total row; in a partition table every
        row (the total row too) sums over the columns to the total column."""
        eqs: list[tuple[list[Key], Key]] = []
        for column in self.all_columns:
            eqs.append(([self.key(r, column) for r in self.rows], self.key(TOTAL, column)))
        if self.row_total:
            for row in self.all_rows:
                eqs.append(([self.key(row, c) for c in self.columns], self.key(row, TOTAL)))
        return eqs

    def all_keys(self) -> list[Key]:
        return [self.key(r, c) for r in self.all_rows for c in self.all_columns]
