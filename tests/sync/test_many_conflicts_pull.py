"""A team with thousands of conflicts pulls into a new device through a real server
(2026-12-06): every conflict arrives once, no record is skipped, on SQLite and PostgreSQL.

Before, a pull page named every conflict of its range of change numbers. Once the team had
changed the records again, that range held 8,000 conflicts and no record: the first page (1,000
records asked for) carried them all, past the JSON items a device parses
(:mod:`kimdesk.sync.answers`), every pull of it was refused as unreadable, and the new device
could never pull. The server now ends a page before the conflicts that would pass its budget
(:func:`kimdesk.server.pull._conflicts`): ~2,180 of these a page, 8 MiB.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import text

from kimdesk.server import pull
from kimdesk.server.embedded import EmbeddedServer
from tests.sync.helpers import Device, conflicting_consultations, snapshot


@pytest.mark.parametrize(("count", "items"), [
    (6000, None),  # as shipped: 6,000 conflicts on form answers, 2,000 on summaries
    (300, 2_500),  # a budget of ~12 a page: many pages
])
def test_thousands_of_conflicts_pull_into_a_new_device(
        server: EmbeddedServer, make_device: Callable[..., Device], count: int,
        items: int | None, monkeypatch: pytest.MonkeyPatch) -> None:
    if items is not None:
        monkeypatch.setattr(pull, "PULL_CONFLICT_ITEMS", items)
    a, b = make_device(server, "alice"), make_device(server, "bob")
    conflicting_consultations(server, a, b, count)
    with server.service.engine.connect() as conn:
        records = {(k, i) for k, i in conn.execute(text("SELECT kind, id FROM records"))}
        conflicts = {str(c) for c, in conn.execute(text("SELECT id FROM conflicts"))}
    assert len(conflicts) == count + count // 3

    c = make_device(server, "carla")
    pages: list[Any] = []
    fetch = c.engine.transport.pull

    def seen(*args: Any, **kwargs: Any) -> Any:
        page = fetch(*args, **kwargs)
        pages.append(page)
        return page

    monkeypatch.setattr(c.engine.transport, "pull", seen)
    c.sync()
    arrived = Counter(x.id for page in pages for x in page.conflicts)
    assert set(arrived) == conflicts and max(arrived.values()) == 1
    assert sum(1 for page in pages if page.conflicts) > 1
    assert {x.id for x in c.store.conflicts(status=None)} == conflicts
    pulled = Counter((r.kind, r.id) for page in pages for r in page.records)
    assert set(pulled) == records and max(pulled.values()) == 1
    assert set(snapshot(c)) == records
