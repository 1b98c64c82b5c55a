"""Composing a handout: blocks -> aligned rows in one or two language columns -> PDF pages.

Bilingual layout is side by side: every block becomes one *row* with a cell per language, so the
German sentence sits level with its translation and an office clerk can point at either. The
client's language takes the column on the side where its reading starts (right for Arabic, Persian,
Pashto), and inside a right-to-left cell everything is mirrored: text aligned right, checkboxes and
indents on the right, the fill-in line starting at the right.

Rendering is two passes (lay out every row, then paginate and draw) so the footer can say
"page 1 of 2". What a block puts in a row is :mod:`kimdesk.handouts.blocks`; the cells, rows and
page geometry are :mod:`kimdesk.handouts.cells`. The PDF is built in memory and only then
written: :func:`write_pdf` writes a temporary file beside the target, fsyncs it and renames it
over the target, so an error or a crash never leaves a half-written handout where the counselor
expects a good one.
"""

from __future__ import annotations

import io
import os
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from kimdesk.errors import FileError
from kimdesk.handouts.blocks import block_rows
from kimdesk.handouts.cells import (
    BOX,
    GUTTER,
    MARGIN_BOTTOM,
    MARGIN_TOP,
    MARGIN_X,
    PAGE_H,
    PAGE_W,
    SMALL,
    Cell,
    Column,
    Row,
)
from kimdesk.handouts.data import HandoutData
from kimdesk.handouts.fonts import PLACEHOLDER, font_set
from kimdesk.handouts.layout import Line, layout_paragraph
from kimdesk.handouts.templates import (
    SOURCE_LANGUAGE,
    HandoutError,
    Template,
    Texts,
    check_texts,
    load_template,
    load_texts,
)
from kimdesk.i18n import N_, is_rtl
from kimdesk.vault.files import atomic_write, plain_target

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

    @property
    def unprintable(self) -> bool:
        """Whether a typed value prints :data:`~kimdesk.handouts.fonts.PLACEHOLDER` for letters
        no bundled font has (Chinese, Japanese, Korean): the CLI and the dialog say so, since
        the counselor may want to type the Latin form instead."""
        return any(op[0] == "text" and PLACEHOLDER in op[1].logical_text
                   for row in self.rows for cell in row.cells for op in cell.ops)


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
    return prepare_template(template, first, second, data or HandoutData(), layout=layout)


def prepare_template(template: Template, first: Texts, second: Texts | None,
                     data: HandoutData, *, layout: str = "side") -> Prepared:
    """Lay out a template that is already loaded and checked (a file's, or one built in code
    such as the Auskunft's) in ``first``'s language, with ``second`` beside or after it."""
    columns = _columns(first.lang, second, first, layout)
    if layout == "stacked" and len(columns) == 2:
        rows = []
        for number, column in enumerate(columns):
            part = [row for block in template.blocks
                    for row in block_rows(block, [column], data)]
            for row in part:
                row.columns = [column]
            part[0].page_break_before = number > 0
            rows += part
    else:
        rows = [row for block in template.blocks for row in block_rows(block, columns, data)]
    return Prepared(template, columns, rows, data, first)


def _glued(row: Row, after: Row) -> bool:
    """Whether ``after`` must start on the page ``row`` ends on."""
    return (row.keep_with_next or after.keep_with_previous) and not after.page_break_before


def _chain(row: Row, queue: list[Row], content_h: float) -> tuple[float, float]:
    """(height ``row`` needs on its page, of that the rows glued after it with their spacing).

    A heading is glued to the row after it, a signature to the row before it (so the signature
    block and the last paragraph it signs share a page). The last row of a chain counts with at
    most a third of a page: a heading needs only the start of a long paragraph beside it."""
    rest = 0.0
    current = row
    for index, after in enumerate(queue):
        if not _glued(current, after):
            break
        last = index + 1 == len(queue) or not _glued(after, queue[index + 1])
        rest += current.space_after + (min(after.height, content_h / 3) if last else after.height)
        current = after
    return row.height + rest, rest


