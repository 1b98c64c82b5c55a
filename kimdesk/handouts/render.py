"""Composing a handout: blocks -> aligned rows in one or two language columns -> PDF pages.

Bilingual layout is side by side: every block becomes one *row* with a cell per language, so the
German sentence sits level with its translation and an office clerk can point at either. The
client's language takes the column on the side where its reading starts (right for Arabic, Persian,
Pashto), and inside a right-to-left cell everything is mirrored: text aligned right, checkboxes and
indents on the right, the fill-in line starting at the right.

Rendering is two passes (lay out every row, then paginate and draw) so the footer can say
"page 1 of 2". The PDF is built in memory and only then written: :func:`write_pdf` writes a
temporary file beside the target, fsyncs it and renames it over the target, so an error or a crash
never leaves a half-written handout where the counselor expects a good one.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from kimdesk.handouts.data import HandoutData
from kimdesk.handouts.layout import Line, Style, layout_paragraph
from kimdesk.handouts.templates import (
    SOURCE_LANGUAGE,
    Block,
    HandoutError,
    Template,
    Texts,
    check_texts,
    form_text,
    load_template,
    load_texts,
)
from kimdesk.i18n import N_, is_rtl
from kimdesk.vault.files import atomic_write

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
        step = style.size * style.leading
        baseline = self.height + style.size * 1.02
        self.add(("text", line, baseline, indent), self.height, self.height + step)
        self.height += step

    def box(self, style: Style) -> None:
        """A checkbox at the start side, level with the next line of text."""
        top = self.height + style.size * 0.25
        self.add(("box", top), top, top + BOX)

    def dot(self, y: float) -> None:
        self.add(("dot", self.height + y), self.height + y - 2.0, self.height + y + 2.0)

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
    columns: list[Column] | None = None  # stacked layout: the row's own column
    page_break_before: bool = False

    @property
    def height(self) -> float:
        return max(c.height for c in self.cells)

    def split(self, limit: float) -> tuple[Row, Row] | None:
        """Cut a row taller than the rest of the page between lines; None if nothing fits."""
        cuts = [cell.cut_at(limit) for cell in self.cells]
        if all(cut <= 0.0 for cut in cuts):
            return None
        halves = [cell.split(cut) for cell, cut in zip(self.cells, cuts, strict=True)]
        return (Row([h for h, _ in halves], 0.0, columns=self.columns),
                Row([t for _, t in halves], self.space_after, columns=self.columns))


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


def _block_rows(block: Block, columns: list[Column], data: HandoutData) -> Iterator[Row]:
    """The rows of one block (a list block gives one row per item, so items stay level)."""

    def row(fill: Any, space_after: float = 6.0) -> Row:
        cells = []
        for col in columns:
            cell = Cell(col.width, col.rtl)
            fill(cell, col)
            cells.append(cell)
        return Row(cells, space_after, keep_with_next=kind in ("title", "heading"))

    kind = block.type
    if kind == "title":
        yield row(lambda c, col: c.text(col.t(block.keys["text"]), TITLE, col.lang), 8.0)
    elif kind == "heading":
        yield row(lambda c, col: (c.space(4.0), c.text(col.t(block.keys["text"]), HEADING,
                                                      col.lang)), 3.0)
    elif kind == "paragraph":
        yield row(lambda c, col: c.text(col.t(block.keys["text"]), BODY, col.lang))
    elif kind == "form_text":
        def fill_form(c: Cell, col: Column) -> None:
            text = form_text(block.form, block.name, col.lang) or col.t(block.keys["fallback"])
            c.text(text, BODY, col.lang)

        yield row(fill_form)
    elif kind in ("checklist", "bullets"):
        for item in block.items:
            def fill_item(c: Cell, col: Column, item: str = item) -> None:
                if kind == "checklist":
                    c.box(BODY)
                else:
                    c.dot(BODY.size * 0.62)
                c.text(col.t(item), BODY, col.lang, INDENT)

            yield row(fill_item, 3.5)
    elif kind == "field":
        value = data.value(block.value)

        def fill_field(c: Cell, col: Column) -> None:
            c.space(2.0)
            c.text(col.t(block.keys["label"]), LABEL, col.lang)
            if value:
                c.text(value, VALUE, col.lang, data=True)
                c.space(2.0)
            else:
                c.rule(15.0)

        yield row(fill_field, 5.0)
    elif kind == "signature":
        def fill_signature(c: Cell, col: Column) -> None:
            c.rule(26.0)
            c.text(col.t(block.keys["label"]), SMALL, col.lang)

        yield row(fill_signature, 4.0)
    elif kind in ("goals", "referrals"):
        fields: tuple[str, ...]
        if kind == "goals":
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
    else:  # templates.py rejects unknown types; this guards a new type without a renderer
        raise HandoutError(N_("Handout block type {kind} cannot be drawn."), kind=kind)


LAYOUTS = ("side", "stacked")


def _columns(lang: str, second: Texts | None, first: Texts, layout: str = "side") -> list[Column]:
    usable = PAGE_W - 2 * MARGIN_X
    if second is None:
        return [Column(lang, first, MARGIN_X, usable)]
    if layout == "stacked":
        return [Column(lang, first, MARGIN_X, usable),
                Column(second.lang, second, MARGIN_X, usable)]
    width = (usable - GUTTER) / 2
    left_x, right_x = MARGIN_X, MARGIN_X + width + GUTTER
    client_first = Column(lang, first, right_x if is_rtl(lang) else left_x, width)
    other = Column(second.lang, second, left_x if is_rtl(lang) else right_x, width)
    return sorted([client_first, other], key=lambda c: c.x)


@dataclass
class Prepared:
    template: Template
    columns: list[Column]
    rows: list[Row]
    data: HandoutData
    client: Texts | None = None


def validate(
    template_name: str,
    lang: str,
    second_lang: str | None = None,
    *,
    templates_dir: Path | None = None,
    texts_dir: Path | None = None,
) -> tuple[Template, Texts, Texts | None]:
    """Load the template and texts and check them (raises :class:`HandoutError`); no layout."""
    template = load_template(template_name, templates_dir)
    source = load_texts(SOURCE_LANGUAGE, texts_dir)
    first = load_texts(lang, texts_dir)
    second = load_texts(second_lang, texts_dir) if second_lang and second_lang != lang else None
    for texts in (source, first, second):
        if texts is not None:
            check_texts(template, texts, source)
    return template, first, second


def prepare(
    template_name: str,
    lang: str,
    second_lang: str | None = None,
    data: HandoutData | None = None,
    *,
    templates_dir: Path | None = None,
    texts_dir: Path | None = None,
    layout: str = "side",
) -> Prepared:
    """Load and check everything, then lay out every row (no PDF yet).

    ``layout``: ``side`` puts the two languages side by side, row by row; ``stacked`` prints the
    whole sheet in the client's language, then from a new page in the second language (each
    language full width: fewer, longer lines, and the client can keep their own pages)."""
    if layout not in LAYOUTS:
        raise HandoutError(N_("Unknown handout layout {layout} (side, stacked)."), layout=layout)
    template, first, second = validate(template_name, lang, second_lang,
                                       templates_dir=templates_dir, texts_dir=texts_dir)
    data = data or HandoutData()
    columns = _columns(lang, second, first, layout)
    if layout == "stacked" and len(columns) == 2:
        rows = []
        for number, column in enumerate(columns):
            part = [row for block in template.blocks
                    for row in _block_rows(block, [column], data)]
            for row in part:
                row.columns = [column]
            part[0].page_break_before = number > 0
            rows += part
    else:
        rows = [row for block in template.blocks for row in _block_rows(block, columns, data)]
    return Prepared(template, columns, rows, data, first)


def _paginate(rows: list[Row], content_h: float) -> list[list[Row]]:
    """Rows onto pages: a title or heading moves on with the row after it, and a row taller than
    the space left on a fresh page is cut between lines."""
    pages: list[list[Row]] = [[]]
    used = 0.0
    queue = list(rows)
    while queue:
        row = queue.pop(0)
        if row.page_break_before and pages[-1]:
            pages.append([])
            used = 0.0
        need = row.height
        if row.keep_with_next and queue:
            need += row.space_after + min(queue[0].height, content_h / 3)
        too_tall = row.height > content_h  # fits on no page: fill this page's rest first
        if pages[-1] and used + need > content_h and not (too_tall and content_h - used > 60):
            pages.append([])
            used = 0.0
        if row.height > content_h - used:
            halves = row.split(content_h - used)
            if halves is not None and halves[0].height > 0:
                pages[-1].append(halves[0])
                pages.append([])
                used = 0.0
                queue.insert(0, halves[1])
                continue
        pages[-1].append(row)
        used += row.height + row.space_after
    return [page for page in pages if page]


def _draw_cell(canvas: Any, cell: Cell, x: float, top: float) -> None:
    from kimdesk.handouts.draw import draw_line

    for op in cell.ops:
        kind = op[0]
        if kind == "text":
            _, line, baseline, indent = op
            lx = x + cell.width - indent - line.width if cell.rtl else x + indent
            draw_line(canvas, line, lx, top - baseline)
        elif kind == "box":
            bx = x + cell.width - BOX if cell.rtl else x
            canvas.rect(bx, top - op[1] - BOX, BOX, BOX, stroke=1, fill=0)
        elif kind == "dot":
            dx = x + cell.width - 3.0 if cell.rtl else x + 3.0
            canvas.circle(dx, top - op[1], 1.6, stroke=0, fill=1)
        elif kind == "rule":
            canvas.line(x, top - op[1], x + cell.width, top - op[1])
        elif kind == "bar":
            bx = x + cell.width - 1.0 if cell.rtl else x + 1.0
            canvas.setStrokeGray(0.6)
            canvas.setLineWidth(1.6)
            canvas.line(bx, top - op[1], bx, top - max(op[1], cell.height - 3.0))
            canvas.setLineWidth(0.6)
            canvas.setStrokeGray(0.0)


def render_pdf(prepared: Prepared, today: date | None = None) -> bytes:
    """The PDF as bytes (the GUI previews these; :func:`write_pdf` saves them)."""
    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    cols = prepared.columns
    client = next(c for c in cols if c.texts is prepared.client) if prepared.client else cols[0]
    # /Lang tells screen readers and search which language to expect (the client's)
    canvas = Canvas(buf, pagesize=(PAGE_W, PAGE_H), pageCompression=1, lang=client.lang)
    titles = " / ".join(c.t(prepared.template.title) for c in cols)
    canvas.setTitle(titles)
    canvas.setAuthor("KIMdesk")
    canvas.setCreator("KIMdesk handouts")
    canvas.setSubject(", ".join(c.lang for c in cols))
    content_h = PAGE_H - MARGIN_TOP - MARGIN_BOTTOM
    pages = _paginate(prepared.rows, content_h)
    municipality = prepared.data.value("municipality")
    header = "Kommunales Integrationsmanagement NRW"
    if municipality:
        header += f" · {municipality}"
    day = (today or date.today()).strftime("%d.%m.%Y")
    for number, page_rows in enumerate(pages, 1):
        canvas.setLineWidth(0.6)
        for line in layout_paragraph(header, PAGE_W, SMALL, "de", False):
            _text(canvas, line, MARGIN_X, PAGE_H - 30.0)
        for line in layout_paragraph(day, PAGE_W, SMALL, "de", False):
            _text(canvas, line, PAGE_W - MARGIN_X - line.width, PAGE_H - 30.0)
        canvas.setStrokeGray(0.75)
        canvas.line(MARGIN_X, PAGE_H - 35.0, PAGE_W - MARGIN_X, PAGE_H - 35.0)
        canvas.setStrokeGray(0.0)
        top = PAGE_H - MARGIN_TOP
        on_page: dict[str, Column] = {}
        for row in page_rows:
            row_cols = row.columns or cols
            for col, cell in zip(row_cols, row.cells, strict=True):
                _draw_cell(canvas, cell, col.x, top)
                on_page.setdefault(col.lang, col)
            top -= row.height + row.space_after
        _footer(canvas, list(on_page.values()) or cols, number, len(pages))
        canvas.showPage()
    _save_binary(canvas)
    return buf.getvalue()


_a85_lock = threading.Lock()


def _save_binary(canvas: Any) -> None:
    """Save with binary (zlib only) page streams. reportlab wraps them in ASCII85 by default, in
    pure Python here: about 8 ms per handout for nothing (the PDF is never mailed as 7-bit text).
    The switch is reportlab's global ``rl_config.useA85``, so it is flipped only for this save."""
    from reportlab import rl_config

    with _a85_lock:
        previous = rl_config.useA85
        rl_config.useA85 = 0
        try:
            canvas.save()
        finally:
            rl_config.useA85 = previous


