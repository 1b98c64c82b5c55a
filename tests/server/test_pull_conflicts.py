"""A pull page bounds its conflicts (2026-12-06): the pages' concatenation holds every record
and every conflict once, in change-number order, for several budgets, own and team pulls and
two page sizes, on SQLite and PostgreSQL; each page's conflicts keep to the budget (or one goes
alone), and the budget keeps a margin to what a device reads.

Before, a page named every conflict of its range: the budgets below gave one page of all of
them, and ~4,300 conflicts on form answers made a page no device accepts
(tests/sync/test_many_conflicts_pull.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import text

from kimdesk.server import pull
from kimdesk.server.embedded import EmbeddedServer
from kimdesk.server.plausibility import MAX_ATTACHMENT_RECORD_BYTES
from kimdesk.sync import answers
from kimdesk.sync.protocol import PULL_PAGE_MAX, ConflictInfo
from kimdesk.sync.transport import MAX_RAW_ANSWER_BYTES
from tests.sync.helpers import Device, conflicting_consultations, pull_pages, pushed

#: (items, bytes, count) of a page's conflicts.
BUDGETS = [
    (pull.PULL_CONFLICT_ITEMS, pull.PULL_CONFLICT_BYTES, pull.PULL_CONFLICTS_MAX),  # shipped
    (2_000, 10**9, 10**6),  # the items bind: ~8 conflicts on form answers a page
    (10**9, 30_000, 10**6),  # the bytes bind
    (10**9, 10**9, 7),  # the count binds (the query's LIMIT)
    (1, 1, 1),  # every conflict is over: each goes alone
]


def _budget(monkeypatch: pytest.MonkeyPatch, items: int, size: int, count: int) -> None:
    monkeypatch.setattr(pull, "PULL_CONFLICT_ITEMS", items)
    monkeypatch.setattr(pull, "PULL_CONFLICT_BYTES", size)
    monkeypatch.setattr(pull, "PULL_CONFLICTS_MAX", count)


@pytest.fixture
def team(server: EmbeddedServer, make_device: Callable[..., Device]
         ) -> Iterator[tuple[Device, Device]]:
    """Two devices' conflicts on 60 consultations (form answers, some summaries), every other
    consultation changed since, a few of the conflicts resolved since (numbered again, after
    the others)."""
    a, b = make_device(server, "alice"), make_device(server, "bob")
    ids = conflicting_consultations(server, a, b, 60, moved=2)
    with server.service.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT c.id, c.record_id, r.rev FROM conflicts c JOIN records r ON r.id = c.record_id"
            " WHERE c.field = 'answers' ORDER BY c.seq LIMIT 5")).all()
    results = pushed(server, a, [{
        "kind": "consultations", "id": rid, "base_rev": rev, "changed": {"summary": "geklärt"},
        "resolves": [cid]} for cid, rid, rev in rows])
    assert {r["status"] for r in results} == {"applied"}, results
    assert len(ids) == 60
    yield a, b


def _numbers(server: EmbeddedServer) -> tuple[list[Any], dict[str, int]]:
    """The team's records (kind, id, seq, updated_by) and its conflicts' numbers by id."""
    with server.service.engine.connect() as conn:
        records = conn.execute(text("SELECT kind, id, seq, updated_by FROM records")).all()
        conflicts = dict(conn.execute(text("SELECT id, seq FROM conflicts")).all())
    return list(records), {str(k): int(v) for k, v in conflicts.items()}


def _check_walk(pages: list[tuple[int, dict[str, Any]]], want: list[tuple[str, str, int]],
                conflicts: dict[str, int], budget: tuple[int, int, int]) -> None:
    """The pages' concatenation: every record and conflict once, in change-number order; each
    page's numbers within its range, its conflicts within the budget or alone."""
    items, size, count = budget
    got: list[tuple[str, str, int]] = []
    named: list[str] = []
    for since, page in pages:
        seqs = [r["seq"] for r in page["records"]] + [conflicts[c["id"]]
                                                      for c in page["conflicts"]]
        assert all(since < s <= page["next_cursor"] for s in seqs), (since, page["next_cursor"])
        texts = [ConflictInfo(**c).model_dump_json().encode() for c in page["conflicts"]]
        alone = len(texts) == 1 and not page["records"]
        assert alone or len(texts) <= count, len(texts)
        assert alone or answers.items_at_most(b",".join(texts)) + len(texts) <= items
        assert alone or sum(len(t) + 1 for t in texts) <= size
        got += [(r["kind"], r["id"], r["seq"]) for r in page["records"]]
        named += [c["id"] for c in page["conflicts"]]
    assert max(Counter(got).values()) == 1
    assert got == sorted(want, key=lambda r: r[2])
    assert max(Counter(named).values()) == 1 and set(named) == set(conflicts)
    assert [conflicts[c] for c in named] == sorted(conflicts[c] for c in named)


