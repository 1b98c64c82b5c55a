"""A record saved without a real change while a pull is under way still takes a colleague's
newer version (a fault-injection review, 2026-12-06).

The counselor saves a form unchanged (or changes a field and changes it back) between a sync's
push and its pulled page: the record is pending, so the page skipped it, and the cursor moved
past the colleague's change. The next push found nothing to send and marked the record clean:
the device kept the old version, at the old base revision, until the daily full check resynced
the whole team. The quick check cannot see it (count and change number agree)."""

from __future__ import annotations

from typing import Any

from kimdesk.domain.models import Person
from kimdesk.sync.store import SyncStore
from tests.sync.helpers import snapshot


def _save_during_the_pull(device: Any, save: Any) -> None:
    """``save`` runs right before the run's first pulled page is applied."""
    apply_page = device.engine.store.apply_page
    armed = [True]

    def hooked(page: Any, **kw: Any) -> Any:
        if armed[0]:
            armed[0] = False
            save()
        return apply_page(page, **kw)

    device.engine.store.apply_page = hooked


def _colleague_moved_on(server: Any, make_device: Any) -> tuple[Any, Any, Person]:
    """Alice and Bob hold a person; Alice changes the address and pushes."""
    a, b = make_device(server, "alice"), make_device(server, "bob")
    p = a.vault.people.add(Person(given_name="Ayse", family_name="Demir", address="Alt 1",
                                  phone="0201 1"))
    a.sync()
    b.sync()
    a.vault.people.update(a.vault.people.get(p.id).model_copy(update={"address": "Neu 99"}))
    a.sync()
    return a, b, p


def test_a_record_saved_unchanged_during_a_pull_takes_the_colleagues_version(
        server: Any, make_device: Any) -> None:
    a, b, p = _colleague_moved_on(server, make_device)

    def unchanged() -> None:
        b.vault.people.update(b.vault.people.get(p.id))

    _save_during_the_pull(b, unchanged)
    b.sync()
    b.sync()
    assert b.vault.people.get(p.id).address == "Neu 99"
    assert b.vault.conn.execute("SELECT pending FROM persons WHERE id = ?",
                                (p.id,)).fetchone()[0] == 0
    [server_rev] = [r for k, i, r in SyncStore(b.vault).tables.bases.revisions()
                    if (k, i) == ("persons", p.id)]
    assert server_rev == 2
    assert snapshot(a) == snapshot(b)


def test_a_real_edit_during_a_pull_still_merges_with_the_colleagues(
        server: Any, make_device: Any) -> None:
    """The other side of the same window: a real edit is kept and merged by the server."""
    a, b, p = _colleague_moved_on(server, make_device)

    def edit() -> None:
        b.vault.people.update(b.vault.people.get(p.id).model_copy(update={"phone": "0201 2"}))

    _save_during_the_pull(b, edit)
    b.sync()
    b.sync()
    a.sync()
    mine = b.vault.people.get(p.id)
    assert (mine.address, mine.phone) == ("Neu 99", "0201 2")
    assert snapshot(a) == snapshot(b)


def test_the_vault_and_the_protocol_agree_on_what_is_no_edit() -> None:
    from kimdesk.sync.protocol import NON_FIELDS
    from kimdesk.vault.sync.inbox import NOT_EDITS

    assert NOT_EDITS == NON_FIELDS
