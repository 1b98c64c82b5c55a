"""On SQLite, a push's commit leaves the write-ahead log to a checkpoint after the answer has
left (issue 14 point 7; kimdesk/server/db.py, ``checkpoint``).

SQLite's automatic checkpoint ran inside the commit that grew the log past 1,000 pages, so the
device waited for its receipt while the log was copied into the database file: a ninth of a
push's server time. Counted and ordered, never timed: the database file must not grow during
the pushes (its pages stay in the log), the checkpoint must run once per push answer, copy the
log when it runs, and the next push must be served while a checkpoint is still running.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from kimdesk.domain.models import Case, Person
from kimdesk.server.checkpoints import checkpoint
from kimdesk.server.embedded import EmbeddedServer
from kimdesk.server.service import SyncService
from kimdesk.sync.engine import SyncEngine, enroll

#: Long enough for any machine; a test that waits this long has failed.
PATIENCE = 20.0


def _letters(i: int) -> str:
    return "".join("abcdefghijklmnopqrstuvwxyz"[int(d)] for d in str(i))


def _fill(vault: Any, n: int) -> None:
    people = [Person(given_name="Ada", family_name="Nord" + _letters(i)) for i in range(n)]
    with vault.transaction():
        vault.people.insert_many(people)
        vault.cases.insert_many(
            Case(case_number=f"2026-CP-{i:05d}", person_id=p.id, owner="tester",
                 team="Team Nord", referral_source="Termin Jobcenter " * 50)
            for i, p in enumerate(people))


def test_the_log_is_copied_after_the_answers_not_inside_the_commits(
        tmp_path: Path, make_vault: Any, monkeypatch: Any) -> None:
    calls: list[int] = []
    counted = threading.Condition()

    def counting(self: SyncService) -> None:
        with counted:
            calls.append(1)
            counted.notify_all()

    monkeypatch.setattr(SyncService, "checkpoint", counting, raising=False)
    path = tmp_path / "server.db"
    srv = EmbeddedServer(f"sqlite:///{path}").start()
    try:
        vault = make_vault()
        enroll(vault, srv.url, srv.service.create_enroll_code("Team Nord"))
        engine = SyncEngine(vault)
        engine.sync()
        before = path.stat().st_size
        _fill(vault, 1500)  # about 8 MB of log for cases, persons and their history
        report = engine.sync()
        engine.close()
        assert report.pushed == 3000
        # every page is still in the log: no commit copied it (SQLite's own checkpoint at
        # 1,000 pages did, inside the commit the device was waiting for)
        assert path.stat().st_size == before
        # the last one runs after the last answer, maybe after the run ended: waited for
        with counted:
            assert counted.wait_for(lambda: len(calls) == report.batches, PATIENCE)
        assert checkpoint(srv.service.engine)
        assert path.stat().st_size > before + 1000 * 4096
    finally:
        srv.stop()


def test_the_next_push_is_served_while_a_checkpoint_runs(
        tmp_path: Path, make_vault: Any, monkeypatch: Any) -> None:
    """The first push's checkpoint returns only once the second push has reached the server."""
    second_push = threading.Event()
    pushes: list[int] = []
    waited: list[bool] = []
    push_json = SyncService.push_json

    def counting_push(self: SyncService, *a: Any, **k: Any) -> str:
        pushes.append(1)
        if len(pushes) == 2:
            second_push.set()
        return push_json(self, *a, **k)

    checked = threading.Event()

    def slow_checkpoint(self: SyncService) -> None:
        if not waited:
            waited.append(second_push.wait(PATIENCE))
            checked.set()

    monkeypatch.setattr(SyncService, "push_json", counting_push)
    monkeypatch.setattr(SyncService, "checkpoint", slow_checkpoint, raising=False)
    srv = EmbeddedServer(f"sqlite:///{tmp_path / 'server.db'}").start()
    try:
        vault = make_vault()
        enroll(vault, srv.url, srv.service.create_enroll_code("Team Nord"))
        engine = SyncEngine(vault)
        _fill(vault, 300)  # 600 changes: batches of 200, 400
        assert engine.sync().batches >= 2
        engine.close()
        assert checked.wait(PATIENCE) and waited == [True]
    finally:
        srv.stop()


def test_a_batch_is_freed_before_the_collector_runs_again(tmp_path: Path, monkeypatch: Any
                                                          ) -> None:
    """The parsed batch is gone when the push route's collector pause ends: alive, the
    collector's first pass walked its objects (5-9 ms for 2,500 changes)."""
    import contextlib
    import json
    import uuid
    import weakref

    import httpx

    from kimdesk.server import app as app_module
    from kimdesk.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION, PushRequest

    parsed: list[weakref.ref[Any]] = []
    alive_at_resume: list[bool] = []
    paused = app_module.collector_paused
    parse = app_module._parse

    def remembering(model: Any, raw: bytes) -> Any:
        request = parse(model, raw)
        if model is PushRequest:
            parsed.append(weakref.ref(request))
        return request

    @contextlib.contextmanager
    def watching() -> Any:
        with paused():
            yield
            alive_at_resume.extend(ref() is not None for ref in parsed)

    monkeypatch.setattr(app_module, "_parse", remembering)
    monkeypatch.setattr(app_module, "collector_paused", watching)
    srv = EmbeddedServer(f"sqlite:///{tmp_path / 'server.db'}").start()
    try:
        token = srv.service.enroll(srv.service.create_enroll_code("Team Nord")).token
        person = Person(given_name="Ada", family_name="Nord").model_dump(mode="json")
        body = {"batch_id": uuid.uuid4().hex, "batch_seq": 1, "changes": [
            {"kind": "persons", "id": person["id"], "base_rev": 0, "changed": person,
             "updated_at": person["updated_at"], "created_at": person["created_at"]}]}
        answer = httpx.post(f"{srv.url}/v1/push", content=json.dumps(body),
                            headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION),
                                     "Authorization": f"Bearer {token}",
                                     "Content-Type": "application/json"})
        assert answer.status_code == 200, answer.text
        assert alive_at_resume == [False]
    finally:
        srv.stop()


