"""The PDF report: the statement of what was suppressed, then per table a bar chart of the Kreis
totals and the table itself (A4 landscape, reportlab).

Only published numbers reach the page (everything comes from :func:`export.document`); a bar of a
suppressed total is left out and its label says ".". Fonts are the Noto files in
``resources/fonts``, chosen per character as on the handouts (:func:`_markup`): a municipality
typed in Arabic, Hebrew, Georgian, Armenian or Ge'ez prints in its script. With an Arabic or
Persian interface the report is written in German (see :func:`write_pdf`); right-to-left text
that still occurs (a municipality name) gets HarfBuzz shaping and its words in visual order.
Chart axis labels are plain strings reportlab cannot shape, so Arabic-script labels show their
codes there.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

from kimdesk.i18n import N_, current_language, gettext, is_rtl
from kimdesk.stats import Report
from kimdesk.stats.export import Progress, document
from kimdesk.stats.pdfchart import chart
from kimdesk.stats.pdfwrap import fit

_ = gettext
#: letters of a script Noto Sans lacks (Arabic, Hebrew, Armenian, Georgian, Ethiopic, CJK, ...):
#: a header with one is set by :func:`_markup`, not by :func:`pdfwrap.fit`
_NOT_LATIN = re.compile(r"[\u0530-\u08FF\u10A0-\u10FF\u1200-\u139F\u1C90-\u1CBF"
                        r"\u2D00-\u2DDF\u2E80-\uFFFF]")


@functools.lru_cache(maxsize=1)
def _fonts() -> dict[str, str]:
    """Register the fonts once; fall back to Helvetica when the files are missing. Besides
    "regular", "bold" and "arabic" (the styles' base fonts), one name per font role and weight
    of :data:`kimdesk.handouts.fonts.FAMILIES` ("georgian", "hebrew-bold", ...): the same
    files as the handouts, registered as reportlab's own shapable TTFonts (its paragraphs shape
    and order right-to-left runs with HarfBuzz when a style sets ``shaping``)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    from kimdesk.handouts.fonts import FAMILIES, font_path

    names = {"regular": "Helvetica", "bold": "Helvetica-Bold", "arabic": "Helvetica"}
    for role in FAMILIES:
        for bold in (False, True):
            file = font_path(role, bold)
            key = role + ("-bold" if bold else "")
            names[key] = "Helvetica-Bold" if bold else "Helvetica"
            if file.is_file():
                name = f"KDS-{file.stem}"
                if name not in pdfmetrics.getRegisteredFontNames():
                    font = TTFont(name, str(file))
                    # reportlab registers one font object per face name: a second font of the
                    # same file gets the first one's object. The handouts' HandoutFont of the
                    # same file (not shapable, with keys of its own) and this one must not meet:
                    # the handouts then failed after a statistics PDF in the same process
                    # (AttributeError: original_cmap), and the statistics' Arabic went
                    # unshaped after a handout. So this face has a name of its own.
                    font.face.name = font.face.name + FACE_SUFFIX
                    pdfmetrics.registerFont(font)
                names[key] = name
    names["regular"], names["bold"], names["arabic"] = (
        names["latin"], names["latin-bold"], names["arabic"])
    return names


#: added to the PostScript name of the statistics PDF's fonts (see :func:`_fonts`)
FACE_SUFFIX = b"-Stats"
#: runs whose script reportlab must shape and set right to left (style with ``shaping``)
_RTL_ROLES = frozenset({"arabic", "hebrew"})


def _markup(text: str, bold: bool = False) -> tuple[str, bool]:
    """(Paragraph markup, whether it needs a right-to-left style with shaping). Every run that
    is not Latin is set in its script's font, chosen per character as on the handouts
    (:func:`kimdesk.handouts.fonts.script_runs`: Georgian, Armenian, Hebrew, Ethiopic, Arabic;
    "[…]" for letters no bundled font has); in a right-to-left style the Latin runs are tagged
    too (its base font is Naskh, which lacks Latin letters and ASCII parentheses)."""
    from xml.sax.saxutils import escape

    from kimdesk.handouts.fonts import script_runs

    runs = script_runs(text, bold)
    if all(role == "latin" for role, _run in runs):
        return escape("".join(run for _role, run in runs)), False
    rtl = any(role in _RTL_ROLES for role, _run in runs)
    if rtl:
        runs = _visual_words(runs)
    f = _fonts()
    suffix = "-bold" if bold else ""
    return "".join(escape(run) if role == "latin" and not rtl else
                   f'<font name="{f[role + suffix]}">{escape(run)}</font>'
                   for role, run in runs), rtl


def _visual_words(runs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The runs of a text with right-to-left letters cut into words and put in visual order
    (UAX #9 levels and rule L2, the handouts' :func:`~kimdesk.handouts.layout.resolve_levels`
    and :func:`~kimdesk.handouts.layout.visual_order`), each word's letters left in logical
    order: reportlab's HarfBuzz shaping sets the letters of a right-to-left word right to left
    but keeps the *words* in the order given ("תל אביב" printed "Tel" left of "Aviv"). For one
    line, which a municipality's cell is (a name wider than its 38 mm column wraps with its
    lines in reversed order: not seen in practice, noted in docs/statistics.md)."""
    from kimdesk.handouts.layout import first_strong_rtl, resolve_levels, visual_order

    text = "".join(run for _role, run in runs)
    roles = [role for role, run in runs for _ch in run]
    rtl_base = first_strong_rtl(text)
    levels = resolve_levels(text, rtl_base)
    words: list[tuple[int, str, str]] = []  # (level, role, text); a space is a word of its own
    for i, ch in enumerate(text):
        last = words[-1] if words else None
        if last is not None and " " not in (ch, last[2][-1]) and last[:2] == (levels[i], roles[i]):
            words[-1] = (last[0], last[1], last[2] + ch)
        else:
            words.append((levels[i], roles[i], ch))
    order = visual_order([level for level, _role, _word in words], int(rtl_base))
    return [(words[i][1], words[i][2]) for i in order]


def _para(text: Any, style: Any, arabic_style: Any) -> Any:
    from reportlab.platypus import Paragraph

    markup, rtl = _markup("" if text is None else str(text), style.fontName == _fonts()["bold"])
    return Paragraph(markup, arabic_style if rtl else style)


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
    return [_para(text, st["cell"], st["arabic_cell"]) if _NOT_LATIN.search(text) else
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
