"""The PDF report: the statement of what was suppressed, then per table a bar chart of the Kreis
totals and the table itself (A4 landscape, reportlab).

Only published numbers reach the page (everything comes from :func:`export.document`); a bar of a
suppressed total is left out and its label says ".". Fonts are the Noto files in
``resources/fonts``. With an Arabic or Persian interface the report is written in German (see
:func:`write_pdf`); Arabic-script text that still occurs (a municipality name) gets the Naskh font
and HarfBuzz shaping, with characters Naskh lacks set in Noto Sans. Chart axis labels are plain
strings reportlab cannot shape, so Arabic-script labels show their codes there.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

from kimdesk.i18n import N_, current_language, gettext, is_rtl, resources_dir
from kimdesk.stats import Report
from kimdesk.stats.export import Progress, document
from kimdesk.stats.pdfchart import chart
from kimdesk.stats.pdfwrap import fit

_ = gettext
_ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF]")


@functools.lru_cache(maxsize=1)
def _fonts() -> dict[str, str]:
    """Register the fonts once; fall back to Helvetica when the files are missing."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    folder = resources_dir() / "fonts"
    names = {"regular": "Helvetica", "bold": "Helvetica-Bold", "arabic": "Helvetica"}
    for role, name, file in (("regular", "KDSans", "NotoSans-Regular.ttf"),
                             ("bold", "KDSans-Bold", "NotoSans-Bold.ttf"),
                             ("arabic", "KDNaskh", "NotoNaskhArabic-Regular.ttf")):
        if (folder / file).is_file():
            pdfmetrics.registerFont(TTFont(name, str(folder / file)))
            names[role] = name
    return names


@functools.lru_cache(maxsize=1)
def _naskh_chars() -> frozenset[int]:
    """Code points the Arabic font has; everything else (Latin letters, ASCII parentheses and
    quotes, which Noto Naskh lacks) is set in Noto Sans."""
    from reportlab.pdfbase import pdfmetrics

    name = _fonts()["arabic"]
    if name == "Helvetica":
        return frozenset()
    face = pdfmetrics.getFont(name).face
    return frozenset(face.charToGlyph)


def _markup(text: str) -> tuple[str, bool]:
    """(Paragraph markup, whether it needs the Arabic font and shaping)."""
    from xml.sax.saxutils import escape

    if not _ARABIC.search(text):
        return escape(text), False
    naskh = _naskh_chars()
    latin = _fonts()["regular"]
    out: list[str] = []
    run, run_latin = "", False
    for ch in text:
        is_latin = ord(ch) not in naskh and not ch.isspace()
        if run and is_latin != run_latin:
            out.append(f'<font name="{latin}">{escape(run)}</font>' if run_latin else escape(run))
            run = ""
        run, run_latin = run + ch, is_latin if run == "" else run_latin
    if run:
        out.append(f'<font name="{latin}">{escape(run)}</font>' if run_latin else escape(run))
    return "".join(out), True


def _para(text: Any, style: Any, arabic_style: Any) -> Any:
    from reportlab.platypus import Paragraph

    markup, arabic = _markup("" if text is None else str(text))
    return Paragraph(markup, arabic_style if arabic else style)


def _styles() -> dict[str, Any]:
    from reportlab.lib.enums import TA_LEFT, TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle

    f = _fonts()
    rtl = is_rtl(current_language())
    align = TA_RIGHT if rtl else TA_LEFT
    base = ParagraphStyle("kd", fontName=f["regular"], fontSize=9, leading=11, alignment=align)
    return {
        "title": ParagraphStyle("kdt", parent=base, fontName=f["bold"], fontSize=16, leading=20),
        "h": ParagraphStyle("kdh", parent=base, fontName=f["bold"], fontSize=12, leading=15,
                            spaceBefore=6),
        "body": base,
        "cell": ParagraphStyle("kdc", parent=base, fontSize=7, leading=8.5),
        "num": ParagraphStyle("kdn", parent=base, fontSize=7, leading=8.5, alignment=TA_RIGHT),
        "arabic": ParagraphStyle("kda", parent=base, fontName=f["arabic"], shaping=1,
                                 alignment=align),
        "arabic_cell": ParagraphStyle("kdac", parent=base, fontName=f["arabic"], fontSize=7,
                                      leading=9, shaping=1, alignment=TA_RIGHT),
        "arabic_title": ParagraphStyle("kdat", parent=base, fontName=f["arabic"], fontSize=14,
                                       leading=20, shaping=1, alignment=align),
    }


#: body rows a piece of a split table keeps at least (the Kreis total counts in the last piece)
MIN_ROWS = 2
#: a table cell's left and right padding (points)
PAD = 3


def _headers(texts: list[str], widths: list[float], st: dict[str, Any]) -> list[Any]:
    """The header cells, laid out by :func:`pdfwrap.fit`: broken between words or with a
    hyphen, all in one size."""
    from xml.sax.saxutils import escape

    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph

    rows, size = fit(texts, [w - 2 * PAD - 0.5 for w in widths], st["cell"].fontName,
                     current_language())
    style = ParagraphStyle(f"kdhead{size}", parent=st["cell"], fontSize=size,
                           leading=size * 1.2, splitLongWords=0)
    return [_para(text, st["cell"], st["arabic_cell"]) if _ARABIC.search(text) else
            Paragraph("<br/>".join(escape(line) for line in lines), style)
            for text, lines in zip(texts, rows, strict=True)]


