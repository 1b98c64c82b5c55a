"""The main window's status bar: who is working, how many cases the list shows, a busy bar for
database work that takes longer than half a second, short messages; and a mark on a vault that
anyone can open, in a strip across the top of the window.

That mark: the demo vault's passphrase is public ("demo", printed on the unlock screen and in the
README), so anyone who copies the file reads it. Until 2026-12-06 nothing said so once it was
open: the demo looks exactly like the real app, and a counselor trying it could type a real
client into it (a review of the traces a counselor's day leaves). Every vault that "demo" opens
(the demo file, or any vault someone gave that passphrase) shows the mark for as long as it is
open. Until 2026-12-07 the mark stood in the status bar: beside the user line, the reminder and
the sync status it wrapped into 3 lines in Ukrainian and 4 in Russian at 1280 px, and Qt's
status bar hides its ordinary widgets while a message is shown, so the warning went away for the
seconds of every "Consultation saved.". Across the window's top it takes one line in most
languages and stays (:func:`public_strip`).

Messages: Qt's status bar draws its temporary message as one line and cuts it where the
permanent widgets begin; at 1280 px in German that left about 600 px for "Ihre Eingaben für Fall …
wurden nicht gespeichert, …" (about 970 px). :class:`MessageBar` shows the message in a label
that wraps instead (the bar grows by a line while it is shown), and a long message stays longer
(:func:`message_ms`)."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QProgressBar,
    QSizePolicy,
    QStatusBar,
    QStyle,
    QStyleOption,
    QVBoxLayout,
    QWidget,
)

from kimdesk.gui.lang import format_int
from kimdesk.gui.worker import DbWorker
from kimdesk.i18n import N_, gettext, ngettext

#: Work shorter than this shows no busy bar (it would only flicker).
BUSY_DELAY_MS = 500
MESSAGE_MS = 5000
MESSAGE_MAX_MS = 20000
READ_CHARS_PER_S = 17  # a slow reader's pace: a 170-character sentence stays 10 s
PUBLIC_VAULT = N_("Demo vault: anyone can open this file with the passphrase \"demo\". "
                  "Synthetic cases only; never enter a real client here.")


def message_ms(text: str) -> int:
    """How long a message stays: 5 s, or as long as reading it takes, at most 20 s."""
    return min(MESSAGE_MAX_MS, max(MESSAGE_MS, len(text) * 1000 // READ_CHARS_PER_S))


class MessageText(QLabel):
    """The message, wrapped to the width the bar leaves it. Its preferred width is its longest
    word's, so it takes the room left of the permanent widgets (its stretch) without squeezing
    them (the sync status draws its server name with "…" when squeezed)."""

    def sizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(hint.width(), self.heightForWidth(max(self.width(), hint.width())))


class MessageBar(QStatusBar):
    """A status bar whose temporary message (``showMessage``; ``currentMessage`` and
    ``messageChanged`` as in Qt) is drawn by a word-wrapping label, never cut. Like Qt's message
    it hides the bar's ordinary widgets while it is shown and stands where they stood: the label
    is the first permanent widget, shown only while there is a message."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.message = MessageText()
        self.message.setObjectName("statusMessage")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.message.setSizePolicy(policy)
        self.message.setVisible(False)
        self.insertPermanentWidget(0, self.message, 1)
        self.messageChanged.connect(self._show)

    def _show(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def paintEvent(self, event: QPaintEvent) -> None:
        """Qt's painting, without its own single cut line of the message (the label has it)."""
        if not self.currentMessage():
            super().paintEvent(event)
            return
        painter = QPainter(self)
        option = QStyleOption()
        option.initFrom(self)
        self.style().drawPrimitive(QStyle.PrimitiveElement.PE_PanelStatusBar, option, painter,
                                   self)


def message_bar(window: QMainWindow) -> MessageBar:
    """Give ``window`` a :class:`MessageBar` (before anything is added to its status bar)."""
    bar = MessageBar(window)
    bar.setObjectName("statusBar")
    window.setStatusBar(bar)
    return bar


def public_strip(window: QMainWindow) -> QLabel:
    """A label above ``window``'s screens (its central widget, put into a holder with the label),
    hidden until it is given a text: the demo mark's place."""
    screens = window.takeCentralWidget()
    assert screens is not None  # the window's screens are set before the status bar
    label = QLabel()
    label.setObjectName("publicVaultLabel")
    label.setWordWrap(True)
    label.setVisible(False)
    holder = QWidget()
    layout = QVBoxLayout(holder)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    layout.addWidget(label)
    layout.addWidget(screens, 1)
    window.setCentralWidget(holder)
    return label


class StatusArea:
    """Fills ``bar`` with the user and count labels and the busy bar; the demo mark goes above
    the screens of the window that holds the bar."""

    def __init__(self, bar: QStatusBar, worker: DbWorker) -> None:
        self.bar = bar
        self.worker = worker
        self.count_label = QLabel()
        self.count_label.setObjectName("countLabel")
        self.user_label = QLabel()
        self.user_label.setObjectName("userLabel")
        # One line: it wrapped while the demo mark stood beside it (one line of "a.becker ·
        # Team Nord · Gütersloh" beside the mark, the reminder and the Russian sync status made
        # the bar 1286-1301 px wide, and the window with it; its default is 1280).
        bar.addWidget(self.user_label)
        window = bar.parentWidget()
        assert isinstance(window, QMainWindow)
        self.public_label = public_strip(window)
        self._public = False
        self._opened = 0  # counts unlocks: an answer about an earlier one is not shown
        # Appointments and reviews due today (kimdesk.gui.appointments); a link opens the agenda.
        self.reminder_label = QLabel()
        self.reminder_label.setObjectName("reminderLabel")
        self.reminder_label.setVisible(False)
        bar.addWidget(self.reminder_label, 1)  # the room the mark took before
        self.busy_bar = QProgressBar()
        self.busy_bar.setObjectName("busyBar")
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setMaximumWidth(120)
        self.busy_bar.setVisible(False)
        bar.addPermanentWidget(self.busy_bar)
        bar.addPermanentWidget(self.count_label)
        self._busy_timer = QTimer(bar)
        self._busy_timer.setSingleShot(True)
        self._busy_timer.setInterval(BUSY_DELAY_MS)
        self._busy_timer.timeout.connect(lambda: self.busy_bar.setVisible(self.worker.busy))
        worker.busy_changed.connect(self._busy_changed)

    def _busy_changed(self, busy: bool) -> None:
        if busy:
            self._busy_timer.start()
        else:
            self._busy_timer.stop()
            self.busy_bar.setVisible(False)

    def add_permanent(self, widget: QWidget) -> None:
        """A widget of another part (the sync status) at the right end."""
        self.bar.addPermanentWidget(widget)

    def show_user(self, *parts: str) -> None:
        """Counselor, team, municipality: the ones that are set."""
        self.user_label.setText(" · ".join(p for p in parts if p))

    def show_counts(self, shown: int, total: int) -> None:
        self.count_label.setText(ngettext(
            "{shown} of {total} case", "{shown} of {total} cases", total).format(
            shown=format_int(shown), total=format_int(total)))

    def clear(self) -> None:
        """Locked: nothing about the vault stays visible, the last message neither ("Case
        2026-…: Consultation saved." stood on the lock screen until it timed out: a walk through
        the GUI, 2026-12-07)."""
        self.bar.clearMessage()
        self.count_label.setText("")
        self.user_label.setText("")
        self.show_reminder("")
        self._opened += 1
        self._public = False
        self.retranslate()

    def mark_public(self) -> None:
        """After an unlock: ask the vault (it knows from the unlock, without a key derivation)
        whether its passphrase is the public one, and if so show the mark until the lock."""
        opened = self._opened

        def done(public: object) -> None:
            if opened == self._opened:  # still the same unlock
                self._public = bool(public)
                self.retranslate()

        self.worker.submit(lambda w: w.require_vault().public, done, lambda _exc: None)

    def retranslate(self) -> None:
        self.public_label.setText(gettext(PUBLIC_VAULT) if self._public else "")
        self.public_label.setVisible(self._public)

    def show_reminder(self, html: str) -> None:
        """The reminder line (rich text with a link); empty hides it."""
        self.reminder_label.setText(html)
        self.reminder_label.setVisible(bool(html))

    def show_message(self, text: str) -> None:
        if text:
            self.bar.showMessage(text, message_ms(text))
