"""Issue 14, point 1: a pull cursor never passes a change that commits later.

Three devices push batches of new records at the same time through two server instances on one
database, while a fourth device follows the pull cursor exactly as the client does. It must end up
with every record. The old server read the team's counter after the page's records, and under
PostgreSQL's READ COMMITTED a push that committed in between moved the cursor past records the
page had not seen. Counted, not timed: the pushers send a fixed number of batches, the follower
pulls until they are done and then once more to the end."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import httpx
import pytest

from kimdesk.server.embedded import EmbeddedServer

PUSHERS, BATCHES, PER_BATCH = 3, 400, 20  # 1,200 batches, 24,000 records


def _enroll(url: str, code: str, name: str) -> dict[str, str]:
    r = httpx.post(url + "/v1/enroll", json={"code": code, "device_name": name}, timeout=30)
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['token']}"}


def _push_all(url: str, headers: dict[str, str], ids: list[str]) -> None:
    with httpx.Client(timeout=60) as client:
        for seq in range(1, BATCHES + 1):
            changes = []
            for _ in range(PER_BATCH):
                rid = str(uuid.uuid4())
                ids.append(rid)
                changes.append({"kind": "persons", "id": rid, "base_rev": 0,
                                "changed": {"given_name": "Ayse", "family_name": "Demir"}})
            body = {"batch_id": uuid.uuid4().hex, "batch_seq": seq, "changes": changes}
            r = client.post(url + "/v1/push", json=body, headers=headers)
            assert r.status_code == 200, r.text
            assert {x["status"] for x in r.json()["results"]} == {"applied"}


def test_cursor_never_skips_a_change_committed_late(db_url: str) -> None:
    servers = [EmbeddedServer(db_url).start(), EmbeddedServer(db_url).start()]
    try:
        service = servers[0].service
        pushers = [_enroll(servers[i % 2].url, service.create_enroll_code("Team Nord"), f"d{i}")
                   for i in range(PUSHERS)]
        follower = _enroll(servers[1].url, service.create_enroll_code("Team Nord"), "follower")
        pushed: list[list[str]] = [[] for _ in range(PUSHERS)]
        errors: list[BaseException] = []

        def run(i: int) -> None:
            try:
                _push_all(servers[i % 2].url, pushers[i], pushed[i])
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(PUSHERS)]
        for t in threads:
            t.start()
        seen: set[str] = set()
        cursor, pages = 0, 0
        with httpx.Client(timeout=60) as client:

            def pull_to_end() -> None:
                nonlocal cursor, pages
                while True:
                    r = client.get(servers[pages % 2].url + "/v1/changes",
                                   params={"since": cursor, "limit": 50}, headers=follower)
                    assert r.status_code == 200, r.text
                    page: dict[str, Any] = r.json()
                    seen.update(x["id"] for x in page["records"])
                    assert page["next_cursor"] >= cursor
                    cursor, pages = page["next_cursor"], pages + 1
                    if not page["more"]:
                        return

            while any(t.is_alive() for t in threads):
                pull_to_end()
            for t in threads:
                t.join()
            pull_to_end()
        assert not errors, errors
        everything = {rid for ids in pushed for rid in ids}
        assert len(everything) == PUSHERS * BATCHES * PER_BATCH
        missed = everything - seen
        assert not missed, f"{len(missed)} of {len(everything)} records skipped by the cursor"
        assert pages > BATCHES  # the follower really pulled while the pushers pushed
    finally:
        for server in servers:
            server.stop()


pytestmark = pytest.mark.slow