def test_a_purge_checkpoint_waits_for_a_running_one(tmp_path: Path) -> None:
    """SQLite answers a ``TRUNCATE`` checkpoint busy at once, without an error, while another
    connection checkpoints; the purged pages then stayed in the log. Checkpoints of one
    database take turns: a push's ``PASSIVE`` skips while another runs, a purge's ``TRUNCATE``
    waits for it and then empties the log."""
    from kimdesk.server import checkpoints
    from kimdesk.server.db import make_engine
    from kimdesk.server.migrate import upgrade
    from kimdesk.server.service import SyncService

    path = tmp_path / "server.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    SyncService(engine).create_enroll_code("Team Nord")  # something in the log
    wal = Path(f"{path}-wal")
    assert wal.stat().st_size > 0
    lock = checkpoints.checkpoint_lock(engine)
    lock.acquire()  # a push's checkpoint is copying the log
    try:
        assert checkpoints.checkpoint(engine) is False  # another PASSIVE skips
        results: list[bool] = []
        purge = threading.Thread(
            target=lambda: results.append(checkpoints.checkpoint(engine, "TRUNCATE")))
        purge.start()
    finally:
        lock.release()
    purge.join(PATIENCE)
    assert results == [True]
    assert wal.stat().st_size == 0
    engine.dispose()


def test_removing_an_attachment_empties_the_log_of_its_file(tmp_path: Path,
                                                           monkeypatch: Any) -> None:
    """A push that removes an attachment empties the log as a purge does. Before (a review,
    2026-12-06), the log kept old page images with the file after the removal, and after 300
    later pushes, until the server stopped: every table was clean, the ``-wal`` file was not."""
    import base64
    import os
    import uuid

    from kimdesk.server.app import create_app
    from tests.server.test_history_invariants import _attachment, _device, _file
    from tests.sync.helpers import case_changes, service_push

    app = create_app(f"sqlite:///{tmp_path / 'server.db'}")
    service, engine = app.state.service, app.state.engine
    device = _device(service)
    data = os.urandom(30_000)
    case, rid = str(uuid.uuid4()), str(uuid.uuid4())
    service_push(service, device, 1, [*case_changes(case),
                                      _attachment(rid, case, 0, **_file(data))])
    service_push(service, device, 2, [_attachment(rid, case, 1, question="new")])
    from kimdesk.server import purge

    flushes: list[int] = []
    flush = purge.flush_freed_pages

    def counted(engine: Any) -> None:
        flushes.append(1)
        flush(engine)

    monkeypatch.setattr(purge, "flush_freed_pages", counted)
    # a refused tombstone (no record has such an id) removes nothing and costs no checkpoint
    refused = service_push(service, device, 3, [_attachment("x", case, 0, deleted=True)])
    assert [r.status for r in refused.results] == ["rejected"] and flushes == []
    service_push(service, device, 4, [_attachment(rid, case, 2, deleted=True, content="")])
    assert flushes == [1]
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("server.db*"))
    engine.dispose()
    assert base64.b64encode(data)[20_000:20_080] not in raw


def test_a_truncating_checkpoint_lets_writers_through_while_a_reader_lags(
        tmp_path: Path, monkeypatch: Any) -> None:
    """A ``TRUNCATE`` checkpoint (after a purge or an attachment's removal) that waits for a
    reader holding an old snapshot blocks every writer while it waits. Before (a review,
    2026-12-06), it waited out the pool's 30 s busy timeout, and another team's push with it;
    now each attempt answers busy at once. Counted: a write with a 2 s busy timeout gets
    through while the checkpoint keeps trying, and the log is emptied once the reader ends."""
    import sqlite3

    from kimdesk.server import checkpoints
    from kimdesk.server.db import make_engine
    from kimdesk.server.migrate import upgrade

    # the checkpoint's own patience (5 s) is no bound for a loaded machine: the test's is
    monkeypatch.setattr(checkpoints, "TRUNCATE_PATIENCE", PATIENCE)
    path = tmp_path / "server.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    service = SyncService(engine)
    service.create_enroll_code("Team Nord")
    reader = sqlite3.connect(path)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM teams").fetchone()  # holds this snapshot
    service.create_enroll_code("Team Süd")  # the log moves past the reader's snapshot
    results: list[bool] = []
    lock = checkpoints.checkpoint_lock(engine)
    purge = threading.Thread(
        target=lambda: results.append(checkpoints.checkpoint(engine, "TRUNCATE")))
    purge.start()
    for _ in range(int(PATIENCE * 1000)):
        if lock.locked():
            break
        threading.Event().wait(0.001)
    writer = sqlite3.connect(path, timeout=2.0)
    try:
        writer.execute("CREATE TABLE probe (x)")
        writer.commit()
    finally:
        writer.close()
        reader.rollback()
        reader.close()
    purge.join(PATIENCE)
    assert results == [True]
    assert Path(f"{path}-wal").stat().st_size == 0
    engine.dispose()
