"""Finding one case's file: a case by the id or the case number a counselor types, and the
consents its person gave (what a handout or a dossier prints besides the case itself)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kimdesk.domain.models import Consent
from kimdesk.vault.errors import CaseNotFound

if TYPE_CHECKING:
    from kimdesk.vault.vault import Vault


def case_id_of(vault: Vault, ident: str) -> str:
    """The id of the case whose id or case number is ``ident`` (what ``kimdesk show`` and
    ``kimdesk handout`` accept); :class:`CaseNotFound` if none, or only a deleted one."""
    row = vault.conn.execute(
        "SELECT id FROM cases WHERE (id = ? OR case_number = ?) AND deleted = 0", (ident, ident)
    ).fetchone()
    if row is None:
        raise CaseNotFound(ident)
    return str(row[0])


def consents_of(vault: Vault, person_id: str) -> list[Consent]:
    """Every consent the person gave (tombstones left out), oldest first; whether one is in
    force on a day is :meth:`Consent.active_on`'s to say."""
    return vault.consents.where("person_id = ?", (person_id,))
