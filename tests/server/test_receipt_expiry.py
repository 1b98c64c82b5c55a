"""Stored push receipts are emptied once older than the days the server keeps them (30 unless
set): the daily retention run and ``kimdesk server retention apply`` take a merged record's data
and a conflict's values out of them, and keep each batch's device, id, number, hash and time. A
batch sent again after that is answered ``409 batch_expired``, never applied again. Before,
receipts were kept for good (docs/privacy.md, "Server storage"). Real servers on 127.0.0.1,
SQLite and PostgreSQL; the SQLite file byte-scanned after the run."""

from __future__ import annotations

import gzip
import socket
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from kimdesk.domain.models import Person
from kimdesk.server.checkpoints import checkpoint
from kimdesk.server.embedded import EmbeddedServer
from kimdesk.server.retention import DailyRetention, apply
from kimdesk.sync.store import PushCursor
from tests.sync.helpers import Device
from tests.test_cli import run

LOSING = "Quxmann"  # alice's losing family name: in her receipt's conflict (and in conflicts)
WINNING = "Quxbrandt"  # bob's family name, which the receipt's merged result carries


def _batches(srv: EmbeddedServer) -> dict[tuple[str, int], dict[str, Any]]:
    with srv.app.state.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT d.name, b.batch_seq, b.batch_id, b.payload_hash, b.receipt, b.created_at,"
            " b.files FROM batches b JOIN devices d ON d.id = b.device_id")).all()
    return {(r[0], int(r[1])): {"batch_id": r[2], "payload_hash": r[3], "receipt": r[4],
                                "created_at": r[5], "files": bool(r[6])} for r in rows}


def _age(srv: EmbeddedServer, device: str, days: int) -> None:
    """The device's stored batches, as if stored ``days`` ago."""
    old = (datetime.now(UTC) - timedelta(days=days)).isoformat().replace("+00:00", "Z")
    with srv.app.state.engine.begin() as conn:
        conn.execute(text("UPDATE batches SET created_at = :t WHERE device_id IN"
                          " (SELECT id FROM devices WHERE name = :n)"), {"t": old, "n": device})


def _conflicting_receipt(server: EmbeddedServer, make_device: Any) -> tuple[Device, Device, str]:
    """alice's second batch answered with a conflict on the family name (its receipt carries
    bob's merged record and both names); the person's id."""
    alice, bob = make_device(server, "alice"), make_device(server, "bob")
    person = alice.vault.people.add(Person(given_name="Ana", family_name="Lopes"))
    alice.sync()
    bob.sync()
    bob.vault.people.update(bob.vault.people.get(person.id).model_copy(
        update={"family_name": WINNING}))
    bob.sync()
    alice.vault.people.update(alice.vault.people.get(person.id).model_copy(
        update={"family_name": LOSING, "phone": "0201 7"}))
    report = alice.sync()
    assert report.conflicts == 1
    receipt = _batches(server)[("alice", 2)]["receipt"]
    assert LOSING in receipt and WINNING in receipt  # what is to go
    return alice, bob, person.id


def _wait(condition: Any, what: str) -> None:
    deadline = time.monotonic() + 30  # a bound for a hung thread, not a measurement
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(what)
        time.sleep(0.01)


def test_the_daily_run_empties_old_receipts_and_keeps_young_ones(server, make_device):
    _alice, _bob, _pid = _conflicting_receipt(server, make_device)
    before = _batches(server)
    _age(server, "alice", 31)
    _age(server, "bob", 29)
    aged = {k: v | {"created_at": _batches(server)[k]["created_at"]} for k, v in before.items()}
    daily = DailyRetention(server.app.state.engine).start()  # as `kimdesk server run` starts it
    try:
        _wait(lambda: daily.runs >= 1, "the daily run did not run")
    finally:
        daily.stop()
    assert daily.failures == 0
    after = _batches(server)
    assert set(after) == set(before)
    for key, row in after.items():
        if key[0] == "alice":  # emptied: the content goes, the batch's identity stays
            assert row == aged[key] | {"receipt": "", "files": False}, key
        else:  # 29 days: kept as it was
            assert row == aged[key], key
    with server.app.state.engine.connect() as conn:
        stored = " ".join(str(v) for r in conn.execute(text("SELECT * FROM batches")) for v in r)
        # the conflict itself stays where conflicts are kept (the losing value is never lost)
        assert conn.execute(text("SELECT count(*) FROM conflicts WHERE mine LIKE :m"),
                            {"m": f"%{LOSING}%"}).scalar() == 1
    assert LOSING not in stored and WINNING not in stored
    # a second run finds nothing more to empty
    assert apply(server.app.state.engine, date.today()).receipts_emptied == 0


