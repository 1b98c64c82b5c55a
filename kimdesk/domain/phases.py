"""The case-phase state machine, free of storage and UI (the GUI only draws its states).

Forward through the DGCC phases, back one step where practice needs it (re-assess, re-plan),
closing from any open phase (a clearing may show there is no need), and reopening a closed case.
"""

from __future__ import annotations

from kimdesk.domain.codes import ClosureReason, Phase, label
from kimdesk.errors import ValidationError
from kimdesk.i18n import N_

_OPEN = (Phase.ERSTKONTAKT, Phase.ASSESSMENT, Phase.HILFEPLANUNG, Phase.UMSETZUNG)

ALLOWED: dict[Phase, frozenset[Phase]] = {
    Phase.ERSTKONTAKT: frozenset({Phase.ASSESSMENT, Phase.ABSCHLUSS}),
    Phase.ASSESSMENT: frozenset({Phase.HILFEPLANUNG, Phase.ABSCHLUSS}),
    Phase.HILFEPLANUNG: frozenset({Phase.UMSETZUNG, Phase.ASSESSMENT, Phase.ABSCHLUSS}),
    Phase.UMSETZUNG: frozenset({Phase.HILFEPLANUNG, Phase.ABSCHLUSS}),
    # Reopening: back into any open phase.
    Phase.ABSCHLUSS: frozenset(_OPEN),
}


def next_phases(current: Phase) -> list[Phase]:
    """Transitions offered from ``current``, in the phases' natural order."""
    return [p for p in Phase if p in ALLOWED[current]]


def check_transition(current: Phase, target: Phase, closure_reason: ClosureReason | None) -> None:
    if target not in ALLOWED[current]:
        raise ValidationError(
            N_("A case cannot move from phase {current} to {target}."),
            field="phase",
            current=label(current.value),
            target=label(target.value),
        )
    if target is Phase.ABSCHLUSS and closure_reason is None:
        raise ValidationError(N_("Closing a case needs a closure reason."), field="closure_reason")
    if target is not Phase.ABSCHLUSS and closure_reason is not None:
        raise ValidationError(
            N_("Only closing a case takes a closure reason."), field="closure_reason"
        )


def is_reopening(current: Phase, target: Phase) -> bool:
    return current is Phase.ABSCHLUSS and target is not Phase.ABSCHLUSS
