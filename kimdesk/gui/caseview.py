"""One case on screen: person and case data, the records around it, its history.

Layout from ``ui/caseview.ui`` (compiled to :class:`Ui_CaseView`: header, tab widget, the person
tab and the history tab; the tab widget's bar is replaced by the names of
:mod:`kimdesk.gui.sections`); the record tabs (consultations as a timeline, goals, referrals,
consents, structural gaps, notes) are :class:`kimdesk.gui.recordtab.RecordTab` s built from
:data:`kimdesk.gui.records.KINDS`, and a "Forms" tab comes from the forms package (see
docs/gui.md, "Hook points"). What is shown is loaded as one
:class:`kimdesk.gui.casebundle.CaseBundle`.

Everything is read and written through the database worker. Editing the person or case data marks
the view dirty; :meth:`CaseView.confirm_discard` is the unsaved-changes guard every path that would
drop the edits calls (opening another case, closing, quitting, locking by hand).
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QGroupBox,
    QInputDialog,
    QLabel,
    QMenu,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from kimdesk.domain.codes import ClosureReason, Phase
from kimdesk.domain.models import Case, Person
from kimdesk.gui.casebundle import CaseBundle, load_bundle
from kimdesk.gui.caseheader import show_header, show_history
from kimdesk.gui.fields import FieldForm, field_errors
from kimdesk.gui.fitting import fit_columns_to_contents
from kimdesk.gui.forms_generated.ui_caseview import Ui_CaseView
from kimdesk.gui.labels import code_label
from kimdesk.gui.records import CASE_FIELDS, KINDS, PERSON_FIELDS, RecordDialog, RecordKind
from kimdesk.gui.recordtab import RecordTab
from kimdesk.gui.sections import install_sections
from kimdesk.gui.staleedit import StaleEdits, changed_only, record_job
from kimdesk.gui.worker import DbWorker
from kimdesk.i18n import current_language, gettext

_ = gettext


class CaseView(QWidget):
    """The right-hand pane of the workspace. Emits ``case_changed`` after every saved change."""

    case_changed = Signal(str)
    status_message = Signal(str)
    loaded = Signal(str)  # a case's data is on screen (its id)
    drafts_changed = Signal(str, bool)  # a case's form drafts: (case id, any left)

    def __init__(self, worker: DbWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.bundle: CaseBundle | None = None
        self.requested_id: str | None = None  # the case last asked for (may still be loading)
        self.stale = StaleEdits(self)  # saves refused as changed meanwhile (sync)
        self.ui = Ui_CaseView()
        self.ui.setupUi(self)
        # Drafts restored after unlock (kimdesk.gui.lockdraft) are announced here, above the tabs.
        self.notice = QLabel()
        self.notice.setObjectName("noticeLabel")
        self.notice.setWordWrap(True)
        self.notice.setVisible(False)
        self.ui.outer.insertWidget(1, self.notice)
        host = self.ui.personHostLayout
        self.person_form = FieldForm(PERSON_FIELDS)
        self.person_form.setObjectName("personForm")
        self.case_form = FieldForm(CASE_FIELDS)
        self.case_form.setObjectName("caseForm")
        # One column (person, then case): readable however narrow the splitter makes the pane.
        column = QVBoxLayout()
        self.person_box = QGroupBox()
        QVBoxLayout(self.person_box).addWidget(self.person_form)
        self.case_box = QGroupBox()
        QVBoxLayout(self.case_box).addWidget(self.case_form)
        column.addWidget(self.person_box)
        column.addWidget(self.case_box)
        column.addStretch(1)
        host.addLayout(column)
        self.tabs = self.ui.tabs
        self.tab_widgets: dict[str, RecordTab] = {}
        history_index = self.tabs.indexOf(self.ui.historyTab)
        for offset, kind in enumerate(KINDS):
            tab = RecordTab(kind)
            tab.add_requested.connect(self.add_record)
            tab.edit_requested.connect(self.edit_record)
            tab.delete_requested.connect(self.delete_record)
            self.tabs.insertTab(history_index + offset, tab, _(kind.title))
            self.tab_widgets[kind.key] = tab
        self.forms_tab: QWidget | None = None
        self._install_forms_hook()
        self.ui.saveButton.clicked.connect(self.save)
        self.ui.revertButton.clicked.connect(self.revert)
        self.phase_menu = QMenu(self)
        fit_columns_to_contents(self.ui.historyTree)  # the timestamps were cut (issue 18.10)
        self.ui.phaseButton.setMenu(self.phase_menu)
        self.person_form.changed.connect(self._update_dirty)
        self.case_form.changed.connect(self._update_dirty)
        self._update_dirty()
        # the sections' names above the pages, in rows (a tab row did not fit the pane)
        self.sections = install_sections(self.tabs, after=self.ui.phaseButton)
        self.retranslate()

    # -- hooks ---------------------------------------------------------------------------------
    def _install_forms_hook(self) -> None:
        """The "Forms" tab: ``kimdesk.gui.forms.FormsTab(worker, parent)`` (with ``set_case``,
        ``clear``) if the forms package has one; else our :class:`kimdesk.gui.formstab.FormsTab`
        around its ``FormWidget``. Imported here, not at module level: the forms engine is only
        needed once a case is shown."""
        try:
            from kimdesk.gui import forms
            from kimdesk.gui.formstab import FormsTab

            factory = getattr(forms, "FormsTab", FormsTab)
            self.forms_tab = factory(self.worker, self)
        except Exception:  # a broken forms package must not stop the case view
            logging.getLogger(__name__).exception("forms tab unavailable")
            return
        saved = getattr(self.forms_tab, "saved", None)
        if saved is not None:
            saved.connect(self._form_saved)
        drafts = getattr(self.forms_tab, "drafts_changed", None)
        if drafts is not None:
            drafts.connect(self.drafts_changed)
        message = getattr(self.forms_tab, "message", None)
        if message is not None:
            message.connect(self.status_message)
        self.tabs.insertTab(1, self.forms_tab, _("Forms"))
        self.tab_widgets["consultations"].form_name = self._form_name

    def _form_name(self, form_id: str) -> str:
        """A form's title in the interface language, once the forms tab knows its forms."""
        registry = getattr(self.forms_tab, "registry", None)
        try:
            return str(registry.get(form_id).title(current_language())) if registry else form_id
        except Exception:  # a form this device does not have: its id still says which
            return form_id

    def _form_saved(self, case_id: str) -> None:
        self.case_changed.emit(case_id)
        if self.requested_id == case_id:
            self.load(case_id)

    # -- loading -------------------------------------------------------------------------------
    @property
    def case_id(self) -> str | None:
        return self.bundle.case.id if self.bundle else None

    @property
    def settled(self) -> bool:
        """A case is on screen and no other one is loading: only then can it be edited."""
        return self.bundle is not None and self.requested_id == self.bundle.case.id

    def load(self, case_id: str) -> None:
        """Read the case; its answer is shown only while it is still the case asked for (a read
        queued before the lock answered after :meth:`clear` and filled the locked window)."""
        self.requested_id = case_id
        self._update_dirty()
        self.worker.submit(lambda w: load_bundle(w, case_id),
                           lambda b: self.show_bundle(b) if self.requested_id == case_id else None,
                           lambda exc: self._load_failed(exc, case_id), key="case-view")

    def reload(self) -> None:
        if self.requested_id is not None:  # F5 while another case loads: that one, not this
            self.load(self.requested_id)

    def show_bundle(self, bundle: CaseBundle) -> None:
        same = self.bundle is not None and self.bundle.case.id == bundle.case.id
        if not same:
            self.show_notice("")
        self.bundle = bundle
        if not (same and self.stale.show(bundle)):  # read again: her entries stay on top
            self.person_form.set_values(bundle.person.model_dump())
            self.case_form.set_values(bundle.case.model_dump())
        for key, tab in self.tab_widgets.items():
            tab.show_records(bundle.records.get(key, []))
        if self.forms_tab is not None and hasattr(self.forms_tab, "set_case"):
            if hasattr(self.forms_tab, "client_language"):
                self.forms_tab.set_case(bundle.case.id, bundle.person.preferred_language,
                                        number=bundle.case.case_number)
            else:
                self.forms_tab.set_case(bundle.case.id)
        self._show_header()
        self._show_history()
        self._update_dirty()
        self.stale.settle()
        self.loaded.emit(bundle.case.id)

    def show_notice(self, text: str) -> None:
        """A notice above the tabs (a restored draft); empty hides it."""
        self.notice.setText(text)
        self.notice.setVisible(bool(text))

    def clear(self) -> None:
        """Drop every trace of the case (auto-lock)."""
        self.bundle = None
        self.requested_id = None
        self.show_notice("")
        self.person_form.set_values({})
        self.case_form.set_values({})
        for tab in self.tab_widgets.values():
            tab.show_records([])
        self.ui.historyTree.clear()
        for label in (self.ui.nameLabel, self.ui.subtitleLabel, self.ui.phaseLabel,
                      self.ui.formError):
            label.setText("")
        if self.forms_tab is not None and hasattr(self.forms_tab, "clear"):
            self.forms_tab.clear()
        self._update_dirty()

    def _load_failed(self, exc: Exception, case_id: str) -> None:
        handled = self.stale.load_failed(exc)
        if self.requested_id == case_id:  # not coming: the case on screen can be edited again
            self.requested_id = self.case_id
            self._update_dirty()
        if not handled:
            self._failed(exc)

    def _failed(self, exc: Exception) -> None:
        _fields, general = field_errors(exc)
        self.status_message.emit(general)
        QMessageBox.warning(self, _("KIMdesk"), general)

    def _show_header(self) -> None:
        if self.bundle is not None:
            show_header(self.ui, self.phase_menu, self.bundle, self.change_phase)

    def phase_actions(self) -> list[QAction]:
        return list(self.phase_menu.actions())

    def _show_history(self) -> None:
        show_history(self.ui.historyTree, self.bundle)

    # -- editing the person and the case -------------------------------------------------------
    @property
    def dirty(self) -> bool:
        return self.person_form.dirty or self.case_form.dirty

    def _update_dirty(self) -> None:
        """Usable only while :attr:`settled` (typing into A after Enter on B was lost: gui.md)."""
        loaded = self.settled
        for box in (self.person_box, self.case_box):
            if not loaded and box.isAncestorOf(self.window().focusWidget()):
                self.tabs.setFocus()  # disabled around it, the keyboard would be nowhere
            box.setEnabled(loaded)
        self.ui.saveButton.setEnabled(loaded and self.dirty)
        self.ui.revertButton.setEnabled(loaded and self.dirty)
        self.ui.phaseButton.setEnabled(loaded)
        for tab in self.tab_widgets.values():
            tab.add_button.setEnabled(loaded)
            tab.edit_button.setEnabled(loaded)
            tab.delete_button.setEnabled(loaded)

    def revert(self) -> None:
        """Back to the stored values. Said in the status bar: the "Not saved: please correct the
        marked fields." of a refused Ctrl+S stood there after Revert, with nothing marked any
        more (in the README's screenshots too)."""
        if self.bundle is not None:
            self.stale.revert(self.bundle)  # a save under way keeps its entries
            self.ui.formError.setText("")
            self.status_message.emit(_("Unsaved changes discarded."))
        self.show_notice("")
        self._update_dirty()

    def save(self) -> bool:
        """Validate both forms; write them in one transaction. False when validation failed."""
        if self.bundle is None or not self.dirty:
            return True
        unreadable = self.person_form.input_errors() | self.case_form.input_errors()
        errors: dict[str, str] = {}
        general = ""
        person = case = None
        try:
            person = Person.model_validate(self.bundle.person.model_dump()
                                           | self.person_form.values())
        except Exception as exc:
            fields, general = field_errors(exc)
            errors.update(fields)
        try:
            case = Case.model_validate(self.bundle.case.model_dump() | self.case_form.values())
        except Exception as exc:
            fields, more = field_errors(exc)
            errors.update(fields)
            general = " ".join(p for p in (general, more) if p)
        errors.update(unreadable)
        self.person_form.show_errors(errors)
        self.case_form.show_errors(errors)
        self.ui.formError.setText(general)
        if person is None or case is None or unreadable:
            self.status_message.emit(_("Not saved: please correct the marked fields."))
            return False

        job = changed_only(self.bundle, person, case, self.stale.written)
        self.person_form.mark_clean()
        self.case_form.mark_clean()
        self._update_dirty()
        self.stale.save(job)  # refused or cut off by a lock, the entries are kept
        return True

    def _saved(self, case_id: str) -> None:
        self.show_notice("")
        self.status_message.emit(_("Saved."))
        self.case_changed.emit(case_id)
        if self.requested_id == case_id:  # not when the user moved on to another case
            self.load(case_id)

    def confirm_discard(self) -> bool:
        """The unsaved-changes guard: True when it is fine to leave this case."""
        if not self.dirty:
            return True
        box = QMessageBox(QMessageBox.Icon.Question, _("Unsaved changes"),
                          _("This case has changes that are not saved yet."),
                          QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                          | QMessageBox.StandardButton.Cancel, self)
        box.setObjectName("unsavedBox")
        box.setInformativeText(_("Save them before leaving the case?"))
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        answer = box.exec()
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        if answer == QMessageBox.StandardButton.Discard:
            self.revert()
            return True
        return False

    # -- records around the case ---------------------------------------------------------------
    def _base(self, kind: RecordKind) -> dict[str, Any]:
        assert self.bundle is not None
        base: dict[str, Any] = {"case_id": self.bundle.case.id}
        if kind.key == "consents":
            base["person_id"] = self.bundle.person.id
            base["language"] = self.bundle.person.preferred_language or "de"
        if kind.key == "consultations":
            base["language"] = self.bundle.person.preferred_language or "de"
        if kind.key == "gaps":
            base["municipality"] = self.bundle.case.municipality
        return base

    def add_record(self, key: str) -> RecordDialog | None:
        if not self.settled:  # another case is loading: the editor would belong to neither
            return None
        kind = next(k for k in KINDS if k.key == key)
        # No duration is assumed (issue 18.6): an empty duration is stored as "not recorded".
        dialog = RecordDialog(kind, self._base(kind), self)
        return self._run_dialog(dialog)

    def edit_record(self, key: str, row: int) -> Any:
        tab = self.tab_widgets[key]
        if not self.settled or not 0 <= row < len(tab.records):
            return None
        record = tab.records[row]
        if key == "consultations" and getattr(record, "form_id", None) and \
                hasattr(self.forms_tab, "show_answers"):
            shown = self.forms_tab.show_answers(record)  # type: ignore[union-attr]
            if shown is not None:
                return shown
        dialog = RecordDialog(tab.kind, self._base(tab.kind), self, existing=tab.records[row])
        return self._run_dialog(dialog)

    def delete_record(self, key: str, row: int, *, ask: bool = True) -> None:
        """Delete after confirmation; the record becomes a tombstone that syncs like a change."""
        tab = self.tab_widgets[key]
        if self.bundle is None or not 0 <= row < len(tab.records):
            return
        record = tab.records[row]
        if ask:
            answer = QMessageBox.question(
                self, _("Delete"), _("Delete this entry ({what})? The deletion is recorded in "
                                     "the history.").format(what=_(tab.kind.singular)),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No)
            if answer != QMessageBox.StandardButton.Yes:
                return
        case_id = self.bundle.case.id

        def job(w: DbWorker) -> str:
            getattr(w.require_vault(), key).delete(record.id)
            return record.id

        self.worker.submit(job, lambda _id: self._record_saved(tab.kind, case_id), self._failed)

    def _run_dialog(self, dialog: RecordDialog) -> RecordDialog:
        """Open the dialog window-modal (tests drive it while it is open) and save on accept."""
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.accepted.connect(lambda: self._store(dialog))
        dialog.open()
        return dialog

    def _store(self, dialog: RecordDialog) -> None:
        record = dialog.record
        if record is None:
            return
        job = record_job(dialog.kind, dialog.existing, record, set(dialog.form.changes()[0]),
                         self.stale.written)
        self.stale.store(job, dialog)  # refused or cut off by a lock, the entries are kept

    def _record_saved(self, kind: RecordKind, case_id: str) -> None:
        self.status_message.emit(_("{what} saved.").format(what=_(kind.singular)))
        self.case_changed.emit(case_id)
        if self.requested_id == case_id:
            self.load(case_id)

    # -- phases --------------------------------------------------------------------------------
    def change_phase(self, target: Phase, closure_reason: ClosureReason | None = None,
                     *, ask: bool = True) -> None:
        if self.bundle is None:
            return
        if target is Phase.ABSCHLUSS and closure_reason is None:
            if not ask:
                return
            reasons = list(ClosureReason)
            labels = [code_label(ClosureReason, r) for r in reasons]
            chosen, ok = QInputDialog.getItem(self, _("Close the case"), _("Closure reason:"),
                                              labels, 0, False)
            if not ok:
                return
            closure_reason = reasons[labels.index(chosen)]
        case_id = self.bundle.case.id

        def job(w: DbWorker) -> str:
            w.require_vault().cases.transition(case_id, target, closure_reason=closure_reason)
            return case_id

        self.worker.submit(job, self._phase_changed, self._failed)

    def _phase_changed(self, case_id: str) -> None:
        self.status_message.emit(_("Phase changed."))
        self.case_changed.emit(case_id)
        if self.requested_id == case_id:
            self.load(case_id)

    # -- language ------------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.ui.retranslateUi(self)
        self.person_box.setTitle(_("Person"))
        self.case_box.setTitle(_("Case"))
        self.person_form.retranslate()
        self.case_form.retranslate()
        for tab in self.tab_widgets.values():
            tab.retranslate()
            self.tabs.setTabText(self.tabs.indexOf(tab), _(tab.kind.title))
        if self.forms_tab is not None:
            self.tabs.setTabText(self.tabs.indexOf(self.forms_tab), _("Forms"))
            if hasattr(self.forms_tab, "retranslate"):
                self.forms_tab.retranslate()
        self.sections.sync()
        if self.bundle is not None:
            self._show_header()
            self._show_history()