def _grid(t: dict[str, Any], width: float, st: dict[str, Any], rtl: bool) -> Any:
    """The table of ``t``. Where it must split across pages, every piece repeats the header and
    keeps at least :data:`MIN_ROWS` body rows, the last piece the Kreis total and
    :data:`MIN_ROWS` rows above it (reportlab's NOSPLIT ranges)."""
    from reportlab.lib import colors
    from reportlab.lib.units import mm
    from reportlab.platypus import LongTable, TableStyle

    first = 38 * mm
    rest = (width - first) / max(len(t["columns"]), 1)
    widths = [first] + [rest] * len(t["columns"])
    header = _headers([_(N_("Municipality")), *(c["label"] for c in t["columns"])], widths, st)
    body = [[_para(r["label"], st["cell"], st["arabic_cell"]),
             *(_para("–" if r["values"][c["code"]] is None else r["values"][c["code"]],
                     st["num"], st["arabic_cell"]) for c in t["columns"])] for r in t["rows"]]
    if rtl:  # right-to-left languages read the table from the right: mirror it
        header, body, widths = header[::-1], [r[::-1] for r in body], widths[::-1]
    grid = LongTable([header, *body], colWidths=widths, repeatRows=1)
    n = len(body)
    grid.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#999999")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef2")),
        ("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#f3f3f3")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        # the cells are Paragraphs with their own fonts, but the table still selects its
        # cell font (default Helvetica, which would be a font not embedded)
        ("FONT", (0, 0), (-1, -1), _fonts()["regular"], 7),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ("LEFTPADDING", (0, 0), (-1, -1), PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), PAD),
        # no split after the header or the first body row, none among the last rows
        ("NOSPLIT", (0, 0), (-1, min(MIN_ROWS, n))),
        ("NOSPLIT", (0, max(n - MIN_ROWS, 1)), (-1, n)),
    ]))
    return grid


#: The Land's reporting language: the PDF falls back to it for right-to-left UI languages.
FALLBACK_LANGUAGE = "de"


def write_pdf(report: Report, path: Path, progress: Progress | None = None) -> None:
    """Write the PDF report in the current language; for Arabic and Persian in German instead:
    reportlab lays out single right-to-left lines well (table cells), but wrapped paragraphs with
    Latin words or ASCII parentheses come out in the wrong line order or the wrong font. The CSV,
    JSON and XLSX exports carry the translated labels in every language."""
    from kimdesk.i18n import language

    lang = current_language()
    with language(FALLBACK_LANGUAGE if is_rtl(lang) else lang):
        _write_pdf(report, path, progress)


def _write_pdf(report: Report, path: Path, progress: Progress | None = None) -> None:
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, PageBreak, SimpleDocTemplate, Spacer

    doc = document(report)
    st = _styles()
    rtl = is_rtl(current_language())
    page = landscape(A4)
    margin = 12 * mm
    width = page[0] - 2 * margin
    story: list[Any] = []

    def para(text: Any, style: str = "body") -> Any:
        arabic = {"title": "arabic_title", "cell": "arabic_cell", "num": "arabic_cell"}.get(
            style, "arabic")
        return _para(text, st[style], st[arabic])

    story.append(para(_(N_("KIM statistics")), "title"))
    story.append(para(f"{_(N_('Period'))}: {doc['period']['from']} – {doc['period']['to']}"))
    story.append(para(f"{_(N_('Created on'))}: {doc['created_on']}"))
    story.append(Spacer(1, 4 * mm))
    story.append(para(_(N_("What was suppressed and why")), "h"))
    for line in doc["disclosure"]["statement"]:
        story.append(para(line))
    story.append(PageBreak())
    total = len(doc["tables"])
    for i, t in enumerate(doc["tables"]):
        if progress:
            progress(i, total)
        head = [para(t["title"], "h"), para(t["population"])]
        if t["withheld"]:
            story.append(KeepTogether([*head, para(_(N_(
                "Withheld entirely, because its cells could otherwise be recomputed.")))]))
            continue
        grid = _grid(t, width, st, rtl)
        # the heading, the chart and the table on one page when they fit on one, else from the
        # top of a page on, the table split with its header repeated (see _grid). Not nested: an
        # inner KeepTogether reports an "infinite" height and would start a page every time.
        story.append(KeepTogether([*head, Spacer(1, 2 * mm), chart(t, width, _fonts()["regular"]),
                                   Spacer(1, 2 * mm), grid]))
        story.append(Spacer(1, 4 * mm))
    footer = _(N_("Suppressed cells: \".\" (fewer than {n} people, or to protect such cells)."))\
        .format(n=report.min_cell)

    foot = para(footer, "cell")

    def on_page(canvas: Any, _doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(_fonts()["regular"], 7)
        _w, h = foot.wrapOn(canvas, width - 20 * mm, 20 * mm)
        foot.drawOn(canvas, margin, 8 * mm - h)
        canvas.drawRightString(page[0] - margin, 5 * mm, str(canvas.getPageNumber()))
        canvas.restoreState()

    SimpleDocTemplate(str(path), pagesize=page, leftMargin=margin, rightMargin=margin,
                      topMargin=margin, bottomMargin=margin, title=_(N_("KIM statistics")),
                      author="KIMdesk",
                      # reportlab's default, Helvetica, would be listed as a font not embedded
                      initialFontName=_fonts()["regular"],
                      ).build(story, onFirstPage=on_page, onLaterPages=on_page)
    if progress:
        progress(total, total)
