"""The case view's sections as a strip of names that wraps into rows, driving its tab widget.

Nine sections ("Person und Fall" … "Verlauf") did not fit one tab row: at the default window size
(1280 px, the case pane 737 px wide) the German tab row needed 866 px, Turkish 822, Russian 812,
Ukrainian 784; "Notizen" was cut and "Verlauf" hid behind the tab bar's scroll arrows, so a
counselor did not see that the notes and the history exist. Eliding the tab texts made "Ziele"
"Zi…". :class:`SectionList` shows every name whole and starts a second row where the first is full;
a vertical list beside the pages would have cost the pages its width (up to 150 px), and the
bilingual form then scrolled sideways in six of seven languages (docs/gui.md, "Sections of a
case").

The :class:`QTabWidget` stays, its own bar hidden: code and tests that choose a page with
``tabs.setCurrentWidget``/``setCurrentIndex``, read ``tabText``, ``indexOf`` or ``currentIndex``
work as before, and the strip follows whichever side changed.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QBoxLayout,
    QListView,
    QListWidget,
    QListWidgetItem,
    QSizePolicy,
    QTabWidget,
    QWidget,
)

from kimdesk.i18n import gettext

_ = gettext

SPACING = 2  # px around each name (Qt's list spacing: twice this between two names)


def plain(text: str) -> str:
    """A tab text without its mnemonic marker (``&Notes`` -> ``Notes``, ``&&`` -> ``&``): a list
    item would show the ``&`` itself."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


