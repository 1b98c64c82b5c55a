"""A removed attachment's scrubbing reads the receipts marked as carrying files in two
statements: the marked rows, then each receipt. On PostgreSQL (READ COMMITTED) the retention run
of another server process can empty one of them in between (:mod:`kimdesk.server.receipts`; it
takes no team lock), so the scrubbing finds a marked receipt that is empty. Before, it parsed the
empty text as JSON and the removing push failed (a 500, again at each retry until the mark was
gone). The state between the two statements is built here directly, on both backends."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from kimdesk.server.app import create_app
from kimdesk.sync.protocol import Change
from tests.server.test_history_invariants import _attachment, _device, _stored_attachment
from tests.sync.helpers import service_push as _push


@pytest.fixture
def served(db_url: str) -> Iterator[tuple[Any, Any]]:
    app = create_app(db_url)
    yield app.state.service, app.state.engine
    app.state.engine.dispose()


def _receipt_with_a_file(service: Any) -> tuple[Any, Any, str, str, Any]:
    """Device a's attachment, which b pushed a file for and a then changed: a's receipt of that
    merge carries the file (marked in ``batches.files``). Returns a, b, the case's and the
    attachment's ids and that receipt."""
    a, b = _device(service), _device(service)
    case, rid = _stored_attachment(service, a, os.urandom(60))
    _push(service, b, 1, [_attachment(rid, case, 1, file_name="b.pdf")])
    merged = _push(service, a, 2, [Change(kind="attachments", id=rid, base_rev=1,
                                          changed={"question": "q2"})])
    return a, b, case, rid, merged


def test_a_removal_skips_a_receipt_emptied_while_it_ran(served: Any) -> None:
    service, engine = served
    _a, b, case, rid, merged = _receipt_with_a_file(service)
    assert merged.results[0].status == "merged"  # its receipt carries the file
    with engine.begin() as conn:  # emptied by the retention run, the mark read before
        conn.execute(text("UPDATE batches SET receipt = '' WHERE batch_id = :b"),
                     {"b": merged.batch_id})
    removed = _push(service, b, 2, [_attachment(rid, case, 3, deleted=True, content="")])
    assert removed.results[0].status == "applied" and removed.results[0].deleted
    with engine.connect() as conn:
        receipt, files = conn.execute(text(
            "SELECT receipt, files FROM batches WHERE batch_id = :b"),
            {"b": merged.batch_id}).one()
    assert (receipt, bool(files)) == ("", False)


class _Rows(list[Any]):
    def all(self) -> list[Any]:
        return list(self)


class _EmptiedAfterRead:
    """A connection on which the retention run of another process empties every receipt right
    after the purge has read them (what PostgreSQL's READ COMMITTED lets its UPDATE see)."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)

    def exec_driver_sql(self, sql: str, params: Any = ()) -> Any:
        result = self._conn.exec_driver_sql(sql, params)
        if sql.lstrip().startswith("SELECT b.device_id, b.batch_id, b.receipt"):
            rows = result.all()
            self._conn.execute(text("UPDATE batches SET receipt = '', files = false"))
            return _Rows(rows)
        return result


def test_a_purge_does_not_fill_a_receipt_emptied_while_it_ran(served: Any) -> None:
    """A purge's scrubbing reads the team's receipts, then writes back those naming a purged
    record. Emptied in between, the receipt was written back whole (without the purged
    record): a month-old receipt full again, with a colleague's data, until the next run."""
    from kimdesk.server.purge import scrub_receipts

    service, engine = served
    *_, case, _rid, merged = _receipt_with_a_file(service)
    assert merged.results[0].status == "merged"
    with engine.begin() as conn:
        scrub_receipts(_EmptiedAfterRead(conn), "Team Nord", {case})  # type: ignore[arg-type]
    with engine.connect() as conn:
        receipts = [str(r[0]) for r in conn.execute(text("SELECT receipt FROM batches"))]
    assert receipts == [""] * len(receipts), "an emptied receipt was filled again"


class _EmptiedAfterReceiptRead(_EmptiedAfterRead):
    """The same, right after the removal's scrubbing read a marked receipt."""

    done = False

    def exec_driver_sql(self, sql: str, params: Any = ()) -> Any:
        result = self._conn.exec_driver_sql(sql, params)
        if sql.lstrip().startswith("SELECT receipt FROM") and not self.done:
            self.done = True  # once: the run empties them all, the scrubbing reads on
            value = result.scalar_one()
            self._conn.execute(text("UPDATE batches SET receipt = '', files = false"))
            return _Scalar(value)
        return result


class _Scalar:
    def __init__(self, value: Any) -> None:
        self.value = value

    def scalar_one(self) -> Any:
        return self.value


def test_a_removal_does_not_fill_a_receipt_emptied_after_it_read_it(served: Any) -> None:
    from kimdesk.server.removed_files import scrub

    service, engine = served
    *_, rid, merged = _receipt_with_a_file(service)
    assert merged.results[0].status == "merged"  # its receipt carries the file
    with engine.begin() as conn:
        scrub(_EmptiedAfterReceiptRead(conn), "Team Nord", {rid})  # type: ignore[arg-type]
    with engine.connect() as conn:
        receipts = [str(r[0]) for r in conn.execute(text("SELECT receipt FROM batches"))]
    assert receipts == [""] * len(receipts), "an emptied receipt was filled again"
