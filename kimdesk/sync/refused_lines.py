"""The changes the server refused, as lines for a terminal: what ``kimdesk sync`` prints after
a run and ``kimdesk check`` prints offline (docs/sync-protocol.md, "Refused changes"). Here, not
in one of the two commands' modules, because the command line's areas do not import each other
(tests/test_config.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kimdesk.i18n import gettext as _
from kimdesk.i18n import ngettext
from kimdesk.i18n.kinds import kind_label

if TYPE_CHECKING:
    from kimdesk.sync.store import SyncStore
    from kimdesk.vault.sync import Refusal


def refused_lines(store: SyncStore, refused: list[Refusal]) -> list[str]:
    """The lines of :func:`print_refused` (``kimdesk check`` prints them too). They may end up
    in IT's logs: no name or text of the record, and a reason that quotes one of the record's
    values has it masked (:func:`kimdesk.vault.sync.refusals.masked_reason`)."""
    if not refused:
        return []
    lines = [ngettext("Refused by the server: {n} change. It stays on this device and is sent "
                      "again with every sync.",
                      "Refused by the server: {n} changes. They stay on this device and are "
                      "sent again with every sync.", len(refused)).format(n=len(refused))]
    for refusal in refused:
        reason = store.masked_reason(refusal)
        if refusal.case_number:
            line = _("{kind}, case {case_number}: {reason}").format(
                kind=kind_label(refusal.kind), case_number=refusal.case_number, reason=reason)
        else:
            line = _("{kind}, record {record_id}: {reason}").format(
                kind=kind_label(refusal.kind), record_id=refusal.record_id, reason=reason)
        lines.append("  " + line)
    return lines
