"""The bar chart of a table's Kreis totals in the PDF report, and its value axis.

Counts are whole people, cases or events, so the axis shows whole numbers only: steps of 1, 2 or 5
times a power of ten (:func:`nice_ticks`). An axis that reportlab chooses on its own ends at odd
values (0, 99, 198, ...) and, when every published bar is 0 (or suppressed), runs from 0 to 0.01
in steps of 0.002. A suppressed total has no bar; its "." sits where the bar would begin, on the
bar's own line, so the reader sees which category it belongs to.
"""

from __future__ import annotations

import math
import re
from typing import Any

from kimdesk.stats.disclosure import SUPPRESSED
from kimdesk.stats.tables import TOTAL

BAR_COLOUR = "#2f6f8f"
_ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF]")
#: the most intervals an axis gets (a landscape page's chart is about 430 pt wide)
MAX_INTERVALS = 6
LABEL_SIZE, LABEL_MIN_SIZE = 7.0, 5.0


def nice_ticks(largest: float, max_intervals: int = MAX_INTERVALS) -> list[int]:
    """Integer ticks from 0 to the first multiple of the step at or above ``largest``; the step is
    the smallest of 1, 2, 5, 10, 20, 50, ... that needs at most ``max_intervals`` intervals. An
    axis of nothing (``largest`` <= 0) is 0 to 1, so an all-zero chart still has a scale."""
    if largest <= 0:
        return [0, 1]
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            step = factor * magnitude
            top = math.ceil(largest / step) * step
            if top // step <= max_intervals:
                return list(range(0, top + 1, step))
        magnitude *= 10


def _label_size(labels: list[str], font: str, room: float) -> float:
    """The category label size: 7 pt, smaller (not below 5 pt) when the longest label would run
    past the page margin."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    widest = max((stringWidth(s, font, LABEL_SIZE) for s in labels), default=0.0)
    if widest <= room:
        return LABEL_SIZE
    return max(LABEL_MIN_SIZE, LABEL_SIZE * room / widest)


def _fit(label: str, font: str, size: float, room: float) -> str:
    """``label`` cut with "…" to ``room`` at ``size`` (only when even the smallest size is too
    wide); the count in parentheses at its end is kept."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if stringWidth(label, font, size) <= room:
        return label
    head, _sep, count = label.rpartition(" (")
    tail = f"… ({count}"
    while head and stringWidth(head + tail, font, size) > room:
        head = head[:-1]
    return head.rstrip() + tail


def chart(table: dict[str, Any], width: float, font: str) -> Any:
    """Horizontal bars of the Kreis totals per category (suppressed totals: no bar, ".")."""
    from reportlab.graphics.charts.barcharts import HorizontalBarChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors

    columns = [c for c in table["columns"] if c["code"] != TOTAL and not
               c["code"].endswith("_pct")]
    total = next(r for r in table["rows"] if r["municipality"] == TOTAL)["values"]
    values = [total[c["code"]] if isinstance(total[c["code"]], int) else 0 for c in columns]
    labels = []
    for c in columns:
        text = c["code"] if _ARABIC.search(c["label"]) else c["label"]
        labels.append(f"{text} ({total[c['code']]})")
    bar_h = 10
    n = len(columns)
    height = bar_h * n + 20
    d = Drawing(width, height)
    # the renderer's starting state selects this font (else Helvetica, a font not embedded)
    d.initialFontName = font
    c = HorizontalBarChart()
    c.x, c.y = width * 0.38, 10
    c.width, c.height = width * 0.55, bar_h * n
    room = c.x - 6  # the labels end 5 pt left of the axis; the drawing starts at the margin
    size = _label_size(labels, font, room)
    c.data = [list(reversed(values))]
    c.categoryAxis.categoryNames = [_fit(s, font, size, room) for s in reversed(labels)]
    c.categoryAxis.labels.fontName = font
    c.categoryAxis.labels.fontSize = size
    ticks = nice_ticks(max(values, default=0))
    c.valueAxis.valueMin = 0
    c.valueAxis.valueMax = ticks[-1]
    c.valueAxis.valueSteps = ticks
    c.valueAxis.labelTextFormat = "%d"
    c.valueAxis.labels.fontName = font
    c.valueAxis.labels.fontSize = 6
    c.bars[0].fillColor = colors.HexColor(BAR_COLOUR)
    c.bars[0].strokeColor = None
    d.add(c)
    slot = c.height / max(n, 1)
    for i, col in enumerate(reversed(columns)):
        if total[col["code"]] == SUPPRESSED:
            # the bar's row, from the bottom; the dot sits on the baseline of the row's label
            y = c.y + (i + 0.5) * slot - size * 0.35
            d.add(String(c.x + 2, y, SUPPRESSED, fontName=font, fontSize=size + 1))
    return d
