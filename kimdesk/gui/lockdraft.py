"""Locking keeps drafts: unsaved edits survive the lock, encrypted in the vault, and come back.

When the vault locks (the idle timeout or Ctrl+L) nobody may be asked anything and nothing may
stay on screen, yet throwing typed work away silently is worse than useless: the counselor who
was called away comes back to find the consultation gone. So at the lock :meth:`LockDrafts.keep`
collects what the open case has unsaved — the person and case fields that were edited, an open
record editor (consultation, note, goal, ...), which form of the Forms tab was open (its answers
are already a form draft, :mod:`kimdesk.forms.drafts`) and the tab shown — and queues one write to
the vault before the vault closes. That write waits for the sync lane's run to end (the lock
cancels it; a pulled page's transaction may hold the write lock longer than a write waits for it),
and the lock screen says the entries were kept only once it is done; if it fails, the screen says
they could not be kept. The documents live in the vault's device-local ``vault_meta``
table (:func:`kimdesk.vault.drafts.case_drafts`, :func:`~kimdesk.vault.drafts.gui_state`): encrypted
like everything else, never synced, never a file of their own.

After the next unlock :meth:`LockDrafts.resume` opens that case again; the edits come back with it,
as every kept entry does whenever its case is read (:class:`kimdesk.gui.keptedits.KeptEdits`): into
the same inputs (they count as unsaved, so the usual guard protects them), the record editor
reopened, a notice above the case; the resume adds the tab and the form that were open. Only the
inputs the counselor changed
are kept, each with the value it had before: if sync changed the case meanwhile, the other inputs
show the new stored values, and where the same input changed on both sides the counselor's entry
stays in the field while the notice names the stored value ("keep the draft, show both",
docs/gui.md). The case draft is deleted once it is back on screen.

A save asked for just before the lock counts as unsaved until its answer is in
(:class:`PendingSaves`): Ctrl+S marks the inputs clean at once, and a save still queued when the
vault locked may yet be refused (the record changed meanwhile by sync), after the lock, with
nobody left to show the entries to. That holds for every queued save, of the case on screen or of
one she left just before (Ctrl+W, another case): a refused one's entries are kept in the vault on
the lane at once (:func:`keep_refused_save`), and the draft, written on the vault lane behind those
saves, knows how each ended: the entries of a refused one go into its case's draft, those of one
that went through do not (they would come back, and a new record would be saved twice).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap

from kimdesk.gui.tone import say
from kimdesk.gui.worker import DbWorker, Job, OnDone, where
from kimdesk.i18n import N_, gettext

if TYPE_CHECKING:
    from kimdesk.gui.caseview import CaseView
    from kimdesk.gui.fields import FieldForm
    from kimdesk.gui.mainwindow import MainWindow
    from kimdesk.gui.records import RecordDialog

_ = gettext
log = logging.getLogger(__name__)

RESUME = "resume"
MSG_KEPT = N_("Unsaved entries were kept as an encrypted draft; they come back after unlock.")
MSG_LOST = N_("Unsaved entries could not be kept: writing the draft failed. Please enter them "
              "again after unlock.")
MSG_RESTORED = N_("Unsaved entries from before the lock are back. Save them (Ctrl+S) or undo them "
                  "with Revert.")
MSG_CHANGED = N_("Changed elsewhere meanwhile (sync) as well: {fields}. Your entries are in the "
                 "fields; Revert shows the stored version.")
MSG_STORED = N_("{field} (stored now: {value})")
MSG_EMPTY = N_("empty")
MSG_DRAFT_TIP = N_("A draft is saved for this case (kept encrypted in the vault).")


def draft_icon() -> QIcon:
    """A small drawn page with a pencil stroke: "a draft is saved" (no icon theme is
    guaranteed on the counselors' machines)."""
    pixmap = QPixmap(16, 16)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QColor("#8a5a00"))
    painter.fillRect(QRect(2, 1, 10, 14), QColor("#fff4ce"))
    painter.drawRect(QRect(2, 1, 10, 14))
    for y in (5, 8, 11):
        painter.drawLine(4, y, 8, y)
    pen = painter.pen()
    pen.setWidth(2)
    pen.setColor(QColor("#b06f00"))
    painter.setPen(pen)
    painter.drawLine(8, 13, 14, 5)
    painter.end()
    return QIcon(pixmap)


