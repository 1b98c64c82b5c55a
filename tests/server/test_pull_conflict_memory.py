"""A pull page reads its conflicts only up to their byte budget (a review, 2026-12-06); SQLite and
PostgreSQL.

The conflicts' query was bounded by count only (5,000), and the byte budget applied to what it
had read: conflicts on attachments' files (three files each) were all in the server's memory
before the page took one or two of them. Measured with the shipped budget (8 MiB), 100
conflicts of three 1 MiB files: 420 MiB (tracemalloc; RSS +426 MiB on SQLite, +810 MiB on
PostgreSQL) for a page of one conflict; now 16 MiB (RSS +20 and +22 MiB).
"""

from __future__ import annotations

import base64
import hashlib
import tracemalloc
import uuid
from collections import Counter
from collections.abc import Callable
from random import Random
from typing import Any

import pytest
from sqlalchemy import text

from kimdesk.server import pull
from kimdesk.server.embedded import EmbeddedServer
from kimdesk.sync.protocol import Change
from tests.sync.helpers import Device, case_changes, pull_pages, service_push

COUNT = 24
FILE_BYTES = 256 * 1024
CASE = "0b9f7f3e-6f55-4c8e-9d1e-3f1b2a4c5d6e"


def _file(data: bytes) -> dict[str, Any]:
    return {"content": base64.b64encode(data).decode(), "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest()}


def _attachment(rid: str, base_rev: int, **changed: Any) -> Change:
    fields = {"case_id": CASE, "consultation_id": "c1",
              "question": "Bescheid", "file_name": "bescheid.jpg", "media_type": "image/jpeg"}
    return Change(kind="attachments", id=rid, base_rev=base_rev,
                  changed=(fields if base_rev == 0 else {}) | changed)


def _conflicts_on_files(server: EmbeddedServer, a: Device, b: Device) -> int:
    """``COUNT`` attachments whose file both devices replaced from the same version (a conflict
    on ``content`` of three files each, ~1 MB of base64, and one on ``sha256``), each changed
    once more since (its record moved past its conflicts, as a team works on). The bytes of the
    conflicts' values."""
    service = server.service
    da, db_ = (service.authenticate(d.store.get("token")) for d in (a, b))
    rnd = Random(5)
    ids = [str(uuid.uuid4()) for _ in range(COUNT)]
    files = {side: [rnd.randbytes(FILE_BYTES) for _ in ids] for side in ("base", "A", "B")}
    for seq, (device, side, base_rev) in enumerate(
            [(da, "base", 0), (da, "A", 1)], start=1):
        # the case and its person first: the server refuses a record whose case it lacks
        service_push(service, device, seq, (case_changes(CASE) if seq == 1 else []) + [
            _attachment(rid, base_rev, **_file(files[side][i])) for i, rid in enumerate(ids)])
    receipt = service_push(service, db_, 1, [_attachment(rid, 1, **_file(files["B"][i]))
                                             for i, rid in enumerate(ids)])
    assert {r.status for r in receipt.results} == {"conflict"}
    service_push(service, da, 3, [_attachment(rid, 2, question="Bescheid (Seite 1)")
                                  for rid in ids])
    with service.engine.connect() as conn:
        rows = conn.execute(text("SELECT base, theirs, mine FROM conflicts")).all()
    assert len(rows) == 2 * COUNT
    return sum(len(v) for row in rows for v in row)


def test_a_page_reads_its_conflicts_only_up_to_their_budget(
        server: EmbeddedServer, make_device: Callable[..., Device],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """24 conflicts on files (~25 MB of values) and 24 on their checksums, budgets lowered to
    1 MiB of records and 2 MiB of conflicts: building a page holds a few MiB, not every
    conflict of its range; and every conflict still arrives once."""
    monkeypatch.setattr(pull, "PULL_PAGE_BYTES", 1024 * 1024)
    monkeypatch.setattr(pull, "PULL_CONFLICT_BYTES", 2 * 1024 * 1024)
    a, b, c = (make_device(server, name) for name in ("alice", "bob", "carla"))
    values = _conflicts_on_files(server, a, b)
    assert values > 24_000_000
    reader = server.service.authenticate(c.store.get("token"))

    tracemalloc.start()
    try:
        first = server.service.pull_json(reader, 0, 5000)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert '"conflicts":[{' in first
    # the page itself (1 MiB of records, up to 2 MiB of conflicts) as it is built: 4.8 MiB;
    # before, every conflict of the range was read too: 28.8 MiB
    assert peak < 10 * 1024 * 1024, f"{peak / 2**20:.1f} MiB for a page"

    pages = pull_pages(server, c, 5000)
    arrived = Counter(x["id"] for _since, page in pages for x in page["conflicts"])
    assert len(arrived) == 2 * COUNT and max(arrived.values()) == 1
    assert len(pages) > COUNT // 2
