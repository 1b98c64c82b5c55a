"""The case view's header (name, case number, phase and the phase menu) and its history tab, drawn
from the case as read (:class:`kimdesk.gui.casebundle.CaseBundle`). Display only: what the view
does on a phase change stays in :mod:`kimdesk.gui.caseview` (which passes it in), kept apart so
that the view's module holds its state and its saves."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QTreeWidget, QTreeWidgetItem

from kimdesk.domain import codes
from kimdesk.domain.codes import ClosureReason, Phase
from kimdesk.domain.names import joined
from kimdesk.domain.phases import next_phases
from kimdesk.gui.labels import code_label, kind_label
from kimdesk.gui.lang import format_date, format_moment, ltr
from kimdesk.i18n import gettext

if TYPE_CHECKING:
    from kimdesk.gui.casebundle import CaseBundle

_ = gettext


def show_header(ui: Any, menu: QMenu, bundle: CaseBundle,
                change_phase: Callable[[Phase], None]) -> None:
    """Name, the line under it, the phase, and the phase menu's next phases."""
    case, person = bundle.case, bundle.person
    ui.nameLabel.setText(person.display_name)
    latin = joined(person.family_name_latin, person.given_name_latin)
    parts = [ltr(case.case_number)]
    if latin != person.display_name:
        parts.append(latin)
    parts.append(_("opened {date}").format(date=format_date(case.opened_on)))
    parts.append(case.owner)
    ui.subtitleLabel.setText(" · ".join(parts))
    phase = code_label(Phase, case.phase)
    if case.closure_reason:
        phase += f" ({code_label(ClosureReason, case.closure_reason)})"
    ui.phaseLabel.setText(phase)
    menu.clear()
    for target in next_phases(case.phase):
        action = QAction(phase_action_text(case.phase, target), menu)
        action.setObjectName(f"phase_{target.value}")
        action.triggered.connect(lambda _=False, t=target: change_phase(t))
        menu.addAction(action)


def phase_action_text(current: Phase, target: Phase) -> str:
    if target is Phase.ABSCHLUSS:
        return _("Close the case…")
    if current is Phase.ABSCHLUSS:
        return _("Reopen in phase: {phase}").format(phase=code_label(Phase, target))
    return _("Move to phase: {phase}").format(phase=code_label(Phase, target))


def show_history(tree: QTreeWidget, bundle: CaseBundle | None) -> None:
    """The history tab: who did what to the case's records, and when (the case's audit events)."""
    tree.clear()
    if bundle is None:
        return
    for event in bundle.audit:
        action = code_label(codes.AuditAction, event.action)
        what = f"{action}: {kind_label(event.subject_kind)}"
        if event.subject_kind == "phase_transitions":
            match = next((t for t in bundle.transitions if t.id == event.subject_id), None)
            if match is not None:
                what = _("Phase: {phase}").format(phase=code_label(Phase, match.to_phase))
        when = format_moment(event.at.astimezone())
        tree.addTopLevelItem(QTreeWidgetItem([when, event.actor, what]))
