"""The settings dialog's Retention page: the Löschfrist in force, the plan, and deleting it.

The rule and the plan are :mod:`kimdesk.vault.retention` (the same as ``kimdesk retention``); this
page shows them for a chosen day (today by default, a later day to see what is coming) and deletes
the due cases after a confirmation. Deleting also happens by itself after every unlock
(:meth:`kimdesk.gui.mainwindow.MainWindow`); the page is for seeing what and why, and for a
counselor or admin who wants it done now.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMessageBox, QTreeWidgetItem, QWidget

from kimdesk.domain.retention import (
    ANY_MUNICIPALITY,
    Action,
    RetentionPolicy,
    StartEvent,
    Verdict,
)
from kimdesk.gui.datefield import Years
from kimdesk.gui.jobs import BackgroundJob
from kimdesk.gui.lang import format_date, format_int, ltr
from kimdesk.gui.worker import DbWorker
from kimdesk.i18n import N_, gettext, ngettext

if TYPE_CHECKING:
    from kimdesk.gui.forms_generated.ui_settings import Ui_SettingsDialog
    from kimdesk.vault.retention import RetentionResult

_ = gettext

_STARTS = {StartEvent.CLOSURE: N_("{months} months after the case was closed"),
           StartEvent.LAST_CONTACT: N_("{months} months after the last contact")}


def policy_text(policies: dict[str, RetentionPolicy]) -> str:
    """One line per policy in force; the default when the server published none."""
    default = policies.get(ANY_MUNICIPALITY) or RetentionPolicy()
    lines = [_("Deletion period: {rule}.").format(
        rule=_(_STARTS[default.start]).format(months=format_int(default.months)))]
    for key, policy in sorted(policies.items()):
        if key != ANY_MUNICIPALITY:
            rule = _(_STARTS[policy.start]).format(months=format_int(policy.months))
            lines.append(f"{key}: {rule}")
    return "\n".join(lines)


class RetentionPage:
    """Drives the Retention tab of the settings dialog (its widgets come from ``ui``)."""

    def __init__(self, ui: Ui_SettingsDialog, worker: DbWorker, parent: QWidget) -> None:
        self.ui = ui
        self.worker = worker
        self.parent = parent
        self.verdicts: list[Verdict] = []
        self.note = ""  # what the last "delete" did, shown above the new plan
        ui.retentionDate.optional = False
        ui.retentionDate.years = Years.FUTURE  # a plan looks ahead
        ui.retentionDate.set_value(date.today())
        ui.retentionDate.dateChanged.connect(self.refresh)
        ui.retentionDate.problemChanged.connect(self._date_problem)
        ui.retentionApply.clicked.connect(self.confirm_and_apply)
        self.refresh()

    def day(self) -> date | None:
        return self.ui.retentionDate.value()

    def _date_problem(self, message: str) -> None:
        if message:
            self.ui.retentionSummary.setText(message)
            self.ui.retentionApply.setEnabled(False)
        else:
            self.refresh()

    def refresh(self) -> None:
        if self.worker.vault is None and not self.worker.busy:
            self.ui.retentionSummary.setText(_("Unlock the vault to see the cases due."))
            return
        day = self.day()
        if day is None:  # typing; a date that is no date is reported when leaving the field
            self.ui.retentionApply.setEnabled(False)
            return

        def plan(w: DbWorker) -> tuple[list[Verdict], dict[str, RetentionPolicy]]:
            from kimdesk.vault.retention import policies, retention_plan

            vault = w.require_vault()
            return retention_plan(vault, day), policies(vault)

        self.worker.submit(plan, self._show, lambda exc: None, key="retention")

    def _show(self, result: tuple[list[Verdict], dict[str, RetentionPolicy]]) -> None:
        self.verdicts, policies = result
        self.ui.retentionPolicy.setText(policy_text(policies))
        tree = self.ui.retentionTree
        tree.clear()
        for v in self.verdicts[:2000]:
            action = _("Delete") if v.action is Action.DELETE else _("Legal hold")
            tree.addTopLevelItem(QTreeWidgetItem(
                [ltr(v.case_number), v.municipality, format_date(v.due_on.isoformat()), action,
                 v.reason_text()]))
        for column in range(4):
            tree.resizeColumnToContents(column)
        due = sum(v.action is Action.DELETE for v in self.verdicts)
        held = len(self.verdicts) - due
        text = ngettext("{n} case is due for deletion.", "{n} cases are due for deletion.",
                        due).format(n=format_int(due))
        if held:
            text += " " + ngettext("{n} case is kept under a legal hold.",
                                   "{n} cases are kept under a legal hold.", held).format(
                n=format_int(held))
        self.ui.retentionSummary.setText(f"{self.note} {text}".strip())
        self.ui.retentionApply.setEnabled(due > 0)

    def confirm_and_apply(self) -> None:
        due = sum(v.action is Action.DELETE for v in self.verdicts)
        if not due:
            return
        answer = QMessageBox.question(
            self.parent, _("Delete due cases"),
            ngettext("Delete {n} case with everything recorded for it? This cannot be undone; "
                     "the deletion goes to the server with the next sync.",
                     "Delete {n} cases with everything recorded for them? This cannot be undone; "
                     "the deletion goes to the server with the next sync.", due).format(n=due))
        if answer == QMessageBox.StandardButton.Yes:
            self.apply()

    def apply(self) -> None:
        day = self.day()
        if day is None:
            return

        def work(w: DbWorker) -> RetentionResult:
            from kimdesk.vault.retention import apply_retention

            vault = w.require_vault()
            return apply_retention(vault, day, ordered_by=vault.meta.counselor)

        BackgroundJob(self.parent, self.worker, work).success(self._applied).run_in_background()

    def _applied(self, result: RetentionResult) -> None:
        self.note = deleted_text(result)
        self.refresh()


def deleted_text(result: RetentionResult) -> str:
    return _("Deleted: {cases} cases, {persons} persons; kept under a legal hold: {held}.").format(
        cases=result.deleted_cases, persons=result.deleted_persons, held=result.held)
