"""The case view's "Forms" tab: choose a form, fill it in :class:`kimdesk.gui.forms.FormWidget`,
save it as a consultation of the case.

The form registry, drafts and the saved consultation all go through the database worker: drafts
are pre-loaded on the worker before the widget is built, and the widget's autosaves are queued to
the worker, so the vault is never used from the GUI thread. The forms engine and widget are
imported when the first case is opened, not at start-up.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from kimdesk.forms.attachments import ChosenFile, FormFiles, file_answers
from kimdesk.gui.tone import say
from kimdesk.gui.unusableforms import show_unusable, unusable_label
from kimdesk.gui.worker import DbWorker
from kimdesk.i18n import current_language, gettext

if TYPE_CHECKING:
    from kimdesk.domain.models import Consultation
    from kimdesk.forms.definition import Form
    from kimdesk.forms.registry import FormRegistry
    from kimdesk.gui.forms import FormWidget

_ = gettext


def default_client_language(form: Form, preferred: str | None) -> str | None:
    """The client column's language when a form opens: the person's preferred language if the
    form is written in it, else the form's second language (the first after its own)."""
    if preferred and preferred in form.languages:
        return preferred
    return next((lang for lang in form.languages if lang != form.default_language), None)


class WorkerDraftStore:
    """A :class:`kimdesk.forms.drafts.DraftStore` whose writes run on the database worker;
    ``on_change(key, exists)`` hears of every draft written or discarded (the draft markers)."""

    def __init__(self, worker: DbWorker, preloaded: dict[str, Any],
                 on_change: Callable[[str, bool], None] | None = None) -> None:
        self.worker = worker
        self._cache = dict(preloaded)
        self._on_change = on_change

    def save(self, key: str, payload: dict[str, Any]) -> None:
        from kimdesk.forms.drafts import VaultDraftStore

        self._cache[key] = payload
        self.worker.submit(lambda w: VaultDraftStore(w.require_vault()).save(key, payload))
        if self._on_change is not None:
            self._on_change(key, True)

    def load(self, key: str) -> dict[str, Any] | None:
        value = self._cache.get(key)
        return value if isinstance(value, dict) else None

    def discard(self, key: str) -> None:
        from kimdesk.forms.drafts import VaultDraftStore

        self._cache[key] = None
        self.worker.submit(lambda w: VaultDraftStore(w.require_vault()).discard(key))
        if self._on_change is not None:
            self._on_change(key, False)


