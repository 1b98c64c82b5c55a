"""Locking keeps drafts: unsaved edits survive the lock, encrypted in the vault, and come back.

When the vault locks (the idle timeout or Ctrl+L) nobody may be asked anything and nothing may
stay on screen, yet throwing typed work away silently is worse than useless: the counselor who
was called away comes back to find the consultation gone. So at the lock :meth:`LockDrafts.keep`
collects what the open case has unsaved — the person and case fields that were edited, an open
record editor (consultation, note, goal, ...), which form of the Forms tab was open (its answers
are already a form draft, :mod:`kimdesk.forms.drafts`) and the tab shown — and queues one write to
the vault before the vault closes. The documents live in the vault's device-local ``vault_meta``
table (:func:`kimdesk.vault.drafts.case_drafts`, :func:`~kimdesk.vault.drafts.gui_state`): encrypted
like everything else, never synced, never a file of their own.

After the next unlock :meth:`LockDrafts.resume` opens that case again, puts the edits back into
the same inputs (they count as unsaved, so the usual guard protects them), reopens the record
editor and the form, and says so in a notice above the case. Only the inputs the counselor changed
are kept, each with the value it had before: if sync changed the case meanwhile, the other inputs
show the new stored values, and where the same input changed on both sides the counselor's entry
stays in the field while the notice names the stored value ("keep the draft, show both",
docs/gui.md). The case draft is deleted once it is back on screen.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap

from kimdesk.gui.tone import say
from kimdesk.gui.worker import DbWorker, where
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


def _part(form: FieldForm) -> dict[str, Any] | None:
    """The edited inputs of a form and what they held before, or None when nothing changed."""
    if not form.dirty:
        return None
    changed, base = form.changes()
    return {"changed": changed, "base": base} if changed else None


def _open_dialog(view: CaseView) -> RecordDialog | None:
    from kimdesk.gui.records import RecordDialog

    shown = [d for d in view.findChildren(RecordDialog) if d.isVisible()]
    return shown[-1] if shown else None


def capture(view: CaseView) -> tuple[dict[str, Any], dict[str, Any] | None] | None:
    """``(resume, draft)`` for the case on screen, or None when no case is open. ``resume`` says
    which case, tab and form to show again; ``draft`` holds the unsaved edits (None: none)."""
    if view.bundle is None:
        return None
    case_id = view.bundle.case.id
    resume: dict[str, Any] = {"case_id": case_id, "tab": view.tabs.currentIndex(),
                              "saved_at": datetime.now(UTC).isoformat(timespec="seconds")}
    form = getattr(view.forms_tab, "form", None)
    if form is not None:
        resume["form_id"] = form.form_id
    draft: dict[str, Any] = {}
    for name, fields in (("person", view.person_form), ("case", view.case_form)):
        part = _part(fields)
        if part is not None:
            draft[name] = part
    dialog = _open_dialog(view)
    if dialog is not None and dialog.form.dirty:
        part = _part(dialog.form)
        if part is not None:
            draft["record"] = part | {
                "kind": dialog.kind.key,
                "existing": dialog.existing.id if dialog.existing is not None else None}
    return resume, draft or None


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
    changed: dict[str, Any] = dict(part.get("changed") or {})
    base: dict[str, Any] = dict(part.get("base") or {})
    moved = []
    for name in changed:
        if name in form.inputs and form.base_value(name) != base.get(name):
            moved.append(_(MSG_STORED).format(field=form.labels[name].text().replace("&", ""),
                                              value=_shown(form, name, form.base_value(name))))
    form.apply(changed)
    return moved


class LockDrafts:
    """The main window's side: keep the drafts at the lock, bring them back after unlock."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.worker: DbWorker = window.worker
        self._pending: tuple[dict[str, Any], dict[str, Any] | None] | None = None
        self._listening = False
        self.restored = 0  # how many drafts came back (tests, the notice)

    # -- at the lock ---------------------------------------------------------------------------
    def keep(self, view: CaseView) -> bool:
        """Queue the write of the open case's state (before the vault closes). True when there
        were unsaved edits."""
        from kimdesk.vault.drafts import case_drafts, gui_state

        captured = capture(view)

        def job(w: DbWorker) -> None:
            vault = w.require_vault()
            with vault.transaction():
                state = gui_state(vault)
                if captured is None:
                    state.discard(RESUME)
                    return
                resume, draft = captured
                state.save(RESUME, resume)
                if draft is not None:
                    case_drafts(vault).save(resume["case_id"], draft)

        self.worker.submit(job, None, self._not_kept)
        return captured is not None and captured[1] is not None

    def say_kept(self, kept: bool, text: str) -> None:
        """The lock screen's line: ``text`` (why it locked), and that the edits were kept."""
        parts = [text, _(MSG_KEPT) if kept else ""]
        say(self.window.unlock_screen.error, " ".join(p for p in parts if p), error=False)

    @staticmethod
    def _not_kept(exc: Exception) -> None:
        log.error("draft not kept at the lock: %s", where(exc))

    # -- after unlock --------------------------------------------------------------------------
    def resume(self) -> None:
        """Open the case that was open at the lock, with its draft (queued after the list)."""
        from kimdesk.vault.drafts import case_drafts, gui_state

        def job(w: DbWorker) -> tuple[dict[str, Any], dict[str, Any] | None] | None:
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
            return resume, case_drafts(vault).load(resume["case_id"])

        self.worker.submit(job, self._open, self._not_resumed)

    @staticmethod
    def _not_resumed(exc: Exception) -> None:
        log.error("case not reopened after unlock: %s", where(exc))

    def _open(self, found: tuple[dict[str, Any], dict[str, Any] | None] | None) -> None:
        if found is None or not self.window.unlocked:
            return
        self._pending = found
        workspace = self.window.workspace
        if not self._listening:
            workspace.case_view.loaded.connect(self._loaded)
            self._listening = True
        workspace.select_case(found[0]["case_id"])

    def _loaded(self, case_id: str) -> None:
        view = self.window.workspace.case_view
        pending, self._pending = self._pending, None
        if pending is None or pending[0]["case_id"] != case_id or not self.window.unlocked:
            return
        resume, draft = pending
        tab = int(resume.get("tab", 0))
        if 0 <= tab < view.tabs.count():
            view.tabs.setCurrentIndex(tab)
        form_id = resume.get("form_id")
        reopen = getattr(view.forms_tab, "reopen", None)
        if form_id and reopen is not None:
            reopen(form_id)
        if draft is None:
            return
        moved = put_back(view.person_form, draft.get("person"))
        moved += put_back(view.case_form, draft.get("case"))
        moved += self._reopen_record(view, draft.get("record"))
        text = _(MSG_RESTORED)
        if moved:
            text += " " + _(MSG_CHANGED).format(fields="; ".join(moved))
        view.show_notice(text)
        self.window.show_message(_(MSG_RESTORED))
        self.restored += 1
        self._forget(case_id)

    @staticmethod
    def _reopen_record(view: CaseView, part: dict[str, Any] | None) -> list[str]:
        if not part or part.get("kind") not in view.tab_widgets:
            return []
        key = str(part["kind"])
        records = view.tab_widgets[key].records
        existing = part.get("existing")
        row = next((i for i, r in enumerate(records) if existing and r.id == existing), -1)
        # A new record, or one deleted meanwhile: the entries come back in a new record.
        dialog = view.add_record(key) if row < 0 else view.edit_record(key, row)
        if dialog is None or not hasattr(dialog, "form"):
            return []
        return put_back(dialog.form, part)

    def _forget(self, case_id: str) -> None:
        """The draft is on screen again (the unsaved guard protects it): the stored copy goes."""
        from kimdesk.vault.drafts import case_drafts

        def job(w: DbWorker) -> None:
            case_drafts(w.require_vault()).discard(case_id)

        self.worker.submit(job, lambda _r: self.window.workspace.refresh_drafts(),
                           self._not_kept)
