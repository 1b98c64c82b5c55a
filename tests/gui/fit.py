"""Measuring whether texts fit their widgets (issue 18.10: "Name (lateinische Schrift", "إلغ",
"Phase wechseln" were cut at the default window size): a button narrower than its size hint, a
header section narrower than its text, with the same metrics Qt lays them out with."""

from __future__ import annotations

from PySide6.QtCore import Qt
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