def edits(form: FieldForm) -> dict[str, Any] | None:
    """The edited inputs of a form and what they held before, or None when nothing changed."""
    changed, base = form.changes()
    return {"changed": changed, "base": base} if changed else None


def fields_draft(view: CaseView, *, unsaved_only: bool = False) -> dict[str, Any]:
    """The person and case inputs edited since the case was read: all of them (a save is
    queued), or only those of a form not saved since (``unsaved_only``)."""
    forms = (("person", view.person_form), ("case", view.case_form))
    return {name: part for name, form in forms
            if (form.dirty or not unsaved_only) and (part := edits(form)) is not None}


def record_draft(dialog: RecordDialog) -> dict[str, Any]:
    """A record editor's entries as a draft (``records``: the editors to open again)."""
    part = edits(dialog.form)
    if part is None:
        return {}
    existing = dialog.existing.id if dialog.existing is not None else None
    return {"records": [part | {"kind": dialog.kind.key, "existing": existing}]}


def merged(*drafts: dict[str, Any] | None) -> dict[str, Any] | None:
    """One draft of several, oldest first: a later entry of an input wins, the earliest "held
    before" stays (what was stored before any of them); every record editor is kept."""
    out: dict[str, Any] = {}
    for draft in drafts:
        for name, part in (draft or {}).items():
            if name == "records":
                out.setdefault("records", []).extend(part)
            elif part:
                old = out.get(name) or {"changed": {}, "base": {}}
                out[name] = {"changed": old["changed"] | part["changed"],
                             "base": part["base"] | old["base"]}
    return out or None


def capture(view: CaseView) -> tuple[dict[str, Any], str, dict[str, Any] | None] | None:
    """``(resume, case_id, draft)`` for the case on screen, or None when no case is open.
    ``resume`` says which case, tab and form to show again; ``draft`` holds the unsaved edits of
    the case ``case_id`` on screen (None: none): the edited person and case inputs and every open
    record editor with entries.

    While another case loads (she pressed Enter on it), that case is the one to show again: the
    lock came before it, and resuming the case she had left took her back (a review, 2026-12-07).
    The edits on screen stay the case on screen's."""
    from kimdesk.gui.records import RecordDialog

    if view.bundle is None:
        return None
    case_id = view.bundle.case.id
    shown = view.requested_id or case_id
    resume: dict[str, Any] = {"case_id": shown,
                              "tab": view.tabs.currentIndex() if shown == case_id else 0,
                              "saved_at": datetime.now(UTC).isoformat(timespec="seconds")}
    form = getattr(view.forms_tab, "form", None)
    if form is not None and shown == case_id:
        resume["form_id"] = form.form_id
    editors = [d for d in view.findChildren(RecordDialog) if d.isVisible() and d.form.dirty]
    return resume, case_id, merged(fields_draft(view, unsaved_only=True),
                                   *map(record_draft, editors))


def _shown(form: FieldForm, name: str, value: Any) -> str:
    """A stored value as the counselor reads it (code lists by their label, dates localized)."""
    from kimdesk.gui.codepicker import CodePicker
    from kimdesk.gui.labels import code_label
    from kimdesk.gui.lang import format_date

    spec = next((f for f in form.fields if f.name == name), None)
    values = value if isinstance(value, list) else [value]
    texts = []
    for item in values:
        if item in (None, ""):
            continue
        if spec is not None and spec.choices is not None:
            texts.append(code_label(spec.choices, item))
        elif isinstance(form.inputs.get(name), CodePicker):  # a country or language by name
            texts.append(form.inputs[name].name(str(item)))
        elif spec is not None and spec.kind == "date":
            try:
                texts.append(format_date(date.fromisoformat(str(item))))
            except ValueError:
                texts.append(str(item))
        else:
            texts.append(str(item))
    return ", ".join(texts) or _(MSG_EMPTY)


def put_back(form: FieldForm, part: dict[str, Any] | None) -> list[str]:
    """Put a draft's edits into a freshly loaded form; returns, for every input whose stored
    value moved since the draft was taken, "label (stored now: value)"."""
    if not part:
        return []
    base: dict[str, Any] = dict(part.get("base") or {})
    moved: list[str] = []
    keep: dict[str, Any] = {}
    for name, value in dict(part.get("changed") or {}).items():
        if name not in form.inputs:
            continue
        now = form.base_value(name)
        if now == value:  # stored already (a save that went through): not an edit any more
            continue
        keep[name] = value
        if now != base.get(name):
            moved.append(_(MSG_STORED).format(field=form.labels[name].text().replace("&", ""),
                                              value=_shown(form, name, now)))
    form.apply(keep)
    return moved


