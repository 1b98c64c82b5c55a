"""Pull: pages of server records and reference data applied to the vault.

A pulled page is applied together with the cursor advance, in one transaction, so an interrupted
pull resumes where it stopped. Remote records are written by the vault's inbox
(:class:`kimdesk.vault.sync.Inbox`): unlike :meth:`Repository.update`, it does not mark them
pending and writes no audit event (the audit log records what happened on this device;
receiving a colleague's edit is not an access).
"""

from __future__ import annotations

from typing import Any

from kimdesk.i18n import N_
from kimdesk.sync.errors import SyncError
from kimdesk.sync.protocol import MAX_CURSOR, PullPage, ReferencePage, RemoteRecord
from kimdesk.sync.store.state import StateStore
from kimdesk.vault.purge import purge_deleted_targets
from kimdesk.vault.sync.parkcap import ParkedFull
from kimdesk.vault.sync.parked import drop_orphans, waiting_for_nothing


def check_follows(since: int, next_cursor: int, more: bool) -> None:
    """:class:`SyncError` unless a page's ``next_cursor`` follows the cursor it was asked for
    (the stored one: each page moves it as it is applied): never back (the server answers at
    least ``since``), past it while there are more pages, within PostgreSQL's bigint. A review
    (2026-12-06): a page that did not move on was asked for again without end, and a cursor
    out of range made every later pull a 422, from the honest server too."""
    if not since <= next_cursor <= MAX_CURSOR or (more and next_cursor == since):
        raise SyncError(N_("The sync server sent a page out of order; nothing of it was "
                           "stored. Sync tries again later."))


class InboxStore(StateStore):
    """Pulled pages and reference data."""

    def apply_page(self, page: PullPage, *, seen: set[tuple[str, str]] | None = None,
                   force: set[tuple[str, str]] | None = None) -> int:
        """Apply one page of server changes and advance the cursor, atomically.

        Records are written kind by kind, parents first (persons before cases before notes),
        with one ``executemany`` per kind; a record whose parent is missing is parked. A page
        that would park more than the vault's caps allow is refused whole, the cursor kept
        (:mod:`kimdesk.vault.sync.parkcap`).
        ``force``: records written even at a revision known here, unless pending
        (:mod:`kimdesk.sync.store.expired`)."""
        check_follows(self.cursor, page.next_cursor, page.more)
        by_kind: dict[str, list[RemoteRecord]] = {}
        for rec in page.records:
            if seen is not None:
                seen.add((rec.kind, rec.id))
            by_kind.setdefault(rec.kind, []).append(rec)
        try:
            return self._apply_page(page, by_kind, force)
        except ParkedFull as exc:  # rolled back: the cursor stays, the page comes again
            raise SyncError(exc.message, **exc.params) from None

    def _apply_page(self, page: PullPage, by_kind: dict[str, list[RemoteRecord]],
                    force: set[tuple[str, str]] | None) -> int:
        applied = 0
        inbox = self.tables.inbox
        with self.vault.transaction(), inbox.receiving():
            for kind in self.repos:
                recs = by_kind.get(kind)
                forced = {i for k, i in force if k == kind} if force else None
                if recs and forced:
                    applied += inbox.apply(kind, recs, page.checked.get(kind, ()), forced)
                elif recs:
                    applied += inbox.apply(kind, recs, page.checked.get(kind, ()))
            unknown = [r for kind, recs in by_kind.items() if kind not in self.repos
                       for r in recs]
            if unknown:
                inbox.park_unknown(unknown)
            applied += inbox.retry_parked()
            self.tables.conflicts.store(self.known_conflicts(page.conflicts))
            if "deletions" in by_kind or unknown or inbox.parked_known():
                # another device or the server deleted something; or records of a purged case
                # or person came back (a server restored from a backup, pulled again in full:
                # the purged targets themselves are not written, their children wait for them
                # in sync_parked): those go now, not for good there
                # (tests/sync/test_restored_server.py). Records of an unknown kind parked by an
                # earlier page went with their case's purge; only those of this page are new
                # (tests/sync/test_parked_unknown_kinds.py)
                purge_deleted_targets(self.vault)
            self.put("cursor", page.next_cursor)
        return applied

    def apply_remote(self, rec: RemoteRecord) -> bool:
        """Write one server record locally without marking it pending (the caller holds the
        transaction). A locally pending record is left alone: its next push is merged on the
        server against the base it started from. Returns False when skipped or parked."""
        if rec.kind not in self.repos:
            return False
        return self.tables.inbox.apply(rec.kind, [rec]) == 1

    def parked_count(self) -> int:
        """Received records waiting for their parent."""
        return self.tables.inbox.parked_count()

    def orphans_waiting(self) -> bool:
        """Whether a parked record waits for a parent that is neither here nor parked
        (:func:`kimdesk.vault.sync.parked.waiting_for_nothing`)."""
        return waiting_for_nothing(self.vault)

    def drop_orphans(self) -> int:
        """After a full pull, or a full check that found the vault holding what the server
        holds: parked records whose parent is on neither go, counted
        (:func:`kimdesk.vault.sync.parked.drop_orphans`). Returns how many."""
        with self.vault.transaction():
            return drop_orphans(self.vault)

    def apply_reference(self, page: ReferencePage) -> None:
        """Store a page of reference data and advance its cursor. Agencies are also records
        here: the directory entry is written into the agency table (its explicit base pinned
        first, as the row is no longer the server's version of the record)."""
        check_follows(int(self.get("ref_cursor", "0")), page.next_cursor, page.more)
        tables = self.tables
        with self.vault.transaction():
            for item in page.items:
                tables.reference.put(item.kind, item.key, item.team, version=item.version,
                                     seq=item.seq, deleted=item.deleted, data=item.data)
                if item.kind == "agency" and isinstance(item.data, dict):
                    data = dict(item.data) | {"deleted": item.deleted}
                    try:
                        tables.bases.pin("agencies", str(data.get("id", "")))
                        tables.inbox.write("agencies", data, pending=False)
                    except Exception:
                        continue
            self.put("ref_cursor", page.next_cursor)

    def reference_items(self, kind: str) -> list[dict[str, Any]]:
        """Reference data of one kind (form, codelist, agency, handout_template)."""
        return self.tables.reference.items(kind)