def test_emptied_receipts_leave_no_bytes_in_the_sqlite_file(sqlite_server, make_device):
    server = sqlite_server
    _conflicting_receipt(server, make_device)
    engine = server.app.state.engine
    with engine.begin() as conn:  # so that only the receipt holds the losing name
        conn.execute(text("DELETE FROM conflicts"))
    checkpoint(engine, "TRUNCATE")
    path = Path(engine.url.database or "")
    files = [path, path.with_name(path.name + "-wal")]

    def found() -> bool:
        return any(LOSING.encode() in f.read_bytes() for f in files if f.exists())

    assert found(), "the scan does not see the receipt"
    _age(server, "alice", 40)
    assert apply(engine, date.today()).receipts_emptied == 2
    assert not found()


def test_a_batch_sent_again_after_its_receipt_was_emptied_is_refused(server, make_device):
    alice = make_device(server, "alice")
    person = alice.vault.people.add(Person(given_name="Ana", family_name="Lopes"))
    batch = alice.store.build_batch(PushCursor())
    assert batch is not None
    url, token = server.url + "/v1/push", alice.store.get("token")

    def push(body: bytes) -> httpx.Response:
        return httpx.post(url, content=gzip.compress(body), timeout=60, headers={
            "Authorization": f"Bearer {token}", "Content-Encoding": "gzip"})

    assert push(batch.body).status_code == 200
    again = push(batch.body)  # a lost answer: the stored receipt
    assert again.status_code == 200 and again.json()["results"][0]["id"] == person.id
    _age(server, "alice", 30)
    assert apply(server.app.state.engine, date.today()).receipts_emptied == 1
    with server.app.state.engine.connect() as conn:
        state = conn.execute(text("SELECT rev, (SELECT count(*) FROM record_history)"
                                  " FROM records WHERE id = :i"), {"i": person.id}).one()
    refused = push(batch.body)
    assert refused.status_code == 409, refused.text
    body = refused.json()
    assert body["error"] == "batch_expired" and "syncs in full" in body["detail"]
    other = batch.body.replace(b"Lopes", b"Lopez")  # the same id, another payload
    assert push(other).json()["error"] == "batch_reused"
    with server.app.state.engine.connect() as conn:
        assert conn.execute(text("SELECT rev, (SELECT count(*) FROM record_history)"
                                 " FROM records WHERE id = :i"), {"i": person.id}).one() == state


def test_the_command_empties_by_the_days_given(tmp_path, make_device):
    url = f"sqlite:///{tmp_path / 'server.db'}"
    server = EmbeddedServer(url).start()
    try:
        _conflicting_receipt(server, make_device)
        _age(server, "alice", 12)
        _age(server, "bob", 8)
    finally:
        server.stop()
    res = run("server", "retention", "apply", "--db", url, KIMDESK_RECEIPT_DAYS="10")
    assert res.returncode == 0, res.stderr
    assert "Stored push receipts older than 10 days emptied: 2." in res.stdout
    res = run("server", "retention", "apply", "--db", url, "--receipt-days", "5")
    assert "Stored push receipts older than 5 days emptied: 1." in res.stdout, res.stderr
    res = run("server", "retention", "apply", "--db", url, KIMDESK_RECEIPT_DAYS="a month")
    assert res.returncode != 0 and "Traceback" not in res.stderr
    assert res.stderr.strip().splitlines() == [
        "kimdesk: KIMDESK_RECEIPT_DAYS must be a whole number of days, at least 1 (it is "
        "a month)."], res.stderr


@pytest.mark.parametrize("value", ["0", "-3", "x"])
def test_a_bad_number_of_days_stops_the_server_before_it_listens(tmp_path, value):
    with socket.socket() as s:  # a free port: the server must not get as far as binding it
        s.bind(("127.0.0.1", 0))
        port = str(s.getsockname()[1])
    res = run("server", "run", "--db", f"sqlite:///{tmp_path / 's.db'}", "--port", port,
              KIMDESK_RECEIPT_DAYS=value)
    assert res.returncode != 0 and "Traceback" not in res.stderr
    assert "KIMDESK_RECEIPT_DAYS must be a whole number of days" in res.stderr
    assert "KIMdesk sync server on" not in res.stdout
