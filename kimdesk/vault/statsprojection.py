"""The statistics' projection: records held elsewhere (the sync server's ``records``, as JSON)
written into a vault database in memory, so that :class:`~kimdesk.vault.statsqueries.StatsQueries`
and :func:`kimdesk.stats.build_report` count them with the very SQL that counts a vault
(docs/planned.md, section 5, "One set of SQL": the attack tests of the disclosure control run
against one implementation, not two).

Why here: no module outside ``kimdesk/vault/`` touches a vault connection; the server reads its
``records`` (:mod:`kimdesk.server.stats`) and hands the rows over.

The database is an SQLCipher connection to ``:memory:`` without a key, built by the vault's own
migrations (:func:`~kimdesk.vault.migrations.migrate`), never on disk (temporary tables in memory
too), gone when closed. Only the kinds the statistics read are projected, and of them only what
they count: names, contact data, case numbers, answers and every free text are blanked before a
row is written, so the memory never holds them either (and a 200,000-case projection holds a
fraction of the records' size). Deleted records are not projected at all: every statement
reads ``deleted = 0`` rows only, and a missing row joins as a deleted one does. Foreign keys are
not enforced (a consultation whose deleted case was left out must not be refused).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Sequence
from typing import Any, cast

import sqlcipher3

from kimdesk.domain.models import RECORD_TYPES
from kimdesk.vault.migrations import migrate
from kimdesk.vault.repository import Repository
from kimdesk.vault.statsqueries import StatsQueries
from kimdesk.vault.sync.rows import ReceivedRows

#: The kinds the statistics count, parents first.
KINDS = ("persons", "cases", "consultations", "referrals", "structural_gaps")

#: What every projected row of a kind gets instead of its own value: what no statistic reads
#: and could name a person. ``case_number`` is UNIQUE: it gets the case's id (see :func:`_blank`).
BLANKED: dict[str, dict[str, Any]] = {
    "persons": {"given_name": "", "family_name": "", "given_name_latin": "",
                "family_name_latin": "", "phone": "", "email": "", "address": "",
                "municipality": "", "preferred_language": None, "languages": []},
    "cases": {"owner": "", "referral_source": "", "legal_hold": "",
              "next_appointment_time": "", "next_appointment_place": "",
              "next_appointment_on": None, "review_on": None},
    "consultations": {"title": "", "place_detail": "", "answers": {}, "summary": "",
                      "counselor": "", "form_id": None, "form_version": None,
                      "interpreter_language": None},
    "referrals": {"agency_id": None, "agency_name": "", "note": ""},
    "structural_gaps": {"description": ""},
}


#: The kinds whose ``seq`` the statistics read as an identity: a person's (consultations,
#: referrals and gaps count people by it, and the cell-key method keys them by it) and an
#: unlinked gap's (it stands for itself). A vault's ``seq`` never changes; a projection's gets
#: :func:`stable_seq` of the record's id, so that the same person has the same record key in
#: every export of a server whatever order the records are read in or who joined since.
SEQ_OF_ID = ("persons", "structural_gaps")


def stable_seq(record_id: str) -> int:
    """A positive 56-bit number of ``record_id`` (SHA-256): at 200,000 persons the chance of
    two equal ones is about 3 in 10 million."""
    import hashlib

    return int.from_bytes(hashlib.sha256(record_id.encode()).digest()[:7], "big") or 1


#: The columns of the statistical remains' tables (the vault's ``stats_cases`` and
#: ``stats_events`` without their ``seq``; the server's ``stats_remains_*`` have them too).
REMAINS_CASE_COLUMNS = ("municipality", "person", "opened", "closed", "closure_reason",
                        "duration", "birth_month", "birth_year", "gender", "region",
                        "residence_status", "rechtskreise", "handlungsfelder")
REMAINS_EVENT_COLUMNS = ("kind", "month", "municipality", "person", "code", "n", "outreach",
                         "interpreter")


#: Records per statement of :meth:`StatsProjection.add_texts`.
JSON_BATCH = 2000


def _literal(value: Any) -> str:
    """A blank value of :data:`BLANKED` as SQL."""
    if value is None:
        return "NULL"
    text = value if isinstance(value, str) else json.dumps(value)
    return "'" + text.replace("'", "''") + "'"


class UnknownKind(ValueError):
    """A kind the statistics do not read was to be projected."""


def _base64(value: bytes | None) -> str | None:  # the attachments' trigger needs the function
    import base64

    return None if value is None else base64.b64encode(value).decode("ascii")


def _blank(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    out = data | BLANKED[kind]
    if kind == "cases":
        out["case_number"] = data.get("id", "")
    return out


def _memory_database() -> sqlcipher3.Connection:
    conn = sqlcipher3.connect(":memory:", isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.create_function("kd_base64", 1, _base64, deterministic=True)
    conn.create_function("kd_stable_seq", 1, stable_seq, deterministic=True)
    return conn


_TEMPLATE: list[sqlcipher3.Connection] = []
_TEMPLATE_LOCK = threading.Lock()


def _template() -> sqlcipher3.Connection:
    """An empty vault database in memory at the newest schema, built once per process by the
    migrations; each projection starts as a copy of it (the server's purge makes one per
    purged case or person: a retention run of 1,000 cases spent 40 s migrating)."""
    if not _TEMPLATE:
        conn = _memory_database()
        migrate(cast(Any, conn))
        _TEMPLATE.append(conn)
    return _TEMPLATE[0]


class StatsProjection:
    """A vault database in memory that holds the projected records; :meth:`queries` counts
    them. Use as a context manager (closing frees the memory)::

        with StatsProjection() as projection:
            projection.add("persons", rows)      # dicts as the records' JSON holds them
            ...
            report = build_report(projection.queries(), period)
    """

    def __init__(self) -> None:
        self._conn = _memory_database()
        with _TEMPLATE_LOCK:  # the schema copied from a template: migrating costs ~40 ms
            _template().backup(self._conn)
        # The record tables' own indexes are built once the rows are in (:meth:`queries`):
        # kept up row by row, their random-UUID keys made 1.3 million records (200,000 cases)
        # take 41 s to project; built at the end, sorted, they cost a fraction.
        self._indexes: list[str] = [sql for (sql,) in self._conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            f" AND tbl_name IN ({', '.join(repr(k) for k in KINDS)})")]
        for (name,) in self._conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
                f" AND tbl_name IN ({', '.join(repr(k) for k in KINDS)})").fetchall():
            self._conn.execute(f"DROP INDEX {name}")
        models = {cls.KIND: cls for cls in RECORD_TYPES}
        # a repository for its column plan only: nothing here reads or writes through it
        self._rows = {kind: ReceivedRows(Repository(cast(Any, None), models[kind],
                                                    audited=False))
                      for kind in KINDS}
        self.counts: dict[str, int] = dict.fromkeys(KINDS, 0)

    def add(self, kind: str, records: Iterable[dict[str, Any]]) -> int:
        """Write records of ``kind`` (their JSON as parsed); deleted ones are skipped. A record
        whose fields are not exactly this version's model is validated by the model (another
        app version's record), as the device's sync inbox does. Returns how many were written."""
        if kind not in self._rows:
            raise UnknownKind(kind)
        rows = self._rows[kind]
        with_seq = kind in SEQ_OF_ID
        sql = (rows.insert_sql.replace(" (", " (seq, ", 1).replace("VALUES (", "VALUES (?, ")
               if with_seq else rows.insert_sql)

        def projected() -> Iterable[list[Any]]:
            for data in records:
                if data.get("deleted"):
                    continue
                data = _blank(kind, data)
                row = rows.fast_row(data)
                if row is None:
                    row = rows.repo.to_row(rows.validated(data, pending=False))
                yield [stable_seq(str(data["id"])), *row] if with_seq else row

        before = self._conn.total_changes
        self._conn.execute("BEGIN")
        try:
            self._conn.executemany(sql, projected())
            self._conn.execute("COMMIT")
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        written = self._conn.total_changes - before
        self.counts[kind] += written
        return written

    # -- statistical remains (kimdesk/vault/statsremains.py) -----------------------------------
    def remains(self, case_ids: list[str]) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        """The remains the purge of ``case_ids`` leaves, computed by the vault's own
        :func:`~kimdesk.vault.statsremains.write_remains` over the projected records: the
        ``stats_cases`` rows and the ``stats_events`` rows (columns :data:`REMAINS_CASE_COLUMNS`,
        :data:`REMAINS_EVENT_COLUMNS`), taken out of the projection again. The person is the
        projection's ``seq`` of them (:func:`stable_seq` of their id)."""
        from kimdesk.vault.statsremains import write_remains

        self._build_indexes()
        self._conn.execute("BEGIN")
        try:
            write_remains(cast(Any, self._conn), case_ids)
            out = tuple(self._conn.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()
                        for table, columns in (("stats_cases", REMAINS_CASE_COLUMNS),
                                               ("stats_events", REMAINS_EVENT_COLUMNS)))
        finally:
            self._conn.execute("ROLLBACK")
        return out[0], out[1]

    def add_remains(self, cases: Iterable[Sequence[Any]], events: Iterable[Sequence[Any]]) -> None:
        """Remains kept elsewhere (the server's) into the projection, in the columns of
        :data:`REMAINS_CASE_COLUMNS` and :data:`REMAINS_EVENT_COLUMNS`, for the statistics to
        count beside the live records."""
        self._conn.execute("BEGIN")
        for table, columns, rows in (("stats_cases", REMAINS_CASE_COLUMNS, cases),
                                     ("stats_events", REMAINS_EVENT_COLUMNS, events)):
            self._conn.executemany(
                f"INSERT INTO {table} ({', '.join(columns)})"
                f" VALUES ({', '.join('?' for _ in columns)})", rows)
        self._conn.execute("COMMIT")

    def add_exports(self, rows: Iterable[Sequence[Any]]) -> None:
        """Exports published elsewhere (the server's, :mod:`kimdesk.server.published`) into the
        projection's ``stats_exports``, in the vault's columns without ``seq`` and oldest first:
        the statistics then protect a re-export and the next period against them as a vault's
        (:mod:`kimdesk.stats.published`)."""
        from kimdesk.vault.statsexports import insert_rows

        self._conn.execute("BEGIN")
        insert_rows(cast(Any, self._conn), rows)
        self._conn.execute("COMMIT")

    def add_texts(self, kind: str, texts: Iterable[str]) -> int:
        """:meth:`add` for records as JSON text (the server's ``records.data``), read by
        SQLite's JSON functions in batches: no Python object per record and field (for 1.3
        million records, 200,000 cases, most of the projection's time went there). A batch
        that a record of another app version fails (a field missing that the table needs) is
        written through :meth:`add` instead, which validates such records by the model."""
        if kind not in self._rows:
            raise UnknownKind(kind)
        sql = self._json_insert(kind)
        written = 0
        batch: list[str] = []

        def flush() -> int:
            doc = "[" + ",".join(batch) + "]"
            before = self._conn.total_changes
            self._conn.execute("BEGIN")
            try:
                self._conn.execute(sql, (doc,))
                self._conn.execute("COMMIT")
            except sqlcipher3.IntegrityError:
                self._conn.execute("ROLLBACK")
                return self.add(kind, (json.loads(text) for text in batch))
            done = self._conn.total_changes - before
            self.counts[kind] += done
            return done

        for text in texts:
            batch.append(text)
            if len(batch) >= JSON_BATCH:
                written += flush()
                batch = []
        if batch:
            written += flush()
        return written

    def _json_insert(self, kind: str) -> str:
        """The statement that writes a batch of ``kind``'s records (a JSON array) as
        :meth:`add` writes them one by one: blanked fields as blanks, lists and objects as
        their JSON text, booleans as 0/1, deleted records left out."""
        repo = self._rows[kind].repo
        local = {"revision": "1", "pending": "0"}
        blanked = BLANKED[kind]

        def expr(column: str) -> str:
            if column in local:
                return local[column]
            if kind == "cases" and column == "case_number":
                return "value ->> '$.id'"
            if column in blanked:
                return _literal(blanked[column])
            if column in repo.json_columns:
                return f"value -> '$.{column}'"
            return f"value ->> '$.{column}'"

        columns = list(repo.columns)
        values = [expr(c) for c in columns]
        if kind in SEQ_OF_ID:
            columns.insert(0, "seq")
            values.insert(0, "kd_stable_seq(value ->> '$.id')")
        return (f"INSERT INTO {repo.table} ({', '.join(columns)}) SELECT {', '.join(values)}"
                " FROM json_each(?) WHERE coalesce(value ->> '$.deleted', 0) = 0")

    def municipalities(self) -> set[str]:
        """The municipalities named by a projected case or structural gap."""
        return {str(m) for (m,) in self._conn.execute(
            "SELECT municipality FROM cases UNION SELECT municipality FROM structural_gaps"
            " UNION SELECT municipality FROM stats_cases")}

    def keep_municipalities(self, names: Sequence[str]) -> None:
        """Leave out the cases and structural gaps of every other municipality (their
        consultations and referrals then join no case and are not counted, as in a vault)."""
        marks = json.dumps(list(names))
        self._conn.execute("BEGIN")
        for table in ("cases", "structural_gaps", "stats_cases", "stats_events"):
            self._conn.execute(f"DELETE FROM {table} WHERE municipality NOT IN"
                               f" (SELECT value FROM json_each(?))", (marks,))
        self._conn.execute("COMMIT")

    def queries(self) -> StatsQueries:
        """The statistics' queries on the projection (closing them leaves it open); the
        indexes are built first, so the database is the vault's schema again."""
        self._build_indexes()
        return StatsQueries(cast(Any, self._conn))

    def _build_indexes(self) -> None:
        while self._indexes:
            self._conn.execute(self._indexes.pop())

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> StatsProjection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
