"""Record kinds as people name them: "note" rather than the table and protocol name ``notes``.

Here, not in the GUI's labels: the command line names records too (``kimdesk sync`` lists the
changes the server refused), and only :mod:`kimdesk.gui` may import Qt.
"""

from __future__ import annotations

from kimdesk.i18n import N_, gettext

#: Record kinds in the singular, as the history, the conflicts and the refusals name them.
KIND_LABELS: dict[str, str] = {
    "persons": N_("person"),
    "cases": N_("case"),
    "phase_transitions": N_("phase change"),
    "consultations": N_("consultation"),
    "goals": N_("goal"),
    "referrals": N_("referral"),
    "consents": N_("consent"),
    "structural_gaps": N_("structural gap"),
    "notes": N_("note"),
    "agencies": N_("agency"),
    "deletions": N_("deletion"),
    "attachments": N_("attachment"),
}


def kind_label(kind: str) -> str:
    """The translated name of a record kind; a kind a later release brought, as it is named."""
    text = KIND_LABELS.get(kind)
    return gettext(text) if text else kind