class FormsTab(QWidget):
    """Choose a form, fill it (drafts autosave), save it as a consultation of the case."""

    saved = Signal(str)  # case id
    drafts_changed = Signal(str, bool)  # case id, whether any form of it has a draft now
    #: a line for the window's status bar: a save answered after she had gone to another case
    #: (this tab's own line then belongs to the case on screen)
    message = Signal(str)

    def __init__(self, worker: DbWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("formsTab")
        self.worker = worker
        self.registry: FormRegistry | None = None
        self.case_id: str | None = None
        self.case_number = ""  # named in a save's answer that comes after she left the case
        self.client_language: str | None = None
        self.widget: FormWidget | None = None
        self.form: Form | None = None
        self.key = ""
        self.drafted: set[str] = set()  # forms of this case with a saved draft (marked)
        self._reopen: str | None = None  # a form to open once the forms are known
        self._opening = ""  # the form last asked for (stepping through the list asks for many)
        self._saving: FormWidget | None = None  # its save is queued: read-only until answered
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.label = QLabel()
        self.combo = QComboBox()
        self.combo.setObjectName("formCombo")
        self.label.setBuddy(self.combo)
        self.combo.activated.connect(lambda _i: self.open_form(self.combo.currentData()))
        self.client_label = QLabel()
        self.client_combo = QComboBox()
        self.client_combo.setObjectName("clientLanguageCombo")
        self.client_label.setBuddy(self.client_combo)
        self.client_combo.activated.connect(
            lambda _i: self.choose_client_language(self.client_combo.currentData()))
        self.client_choice: str | None = None  # the client language chosen for the open form
        self.save_button = QPushButton()
        self.save_button.setObjectName("saveFormButton")
        self.save_button.clicked.connect(self.save)
        row.addWidget(self.label)
        row.addWidget(self.combo, 1)
        row.addWidget(self.client_label)
        row.addWidget(self.client_combo)
        row.addWidget(self.save_button)
        layout.addLayout(row)
        self.status = QLabel()
        self.status.setObjectName("formError")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.unusable = unusable_label()  # forms left out of the list, and why
        layout.addWidget(self.unusable)
        self.area = QScrollArea()
        self.area.setWidgetResizable(True)
        layout.addWidget(self.area, 1)
        self.retranslate()
        self._update()

    # -- case ----------------------------------------------------------------------------------
    def set_case(self, case_id: str, client_language: str | None = None, *,
                 number: str = "") -> None:
        if number or case_id != self.case_id:
            self.case_number = number
        if case_id == self.case_id:
            return
        self._drop_widget()
        self.case_id = case_id
        self.client_language = client_language
        self.status.setText("")
        self.drafted = set()
        self._load_drafted(case_id)
        if self.registry is None:
            def job(w: DbWorker) -> FormRegistry:
                from kimdesk.forms.registry import FormRegistry

                return FormRegistry(agencies=w.require_vault().agencies.where() or None)

            self.worker.submit(job, self._registry_ready, self._failed)
        self._update()

    def _registry_ready(self, registry: FormRegistry) -> None:
        self.registry = registry
        self._fill_combo()
        if self._reopen:
            self.reopen(self._reopen)

    def reopen(self, form_id: str) -> None:
        """Open a form again (after unlock: the one open at the lock), once the forms are
        known; its draft comes back with it."""
        if self.registry is None:
            self._reopen = form_id
            return
        self._reopen = None
        index = self.combo.findData(form_id)
        if index > 0:
            self.combo.setCurrentIndex(index)
            self.open_form(form_id)

    # -- draft markers -------------------------------------------------------------------------
    def _load_drafted(self, case_id: str) -> None:
        def job(w: DbWorker) -> set[str]:
            from kimdesk.forms.drafts import VaultDraftStore

            keys = VaultDraftStore(w.require_vault()).keys()
            return {key.split(":")[1] for key in keys if key.startswith(case_id + ":")}

        def done(forms: set[str]) -> None:
            if case_id == self.case_id:
                self.drafted = forms
                self._mark_drafts()

        self.worker.submit(job, done, lambda exc: None)

    def _draft_changed(self, key: str, exists: bool) -> None:
        case_id, form_id = key.split(":")[:2]
        if case_id != self.case_id or (form_id in self.drafted) == exists:
            return
        (self.drafted.add if exists else self.drafted.discard)(form_id)
        self._mark_drafts()
        self.drafts_changed.emit(case_id, bool(self.drafted))

    def _mark_drafts(self) -> None:
        """A form with a saved draft for this case is marked in the list: "(draft)" after its
        title, the draft icon, and a tooltip."""
        from kimdesk.gui.lockdraft import draft_icon

        if self.registry is None:
            return
        lang = current_language()
        for i in range(1, self.combo.count()):
            form_id = self.combo.itemData(i)
            title = self.registry.get(form_id).title(lang)
            drafted = form_id in self.drafted
            self.combo.setItemText(i, _("{form} (draft)").format(form=title) if drafted
                                   else title)
            self.combo.setItemIcon(i, draft_icon() if drafted else QIcon())
            self.combo.setItemData(i, _("A draft of this form is saved for this case.")
                                   if drafted else None, Qt.ItemDataRole.ToolTipRole)

    def _fill_combo(self) -> None:
        """The forms, titled in the current language; the open form stays selected (after a
        language switch the list is refilled under it, issue 18.5)."""
        chosen = self.combo.currentData()
        self.combo.clear()
        self.combo.addItem(_("Choose a form…"), "")
        if self.registry is not None:
            lang = current_language()
            for form in self.registry.latest():
                self.combo.addItem(form.title(lang), form.form_id)
        if chosen:
            self.combo.setCurrentIndex(max(self.combo.findData(chosen), 0))
        show_unusable(self.unusable, self.registry)
        self._mark_drafts()
        self._update()

    # -- client language -----------------------------------------------------------------------
    def _fill_client_combo(self) -> None:
        """"(none)" and the open form's languages other than the counselor's, each named in
        itself so the client finds theirs; the choice shown is :attr:`client_choice`."""
        from kimdesk.gui.forms.bilingual import MSG_NO_CLIENT_COLUMN, language_name

        combo = self.client_combo
        combo.clear()
        combo.addItem(_(MSG_NO_CLIENT_COLUMN), None)
        ui = current_language()
        for lang in self.form.languages if self.form is not None else []:
            if lang != ui:
                combo.addItem(language_name(lang), lang)
        combo.setCurrentIndex(max(combo.findData(self.client_choice), 0)
                              if self.client_choice else 0)

    def choose_client_language(self, lang: str | None) -> None:
        """The client column of the open form in ``lang`` (None: no client column)."""
        self.client_choice = lang
        if self.widget is not None:
            self.widget.set_client_language(lang)

    def clear(self) -> None:
        """Lock: save the draft (queued before the vault closes), forget everything."""
        self._drop_widget()
        self.case_id = None
        self.registry = None
        self.drafted = set()
        self._reopen = None
        self._saving = None
        self.combo.clear()
        self.status.setText("")
        show_unusable(self.unusable, None)
        self._update()

    def _drop_widget(self) -> None:
        if self.widget is not None:
            self.widget.flush_draft()
            self.area.takeWidget()
            self.widget.deleteLater()
            self.widget = None
            self.form = None

    # -- filling -------------------------------------------------------------------------------
    def open_form(self, form_id: str) -> None:
        if not form_id or self.case_id is None or self.registry is None:
            return
        from kimdesk.forms.drafts import VaultDraftStore, draft_key

        self._drop_widget()
        key = draft_key(self.case_id, form_id)
        self._opening = key

        case_id = self.case_id

        def job(w: DbWorker) -> Any:
            from kimdesk.gui.forms.casebinding import case_facts

            vault = w.require_vault()
            return VaultDraftStore(vault).load(key), case_facts(vault, case_id)

        self.worker.submit(job, lambda got: self._build(form_id, key, *got), self._failed)

    def _build(self, form_id: str, key: str, payload: Any, facts: Any = None) -> None:
        from kimdesk.forms.drafts import draft_form
        from kimdesk.gui.forms import FormWidget
        from kimdesk.gui.forms.casebinding import prefill_widget

        if self.registry is None or key != self._opening:  # locked, or another form asked for
            return
        store = WorkerDraftStore(self.worker, {key: payload}, self._draft_changed)
        form = draft_form(self.registry, store, key) or self.registry.get(form_id)
        self.form, self.key = form, key
        drafted = payload.get("client_language") if isinstance(payload, dict) else None
        self.client_choice = drafted or default_client_language(form, self.client_language)
        self.widget = FormWidget(form, ui_language=current_language(),
                                 client_language=self.client_choice, draft_store=store,
                                 draft_key=key)
        prefill_widget(self.widget, facts)  # bound questions from the case (issue 18)
        self.area.setWidget(self.widget)
        self._fill_client_combo()
        say(self.status, _("Draft restored.") if payload else "", error=False)
        self._update()

    def save(self) -> None:
        """Store the answers as a consultation. Until the answer is in, the form is read-only
        and cannot be saved again, and its draft is written first (the save discards it).

        Before (a review, 2026-12-07), with the vault lane busy: a second click stored the
        consultation twice (and a bound consent with it); an answer ticked after Save went with
        the form, which the save's answer closed; and an autosave that fired after Save wrote the
        saved answers back as a draft, which came back as "(draft)" to be saved once more."""
        if self.widget is None or self.form is None or self.case_id is None \
                or self._saving is self.widget:
            return
        from kimdesk.gui.forms.casebinding import show_first_issue

        issues = self.widget.show_all_issues()
        if issues:
            say(self.status, show_first_issue(self.widget, issues), error=True)
            return
        form, answers, key, case_id = self.form, self.widget.answers(), self.key, self.case_id
        number = self.case_number
        ui, client = current_language(), self.widget.client_language() or self.client_language
        files = FormFiles(dict(self.widget.files.pending))  # the worker's own copy
        widget = self._saving = self.widget
        widget.flush_draft()  # queued before the save, which discards it
        focused = QApplication.focusWidget()
        if focused is not None and widget.isAncestorOf(focused):
            self.combo.setFocus()  # a disabled form would leave the keyboard nowhere
        widget.setEnabled(False)
        self._update()

        def job(w: DbWorker) -> Any:
            from kimdesk.forms.binding import Applied
            from kimdesk.forms.drafts import VaultDraftStore, save_consultation

            vault = w.require_vault()
            applied: list[Applied] = []
            stored, problems = save_consultation(vault, case_id, form, answers,
                                                 draft_store=VaultDraftStore(vault), draft=key,
                                                 language=client, ui_language=ui,
                                                 applied=applied, files=files)
            return stored, problems, applied

        self.worker.submit(job, lambda got: self._saved(got, widget, case_id, form.form_id,
                                                        number),
                           lambda exc: self._save_failed(exc, widget, case_id, number))

    def _saved(self, result: Any, widget: FormWidget, case_id: str, form_id: str,
               number: str = "") -> None:
        from kimdesk.gui.forms.casebinding import saved_message

        stored, problems, applied = result
        if problems or stored is None:
            self._save_failed(None, widget, case_id, number)
            return
        if self._saving is widget:
            self._saving = None
        if self.widget is widget:  # still open: done with it
            self._drop_widget_without_draft()
            self.combo.setCurrentIndex(0)
        self._draft_changed(f"{case_id}:{form_id}:new", False)
        text = saved_message(applied[0] if applied else None)
        if case_id == self.case_id:
            say(self.status, text, error=False)
        else:  # she went on to another case: its Forms tab must not say so
            self.message.emit(_("Case {number}: {message}").format(number=number, message=text))
        self.saved.emit(case_id)

    def _save_failed(self, exc: Exception | None, widget: FormWidget, case_id: str = "",
                     number: str = "") -> None:
        """Not saved: the form can be edited and saved again (``exc`` None: the answers were
        refused as not valid). After she went on to another case the form is closed; its
        answers are in its draft (written before the save), so it opens again with them."""
        if self._saving is widget:
            self._saving = None
        if self.widget is widget:
            widget.setEnabled(True)
        self._update()
        if case_id and case_id != self.case_id:
            from kimdesk.gui.fields import field_errors

            why = field_errors(exc)[1] if exc is not None else _(
                "Not saved: please correct the marked fields.")
            self.message.emit(_("Case {number}: the form was not saved ({why}). Its answers "
                                "are kept as a draft of the case.").format(number=number, why=why))
            return
        if exc is None:
            say(self.status, _("Not saved: please correct the marked fields."), error=True)
        else:
            self._failed(exc)

    def _drop_widget_without_draft(self) -> None:
        if self.widget is not None:
            self.widget.draft_store = None
            self.area.takeWidget()
            self.widget.deleteLater()
            self.widget = None
            self.form = None
        self._update()

    def _failed(self, exc: Exception) -> None:
        from kimdesk.gui.fields import field_errors

        say(self.status, field_errors(exc)[1], error=True)

    def _update(self) -> None:
        self.save_button.setEnabled(self.widget is not None and self._saving is not self.widget)
        self.client_combo.setEnabled(self.widget is not None)
        if self.widget is None:
            self.client_combo.clear()
        self.combo.setEnabled(self.case_id is not None and self.registry is not None)

    def show_answers(self, consultation: Consultation) -> QDialog | None:
        """A stored form consultation, read-only, in the form version it was recorded with."""
        if self.registry is None:
            return None
        from kimdesk.gui.forms import FormWidget

        form = self.registry.for_consultation(consultation)
        dialog = QDialog(self)
        dialog.setObjectName("formAnswersDialog")
        dialog.setWindowTitle(form.title(current_language()))
        layout = QVBoxLayout(dialog)
        area = QScrollArea()
        area.setWidgetResizable(True)
        shown = FormWidget(form, answers=consultation.answers, read_only=True,
                           ui_language=current_language())
        area.setWidget(shown)
        if any(file_answers(form, consultation.answers)):
            cid = consultation.id

            def job(w: DbWorker) -> dict[str, ChosenFile]:
                vault = w.require_vault()
                return {a.id: ChosenFile(a.question, a.file_name, a.media_type,
                                         vault.attachments.content(a.id))
                        for a in vault.attachments.for_consultation(cid)}

            def loaded(files: dict[str, ChosenFile]) -> None:
                with contextlib.suppress(RuntimeError):  # the dialog was closed meanwhile
                    shown.show_files(files)

            self.worker.submit(job, loaded, self._failed)
        layout.addWidget(area)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(dialog.reject)
        layout.addWidget(buttons)
        dialog.resize(760, 640)
        dialog.open()
        return dialog

    def retranslate(self) -> None:
        self.label.setText(_("Fo&rm:"))
        self.combo.setAccessibleName(_("Form"))
        self.save_button.setText(_("Save &as consultation"))
        self.client_label.setText(_("Client lan&guage:"))
        self.client_combo.setAccessibleName(_("Client language"))
        if self.widget is not None:
            self.widget.set_ui_language(current_language())
            self._fill_client_combo()
        if self.registry is not None:
            self._fill_combo()
