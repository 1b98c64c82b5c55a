"""The statistics PDF as seen on paper (issue 17): headers break between words or with a hyphen,
no table piece is a header with one row or a lone Kreis total, chart axes count in whole numbers.

The PDFs are the demo vault's, in German, English, Ukrainian, Arabic (written in German, see
``pdf.write_pdf``) and Turkish (no hyphenation dictionary), for every test period; their text is
read back with pypdf, whose lines follow the drawing order: a table's header cells line by line,
then row by row, each row label on its own line.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from openpyxl.utils import get_column_letter

from kimdesk.stats import build_report
from kimdesk.stats.export import document, write
from kimdesk.stats.pdfchart import nice_ticks
from kimdesk.stats.pdfwrap import break_points, fit, wrap
from kimdesk.vault.statsqueries import StatsQueries
from tests.stats.conftest import periods

LANGUAGES = ("de", "en", "uk", "ar", "tr")


@pytest.fixture(scope="module")
def pdfs(stats_vault: object, tmp_path_factory: pytest.TempPathFactory) -> list[tuple]:
    """(language, period label, [page texts], document in the PDF's language) per PDF."""
    from pypdf import PdfReader

    from kimdesk.i18n import is_rtl, language

    folder = tmp_path_factory.mktemp("layout")
    out = []
    for i, period in enumerate(periods()):
        report = build_report(StatsQueries.of(stats_vault), period,  # type: ignore[arg-type]
                              internal=period.kind is None)
        for lang in LANGUAGES:
            with language(lang):
                path = write(report, folder / f"{lang}-{i}.pdf")
            with language("de" if is_rtl(lang) else lang):
                doc = document(report)
            pages = [p.extract_text() or "" for p in PdfReader(path).pages]
            out.append((lang, period.label, pages, doc))
    return out


def _label_pattern(label: str) -> re.Pattern[str]:
    """``label`` as printed when its lines break only between words, after a hyphen or slash
    it has, or at an added hyphen."""
    words = []
    for word in label.split():
        parts = []
        for ch in word[:-1]:
            parts.append(re.escape(ch) + (r"\s?" if ch in "-/–" else r"(?:-\n)?"))
        words.append("".join(parts) + re.escape(word[-1]))
    return re.compile(r"\s+".join(words))


def header_segments(pages: list[str], first_column: str, row_labels: set[str]) -> list[str]:
    """The text of every table header: from the line of the first column's label to the first
    row label."""
    out = []
    for text in pages:
        lines = text.split("\n")
        for i, line in enumerate(lines):
            if line.strip() == first_column:
                end = next((j for j in range(i + 1, len(lines))
                            if lines[j].strip() in row_labels), len(lines))
                out.append("\n".join(lines[i:end]))
    return out


def test_headers_break_between_words_or_with_a_hyphen(pdfs: list[tuple]) -> None:
    """Every header row is one table's labels, each word whole or broken at a hyphen; before,
    "Джобцентр" came out as "Джобцен" / "тр" and "(Anerkennung)" as "(" / "Anerkennung)"."""
    from kimdesk.i18n import gettext, language

    checked = 0
    for lang, period, pages, doc in pdfs:
        with language(doc["language"]):
            first = gettext("Municipality")
        tables = [t for t in doc["tables"] if not t["withheld"]]
        rows = {r["label"] for t in tables for r in t["rows"]}
        segments = header_segments(pages, first, rows)
        assert len(segments) >= len(tables), (lang, period)
        matched: set[str] = set()
        for segment in segments:
            fits = [t["id"] for t in tables if all(_label_pattern(c["label"]).search(segment)
                                                   for c in t["columns"])]
            assert fits, (lang, period, segment)
            matched.update(fits)
            checked += 1
        assert matched == {t["id"] for t in tables}, (lang, period)
    assert checked >= 16 * 10


def test_no_table_piece_is_a_header_with_one_row_or_a_lone_total(pdfs: list[tuple]) -> None:
    """Per page, each piece of a table (from its header to the next header or the page's end)
    has at least two body rows, and the Kreis total never stands with fewer than two rows."""
    from kimdesk.i18n import gettext, language

    pieces = 0
    for lang, period, pages, doc in pdfs:
        with language(doc["language"]):
            first = gettext("Municipality")
        rows = {r["label"] for t in doc["tables"] for r in t["rows"]}
        total = next(r["label"] for r in doc["tables"][0]["rows"] if r["municipality"] == "total")
        for number, text in enumerate(pages, 1):
            lines = [line.strip() for line in text.split("\n")]
            starts = [i for i, line in enumerate(lines) if line == first]
            for a, b in zip(starts, [*starts[1:], len(lines)][:len(starts)], strict=True):
                body = [line for line in lines[a + 1:b] if line in rows]
                where = (lang, period, number, body)
                assert len(body) >= 2, where
                if total in body:
                    assert len(body) >= 3, where
                pieces += 1
    assert pieces >= 16 * 10


def test_chart_axes_count_in_whole_numbers(pdfs: list[tuple]) -> None:
    """No chart axis shows fractions (an all-zero chart had 0 to 0.01 in steps of 0.002)."""
    for lang, period, pages, _doc in pdfs:
        text = "\n".join(pages)
        assert not re.search(r"(?m)^0\.0\d+$", text), (lang, period)
        assert not re.search(r"(?<![\d.,])0\.00[1-9]\b", text), (lang, period)


@pytest.mark.parametrize(("largest", "ticks"), [
    (0, [0, 1]), (-3, [0, 1]), (1, [0, 1]), (3, [0, 1, 2, 3]), (6, list(range(7))),
    (7, [0, 2, 4, 6, 8]), (12, [0, 2, 4, 6, 8, 10, 12]), (13, [0, 5, 10, 15]),
    (24, [0, 5, 10, 15, 20, 25]), (31, [0, 10, 20, 30, 40]), (251, [0, 50, 100, 150, 200, 250,
                                                                     300]),
    (396, [0, 100, 200, 300, 400]), (0.4, [0, 1]), (1000, [0, 200, 400, 600, 800, 1000]),
])
def test_nice_ticks(largest: float, ticks: list[int]) -> None:
    assert nice_ticks(largest) == ticks


def test_ticks_are_integer_1_2_5_steps_for_every_size() -> None:
    for largest in range(1, 5000, 7):
        ticks = nice_ticks(largest)
        step = ticks[1]
        assert ticks[0] == 0 and ticks[-1] >= largest and len(ticks) - 1 <= 6
        assert ticks[-1] - step < largest
        assert int(str(step).rstrip("0") or "0") in (1, 2, 5), step
        assert ticks == list(range(0, ticks[-1] + 1, step))


def test_suppressed_dots_sit_on_their_bars_line() -> None:
    """An all-suppressed chart: integer axis 0 to 1, one "." per suppressed bar, inside that
    bar's row."""
    from reportlab.graphics.charts.barcharts import HorizontalBarChart
    from reportlab.graphics.shapes import String

    from kimdesk.stats.pdfchart import chart

    table = {"columns": [{"code": c, "label": c} for c in ("a", "b", "c", "total")],
             "rows": [{"municipality": "total", "values": {"a": ".", "b": 0, "c": ".",
                                                           "total": "."}}]}
    d = chart(table, 700, "Helvetica")
    bars = next(x for x in d.contents if isinstance(x, HorizontalBarChart))
    assert bars.valueAxis.valueSteps == [0, 1]
    dots = [x for x in d.contents if isinstance(x, String) and x.text == "."]
    assert len(dots) == 2
    slot = bars.height / 3
    # categories are drawn bottom up: c in the bottom row, a in the top row
    for dot, row in zip(dots, (0, 2), strict=True):
        assert bars.y + row * slot <= dot.y <= bars.y + (row + 1) * slot
        assert bars.x < dot.x < bars.x + 5


def test_wrap_hyphenates_with_the_dictionary() -> None:
    def measure(s: str) -> float:
        return 5.0 * len(s)

    assert wrap("employment agency", 40, measure, "en") == ["employ-", "ment", "agency"]
    assert wrap("Джобцентр (Jobcenter)", 35, measure, "uk") == ["Джоб-", "центр", "(Job-",
                                                                "center)"]
    assert wrap("Rheda-Wiedenbrück", 60, measure, "tr") == ["Rheda-", "Wiedenbrück"]
    assert wrap("Aufenthaltsgestattung", 40, measure, "tr") is None  # no Turkish dictionary
    forced = wrap("Aufenthaltsgestattung", 40, measure, "tr", force=True)
    assert forced and all(line.endswith("-") for line in forced[:-1])
    assert "".join(line.rstrip("-") for line in forced) == "Aufenthaltsgestattung"
    assert ("Aus-", "länderbehörde") in break_points("Ausländerbehörde", "uk")
    # Turkish has no dictionary, but a parenthesised German term hyphenates as German
    assert wrap("Yabancılar Dairesi (Ausländerbehörde)", 60, measure, "tr") == [
        "Yabancılar", "Dairesi", "(Ausländer-", "behörde)"]


def test_fit_shrinks_the_whole_header_row_together() -> None:
    rows, size = fit(["ab", "Aufenthaltsgestattung"], [30.0, 30.0], "Helvetica", "tr")
    assert size == 5.0 and rows[0] == ["ab"]
    rows, size = fit(["ab", "cd"], [30.0, 30.0], "Helvetica", "de")
    assert size == 7.0 and rows == [["ab"], ["cd"]]


@pytest.mark.parametrize("lang", ["de", "en", "ar", "fa", "tr", "uk", "ru"])
def test_xlsx_sheets_are_named_in_the_language_and_have_charts(stats_vault: object,
                                                              tmp_path: Path,
                                                              lang: str) -> None:
    """Sheet names are the translated ones, valid for Excel (<= 31, no []:*?/\\, unique
    ignoring case); every table sheet that is not withheld has a bar chart whose data is the
    Kreis total row over the category columns and whose categories are the header cells."""
    from openpyxl import load_workbook

    from kimdesk.i18n import gettext, language
    from kimdesk.stats.xlsx import SHEETS, chart_columns

    report = build_report(StatsQueries.of(stats_vault), periods()[1])  # type: ignore[arg-type]
    with language(lang):
        path = write(report, tmp_path / f"{lang}.xlsx")
        doc = document(report)
        wanted = [gettext(SHEETS["info"]), *(gettext(SHEETS[t["id"]]) for t in doc["tables"])]
    wb = load_workbook(path)
    assert wb.sheetnames == wanted
    assert len({n.casefold() for n in wb.sheetnames}) == len(wb.sheetnames)
    for name in wb.sheetnames:
        assert 0 < len(name) <= 31 and not re.search(r"[\[\]:*?/\\]", name), name
    if lang != "en":
        assert not set(wb.sheetnames) & {"info", *(t.id for t in report.tables)}
    charts = 0
    for t, name in zip(doc["tables"], wb.sheetnames[1:], strict=True):
        ws = wb[name]
        assert ws.sheet_view.rightToLeft == (lang in ("ar", "fa"))
        if t["withheld"]:
            continue
        (chart,) = ws._charts
        (series,) = chart.series
        cols = [get_column_letter(i + 2) for i in chart_columns(t)]
        total_row = 4 + len(t["rows"])
        quoted = "'" + name.replace("'", "''") + "'"
        assert series.val.numRef.f == f"{quoted}!${cols[0]}${total_row}:${cols[-1]}${total_row}"
        assert series.cat.strRef.f == f"{quoted}!${cols[0]}$4:${cols[-1]}$4"
        totals = next(r for r in t["rows"] if r["municipality"] == "total")["values"]
        assert [ws[f"{c}{total_row}"].value for c in cols] == [
            totals[t["columns"][i]["code"]] for i in chart_columns(t)]
        assert ws[f"A{total_row}"].value == next(r["label"] for r in t["rows"]
                                                  if r["municipality"] == "total")
        charts += 1
    assert charts >= 10


def test_sheet_names_are_made_valid_and_unique() -> None:
    from kimdesk.stats.xlsx import safe_sheet_name

    taken: set[str] = set()
    long = "Aktive Fälle nach Staatsangehörigkeit (Region)"
    first = safe_sheet_name(long, taken, "a")
    assert first == long[:31].rstrip() and len(first) <= 31
    second = safe_sheet_name(long, taken, "b")
    assert second.endswith(" (2)") and len(second) <= 31 and second != first
    assert safe_sheet_name("Schule / Kita: [neu]?*", taken, "c") == "Schule Kita neu"
    assert safe_sheet_name("SCHULE KITA NEU", taken, "d") == "SCHULE KITA NEU (2)"
    assert safe_sheet_name("'quoted'", taken, "e") == "quoted"
    assert safe_sheet_name("/:*?", taken, "gaps") == "gaps"
    assert safe_sheet_name("History", taken, "h") == "History (2)"
    assert safe_sheet_name("😀" * 20, taken, "i") == "😀" * 15  # two UTF-16 units each


def test_every_demo_table_stays_on_one_page(pdfs: list[tuple]) -> None:
    """Each demo table (with its chart) fits on a page, so none is split: its header is printed
    once. Before, "Closed cases by closure reason" left its header and Kreis total on page 3."""
    from kimdesk.i18n import gettext, language

    for lang, period, pages, doc in pdfs:
        with language(doc["language"]):
            first = gettext("Municipality")
        tables = [t for t in doc["tables"] if not t["withheld"]]
        rows = {r["label"] for t in tables for r in t["rows"]}
        assert len(header_segments(pages, first, rows)) == len(tables), (lang, period)


def _plain(cell: Any) -> str:
    """The text of a table cell (a Paragraph, or reportlab's tuple of one after wrapping)."""
    para = cell[0] if isinstance(cell, list | tuple) else cell
    return str(para.getPlainText())


def test_a_long_table_splits_with_two_rows_each_side_and_the_total_not_alone() -> None:
    """A table taller than a page (40 municipalities): at every height reportlab might offer,
    the split keeps at least 2 body rows in the first piece and 2 rows above the Kreis total in
    the last; the header is repeated."""
    from kimdesk.stats.pdf import MIN_ROWS, _grid, _styles

    rows = [{"municipality": f"m{i}", "label": f"Gemeinde {i}", "values": {"a": i, "total": i}}
            for i in range(40)]
    rows.append({"municipality": "total", "label": "Kreis gesamt",
                 "values": {"a": 780, "total": 780}})
    t = {"columns": [{"code": "a", "label": "Beschäftigungsagentur"},
                     {"code": "total", "label": "gesamt"}], "rows": rows}
    splits = 0
    for height in range(5, 600, 3):
        grid = _grid(t, 700, _styles(), rtl=False)
        grid.wrap(700, height)
        pieces = grid.split(700, height)
        if len(pieces) != 2:  # no split possible, or the whole table fits
            continue
        head, tail = pieces
        assert len(head._cellvalues) - 1 >= MIN_ROWS, height  # minus the header
        assert len(tail._cellvalues) - 1 >= MIN_ROWS + 1, height  # the header is repeated
        assert _plain(head._cellvalues[0][1]) == _plain(tail._cellvalues[0][1])
        assert _plain(tail._cellvalues[-1][0]) == "Kreis gesamt"
        splits += 1
    assert splits > 100
