"""Measuring whether texts fit their widgets (issue 18.10: "Name (lateinische Schrift", "إلغ",
"Phase wechseln" were cut at the default window size): a button narrower than its size hint, a
header section narrower than its text, with the same metrics Qt lays them out with."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextLayout, QTextLine, QTextOption
from PySide6.QtWidgets import (
    QAbstractButton,
    QCheckBox,
    QHeaderView,
    QRadioButton,
    QStyle,
    QToolButton,
    QWidget,
)


def header_text_width(header: QHeaderView, section: int) -> int:
    """The width a section needs to show its text uncut: text, the style's margins on both
    sides, and the sort arrow's room where the header shows one."""
    model = header.model()
    if model is None:
        return 0
    text = str(model.headerData(section, header.orientation(),
                                Qt.ItemDataRole.DisplayRole) or "")
    style = header.style()
    margin = style.pixelMetric(QStyle.PixelMetric.PM_HeaderMargin, None, header)
    needed = header.fontMetrics().horizontalAdvance(text) + 2 * margin
    if header.isSortIndicatorShown():
        needed += style.pixelMetric(QStyle.PixelMetric.PM_HeaderMarkSize, None, header) + margin
    return needed


def cut_texts(root: QWidget) -> list[str]:
    """Every visible button and horizontal header section under ``root`` whose text is cut."""
    problems: list[str] = []
    for button in root.findChildren(QAbstractButton):
        if not button.isVisibleTo(root) or not button.text() or button.width() <= 0:
            continue
        if isinstance(button, QRadioButton | QCheckBox):
            continue  # they wrap or sit in rows laid out for them; buttons are the issue
        if isinstance(button, QToolButton) and \
                button.toolButtonStyle() == Qt.ToolButtonStyle.ToolButtonIconOnly:
            continue  # its text is a tooltip and accessible name, never drawn
        hint = button.sizeHint().width()
        if button.width() < hint:
            problems.append(f"button {button.text()!r} ({button.objectName()}): "
                            f"{button.width()} < {hint}")
    for header in root.findChildren(QHeaderView):
        if not header.isVisibleTo(root) or header.orientation() != Qt.Orientation.Horizontal:
            continue
        for section in range(header.count()):
            if header.isSectionHidden(section):
                continue
            needed = header_text_width(header, section)
            if header.sectionSize(section) < needed:
                text = header.model().headerData(section, Qt.Orientation.Horizontal)
                view = header.parent()
                where = view.objectName() if view is not None else ""
                problems.append(f"header {text!r} ({where}): "
                                f"{header.sectionSize(section)} < {needed}")
    return problems


def clipped_widgets(root: QWidget) -> list[str]:
    """Every visible widget under ``root`` that is cut: one that reaches outside its parent, a
    label shorter or narrower than its text needs (a word-wrapped one: its height for its
    width), any other widget smaller than its minimum size hint. The parts of a composite widget
    (a spin box's frameless line edit, a date field's calendar button inside its edit, a table's
    header) are placed by that widget inside itself, smaller than they would ask for alone: they
    are not counted, their parent is."""
    from PySide6.QtWidgets import (
        QAbstractScrollArea,
        QAbstractSpinBox,
        QComboBox,
        QLabel,
        QLineEdit,
    )

    composite = (QAbstractSpinBox, QComboBox, QLineEdit, QAbstractScrollArea)

    problems: list[str] = []
    for widget in root.findChildren(QWidget):
        parent = widget.parentWidget()
        if not widget.isVisibleTo(root) or widget.isWindow() or parent is None \
                or isinstance(parent, composite):
            continue
        name = f"{type(widget).__name__} {widget.objectName()!r}"
        if not parent.rect().contains(widget.geometry()):
            problems.append(f"{name}: {widget.geometry()} outside {parent.objectName()!r} "
                            f"{parent.rect()}")
        if isinstance(widget, QLabel):
            if widget.wordWrap():
                needed = widget.heightForWidth(widget.width())
                if widget.height() < needed:
                    problems.append(f"{name}: height {widget.height()} < {needed} "
                                    f"at width {widget.width()}")
                continue
            hint = widget.sizeHint()
        else:
            hint = widget.minimumSizeHint()
        if widget.width() < hint.width() or widget.height() < hint.height():
            problems.append(f"{name}: {widget.width()}x{widget.height()} < "
                            f"{hint.width()}x{hint.height()}")
    return problems


def label_lines(label: QWidget) -> list[str]:
    """The lines a plain-text label draws its text in, broken where Qt breaks them: a word-wrapped
    label lays its text out at its contents' width in its font (``QTextOption.WordWrap``, what
    ``QPainter.drawText`` does for ``Qt.TextWordWrap``), which breaks at every break opportunity
    of Unicode's line breaking rules, after a hyphen or a slash too."""
    from PySide6.QtGui import QTextLayout, QTextOption
    from PySide6.QtWidgets import QLabel

    assert isinstance(label, QLabel)
    paragraphs = label.text().split("\n")
    if not label.wordWrap():
        return paragraphs
    width = label.contentsRect().width() - 2 * label.margin()
    lines: list[str] = []
    for paragraph in paragraphs:
        layout = QTextLayout(paragraph, label.font())
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WordWrap)
        layout.setTextOption(option)
        layout.beginLayout()
        while (line := layout.createLine()).isValid():
            line.setLineWidth(width)
        layout.endLayout()
        for index in range(layout.lineCount()):
            line = layout.lineAt(index)
            lines.append(paragraph[line.textStart():line.textStart() + line.textLength()])
    return lines


def broken_across_lines(root: QWidget, words: list[str]) -> list[str]:
    """Each visible label under ``root`` that breaks one of ``words`` (an address, a host)
    across two lines, with the lines it draws."""
    from PySide6.QtWidgets import QLabel

    problems: list[str] = []
    for label in root.findChildren(QLabel):
        if not label.isVisibleTo(root) or not label.text():
            continue
        lines = label_lines(label)
        for word in words:
            if word in label.text() and not any(word in line for line in lines):
                problems.append(f"{label.objectName()!r} breaks {word!r}: {lines}")
    return problems


def one_line(widget: QWidget, text: str) -> tuple[QTextLayout, QTextLine]:
    """``text`` laid out on one line as ``widget`` draws it (its font, its direction): the
    ``QTextLayout`` (keep it while the line is used) and its ``QTextLine``."""
    layout = QTextLayout(text, widget.font())
    option = QTextOption()
    option.setTextDirection(widget.layoutDirection())
    layout.setTextOption(option)
    layout.beginLayout()
    line = layout.createLine()
    line.setLineWidth(100_000)
    layout.endLayout()
    return layout, line


def right_to_left(widget: QWidget, text: str, parts: list[str]) -> list[str]:
    """``parts`` of ``text`` from the rightmost to the leftmost as Qt draws ``text`` on one line
    in ``widget``'s font and layout direction: the order a reader of a right-to-left script
    reads them in (a left-to-right reader reads the list backwards). Each part is found at its
    first place in ``text``; its place on the line is the middle of its characters' edges."""
    _layout, line = one_line(widget, text)
    middle: dict[str, float] = {}
    for part in parts:
        start = text.index(part)
        edges = [line.cursorToX(k, edge)[0] for k in range(start, start + len(part))  # type: ignore[index]
                 for edge in (QTextLine.Edge.Leading, QTextLine.Edge.Trailing)]
        middle[part] = (min(edges) + max(edges)) / 2
    return sorted(parts, key=lambda p: -middle[p])