def _paginate(rows: list[Row], content_h: float) -> list[list[Row]]:
    """Rows onto pages: rows glued together (:func:`_chain`) start a new page together when they
    do not fit on this one, and a row that fits on no page, with what is glued to it, is cut
    between lines, so that its last lines go with the rows glued after it."""
    pages: list[list[Row]] = [[]]
    used = 0.0
    queue = list(rows)

    def place(row: Row) -> None:
        nonlocal used
        pages[-1].append(row)
        used += row.height + row.space_after

    def new_page() -> None:
        nonlocal used
        pages.append([])
        used = 0.0

    while queue:
        row = queue.pop(0)
        if row.page_break_before and pages[-1]:
            new_page()
        need, rest = _chain(row, queue, content_h)
        if need <= content_h - used or (not pages[-1] and need <= content_h):
            place(row)
            continue
        if need <= content_h:  # fits on a fresh page
            new_page()
            place(row)
            continue
        # Fits on no page with what is glued to it: fill the rest of this page (unless little is
        # left), but never with the whole row: at least its last line of text, and the fill-in
        # line under it, go on with the rows glued after it (a tail still too tall with them is
        # cut again on the next page).
        if pages[-1] and content_h - used <= 60:
            new_page()
        limit = min(content_h - used, row.last_text_bottom - 0.5) if rest else content_h - used
        halves = row.split(limit)
        if halves is not None and halves[0].height > 0:
            place(halves[0])
            new_page()
            queue.insert(0, halves[1])
        elif pages[-1]:
            new_page()
            queue.insert(0, row)
        else:  # not even one line fits: draw it and let it run over the bottom margin
            place(row)
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
    # /Lang tells screen readers and search which language to expect (the client's).
    # initialFontName: reportlab's default initial font is Helvetica, which every page's preamble
    # then selects and the PDF lists as a font it does not embed (print shops' preflight and
    # PDF/A checks reject that). A TrueType initial font is never selected in the preamble, and
    # Noto Sans is embedded anyway: every page's header is set in it.
    canvas = Canvas(buf, pagesize=(PAGE_W, PAGE_H), pageCompression=1, lang=client.lang,
                    initialFontName=font_set(False).font("latin").fontName)
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


def check_output(out: Path | str) -> Path:
    """Raise :class:`HandoutError` unless a handout can go to ``out``: a file name (not a
    folder) in a folder that exists, and not a file other than a PDF. Only a PDF (or an empty
    file) is replaced: ``-o`` naming the vault replaced the whole vault with a one-page PDF (a
    review of 2026-12-07). The CLI checks before it opens the vault, :func:`write_pdf` again."""
    text = str(out)
    if not text or text.endswith(("/", os.sep)):  # "-o handouts/": a folder was meant
        raise HandoutError(N_("{path} is a folder: give the name of the PDF file to write."),
                           path=text or ".")
    path = Path(out)
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise HandoutError(N_("{path} is a folder: give the name of the PDF file to write."),
                           path=text)
    if not folder.is_dir():
        raise HandoutError(N_("Cannot write {path}: the folder {folder} does not exist."),
                           path=text, folder=str(folder))
    try:  # a device or pipe: never opened (reading a pipe's head waited for ever)
        plain_target(path)
    except FileError as exc:
        raise HandoutError(N_("Cannot write {path}: {reason}"), path=text,
                           reason=exc.reason()) from None
    _refuse_non_pdf(path)
    return path


def write_pdf(pdf: bytes, out: Path | str) -> None:
    """Write atomically (:func:`kimdesk.vault.files.atomic_write`) after :func:`check_output`.
    A filled handout carries personal data: readable by its owner only, unless it replaces a
    file whose permissions someone chose."""
    path = check_output(out)
    try:
        atomic_write(path, pdf)
    except OSError as exc:  # FileError says why in the user's language
        reason = FileError.reason_of(exc)
        raise HandoutError(N_("Cannot write {path}: {reason}"), path=str(out),
                           reason=reason) from exc


def _refuse_non_pdf(out: Path) -> None:
    """Raise if ``out`` holds something other than a PDF (readers accept junk before the
    ``%PDF-`` header, up to 1 KiB); a missing or unreadable file is left to the write."""
    try:
        with open(out, "rb") as fh:
            head = fh.read(1024)
    except OSError:
        return
    if head and b"%PDF-" not in head:
        raise HandoutError(N_("{path} exists and is not a PDF: a handout does not replace it. "
                              "Choose another file name."), path=str(out))


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
