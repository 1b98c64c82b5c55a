"""One case on screen: person and case data, the records around it, its history.

Layout from ``ui/caseview.ui`` (header, tab widget, the person tab and the history tab); the
record tabs (consultations as a timeline, goals, referrals, consents, structural gaps, notes) are
built from :data:`kimdesk.gui.records.KINDS`, and a "Forms" tab comes from the forms package when
it is installed (see docs/gui.md, "Hook points").

Everything is read and written through the database worker. Editing the person or case data marks
the view dirty; :meth:`CaseView.confirm_discard` is the unsaved-changes guard every path that would
drop the edits calls (opening another case, closing, quitting, locking by hand).
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass, field
from typing import Any, ClassVar

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QAction, QColor, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QMenu,
    QMessageBox,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kimdesk.domain import codes
from kimdesk.domain.codes import ClosureReason, Phase
from kimdesk.domain.models import AuditEvent, Case, Person, PhaseTransition, Record
from kimdesk.domain.phases import next_phases
from kimdesk.gui.fields import FieldForm, field_errors
from kimdesk.gui.labels import code_label, kind_label
from kimdesk.gui.lang import format_date
from kimdesk.gui.records import CASE_FIELDS, KINDS, PERSON_FIELDS, RecordDialog, RecordKind
from kimdesk.gui.uiload import UiForm
from kimdesk.gui.worker import DbWorker
from kimdesk.i18n import gettext

_ = gettext


@dataclass
class CaseBundle:
    """Everything the case view shows, loaded in one worker job."""

    case: Case
    person: Person
    records: dict[str, list[Record]] = field(default_factory=dict)
    transitions: list[PhaseTransition] = field(default_factory=list)
    audit: list[AuditEvent] = field(default_factory=list)


def load_bundle(worker: DbWorker, case_id: str) -> CaseBundle:
    """Runs on the worker thread. Opening a case is an audited read (the repositories log it)."""
    vault = worker.require_vault()
    case = vault.cases.get(case_id)
    person = vault.people.get(case.person_id)
    bundle = CaseBundle(case=case, person=person)
    for kind in KINDS:
        repo = getattr(vault, kind.key)
        if kind.key == "consents":
            rows = repo.where("person_id = ?", (person.id,), order=kind.order)
        else:
            rows = repo.where("case_id = ?", (case.id,), order=kind.order)
        bundle.records[kind.key] = rows
    bundle.transitions = vault.transitions.where("case_id = ?", (case.id,), order="seq DESC")
    ids = [case.id, person.id, *(r.id for rows in bundle.records.values() for r in rows),
           *(t.id for t in bundle.transitions)]
    marks = ",".join("?" * len(ids))
    bundle.audit = vault.audit.where(f"subject_id IN ({marks})", ids, order="seq DESC LIMIT 500")
    return bundle


class TimelineDelegate(QStyledItemDelegate):
    """Draws the consultations' date column as a timeline: a line through all rows and a dot per
    consultation, coloured by place (office, outreach, remote), mirrored in right-to-left."""

    COLORS: ClassVar[dict[str, str]] = {"office": "#0b3d91", "partner": "#0b3d91",
                                        "remote": "#757575"}
    OUTREACH = "#e07b00"
    GUTTER = 18

    def sizeHint(self, option: QStyleOptionViewItem,
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width() + self.GUTTER, size.height())

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        rtl = opt.direction == Qt.LayoutDirection.RightToLeft
        rect = opt.rect
        gutter = rect.adjusted(0, 0, 0, 0)
        if rtl:
            gutter.setLeft(rect.right() - self.GUTTER)
            opt.rect = rect.adjusted(0, 0, -self.GUTTER, 0)
        else:
            gutter.setRight(rect.left() + self.GUTTER)
            opt.rect = rect.adjusted(self.GUTTER, 0, 0, 0)
        super().paint(painter, opt, index)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        x = gutter.center().x()
        painter.setPen(QPen(QColor("#b0b8c4"), 2))
        painter.drawLine(x, rect.top(), x, rect.bottom())
        place = index.data(Qt.ItemDataRole.UserRole) or ""
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(self.COLORS.get(str(place), self.OUTREACH)))
        painter.drawEllipse(gutter.center(), 5, 5)
        painter.restore()


class RecordTab(QWidget):
    """A list of one kind of record with Add / Edit buttons."""

    add_requested = Signal(str)
    edit_requested = Signal(str, int)
    delete_requested = Signal(str, int)

    def __init__(self, kind: RecordKind, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.records: list[Record] = []
        self.setObjectName(f"tab_{kind.key}")
        layout = QVBoxLayout(self)
        self.tree = QTreeWidget()
        self.tree.setObjectName(f"list_{kind.key}")
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setColumnCount(len(kind.columns))
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setStretchLastSection(True)
        self.tree.itemActivated.connect(lambda *_: self._edit())
        if kind.key == "consultations":
            self.timeline = TimelineDelegate(self.tree)
            self.tree.setItemDelegateForColumn(0, self.timeline)
        layout.addWidget(self.tree)
        row = QHBoxLayout()
        self.delete_button = QPushButton()
        self.delete_button.setObjectName(f"delete_{kind.key}")
        self.delete_button.clicked.connect(self._delete)
        row.addWidget(self.delete_button)
        row.addStretch(1)
        self.edit_button = QPushButton()
        self.edit_button.setObjectName(f"edit_{kind.key}")
        self.edit_button.clicked.connect(self._edit)
        self.add_button = QPushButton()
        self.add_button.setObjectName(f"add_{kind.key}")
        self.add_button.clicked.connect(lambda: self.add_requested.emit(kind.key))
        row.addWidget(self.edit_button)
        row.addWidget(self.add_button)
        layout.addLayout(row)
        self.retranslate()

    def _edit(self) -> None:
        item = self.tree.currentItem()
        if item is not None:
            self.edit_requested.emit(self.kind.key, self.tree.indexOfTopLevelItem(item))

    def _delete(self) -> None:
        item = self.tree.currentItem()
        if item is not None:
            self.delete_requested.emit(self.kind.key, self.tree.indexOfTopLevelItem(item))

    def show_records(self, records: list[Record]) -> None:
        self.records = list(records)
        self.tree.clear()
        for record in self.records:
            item = QTreeWidgetItem(self.kind.row(record))
            if self.kind.key == "consultations":
                item.setToolTip(3, getattr(record, "summary", ""))
                item.setData(0, Qt.ItemDataRole.UserRole, str(getattr(record, "place", "")))
            self.tree.addTopLevelItem(item)

    def retranslate(self) -> None:
        self.tree.setHeaderLabels([_(c) for c in self.kind.columns])
        self.tree.setAccessibleName(_(self.kind.title))
        self.add_button.setText(_("&Add…"))
        self.edit_button.setText(_("&Edit…"))
        self.delete_button.setText(_("&Delete…"))
        self.delete_button.setAccessibleName(
            _("Delete: {what}").format(what=_(self.kind.singular)))
        self.add_button.setAccessibleName(_("Add: {what}").format(what=_(self.kind.singular)))
        self.edit_button.setAccessibleName(_("Edit: {what}").format(what=_(self.kind.singular)))
        if self.records:
            self.show_records(self.records)


class CaseView(QWidget):
    """The right-hand pane of the workspace. Emits ``case_changed`` after every saved change."""

    case_changed = Signal(str)
    status_message = Signal(str)

    def __init__(self, worker: DbWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.bundle: CaseBundle | None = None
        self.requested_id: str | None = None  # the case last asked for (may still be loading)
        self.ui = UiForm("caseview.ui", self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.ui.widget)
        host = self.ui["personHost"].layout()
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
        self.tabs = self.ui["tabs"]
        self.tab_widgets: dict[str, RecordTab] = {}
        history_index = self.tabs.indexOf(self.ui["historyTab"])
        for offset, kind in enumerate(KINDS):
            tab = RecordTab(kind)
            tab.add_requested.connect(self.add_record)
            tab.edit_requested.connect(self.edit_record)
            tab.delete_requested.connect(self.delete_record)
            self.tabs.insertTab(history_index + offset, tab, _(kind.title))
            self.tab_widgets[kind.key] = tab
        self.forms_tab: QWidget | None = None
        self._install_forms_hook()
        self.ui["saveButton"].clicked.connect(self.save)
        self.ui["revertButton"].clicked.connect(self.revert)
        self.phase_menu = QMenu(self)
        self.ui["phaseButton"].setMenu(self.phase_menu)
        self.person_form.changed.connect(self._update_dirty)
        self.case_form.changed.connect(self._update_dirty)
        self._update_dirty()
        self.retranslate()

    # -- hooks ---------------------------------------------------------------------------------
    def _install_forms_hook(self) -> None:
        """The "Forms" tab: ``kimdesk.gui.forms.FormsTab(worker, parent)`` (with ``set_case``,
        ``clear``) if the forms package has one; else our :class:`kimdesk.gui.formstab.FormsTab`
        around its ``FormWidget``; no tab when the package is absent."""
        if importlib.util.find_spec("kimdesk.gui.forms") is None:
            return
        try:
            module = importlib.import_module("kimdesk.gui.forms")
            factory = getattr(module, "FormsTab", None)
            if factory is None and hasattr(module, "FormWidget"):
                from kimdesk.gui.formstab import FormsTab

                factory = FormsTab
            if factory is None:
                return
            self.forms_tab = factory(self.worker, self)
        except Exception:  # a broken optional package must not stop the case view
            import logging

            logging.getLogger(__name__).exception("forms tab unavailable")
            return
        saved = getattr(self.forms_tab, "saved", None)
        if saved is not None:
            saved.connect(self._form_saved)
        self.tabs.insertTab(1, self.forms_tab, _("Forms"))

    def _form_saved(self, case_id: str) -> None:
        self.case_changed.emit(case_id)
        if self.requested_id == case_id:
            self.load(case_id)

    # -- loading -------------------------------------------------------------------------------
    @property
    def case_id(self) -> str | None:
        return self.bundle.case.id if self.bundle else None

    def load(self, case_id: str) -> None:
        self.requested_id = case_id
        self.worker.submit(lambda w: load_bundle(w, case_id), self.show_bundle, self._failed,
                           key="case-view")

    def reload(self) -> None:
        if self.bundle is not None:
            self.load(self.bundle.case.id)

    def show_bundle(self, bundle: CaseBundle) -> None:
        same = self.bundle is not None and self.bundle.case.id == bundle.case.id
        self.bundle = bundle
        if not (same and self.dirty):
            self.person_form.set_values(bundle.person.model_dump())
            self.case_form.set_values(bundle.case.model_dump())
        for key, tab in self.tab_widgets.items():
            tab.show_records(bundle.records.get(key, []))
        if self.forms_tab is not None and hasattr(self.forms_tab, "set_case"):
            if hasattr(self.forms_tab, "client_language"):
                self.forms_tab.set_case(bundle.case.id, bundle.person.preferred_language)
            else:
                self.forms_tab.set_case(bundle.case.id)
        self._show_header()
        self._show_history()
        self._update_dirty()

    def clear(self) -> None:
        """Drop every trace of the case (auto-lock)."""
        self.bundle = None
        self.requested_id = None
        self.person_form.set_values({})
        self.case_form.set_values({})
        for tab in self.tab_widgets.values():
            tab.show_records([])
        self.ui["historyTree"].clear()
        for name in ("nameLabel", "subtitleLabel", "phaseLabel", "formError"):
            self.ui[name].setText("")
        if self.forms_tab is not None and hasattr(self.forms_tab, "clear"):
            self.forms_tab.clear()
        self._update_dirty()

    def _failed(self, exc: Exception) -> None:
        _fields, general = field_errors(exc)
        self.status_message.emit(general)
        QMessageBox.warning(self, _("KIMdesk"), general)

    def _show_header(self) -> None:
        if self.bundle is None:
            return
        case, person = self.bundle.case, self.bundle.person
        self.ui["nameLabel"].setText(person.display_name)
        latin = f"{person.family_name_latin}, {person.given_name_latin}".strip(", ")
        parts = [case.case_number]
        if latin != person.display_name:
            parts.append(latin)
        parts.append(_("opened {date}").format(date=format_date(case.opened_on)))
        parts.append(case.owner)
        self.ui["subtitleLabel"].setText(" · ".join(parts))
        phase = code_label(Phase, case.phase)
        if case.closure_reason:
            phase += f" ({code_label(ClosureReason, case.closure_reason)})"
        self.ui["phaseLabel"].setText(phase)
        self.phase_menu.clear()
        for target in next_phases(case.phase):
            action = QAction(self._phase_action_text(case.phase, target), self.phase_menu)
            action.setObjectName(f"phase_{target.value}")
            action.triggered.connect(lambda _=False, t=target: self.change_phase(t))
            self.phase_menu.addAction(action)

    @staticmethod
    def _phase_action_text(current: Phase, target: Phase) -> str:
        if target is Phase.ABSCHLUSS:
            return _("Close the case…")
        if current is Phase.ABSCHLUSS:
            return _("Reopen in phase: {phase}").format(phase=code_label(Phase, target))
        return _("Move to phase: {phase}").format(phase=code_label(Phase, target))

    def phase_actions(self) -> list[QAction]:
        return list(self.phase_menu.actions())

    def _show_history(self) -> None:
        tree: QTreeWidget = self.ui["historyTree"]
        tree.clear()
        if self.bundle is None:
            return
        for event in self.bundle.audit:
            action = code_label(codes.AuditAction, event.action)
            what = f"{action}: {kind_label(event.subject_kind)}"
            if event.subject_kind == "phase_transitions":
                match = next((t for t in self.bundle.transitions if t.id == event.subject_id),
                             None)
                if match is not None:
                    what = _("Phase: {phase}").format(phase=code_label(Phase, match.to_phase))
            when = event.at.astimezone().strftime("%H:%M")
            item = QTreeWidgetItem([f"{format_date(event.at.astimezone().date())} {when}",
                                    event.actor, what])
            tree.addTopLevelItem(item)

    # -- editing the person and the case -------------------------------------------------------
    @property
    def dirty(self) -> bool:
        return self.person_form.dirty or self.case_form.dirty

    def _update_dirty(self) -> None:
        loaded = self.bundle is not None
        self.ui["saveButton"].setEnabled(loaded and self.dirty)
        self.ui["revertButton"].setEnabled(loaded and self.dirty)
        self.ui["phaseButton"].setEnabled(loaded)
        for tab in self.tab_widgets.values():
            tab.add_button.setEnabled(loaded)
            tab.edit_button.setEnabled(loaded)
            tab.delete_button.setEnabled(loaded)

    def revert(self) -> None:
        if self.bundle is not None:
            self.person_form.set_values(self.bundle.person.model_dump())
            self.case_form.set_values(self.bundle.case.model_dump())
            self.ui["formError"].setText("")
        self._update_dirty()

    def save(self) -> bool:
        """Validate both forms; write them in one transaction. False when validation failed."""
        if self.bundle is None or not self.dirty:
            return True
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
        self.person_form.show_errors(errors)
        self.case_form.show_errors(errors)
        self.ui["formError"].setText(general)
        if person is None or case is None:
            self.status_message.emit(_("Not saved: please correct the marked fields."))
            return False

        def job(w: DbWorker) -> str:
            vault = w.require_vault()
            with vault.transaction():
                vault.people.update(person)
                vault.cases.update(case)
            return case.id

        self.person_form.mark_clean()
        self.case_form.mark_clean()
        self._update_dirty()
        self.worker.submit(job, self._saved, self._save_failed)
        return True

    def _saved(self, case_id: str) -> None:
        self.status_message.emit(_("Saved."))
        self.case_changed.emit(case_id)
        if self.requested_id == case_id:  # not when the user moved on to another case
            self.load(case_id)

    def _save_failed(self, exc: Exception) -> None:
        self.person_form.dirty = True
        self._update_dirty()
        self._failed(exc)

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
        if self.bundle is None:
            return None
        kind = next(k for k in KINDS if k.key == key)
        dialog = RecordDialog(kind, self._base(kind), self)
        if key == "consultations":
            dialog.form.set_values(self._base(kind) | {"duration_minutes": 60})
        return self._run_dialog(dialog)

    def edit_record(self, key: str, row: int) -> Any:
        tab = self.tab_widgets[key]
        if self.bundle is None or not 0 <= row < len(tab.records):
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
        kind, existing = dialog.kind, dialog.existing

        def job(w: DbWorker) -> str:
            repo = getattr(w.require_vault(), kind.key)
            if existing is None:
                repo.add(record)
            else:
                repo.update(record)
            return record.id

        case_id = self.bundle.case.id if self.bundle is not None else ""
        self.worker.submit(job, lambda _id: self._record_saved(kind, case_id), self._failed)

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
        self.ui.retranslate()
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
        if self.bundle is not None:
            self._show_header()
            self._show_history()

