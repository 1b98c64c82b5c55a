"""The main window's status bar: who is working, how many cases the list shows, a busy bar for
database work that takes longer than half a second, short messages, and a mark on a vault that
anyone can open.

That mark: the demo vault's passphrase is public ("demo", printed on the unlock screen and in the
README), so anyone who copies the file reads it. Until 2026-12-06 nothing said so once it was
open: the demo looks exactly like the real app, and a counselor trying it could type a real
client into it (a review of the traces a counselor's day leaves). Every vault that "demo" opens
(the demo file, or any vault someone gave that passphrase) shows the mark for as long as it is
open."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QWidget

from kimdesk.gui.lang import format_int
from kimdesk.gui.worker import DbWorker
from kimdesk.i18n import N_, gettext, ngettext

#: Work shorter than this shows no busy bar (it would only flicker).
BUSY_DELAY_MS = 500
MESSAGE_MS = 5000
PUBLIC_VAULT = N_("Demo vault: anyone can open this file with the passphrase \"demo\". "
                  "Synthetic cases only; never enter a real client here.")


class StatusArea:
    """Fills ``bar`` with the user and count labels and the busy bar."""

    def __init__(self, bar: QStatusBar, worker: DbWorker) -> None:
        self.bar = bar
        self.worker = worker
        self.count_label = QLabel()
        self.count_label.setObjectName("countLabel")
        self.user_label = QLabel()
        self.user_label.setObjectName("userLabel")
        bar.addWidget(self.user_label)
        self.public_label = QLabel()
        self.public_label.setObjectName("publicVaultLabel")
        self.public_label.setWordWrap(True)
        self.public_label.setVisible(False)
        bar.addWidget(self.public_label, 1)
        self._public = False
        self._opened = 0  # counts unlocks: an answer about an earlier one is not shown
        # Appointments and reviews due today (kimdesk.gui.appointments); a link opens the agenda.
        self.reminder_label = QLabel()
        self.reminder_label.setObjectName("reminderLabel")
        self.reminder_label.setVisible(False)
        bar.addWidget(self.reminder_label)
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
        """Locked: nothing about the vault stays visible."""
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
            self.bar.showMessage(text, MESSAGE_MS)
