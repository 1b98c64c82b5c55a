"""How much a sync server can make a vault hold back (``sync_parked``): a cap, and what happens
past it (docs/sync-protocol.md, "A cap on parked records").

Parked records are personal data nobody sees or can delete in the app: records waiting for their
parent, records this version cannot read (a newer field), records of a kind it does not know
(:meth:`kimdesk.vault.sync.inbox.Inbox.park_unknown`, kept until an update knows the kind). A
hostile or broken server could send them without end and the vault grew without limit (a review,
2026-12-07). The caps below are far above what an honest server makes a device park (the
largest team measured, 26,456 records of 2,000 cases, parks at most its children for a page or
two of a full pull), so reaching one means the server is wrong or the app too old; the pulled
page is then refused whole (:class:`ParkedFull`): its transaction rolls back, the cursor stays,
nothing is lost, and the next sync asks for the same page again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from typing import Any

from kimdesk.errors import KimdeskError
from kimdesk.i18n import N_

MIB = 1024 * 1024
#: One parked record's JSON: above the largest record this version writes (an attachment of
#: 10 MiB is 13.4 MiB as base64), below what a page may carry (64 MiB inflated).
RECORD_BYTES = 16 * MIB
#: Everything parked, of any kind: a full pull of a team four times the largest measured could
#: park every child for a while.
MAX_RECORDS = 100_000
MAX_BYTES = 1024 * MIB
#: Records of kinds this version does not know, which stay until an update: one or two per case
#: or consultation of a large team (a later release's consent shares, case access), small each.
UNKNOWN_RECORDS = 50_000
UNKNOWN_BYTES = 64 * MIB


class ParkedFull(KimdeskError):
    """A pulled page would make the vault hold back more than the caps allow."""

    def __init__(self, count: int, total: int, each: int) -> None:
        super().__init__(N_("The sync server sent more records than this version can hold back "
                            "(at most {count} records or {mib} MiB, {each} MiB each); nothing of "
                            "the page was stored and sync stops there. Update KIMdesk; if it is "
                            "up to date, ask IT to check the sync server."),
                         count=count, mib=total // MIB, each=each // MIB)


class ParkingTally:
    """What ``sync_parked`` holds, read once (at the first record parked in a page) and kept
    up to date as records are parked, so that the caps cost a page one query, not one per
    record."""

    def __init__(self, conn: sqlite3.Connection | Any, known: Collection[str]) -> None:
        self._conn = conn
        self._known = frozenset(known)
        marks = ", ".join("?" for _ in self._known) or "''"
        # octet_length: bytes, read from the record header without loading the value
        self.count, self.bytes, self.unknown_count, self.unknown_bytes = (int(v or 0) for v in (
            conn.execute(
                "SELECT count(*), sum(octet_length(data)),"
                f" sum(kind NOT IN ({marks})),"
                f" sum(CASE WHEN kind NOT IN ({marks}) THEN octet_length(data) END)"
                " FROM sync_parked", [*self._known, *self._known]).fetchone()))

    def admit(self, kind: str, rid: str, text: str) -> None:
        """Count ``text`` in for record ``kind``/``rid`` (replacing its parked copy, if any),
        or raise :class:`ParkedFull` if a cap would be passed."""
        size = len(text.encode("utf-8"))
        old = self._conn.execute("SELECT octet_length(data) FROM sync_parked"
                                 " WHERE kind = ? AND id = ?", (kind, rid)).fetchone()
        count, grow = (0, size - int(old[0])) if old is not None else (1, size)
        unknown = kind not in self._known
        over = size > RECORD_BYTES or self.count + count > MAX_RECORDS \
            or self.bytes + grow > MAX_BYTES or (unknown and (
                self.unknown_count + count > UNKNOWN_RECORDS
                or self.unknown_bytes + grow > UNKNOWN_BYTES))
        if over and grow > 0:  # a record parked again as it was never fails
            raise ParkedFull(*((UNKNOWN_RECORDS, UNKNOWN_BYTES) if unknown
                               else (MAX_RECORDS, MAX_BYTES)), RECORD_BYTES)
        self.count += count
        self.bytes += grow
        if unknown:
            self.unknown_count += count
            self.unknown_bytes += grow