@pytest.mark.parametrize("budget", BUDGETS)
def test_pages_carry_every_record_and_conflict_once(
        server: EmbeddedServer, team: tuple[Device, Device], budget: tuple[int, int, int],
        monkeypatch: pytest.MonkeyPatch) -> None:
    _budget(monkeypatch, *budget)
    records, conflicts = _numbers(server)
    assert len(conflicts) == 80
    # the docstring of pull._conflicts rests on it: a number is one conflict's or one record's
    numbers = [r.seq for r in records] + list(conflicts.values())
    assert len(numbers) == len(set(numbers))
    for device in team:
        me = server.service.authenticate(device.store.get("token")).id
        for own in (False, True):
            want = [(k, i, s) for k, i, s, by in records if own or by != me]
            for limit in (3, 5000):
                pages = pull_pages(server, device, limit, own=own)
                _check_walk(pages, want, conflicts, budget)
                if limit == 5000 and budget != BUDGETS[0]:
                    assert len(pages) > 5, (budget, len(pages))


@pytest.mark.parametrize("budget", [(2_000, 10**9, 10**6), (1, 1, 1), (10**9, 10**9, 2)])
def test_conflicts_that_share_a_number_stay_together(
        server: EmbeddedServer, team: tuple[Device, Device], budget: tuple[int, int, int],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Never written so (each conflict has its own number), but should conflicts share one, a
    page still takes them all or none, and the pull still ends: groups of several, some with a
    record's number, the first one larger than the count's budget."""
    with server.service.engine.begin() as conn:
        conn.execute(text("UPDATE conflicts SET seq = seq - seq % 10"))
    _budget(monkeypatch, *budget)
    records, conflicts = _numbers(server)
    assert len(set(conflicts.values())) < len(conflicts) / 2
    a = team[0]
    for limit in (3, 5000):
        pages = pull_pages(server, a, limit, own=True)
        _check_walk(pages, [(k, i, s) for k, i, s, _ in records], conflicts,
                    (10**9, 10**9, 10**9))
        for _since, page in pages:  # a number's conflicts on one page, all of them
            on_page = Counter(conflicts[c["id"]] for c in page["conflicts"])
            assert all(on_page[s] == n for s, n in Counter(conflicts.values()).items()
                       if s in on_page)


def test_the_budget_keeps_a_margin_to_what_a_device_reads() -> None:
    """Items: half of what the device allows beyond its records, whatever page size it asks
    for. Bytes: records (and the one past their bound, an attachment), the conflicts, and the
    one conflict that goes alone (three files of an attachment) each within three quarters of
    what the device reads of an answer as it arrives."""
    assert pull.PULL_CONFLICT_ITEMS * 2 <= answers.ITEMS_SLACK
    margin = MAX_RAW_ANSWER_BYTES * 3 // 4
    assert margin >= pull.PULL_PAGE_BYTES + MAX_ATTACHMENT_RECORD_BYTES + pull.PULL_CONFLICT_BYTES
    assert margin >= 3 * MAX_ATTACHMENT_RECORD_BYTES + 4096
    assert pull.PULL_CONFLICTS_MAX <= PULL_PAGE_MAX