class SectionList(QListWidget):
    """One name per page of ``tabs``, left to right (right to left in Arabic and Persian), wrapped
    into as many rows as the width needs; choosing a name shows its page and the other way round.

    Its height is the height of its rows at its width (:meth:`heightForWidth`, computed the way
    Qt's list lays the names out), so no name is ever scrolled away or elided.

    Keys: Left/Right move to the previous/next section in reading order (mirrored in Arabic and
    Persian, on into the next row), Up/Down to the row above/below, Home/End to the first/last;
    Enter or Space gives the keyboard to the section shown; Ctrl+Tab / Ctrl+Shift+Tab (which
    Qt's tab widget answers inside a page too) and Ctrl+PgDown / Ctrl+PgUp step round them. The
    window's Alt+1 … Alt+9 go through ``tabs`` and the strip follows."""

    def __init__(self, tabs: QTabWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tabs = tabs
        self.setObjectName("sectionList")
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setSpacing(SPACING)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)  # each name gets its full width
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        tabs.tabBar().hide()
        tabs.setFocusProxy(self)  # "give the tabs the keyboard" (Enter in the case list) = here
        self.currentRowChanged.connect(self._row_chosen)
        tabs.currentChanged.connect(self._page_shown)

    # -- following the tab widget --------------------------------------------------------------
    def sync(self) -> None:
        """Names from ``tabs`` (after the pages are built and after every language switch)."""
        self.blockSignals(True)
        try:
            while self.count() > self.tabs.count():
                self.takeItem(self.count() - 1)
            for index in range(self.tabs.count()):
                item = self.item(index)
                if item is None:
                    item = QListWidgetItem()
                    self.addItem(item)
                item.setText(plain(self.tabs.tabText(index)))
                item.setToolTip(self.tabs.tabToolTip(index))
            self.setCurrentRow(self.tabs.currentIndex())
        finally:
            self.blockSignals(False)
        self.setAccessibleName(_("Sections of the case"))
        self.setAccessibleDescription(_("Left and Right choose a section; Alt+1 to Alt+9 jump "
                                        "to one from anywhere in the window."))
        self.updateGeometry()
        self.scheduleDelayedItemsLayout()  # new texts, new widths: lay the rows out again

    def _row_chosen(self, row: int) -> None:
        if 0 <= row < self.tabs.count() and row != self.tabs.currentIndex():
            self.tabs.setCurrentIndex(row)

    def _page_shown(self, index: int) -> None:
        if index != self.currentRow():
            self.blockSignals(True)
            self.setCurrentRow(index)
            self.blockSignals(False)

    # -- size ----------------------------------------------------------------------------------
    def _name_sizes(self) -> list[QSize]:
        return [self.sizeHintForIndex(self.model().index(row, 0)) for row in range(self.count())]

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        """The height of the rows at ``width``: the flow of ``QListModeViewBase::doStaticLayout``
        (each name takes its width and twice the spacing; a new row starts where the next name
        would reach the right edge)."""
        frame = 2 * self.frameWidth()
        end = width - frame
        flow = row_top = SPACING
        row_height = 0
        for size in self._name_sizes():
            step = size.width() + SPACING
            if flow + step >= end:  # Qt's test, also for a row's first name
                flow = SPACING
                row_top += SPACING + row_height
                row_height = 0
            row_height = max(row_height, size.height() + SPACING)
            flow += SPACING + step
        return row_top + row_height + frame

    def minimumSizeHint(self) -> QSize:
        """Never narrower than the longest name needs, so no name is elided however far the
        splitter is dragged (the pane then stops there)."""
        sizes = self._name_sizes()
        widest = max((s.width() for s in sizes), default=0)
        width = widest + 3 * SPACING + 2 * self.frameWidth() + 1
        return QSize(width, self.heightForWidth(width))

    def sizeHint(self) -> QSize:
        width = sum(s.width() + 2 * SPACING for s in self._name_sizes()) + SPACING
        width += 2 * self.frameWidth() + 1
        return QSize(width, self.heightForWidth(max(self.width(), 1)))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange,
                            QEvent.Type.LayoutDirectionChange):
            self.updateGeometry()

    # -- keys ----------------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, mods = event.key(), event.modifiers()
        ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
        step = 0
        if ctrl and key == Qt.Key.Key_Tab:
            step = -1 if mods & Qt.KeyboardModifier.ShiftModifier else 1
        elif ctrl and key == Qt.Key.Key_Backtab:
            step = -1
        elif ctrl and key in (Qt.Key.Key_PageDown, Qt.Key.Key_PageUp):
            step = 1 if key == Qt.Key.Key_PageDown else -1
        if step:
            self.setCurrentRow((self.currentRow() + step) % max(self.count(), 1))
            return
        held = Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ShiftModifier | \
            Qt.KeyboardModifier.MetaModifier
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Right) and not ctrl and not mods & held:
            # In reading order, on into the next row (Qt's list would stop at a row's end).
            ahead = (key == Qt.Key.Key_Right) != self.isRightToLeft()
            row = self.currentRow() + (1 if ahead else -1)
            if 0 <= row < self.count():
                self.setCurrentRow(row)
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space) and not ctrl:
            page = self.tabs.currentWidget()
            if page is not None:
                first_input(page).setFocus(Qt.FocusReason.TabFocusReason)
            return
        super().keyPressEvent(event)


def first_input(page: QWidget) -> QWidget:
    """The first widget inside ``page`` that takes the keyboard by Tab (the page itself when it has
    none): Enter on a section name goes there, as Tab would."""
    widget = page.nextInFocusChain()
    while widget is not page and widget is not None:
        if page.isAncestorOf(widget) and widget.isVisibleTo(page) and widget.isEnabled() \
                and widget.focusPolicy() & Qt.FocusPolicy.TabFocus and widget.focusProxy() is None:
            return widget
        widget = widget.nextInFocusChain()
    return page


def install_sections(tabs: QTabWidget, after: QWidget | None = None) -> SectionList:
    """Put a :class:`SectionList` right above ``tabs``, where its tab bar was, in ``tabs``'s
    layout. In the keyboard's Tab order it comes right after ``after`` (the case header's last
    button), before the section's own inputs."""
    host = tabs.parentWidget()
    sections = SectionList(tabs, host)
    outer = host.layout() if host is not None else None
    if isinstance(outer, QBoxLayout):
        outer.insertWidget(outer.indexOf(tabs), sections)
    if after is not None:
        QWidget.setTabOrder(after, sections)
    sections.sync()
    return sections
