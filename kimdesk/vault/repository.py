"""Generic storage of one record type in its table, shared by every kind of record.

The mapping is derived from the pydantic model (columns = fields), so a field added to a model
without a migration fails loudly in the schema test instead of being silently dropped.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

# pydantic-core's JSON parser: 2-3x faster than json.loads on a record, 10x on a short list
# (the sync outbox reads every pending row's list columns through :meth:`Repository.row_as_json`).
from pydantic_core import from_json

from kimdesk.domain.models import Record
from kimdesk.vault.errors import RecordNotFound, StaleRecord

if TYPE_CHECKING:
    from kimdesk.vault.vault import Vault

R = TypeVar("R", bound=Record)


def _is_json_field(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    return origin in (list, dict) or annotation in (list, dict)


def _is_bool_field(annotation: Any) -> bool:
    return annotation is bool or annotation == "bool"


def now_iso() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


class Repository(Generic[R]):
    """Add, read, update and tombstone records of one type; every write marks them pending.

    ``audited`` repositories hold a person's data: each read and write appends an audit event in
    the same transaction as the change."""

    def __init__(self, vault: Vault, model: type[R], *, audited: bool) -> None:
        self._vault = vault
        self.model = model
        self.table = model.KIND
        self.audited = audited
        #: The table's columns, in the model's field order (the order of every row here).
        self.columns: list[str] = list(model.model_fields)
        #: Columns holding lists or dicts, stored as JSON text.
        self.json_columns: frozenset[str] = frozenset(
            name for name, info in model.model_fields.items() if _is_json_field(info.annotation)
        )
        #: Columns holding booleans, stored as 0/1.
        self.bool_columns: frozenset[str] = frozenset(
            name for name, info in model.model_fields.items() if _is_bool_field(info.annotation)
        )
        cols = ", ".join(self.columns)
        marks = ", ".join("?" for _ in self.columns)
        self._insert_sql = f"INSERT INTO {self.table} ({cols}) VALUES ({marks})"
        sets = ", ".join(f"{c} = ?" for c in self.columns if c != "id")
        self._update_sql = f"UPDATE {self.table} SET {sets} WHERE id = ? AND revision = ?"
        #: ``SELECT`` of every column, without a condition: the vault's query objects append
        #: theirs and read the rows with :meth:`from_row` or :meth:`row_as_json`.
        self.select_sql = f"SELECT {cols} FROM {self.table}"

    # -- conversion ----------------------------------------------------------------------------
    def to_row(self, record: R) -> list[Any]:
        data = record.model_dump(mode="json")
        row = []
        for name in self.columns:
            value = data[name]
            if name in self.json_columns:
                value = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
            elif isinstance(value, bool):
                value = int(value)
            row.append(value)
        return row

    def received_row(self, row: list[Any]) -> list[Any]:
        """A row built from a received record's JSON without :meth:`to_row` (the sync inbox's
        fast path), in the form the table stores. The same as JSON here; attachments store
        their base64 content as bytes (:mod:`kimdesk.vault.attachments_store`)."""
        return row

    def from_row(self, row: Sequence[Any]) -> R:
        data = dict(zip(self.columns, row, strict=True))
        for name in self.json_columns:
            data[name] = json.loads(data[name])
        return self.model.model_validate(data)

    def row_as_json(self, row: Sequence[Any]) -> dict[str, Any]:
        """A stored row as the dict ``from_row(row).model_dump(mode="json")`` gives, without
        pydantic: the row was validated when it was written, and skipping the model halves the
        cost of building a sync batch."""
        # zip and dict in C, then only the few JSON and boolean columns touched: a Python step
        # per column was 6.5 us of a row of 24 columns, 1.5 us this way (a 10k push reads 10k)
        data = dict(zip(self.columns, row, strict=True))
        for name in self.json_columns:
            data[name] = from_json(data[name])
        for name in self.bool_columns:
            data[name] = bool(data[name])
        return data

    # -- reads ---------------------------------------------------------------------------------
    def get(self, record_id: str, *, include_deleted: bool = False) -> R:
        row = self._vault.conn.execute(f"{self.select_sql} WHERE id = ?", (record_id,)).fetchone()
        if row is None:
            raise RecordNotFound(self.table, record_id)
        record = self.from_row(row)
        if record.deleted and not include_deleted:
            raise RecordNotFound(self.table, record_id)
        if self.audited:
            with self._vault.transaction():
                self._vault.audit.record("read", self.table, record_id)
        return record

    def where(
        self, clause: str = "1", params: Sequence[Any] = (), *, order: str = "seq"
    ) -> list[R]:
        """Records matching an SQL condition (trusted callers only), tombstones excluded."""
        sql = f"{self.select_sql} WHERE deleted = 0 AND ({clause}) ORDER BY {order}"
        return [self.from_row(row) for row in self._vault.conn.execute(sql, tuple(params))]

    def for_case(self, case_id: str) -> list[R]:
        return self.where("case_id = ?", (case_id,))

    def exists(self, record_id: str) -> bool:
        """Whether the record is here and not deleted. Not an audited read: it tells nothing
        of the record but that it is there (the GUI asks before it brings a draft back)."""
        return self._vault.conn.execute(
            f"SELECT 1 FROM {self.table} WHERE id = ? AND deleted = 0", (record_id,)
        ).fetchone() is not None

    def count(self) -> int:
        return int(
            self._vault.conn.execute(
                f"SELECT count(*) FROM {self.table} WHERE deleted = 0"
            ).fetchone()[0]
        )

    def pending(self) -> Iterator[R]:
        """Records with local changes the server has not acknowledged (the sync outbox)."""
        for row in self._vault.conn.execute(f"{self.select_sql} WHERE pending = 1 ORDER BY seq"):
            yield self.from_row(row)

    # -- writes --------------------------------------------------------------------------------
    def add(self, record: R) -> R:
        stamp = now_iso()
        stored = self.model.model_validate(
            record.model_dump()
            | {"revision": 1, "pending": True, "created_at": stamp, "updated_at": stamp}
        )
        with self._vault.transaction():
            self._vault.conn.execute(self._insert_sql, self.to_row(stored))
            self.update_derived(stored)
            if self.audited:
                self._vault.audit.record("create", self.table, stored.id)
        return stored

    def update(self, record: R) -> R:
        """Write a changed record; fails with :class:`StaleRecord` if it changed since read."""
        stored = self.model.model_validate(
            record.model_dump()
            | {"revision": record.revision + 1, "pending": True, "updated_at": now_iso()}
        )
        values = [v for c, v in zip(self.columns, self.to_row(stored), strict=True) if c != "id"]
        with self._vault.transaction():
            cursor = self._vault.conn.execute(
                self._update_sql, [*values, record.id, record.revision]
            )
            if cursor.rowcount != 1:
                raise StaleRecord(self.table, record.id)
            self.update_derived(stored)
            if self.audited:
                self._vault.audit.record("update", self.table, record.id)
        return stored

    def delete(self, record_id: str) -> R:
        """Tombstone: the row stays (marked deleted and pending) so the deletion can sync. A
        refusal the server gave the record's earlier version goes with it: the tombstone is a
        new change (:mod:`kimdesk.vault.sync.refusals`)."""
        from kimdesk.vault.sync.refusals import forget

        record = self.get(record_id)
        with self._vault.transaction():
            stored = self.update(record.model_copy(update={"deleted": True}))
            forget(self._vault, [(self.table, record_id)])
        return stored

    def insert_many(self, records: Iterable[R]) -> int:
        """Bulk insert for generators and sync: the caller holds the transaction; no audit."""
        rows = [self.to_row(r) for r in records]
        self._vault.conn.executemany(self._insert_sql, rows)
        return len(rows)

    def update_derived(self, record: R) -> None:
        """Bring data derived from ``record`` (the case search index) up to date after a write
        through this repository. The generic repository derives nothing; persons, cases and
        notes feed the search index (:mod:`kimdesk.vault.repositories`)."""