@dataclass(eq=False)
class PendingSave:
    """A save queued on the vault lane, its answer not in yet."""

    case_id: str
    number: str  # the case's number, to name it when the case is no longer on screen
    draft: dict[str, Any]  # her entries, kept in the vault if the save is refused
    stored: bool = False  # set on the vault lane once the save went through
    key: str | None = None  # set on the vault lane: where the refused save's entries are kept
    gone: bool = False  # set on the vault lane: refused, and its case deleted meanwhile
    kept: bool = False  # handed to a lock draft or to the close: its answer is for nobody now


def keep_refused_save(w: DbWorker, save: PendingSave, exc: Exception) -> None:
    """On the vault lane, right after a save failed: keep its entries in the vault (encrypted, a
    ``case.refused.`` document) before anything else runs, so they survive whatever the
    counselor does before the answer is shown: open another case, lock, quit. The answer then
    only says where they are (:mod:`kimdesk.gui.keptedits`). A write the busy timeout gave up
    on (a pulled page holding the write lock) is tried once more after the sync lane's job."""
    from kimdesk.vault.drafts import keep_refused
    from kimdesk.vault.errors import StaleRecord, VaultLocked

    if not save.draft or isinstance(exc, VaultLocked):
        return

    def write() -> str | None:
        return keep_refused(w.require_vault(), save.case_id, save.draft,
                            stale=isinstance(exc, StaleRecord))

    try:
        try:
            save.key = write()
        except Exception:
            with w.sync_stopped():
                save.key = write()
    except Exception as error:
        log.error("refused save not kept: %s", where(error))
        return
    save.gone = save.key is None


class PendingSaves:
    """The case view's saves whose answers are not in yet (one per case view). A refused one's
    entries are kept in the vault on the lane (:func:`keep_refused_save`). At the lock and at the
    close they are handed over (:meth:`LockDrafts.keep`, :class:`kimdesk.gui.closing.WindowCloser`)
    and their answers go nowhere: the case view is gone, the vault has the entries."""

    def __init__(self, worker: DbWorker) -> None:
        self.worker = worker
        self._open: list[PendingSave] = []

    def submit(self, job: Job, case_id: str, number: str, draft: dict[str, Any],
               on_done: OnDone, on_error: Callable[[PendingSave, Exception], None]) -> None:
        save = PendingSave(case_id, number, draft)
        self._open.append(save)

        def run(w: DbWorker) -> Any:
            try:
                result = job(w)
            except Exception as exc:
                keep_refused_save(w, save, exc)
                raise
            save.stored = True  # read by the lock draft's job, on this lane, after this one
            return result

        def answer(callback: Callable[[Any], None], value: Any) -> None:
            if save in self._open:
                self._open.remove(save)
            if not save.kept:
                callback(value)

        self.worker.submit(run, lambda r: answer(on_done, r),
                           lambda e: answer(lambda exc: on_error(save, exc), e))

    def queued(self, case_id: str) -> bool:
        """Whether a save of the case's person and case inputs has not been answered yet."""
        return any(save.case_id == case_id and ("person" in save.draft or "case" in save.draft)
                   for save in self._open)

    def entries(self, case_id: str) -> dict[str, Any]:
        """The person and case entries of the case's saves not answered yet, merged (oldest
        first): what Revert keeps on screen (:meth:`kimdesk.gui.staleedit.StaleEdits.revert`)."""
        return merged(*(save.draft for save in self._open if save.case_id == case_id)) or {}

    def hand_over(self) -> list[PendingSave]:
        """Every save not answered yet, of any case (oldest first): for the lock draft, or the
        close, which run behind them on the lane."""
        saves, self._open = self._open, []
        for save in saves:
            save.kept = True
        return saves


