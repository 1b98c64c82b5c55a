"""Entries kept in the vault come back with their case: a refused save's after she left the case,
a lock's draft after unlock.

A save is queued on the vault lane; the counselor may open another case, close the case view,
lock or quit before its answer is in. When such a save is refused (changed meanwhile by sync,
mostly), its entries are written to the vault on the lane right after the refusal
(:func:`kimdesk.gui.lockdraft.keep_refused_save`): encrypted like everything else, never synced,
never a file of their own, one document per save (:func:`kimdesk.vault.drafts.keep_refused`). Its
answer then only says where they are (:meth:`KeptEdits.away`): a short status message that names
the case and a draft marker on it in the list. Before (a review, 2026-12-07), that answer reached a
case view showing another case, or none: a raw error box ("The persons record 3f2a... was changed
meanwhile"), and the entries were gone; at a quit or at a lock after Ctrl+W, too.

Whenever a case is read, its kept entries come with it (:attr:`CaseBundle.kept`), and
:meth:`KeptEdits.restore` puts them back on top of the stored values the way a lock draft always
came back: only the inputs she changed, a record editor opened again, a notice that says why and
names every input changed on both sides ("Phone (stored now: ...)"). Nothing is saved by itself:
she saves or reverts. The stored copy is deleted once the entries are on screen (the unsaved guard
and the lock draft protect them from then on), each document by its own key: one that arrived
meanwhile stays. A refused save whose case is still on screen is handled there, as before
(:mod:`kimdesk.gui.staleedit`), and its kept copy deleted at once (:meth:`KeptEdits.take`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kimdesk.gui.lang import ltr
from kimdesk.gui.lockdraft import MSG_CHANGED, MSG_RESTORED, PendingSave, merged, put_back
from kimdesk.gui.worker import DbWorker, where
from kimdesk.i18n import N_, gettext
from kimdesk.vault.drafts import CASE_DRAFTS
from kimdesk.vault.errors import StaleRecord, VaultLocked

if TYPE_CHECKING:
    from kimdesk.gui.caseview import CaseView

_ = gettext

MSG_KEPT_AWAY = N_("Your entries for case {number} were not saved because it was changed "
                   "meanwhile on another device; they come back when you open it.")
MSG_KEPT_FAILED = N_("Your entries for case {number} could not be saved; they were kept and come "
                     "back when you open it.")
MSG_GONE_AWAY = N_("Case {number} was deleted meanwhile (on another device, or at the end of its "
                   "retention period); your unsaved entries for it could not be kept.")
MSG_LOST_AWAY = N_("Your entries for case {number} could not be saved, and keeping them failed "
                   "too. Please enter them again.")
MSG_BACK = N_("Your entries that were not saved because this case was changed meanwhile on "
              "another device are back: save them to keep them.")
MSG_BACK_FAILED = N_("Your entries that could not be saved are back: save them to keep them.")


class KeptEdits:
    """The case view's side of kept entries. One per :class:`~kimdesk.gui.caseview.CaseView`."""

    def __init__(self, view: CaseView) -> None:
        self.view = view
        # Documents whose entries are on screen (their deletion is queued): a read answered
        # meanwhile still carries them and must not bring them back twice.
        self.taken: set[str] = set()
        # (case id, text): said of cases she left, shown above the case she is on (or opens
        # next): the status bar alone cut it in German at the window's default size.
        self._told: list[tuple[str, str]] = []

    def on_screen(self, case_id: str) -> bool:
        """Whether the case is the one shown, and the one last asked for."""
        view = self.view
        return view.bundle is not None and view.bundle.case.id == case_id \
            and view.requested_id == case_id

    def take(self, save: PendingSave) -> bool:
        """A refused save's entries are on screen (its case is): delete its kept copy. False when
        they came back already (the case was read again first)."""
        if save.key is None:
            return True
        if save.key in self.taken:
            return False
        self.taken.add(save.key)
        self._forget(save.case_id, [save.key])
        return True

    def away(self, save: PendingSave, exc: Exception) -> None:
        """A save failed whose case is no longer on screen: say where the entries are (not on
        the lock screen: it shows no case number; the entries come back all the same)."""
        view = self.view
        if not getattr(view.window(), "unlocked", True):
            return
        if save.key is not None:
            text = _(MSG_KEPT_AWAY if isinstance(exc, StaleRecord) else MSG_KEPT_FAILED).format(
                number=ltr(save.number))
            view.status_message.emit(text)
            view.drafts_changed.emit(save.case_id, True)
            self._told.append((save.case_id, text))
            if view.bundle is not None and view.requested_id == view.bundle.case.id:
                self._show_told()  # settled on another case; else once the next one is shown
        elif save.draft and not isinstance(exc, VaultLocked):  # locked: the lock screen says it
            text = _(MSG_GONE_AWAY if save.gone else MSG_LOST_AWAY).format(number=ltr(save.number))
            view.status_message.emit(text)
            tell(view, text)

    def restore(self) -> None:
        """The case on screen was read with kept entries: put those not on screen yet back on
        top of the stored values, reopen their record editors, say so in the notice."""
        self._show_told()
        view = self.view
        bundle = view.bundle
        fresh = [(key, doc) for key, doc in bundle.kept if key not in self.taken] \
            if bundle is not None else []
        if bundle is None or not fresh:
            return
        self.taken.update(key for key, _doc in fresh)
        lock = [doc for key, doc in fresh if key.startswith(CASE_DRAFTS)]
        refused = [doc for key, doc in fresh if not key.startswith(CASE_DRAFTS)]
        draft = merged(*(doc.get("draft") for doc in refused), *lock) or {}
        before = (view.person_form.snapshot(), view.case_form.snapshot())
        moved = put_back(view.person_form, draft.get("person"))
        moved += put_back(view.case_form, draft.get("case"))
        reopened = False
        # "record": the one editor of a lock draft written by an earlier version
        for part in draft.get("records") or [draft.get("record")]:
            found = reopen_record(view, part)
            reopened |= found is not None
            moved += found or []
        self._forget(bundle.case.id, [key for key, _doc in fresh])
        if not reopened and before == (view.person_form.snapshot(), view.case_form.snapshot()):
            return  # all of it is stored by now
        texts = [_(MSG_RESTORED)] if lock else []
        if refused:
            texts.append(_(MSG_BACK) if any(d.get("stale") for d in refused) else
                         _(MSG_BACK_FAILED))
        # also replaces the status bar's "they come back when you open it", now out of date
        view.status_message.emit(" ".join(texts))
        if moved:
            texts.append(_(MSG_CHANGED).format(fields="; ".join(moved)))
        self._notice(" ".join(texts))

    def _show_told(self) -> None:
        """What :meth:`away` said, above the case on screen, unless that is the case it was
        said of (its entries are back, with their own notice)."""
        view = self.view
        if view.bundle is None:
            return
        told, self._told = self._told, []
        for text in dict.fromkeys(text for case_id, text in told
                                  if case_id != view.bundle.case.id):
            self._notice(text)

    def _notice(self, text: str) -> None:
        """Add to the notice above the case (what it says already stays: a refusal's notice)."""
        view = self.view
        shown = "" if view.notice.isHidden() else view.notice.text()
        view.show_notice(" ".join(part for part in (shown, text) if part))

    def _forget(self, case_id: str, keys: list[str]) -> None:
        """The entries are on screen again: their stored copies go (each by its key)."""
        from kimdesk.vault.drafts import discard_kept

        view = self.view

        def job(w: DbWorker) -> bool:
            return discard_kept(w.require_vault(), case_id, keys)

        def failed(exc: Exception) -> None:
            import logging

            logging.getLogger(__name__).error("kept entries not deleted: %s", where(exc))

        view.worker.submit(job, lambda left: view.drafts_changed.emit(case_id, left), failed)


def reopen_record(view: CaseView, part: dict[str, Any] | None) -> list[str] | None:
    """Open a record editor of kept entries again; the inputs moved meanwhile, or None when none
    was opened."""
    if not part or part.get("kind") not in view.tab_widgets:
        return None
    key = str(part["kind"])
    records = view.tab_widgets[key].records
    existing = part.get("existing")
    row = next((i for i, r in enumerate(records) if existing and r.id == existing), -1)
    # A new record, or one deleted meanwhile: the entries come back in a new record.
    dialog = view.add_record(key) if row < 0 else view.edit_record(key, row)
    if dialog is None or not hasattr(dialog, "form"):
        return None
    return put_back(dialog.form, part)


def tell(view: CaseView, text: str) -> None:
    """A window-modal box over the case view (not ``QMessageBox.warning``: it blocks)."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QMessageBox

    message = QMessageBox(QMessageBox.Icon.Information, _("KIMdesk"), text,
                          QMessageBox.StandardButton.Ok, view)
    message.setObjectName("caseGone")
    message.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    message.setWindowModality(Qt.WindowModality.WindowModal)
    message.open()
