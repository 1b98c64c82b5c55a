"""Three-way, field-level merge: the one rule both client and server follow.

For every field a device changed (``mine``), compared with the value it started from (``base``) and
the value the server holds now (``theirs``):

- theirs == mine: nothing to do (both made the same edit);
- theirs == base: only this device changed it: take mine;
- otherwise both changed it differently: a *conflict*. The server keeps theirs for now and the
  losing value is kept in the conflict record, never dropped silently.

Fields only the other side changed are untouched because a device sends only its changed fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FieldConflict:
    field: str
    base: Any
    theirs: Any
    mine: Any


def merge_fields(
    current: dict[str, Any] | None,
    changed: dict[str, Any],
    base: dict[str, Any],
    *,
    fast_forward: bool,
) -> tuple[dict[str, Any], list[FieldConflict]]:
    """Apply ``changed`` to ``current``; returns the merged data and the conflicting fields.

    ``fast_forward``: the change was based on the current revision, so it simply wins."""
    if current is None:
        return dict(changed), []
    merged = dict(current)
    conflicts: list[FieldConflict] = []
    for field, mine in changed.items():
        theirs = current.get(field)
        if fast_forward or theirs == mine:
            merged[field] = mine
            continue
        was = base.get(field, theirs)
        if theirs == was:
            merged[field] = mine
        else:
            conflicts.append(FieldConflict(field, was, theirs, mine))
    return merged, conflicts


def rebase_local(
    local: dict[str, Any], sent: dict[str, Any], server: dict[str, Any]
) -> dict[str, Any]:
    """A record edited again while its change was in flight: keep the fields edited since the
    send (they differ from what was sent), take the server's value for every other field."""
    result = dict(server)
    for field, value in local.items():
        if (field in sent and sent[field] != value) or field not in server:
            result[field] = value
    return result