class LockDrafts:
    """The main window's side: keep the drafts at the lock, bring them back after unlock."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.worker: DbWorker = window.worker
        self._pending: dict[str, Any] | None = None  # where to resume, once the case is shown
        self._listening = False
        self._reason = ""  # the lock screen's line: why it locked

    # -- at the lock ---------------------------------------------------------------------------
    def keep(self, view: CaseView) -> None:
        """Queue the write of the open case's state (before the vault closes): its unsaved edits,
        and the entries of every save still queued, of any case (the one on screen or one she
        left, Ctrl+W included), if it turns out refused. Whether entries were kept is said on
        the lock screen once the write has answered (:meth:`say_locked`)."""
        from kimdesk.vault.drafts import case_drafts, discard_kept, gui_state

        captured = capture(view)
        saves = view.stale.pending.hand_over()

        def job(w: DbWorker) -> bool:
            vault = w.require_vault()
            # after a pulled page's transaction, however long (the lock cancelled the run): the
            # write would otherwise give up after the busy timeout and the entries be lost
            with w.sync_stopped(), vault.transaction():
                state = gui_state(vault)
                # the saves ran before this job, on this lane: their outcome is known. A refused
                # one's entries join its case's draft (kept on the lane already, or not if that
                # write failed); a stored one's do not (a new note would come back twice)
                parts: dict[str, list[dict[str, Any] | None]] = {}
                for save in saves:
                    if not (save.stored or save.gone):
                        parts.setdefault(save.case_id, []).append(save.draft)
                if captured is None:
                    state.discard(RESUME)
                else:
                    state.save(RESUME, captured[0])
                    parts.setdefault(captured[1], []).append(captured[2])
                kept = False
                for case_id, drafts in parts.items():
                    draft = merged(case_drafts(vault).load(case_id), *drafts)
                    if draft is not None:
                        case_drafts(vault).save(case_id, draft)
                        kept = True
                    discard_kept(vault, case_id, [s.key for s in saves if s.key])
                return kept

        def failed(exc: Exception) -> None:
            log.error("draft not kept at the lock: %s", where(exc))
            if (captured is not None and captured[2] is not None) \
                    or any(s.draft and not (s.stored or s.gone or s.key) for s in saves):
                self._say(_(MSG_LOST), error=True)  # nothing may claim it was kept

        self.worker.submit(job, lambda kept: self._say(_(MSG_KEPT) if kept else ""), failed)

    def say_locked(self, reason: str) -> None:
        """The lock screen's line: ``reason``, why it locked (may be empty). Whether unsaved
        entries were kept follows when the draft's write has answered: only then is it known."""
        self._reason = reason
        self._say("")

    def _say(self, text: str, *, error: bool = False) -> None:
        if not self.window.unlocked:  # an answer after the next unlock has no screen left
            say(self.window.unlock_screen.error,
                " ".join(p for p in (self._reason, text) if p), error=error)

    @staticmethod
    def _not_done(exc: Exception) -> None:
        log.error("lock draft not handled after unlock: %s", where(exc))

    # -- after unlock --------------------------------------------------------------------------
    def resume(self) -> None:
        """Open the case that was open at the lock (queued after the list); its draft comes
        back with it, as every kept entry does when its case is opened
        (:class:`kimdesk.gui.keptedits.KeptEdits`)."""
        from kimdesk.vault.drafts import case_drafts, gui_state

        def job(w: DbWorker) -> dict[str, Any] | None:
            vault = w.require_vault()
            state = gui_state(vault)
            resume = state.load(RESUME)
            if not resume or not resume.get("case_id"):
                return None
            state.discard(RESUME)
            if not vault.cases.exists(resume["case_id"]):
                # deleted meanwhile (sync, retention): its draft goes with it
                case_drafts(vault).discard(resume["case_id"])
                return None
            return resume

        self.worker.submit(job, self._open, self._not_done)

    def _open(self, resume: dict[str, Any] | None) -> None:
        if resume is None or not self.window.unlocked:
            return
        self._pending = resume
        workspace = self.window.workspace
        if not self._listening:
            workspace.case_view.loaded.connect(self._loaded)
            self._listening = True
        workspace.select_case(resume["case_id"])

    def _loaded(self, case_id: str) -> None:
        """The case is on screen, its draft back already: the tab and the form it showed."""
        view = self.window.workspace.case_view
        resume, self._pending = self._pending, None
        if resume is None or resume["case_id"] != case_id or not self.window.unlocked:
            return
        tab = int(resume.get("tab", 0))
        if 0 <= tab < view.tabs.count():
            view.tabs.setCurrentIndex(tab)
        form_id = resume.get("form_id")
        reopen = getattr(view.forms_tab, "reopen", None)
        if form_id and reopen is not None:
            reopen(form_id)
