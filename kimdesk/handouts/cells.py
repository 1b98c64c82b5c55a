"""The laid-out sheet of a handout: page geometry, text styles, and the cells, rows and language
columns that :mod:`kimdesk.handouts.blocks` fills and :mod:`kimdesk.handouts.render` paginates
and draws.

A cell records drawing operations with their vertical extents rather than drawing at once: the
footer needs the page count first, and a row taller than a page is cut between lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kimdesk.handouts.layout import Line, Style, layout_paragraph
from kimdesk.handouts.templates import Texts
from kimdesk.i18n import is_rtl

PAGE_W, PAGE_H = 595.276, 841.89  # A4 in points
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 46.0, 48.0, 64.0
GUTTER = 22.0
BOX = 8.5  # checkbox edge
INDENT = 15.0

TITLE = Style(15.0, bold=True, leading=1.3)
HEADING = Style(11.5, bold=True, leading=1.3)
BODY = Style(9.8)
LABEL = Style(8.2, bold=True)
SMALL = Style(7.6)
VALUE = Style(10.0)


@dataclass
class Cell:
    """Drawing operations of one language in one row, positions relative to the cell's top.

    ``extents`` holds each operation's (top, bottom), so a row taller than a page can be cut
    between lines (:meth:`split`)."""

    width: float
    rtl: bool
    height: float = 0.0
    ops: list[tuple[Any, ...]] = field(default_factory=list)
    extents: list[tuple[float, float]] = field(default_factory=list)
    marker: int | None = None  # a box or dot waiting for the line it stands beside

    def add(self, op: tuple[Any, ...], top: float, bottom: float) -> None:
        self.ops.append(op)
        self.extents.append((top, bottom))

    def text(self, text: str, style: Style, lang: str, indent: float = 0.0,
             data: bool = False) -> None:
        """Translated text runs in the column's direction; ``data`` (names, numbers, what the
        counselor typed) in the direction of its own first letter."""
        direction = None if data else self.rtl
        for line in layout_paragraph(text, self.width - indent, style, lang, direction):
            self.line(line, style, indent)

    def line(self, line: Line, style: Style, indent: float = 0.0) -> None:
        step = style.size * style.leading * line.scale  # Arabic script is drawn larger
        baseline = self.height + style.size * 1.02 * line.scale
        if self.marker is not None:  # a checkbox or dot goes down with the larger line
            index, self.marker = self.marker, None
            shift = style.size * 1.02 * (line.scale - 1.0)
            kind, y = self.ops[index]
            top, bottom = self.extents[index]
            self.ops[index] = (kind, y + shift)
            self.extents[index] = (top + shift, bottom + shift)
        self.add(("text", line, baseline, indent), self.height, self.height + step)
        self.height += step

    def box(self, style: Style) -> None:
        """A checkbox at the start side, level with the next line of text."""
        top = self.height + style.size * 0.25
        self.add(("box", top), top, top + BOX)
        self.marker = len(self.ops) - 1

    def dot(self, y: float) -> None:
        self.add(("dot", self.height + y), self.height + y - 2.0, self.height + y + 2.0)
        self.marker = len(self.ops) - 1

    def bar(self) -> None:
        """A vertical bar at the start side from here to the cell's end (a record's frame)."""
        self.add(("bar", self.height), self.height, self.height)

    def rule(self, gap: float = 16.0) -> None:
        """A line to write on (fill-in field, signature)."""
        self.add(("rule", self.height + gap), self.height, self.height + gap + 1.0)
        self.height += gap + 3.0

    def space(self, points: float) -> None:
        self.height += points

    def cut_at(self, limit: float) -> float:
        """Where to cut so that everything above fits in ``limit``: the top of the first
        operation that does not fit (the cell's height when all fit)."""
        tops = [top for (top, bottom) in self.extents if bottom > limit]
        return min(tops) if tops else self.height

    def split(self, cut: float) -> tuple[Cell, Cell]:
        head, tail = Cell(self.width, self.rtl, cut), Cell(self.width, self.rtl)
        tail.height = max(0.0, self.height - cut)
        for op, (top, bottom) in zip(self.ops, self.extents, strict=True):
            if op[0] == "bar":
                if top < cut:
                    head.add(op, top, bottom)
                    tail.add(("bar", 0.0), 0.0, 0.0)
                else:
                    tail.add(("bar", op[1] - cut), top - cut, bottom - cut)
            elif top < cut:
                head.add(op, top, bottom)
            else:
                moved = (op[0], op[1] - cut, *op[2:]) if op[0] != "text" else (
                    "text", op[1], op[2] - cut, op[3])
                tail.add(moved, top - cut, bottom - cut)
        return head, tail


@dataclass
class Row:
    cells: list[Cell]
    space_after: float
    keep_with_next: bool = False  # titles and headings do not end a page
    keep_with_previous: bool = False  # signatures stay on the page of the text they sign
    columns: list[Column] | None = None  # stacked layout: the row's own column
    page_break_before: bool = False

    @property
    def height(self) -> float:
        return max(c.height for c in self.cells)

    @property
    def last_text_bottom(self) -> float:
        """Where the row's last line of text ends: a cut just above it takes that line and
        whatever follows it (a fill-in rule under its label) to the next page."""
        return max((bottom for cell in self.cells
                    for op, (_top, bottom) in zip(cell.ops, cell.extents, strict=True)
                    if op[0] == "text"), default=self.height)

    def split(self, limit: float) -> tuple[Row, Row] | None:
        """Cut a row taller than the rest of the page between lines; None if nothing fits."""
        cuts = [cell.cut_at(limit) for cell in self.cells]
        if all(cut <= 0.0 for cut in cuts):
            return None
        halves = [cell.split(cut) for cell, cut in zip(self.cells, cuts, strict=True)]
        return (Row([h for h, _ in halves], 0.0, columns=self.columns,
                    keep_with_previous=self.keep_with_previous),
                Row([t for _, t in halves], self.space_after, columns=self.columns,
                    keep_with_next=self.keep_with_next))


@dataclass
class Column:
    lang: str
    texts: Texts
    x: float
    width: float

    @property
    def rtl(self) -> bool:
        return is_rtl(self.lang)

    def t(self, key: str, **values: object) -> str:
        text = self.texts.texts[key]
        return text.format(**values) if values else text