def _text(canvas: Any, line: Line, x: float, y: float) -> None:
    from kimdesk.handouts.draw import draw_line

    draw_line(canvas, line, x, y)


def _footer(canvas: Any, cols: list[Column], number: int, total: int) -> None:
    canvas.setStrokeGray(0.75)
    canvas.line(MARGIN_X, MARGIN_BOTTOM - 14.0, PAGE_W - MARGIN_X, MARGIN_BOTTOM - 14.0)
    canvas.setStrokeGray(0.0)
    y = MARGIN_BOTTOM - 20.0
    for col in cols:
        cell = Cell(col.width, col.rtl)
        parts = [col.t("common.page", page=number, pages=total)]
        if col.texts.is_draft:
            parts.insert(0, col.t("common.draft"))
        cell.text(" · ".join(parts), SMALL, col.lang)
        _draw_cell(canvas, cell, col.x, y)
        if col.width > PAGE_W / 2:  # full-width footers (stacked layout) go one under the other
            y -= cell.height


def write_pdf(pdf: bytes, out: Path) -> None:
    """Write atomically (:func:`kimdesk.vault.files.atomic_write`). A filled handout carries
    personal data: readable by its owner only, unless it replaces a file whose permissions
    someone chose."""
    out = Path(out)
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise HandoutError(N_("Cannot write {path}: {reason}"), path=str(out),
                           reason="the folder does not exist")
    try:
        atomic_write(out, pdf)
    except OSError as exc:
        raise HandoutError(N_("Cannot write {path}: {reason}"), path=str(out),
                           reason=exc.strerror or str(exc)) from exc


def render_handout(
    template: str,
    lang: str,
    second_lang: str | None = None,
    data: HandoutData | None = None,
    out: Path | None = None,
    *,
    templates_dir: Path | None = None,
    texts_dir: Path | None = None,
    layout: str = "side",
) -> bytes:
    """Check, lay out and render a handout; write it to ``out`` when given. Returns the PDF."""
    prepared = prepare(template, lang, second_lang, data, templates_dir=templates_dir,
                       texts_dir=texts_dir, layout=layout)
    pdf = render_pdf(prepared)
    if out is not None:
        write_pdf(pdf, out)
    return pdf
