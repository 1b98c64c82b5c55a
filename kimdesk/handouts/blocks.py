"""What each block type of a handout template puts on the sheet.

A block becomes one row, a list block (checklist, bullets, goals, referrals) one row per item, so
items stay level across the language columns: every row has a cell per column, filled by the
same function in that column's language. :mod:`kimdesk.handouts.templates` rejects unknown block
types when it loads a template; a new type needs a builder here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from kimdesk.handouts.cells import (
    BODY,
    HEADING,
    INDENT,
    LABEL,
    SMALL,
    TITLE,
    VALUE,
    Cell,
    Column,
    Row,
)
from kimdesk.handouts.data import HandoutData
from kimdesk.handouts.templates import Block, HandoutError, form_text
from kimdesk.i18n import N_

#: Fills one cell (one language column) of a row.
Fill = Callable[[Cell, Column], object]


@dataclass(frozen=True)
class _RowMaker:
    """Makes a row with a cell per column, each filled by the same function."""

    columns: list[Column]
    keep_with_next: bool  # titles and headings do not end a page
    keep_with_previous: bool = False  # a signature never starts a page alone

    def __call__(self, fill: Fill, space_after: float = 6.0) -> Row:
        cells = []
        for col in self.columns:
            cell = Cell(col.width, col.rtl)
            fill(cell, col)
            cells.append(cell)
        return Row(cells, space_after, keep_with_next=self.keep_with_next,
                   keep_with_previous=self.keep_with_previous)


#: A block type's builder: the block, the case data and the row maker -> its rows.
Builder = Callable[[Block, HandoutData, _RowMaker], Iterator[Row]]


def block_rows(block: Block, columns: list[Column], data: HandoutData) -> Iterator[Row]:
    """The rows of one block (a list block gives one row per item, so items stay level)."""
    build = _BUILDERS.get(block.type)
    if build is None:  # templates.py rejects unknown types; this guards a type without a builder
        raise HandoutError(N_("Handout block type {kind} cannot be drawn."), kind=block.type)
    yield from build(block, data, _RowMaker(columns, block.type in ("title", "heading"),
                                            block.type == "signature"))


def _title(block: Block, _data: HandoutData, row: _RowMaker) -> Iterator[Row]:
    yield row(lambda c, col: c.text(col.t(block.keys["text"]), TITLE, col.lang), 8.0)


def _heading(block: Block, _data: HandoutData, row: _RowMaker) -> Iterator[Row]:
    def fill_heading(c: Cell, col: Column) -> None:
        c.space(4.0)
        c.text(col.t(block.keys["text"]), HEADING, col.lang)

    yield row(fill_heading, 3.0)


def _paragraph(block: Block, _data: HandoutData, row: _RowMaker) -> Iterator[Row]:
    yield row(lambda c, col: c.text(col.t(block.keys["text"]), BODY, col.lang))


def _form_text(block: Block, _data: HandoutData, row: _RowMaker) -> Iterator[Row]:
    """A text taken from a form definition (e.g. its legal text), in the column's language."""

    def fill_form(c: Cell, col: Column) -> None:
        text = form_text(block.form, block.name, col.lang) or col.t(block.keys["fallback"])
        c.text(text, BODY, col.lang)

    yield row(fill_form)


def _items(block: Block, _data: HandoutData, row: _RowMaker) -> Iterator[Row]:
    """A checklist (a box before each item) or bullets (a dot)."""
    checklist = block.type == "checklist"
    for item in block.items:
        def fill_item(c: Cell, col: Column, item: str = item) -> None:
            if checklist:
                c.box(BODY)
            else:
                c.dot(BODY.size * 0.62)
            c.text(col.t(item), BODY, col.lang, INDENT)

        yield row(fill_item, 3.5)


def _field(block: Block, data: HandoutData, row: _RowMaker) -> Iterator[Row]:
    """A label and the case's value, or a line to write it on."""

    def fill_field(c: Cell, col: Column) -> None:
        value = data.text(block.value, col.texts)
        c.space(2.0)
        c.text(col.t(block.keys["label"]), LABEL, col.lang)
        if value:
            c.text(value, VALUE, col.lang, data=not data.worded(block.value))
            c.space(2.0)
        else:
            c.rule(15.0)

    yield row(fill_field, 5.0)


def _data_line(block: Block, data: HandoutData, row: _RowMaker) -> Iterator[Row]:
    """A line of recorded data (no label). What was recorded is the same in every column;
    field names and codes in it are worded by each (:mod:`.auskunft_terms`), and such a line
    runs in the column's direction with every value isolated: a German note stays
    left-to-right in an Arabic column, and the separators between values read right to left
    there. A plain value takes the direction of its own first letter. Built in code only (the
    Auskunft); templates have no such block."""
    yield row(lambda c, col: c.text(data.text(block.value, col.texts), VALUE, col.lang,
                                    data=not data.worded(block.value)), 3.0)


def _signature(block: Block, _data: HandoutData, row: _RowMaker) -> Iterator[Row]:
    def fill_signature(c: Cell, col: Column) -> None:
        c.rule(26.0)
        c.text(col.t(block.keys["label"]), SMALL, col.lang)

    yield row(fill_signature, 4.0)


def _record_fields(block: Block, data: HandoutData
                   ) -> tuple[tuple[str, ...], list[dict[str, str]]]:
    """The fields of a goals or referrals block and the case's records (``block.blank`` empty
    ones to fill in by hand when the case has none)."""
    fields: tuple[str, ...]
    if block.type == "goals":
        fields = ("goal", "steps", "responsible", "review")
        records: list[dict[str, str]] = [
            {"goal": g.goal, "steps": g.steps, "responsible": g.responsible,
             "review": g.review} for g in data.goals
        ]
    else:
        fields = ("agency", "address", "hours", "phone", "bring")
        records = [
            {"agency": r.agency, "address": r.address, "hours": r.hours, "phone": r.phone,
             "bring": r.bring} for r in data.referrals
        ]
    if not records:
        records = [dict.fromkeys(fields, "") for _ in range(block.blank)]
    return fields, records


def _records(block: Block, data: HandoutData, row: _RowMaker) -> Iterator[Row]:
    """Goals or referrals: one framed row per record, numbered when there are several."""
    fields, records = _record_fields(block, data)
    for number, record in enumerate(records, 1):
        def fill_record(c: Cell, col: Column, record: dict[str, str] = record,
                        number: int = number) -> None:
            c.bar()
            c.space(3.0)
            for name in fields:
                label = col.t(block.keys[name])
                if name == fields[0] and len(records) > 1:
                    label = f"{number}. {label}"
                c.text(label, LABEL, col.lang, 6.0)
                if record[name]:
                    c.text(record[name], VALUE, col.lang, 6.0, data=True)
                    c.space(2.0)
                else:
                    c.rule(14.0)
            c.space(3.0)

        yield row(fill_record, 10.0)


_BUILDERS: dict[str, Builder] = {
    "title": _title,
    "heading": _heading,
    "paragraph": _paragraph,
    "form_text": _form_text,
    "checklist": _items,
    "bullets": _items,
    "field": _field,
    "data": _data_line,
    "signature": _signature,
    "goals": _records,
    "referrals": _records,
}
