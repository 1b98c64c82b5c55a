"""A cap on what a server can make a vault hold back (``sync_parked``; docs/sync-protocol.md,
"A cap on parked records"): a hostile or broken server answering every pull with more records
of a kind this version does not know filled the vault without limit (every page parked them,
for good). Past the cap the page is refused whole with a clear, translated sync error; the
cursor stays where the last stored page left it and nothing is lost: once the server answers
honestly, the same sync pulls on. The real engine on a real vault against a real server on
127.0.0.1, its answers changed on the way (``httpx.MockTransport``); the caps are lowered for
the test, the pages counted."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

import kimdesk.vault.sync.parkcap as parkcap
from kimdesk.domain.models import Person
from kimdesk.i18n import language
from kimdesk.sync.engine import SyncEngine
from kimdesk.sync.errors import SyncError
from kimdesk.sync.store import SyncStore
from tests.rawscan import files_holding
from tests.sync.test_review_hostile_server import Tamper, _device, _engine, _json

PER_PAGE = 20
#: After this many pages the hostile server says it is done (so the code before the cap, which
#: took every page, ends its run instead of pulling for ever).
PAGES = 8
MARKER = "Geheim-Parkplatz-Quastel"


def _flood(tamper: Tamper, *, extra: dict[str, Any] | None = None, size: int = 0,
           record: Callable[[str], dict[str, Any]] | None = None) -> list[int]:
    """Every pull answered with the real records plus ``PER_PAGE`` records of an unknown kind
    (or of ``record(id)``: kind and data), and always one more page (until ``PAGES``). Returns
    the cursors asked for."""
    asked: list[int] = []

    def unknown(rid: str) -> dict[str, Any]:
        return {"kind": "shares",
                "data": {"id": rid, "recipient": MARKER, "blob": "x" * size, **(extra or {})}}

    def hook(request: httpx.Request, answer: httpx.Response | None) -> httpx.Response:
        page = _json(answer)
        since = int(request.url.params.get("since", "0"))
        asked.append(since)
        for _ in range(PER_PAGE):
            rid = str(uuid.uuid4())
            page["records"].append({"id": rid, "rev": 1, "seq": since + 1, "deleted": False,
                                    **(record or unknown)(rid)})
        page["next_cursor"] = max(int(page["next_cursor"]), since + 1)
        page["more"] = len(asked) < PAGES
        return httpx.Response(200, json=page)

    tamper.hooks["/v1/changes"] = hook
    return asked


def _cursor(vault: Any) -> int:
    return int(SyncStore(vault).get("cursor") or 0)


def _parked(vault: Any) -> int:
    return int(vault.conn.execute("SELECT count(*) FROM sync_parked").fetchone()[0])


def test_a_flood_of_unknown_records_stops_at_the_cap_and_loses_nothing(
        sqlite_server: Any, make_vault: Any, monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    monkeypatch.setattr(parkcap, "UNKNOWN_RECORDS", 2 * PER_PAGE + 5)
    colleague, _ = _device(sqlite_server, make_vault, "b", pending=3)
    SyncEngine(colleague).sync()
    vault, _ = _device(sqlite_server, make_vault, "a")
    tamper = Tamper(sqlite_server.url)
    asked = _flood(tamper)
    with pytest.raises(SyncError) as refused:
        _engine(vault, tamper).sync()
    with language("de"):
        said = refused.value.translated()
    assert "Aktualisieren Sie KIMdesk" in said and "\n" not in said, said
    # two pages stored (the colleague's persons among them), the third refused whole (the
    # engine asks for the page after it while it applies one: a fourth was asked for)
    assert len(set(asked)) == len(asked) >= 3 and _parked(vault) == 2 * PER_PAGE
    assert _cursor(vault) == asked[2]  # where the refused page starts: asked for again
    assert vault.people.count() == 3
    with language("en"):
        assert "nothing of the page was stored" in refused.value.translated()

    # the same page again: refused again, nothing more parked, the cursor where it was
    before = len(asked)
    with pytest.raises(SyncError):
        _engine(vault, tamper).sync()
    assert asked[before] == asked[2]
    assert _parked(vault) == 2 * PER_PAGE and _cursor(vault) == asked[2]

    # the server answers honestly again: the same vault syncs on, nothing lost
    later = colleague.people.add(Person(given_name="Later", family_name="Added"))
    SyncEngine(colleague).sync()
    tamper.hooks.clear()
    _engine(vault, tamper).sync()
    assert vault.people.count() == 4 and vault.people.get(later.id).given_name == "Later"
    # nothing of the refused records in any file, in plain text (the vault is encrypted)
    assert files_holding(tmp_path, [MARKER.encode()]) == []


def test_one_record_too_large_to_hold_back_refuses_its_page(
        sqlite_server: Any, make_vault: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parkcap, "RECORD_BYTES", 10_000)
    vault, _ = _device(sqlite_server, make_vault, "a")
    tamper = Tamper(sqlite_server.url)
    asked = _flood(tamper, size=20_000)
    with pytest.raises(SyncError, match="more records than this version can hold back"):
        _engine(vault, tamper).sync()
    assert asked[0] == 0 and _parked(vault) == 0 and _cursor(vault) == 0


def test_the_byte_cap_of_all_parked_records_counts_records_waiting_for_a_parent(
        sqlite_server: Any, make_vault: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Notes whose case never comes (a server that lies about parents) are parked too, and
    count against the cap of everything held back."""
    monkeypatch.setattr(parkcap, "MAX_RECORDS", PER_PAGE + 3)
    vault, _ = _device(sqlite_server, make_vault, "a")
    tamper = Tamper(sqlite_server.url)
    asked = _flood(tamper, record=lambda rid: {"kind": "notes", "data": {
        "id": rid, "case_id": str(uuid.uuid4()), "text": MARKER, "author": "",
        "deleted": False, "created_at": "2026-12-07T10:00:00Z",
        "updated_at": "2026-12-07T10:00:00Z"}})
    with pytest.raises(SyncError, match="hold back"):
        _engine(vault, tamper).sync()
    assert asked[:2] == [0, 1] and _parked(vault) == PER_PAGE and _cursor(vault) == 1
