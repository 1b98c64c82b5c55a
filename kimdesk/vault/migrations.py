"""Numbered, transactional schema migrations.

``PRAGMA user_version`` holds the schema version. Each step runs inside one transaction together
with the version bump, so a crash mid-migration leaves the previous version intact. Steps are never
edited once released: a new schema is a new step, tested by upgrading a vault file written by the
previous version (``tests/fixtures/vault_v{N}.kdb``).

Tables mirror :mod:`kimdesk.domain.models`: every table has ``seq INTEGER PRIMARY KEY`` (a local,
never-synced row number that stays stable under VACUUM, so the full-text index can key on it) and
the record's UUID in ``id``. Lists and dictionaries are stored as JSON text.
"""

from __future__ import annotations

from collections.abc import Callable

from kimdesk.vault import migration_removed_files, migration_stats_exports, migration_unlock
from kimdesk.vault.connection import Connection
from kimdesk.vault.migration_v11 import V11_COLUMNS, v11
from kimdesk.vault.migration_v12 import V12_COLUMNS, v12

_META = (
    "id TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, "
    "revision INTEGER NOT NULL DEFAULT 0, pending INTEGER NOT NULL DEFAULT 1, "
    "deleted INTEGER NOT NULL DEFAULT 0"
)


def _table(name: str, columns: str) -> str:
    return f"CREATE TABLE {name} (seq INTEGER PRIMARY KEY, {_META}, {columns})"


_V1 = [
    "CREATE TABLE vault_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    _table(
        "persons",
        "given_name TEXT NOT NULL, family_name TEXT NOT NULL, given_name_latin TEXT NOT NULL,"
        " family_name_latin TEXT NOT NULL, birth_date TEXT, birth_year INTEGER,"
        " gender TEXT NOT NULL, nationalities TEXT NOT NULL, languages TEXT NOT NULL,"
        " preferred_language TEXT, residence_status TEXT NOT NULL, phone TEXT NOT NULL,"
        " email TEXT NOT NULL, address TEXT NOT NULL, municipality TEXT NOT NULL",
    ),
    _table(
        "cases",
        "case_number TEXT NOT NULL UNIQUE, person_id TEXT NOT NULL REFERENCES persons(id),"
        " owner TEXT NOT NULL, team TEXT NOT NULL, municipality TEXT NOT NULL,"
        " phase TEXT NOT NULL, opened_on TEXT NOT NULL, closed_on TEXT, closure_reason TEXT,"
        " rechtskreise TEXT NOT NULL, handlungsfelder TEXT NOT NULL, review_on TEXT,"
        " referral_source TEXT NOT NULL",
    ),
    _table(
        "phase_transitions",
        "case_id TEXT NOT NULL REFERENCES cases(id), from_phase TEXT, to_phase TEXT NOT NULL,"
        " at TEXT NOT NULL, by TEXT NOT NULL, closure_reason TEXT, comment TEXT NOT NULL",
    ),
    _table(
        "consultations",
        "case_id TEXT NOT NULL REFERENCES cases(id), date TEXT NOT NULL,"
        " duration_minutes INTEGER NOT NULL, place TEXT NOT NULL, place_detail TEXT NOT NULL,"
        " interpreter_used INTEGER NOT NULL, interpreter_language TEXT, language TEXT NOT NULL,"
        " form_id TEXT, form_version TEXT, answers TEXT NOT NULL, summary TEXT NOT NULL,"
        " counselor TEXT NOT NULL",
    ),
    _table(
        "goals",
        "case_id TEXT NOT NULL REFERENCES cases(id), goal TEXT NOT NULL, steps TEXT NOT NULL,"
        " responsible TEXT NOT NULL, handlungsfeld TEXT, review_on TEXT, status TEXT NOT NULL",
    ),
    _table(
        "agencies",
        "name TEXT NOT NULL, agency_type TEXT NOT NULL, rechtskreis TEXT, address TEXT NOT NULL,"
        " opening_hours TEXT NOT NULL, phone TEXT NOT NULL, what_to_bring TEXT NOT NULL,"
        " municipality TEXT NOT NULL",
    ),
    _table(
        "referrals",
        "case_id TEXT NOT NULL REFERENCES cases(id), agency_id TEXT, agency_name TEXT NOT NULL,"
        " agency_type TEXT NOT NULL, rechtskreis TEXT, status TEXT NOT NULL,"
        " referred_on TEXT NOT NULL, note TEXT NOT NULL",
    ),
    _table(
        "consents",
        "person_id TEXT NOT NULL REFERENCES persons(id), case_id TEXT, purposes TEXT NOT NULL,"
        " recipients TEXT NOT NULL, data_categories TEXT NOT NULL,"
        " special_categories INTEGER NOT NULL, given_on TEXT NOT NULL, form TEXT NOT NULL,"
        " language TEXT NOT NULL, text_id TEXT NOT NULL, text_version TEXT NOT NULL,"
        " withdrawn_on TEXT",
    ),
    _table(
        "structural_gaps",
        "case_id TEXT, category TEXT NOT NULL, agencies TEXT NOT NULL, rechtskreise TEXT NOT NULL,"
        " description TEXT NOT NULL, observed_on TEXT NOT NULL, municipality TEXT NOT NULL",
    ),
    _table(
        "notes",
        "case_id TEXT NOT NULL REFERENCES cases(id), text TEXT NOT NULL, author TEXT NOT NULL",
    ),
    _table(
        "audit_events",
        "at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, subject_kind TEXT NOT NULL,"
        " subject_id TEXT NOT NULL, detail TEXT NOT NULL, prev_hash TEXT NOT NULL,"
        " hash TEXT NOT NULL",
    ),
    "CREATE INDEX cases_person ON cases(person_id)",
    "CREATE INDEX cases_phase ON cases(phase)",
    "CREATE INDEX cases_owner ON cases(owner)",
    "CREATE INDEX cases_updated ON cases(updated_at)",
    "CREATE INDEX transitions_case ON phase_transitions(case_id)",
    "CREATE INDEX consultations_case ON consultations(case_id)",
    "CREATE INDEX consultations_date ON consultations(date)",
    "CREATE INDEX goals_case ON goals(case_id)",
    "CREATE INDEX referrals_case ON referrals(case_id)",
    "CREATE INDEX consents_person ON consents(person_id)",
    "CREATE INDEX gaps_case ON structural_gaps(case_id)",
    "CREATE INDEX notes_case ON notes(case_id)",
    "CREATE INDEX audit_subject ON audit_events(subject_id)",
    # Full-text search over folded names, case numbers and notes; rowid = cases.seq.
    "CREATE VIRTUAL TABLE case_search USING fts5(text, content='', contentless_delete=1,"
    " tokenize='unicode61 remove_diacritics 0', prefix='1 2 3')",
]
for _t in (
    "persons",
    "cases",
    "phase_transitions",
    "consultations",
    "goals",
    "agencies",
    "referrals",
    "consents",
    "structural_gaps",
    "notes",
    "audit_events",
):
    _V1.append(f"CREATE INDEX {_t}_pending ON {_t}(seq) WHERE pending = 1")


def _v1(conn: Connection) -> None:
    for statement in _V1:
        conn.execute(statement)


_V2 = [
    # Sync state (kimdesk/sync/store.py): server address, device token, cursors, batch numbers.
    "CREATE TABLE sync_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    # The server's version of every synced record as last seen: the base of the three-way merge
    # and of the divergence digest.
    "CREATE TABLE sync_base (kind TEXT NOT NULL, id TEXT NOT NULL, rev INTEGER NOT NULL,"
    " data TEXT NOT NULL, PRIMARY KEY (kind, id)) WITHOUT ROWID",
    # The batch in flight, kept until its receipt arrives, so a lost response resends the same
    # batch id (idempotent on the server) instead of building a new one.
    "CREATE TABLE sync_outbox (batch_id TEXT PRIMARY KEY, batch_seq INTEGER NOT NULL UNIQUE,"
    " payload TEXT NOT NULL, sent TEXT NOT NULL, created_at TEXT NOT NULL)",
    # Same-field conflicts, open until the counselor resolves them; the losing value stays here.
    "CREATE TABLE sync_conflicts (id TEXT PRIMARY KEY, kind TEXT NOT NULL,"
    " record_id TEXT NOT NULL, field TEXT NOT NULL, base TEXT NOT NULL, theirs TEXT NOT NULL,"
    " mine TEXT NOT NULL, device_id TEXT NOT NULL, status TEXT NOT NULL,"
    " created_at TEXT NOT NULL, resolved_at TEXT, resolution TEXT)",
    "CREATE INDEX sync_conflicts_record ON sync_conflicts(record_id)",
    # Pulled records whose parent has not arrived yet (foreign keys), applied once it has.
    "CREATE TABLE sync_parked (kind TEXT NOT NULL, id TEXT NOT NULL, rev INTEGER NOT NULL,"
    " data TEXT NOT NULL, reason TEXT NOT NULL, PRIMARY KEY (kind, id)) WITHOUT ROWID",
    # Reference data from the server: forms, code lists, agency directory, handout templates.
    "CREATE TABLE sync_reference (kind TEXT NOT NULL, key TEXT NOT NULL, team TEXT NOT NULL,"
    " version INTEGER NOT NULL, seq INTEGER NOT NULL, deleted INTEGER NOT NULL,"
    " data TEXT NOT NULL, PRIMARY KEY (kind, key, team)) WITHOUT ROWID",
]


def _v2(conn: Connection) -> None:
    for statement in _V2:
        conn.execute(statement)


#: Step 3: the merge base is stored only where it differs from the local row. Every column of
#: each synced table as of schema version 3, in model order, with the columns holding JSON text and
#: the booleans stored as 0/1. Frozen here (a released step never changes): a later step that adds
#: a column must recreate that table's trigger (``tests/sync/test_base_on_demand.py`` fails
#: otherwise).
_V3_COLUMNS: dict[str, tuple[str, ...]] = {
    "persons": ("id", "created_at", "updated_at", "deleted", "given_name", "family_name",
                "given_name_latin", "family_name_latin", "birth_date", "birth_year", "gender",
                "nationalities", "languages", "preferred_language", "residence_status", "phone",
                "email", "address", "municipality"),
    "cases": ("id", "created_at", "updated_at", "deleted", "case_number", "person_id", "owner",
              "team", "municipality", "phase", "opened_on", "closed_on", "closure_reason",
              "rechtskreise", "handlungsfelder", "review_on", "referral_source"),
    "phase_transitions": ("id", "created_at", "updated_at", "deleted", "case_id", "from_phase",
                          "to_phase", "at", "by", "closure_reason", "comment"),
    "consultations": ("id", "created_at", "updated_at", "deleted", "case_id", "date",
                      "duration_minutes", "place", "place_detail", "interpreter_used",
                      "interpreter_language", "language", "form_id", "form_version", "answers",
                      "summary", "counselor"),
    "goals": ("id", "created_at", "updated_at", "deleted", "case_id", "goal", "steps",
              "responsible", "handlungsfeld", "review_on", "status"),
    "agencies": ("id", "created_at", "updated_at", "deleted", "name", "agency_type",
                 "rechtskreis", "address", "opening_hours", "phone", "what_to_bring",
                 "municipality"),
    "referrals": ("id", "created_at", "updated_at", "deleted", "case_id", "agency_id",
                  "agency_name", "agency_type", "rechtskreis", "status", "referred_on", "note"),
    "consents": ("id", "created_at", "updated_at", "deleted", "person_id", "case_id",
                 "purposes", "recipients", "data_categories", "special_categories", "given_on",
                 "form", "language", "text_id", "text_version", "withdrawn_on"),
    "structural_gaps": ("id", "created_at", "updated_at", "deleted", "case_id", "category",
                        "agencies", "rechtskreise", "description", "observed_on",
                        "municipality"),
    "notes": ("id", "created_at", "updated_at", "deleted", "case_id", "text", "author"),
}
_V3_JSON = frozenset({"nationalities", "languages", "rechtskreise", "handlungsfelder", "answers",
                      "purposes", "recipients", "data_categories", "agencies"})
_V3_BOOL = frozenset({"deleted", "interpreter_used", "special_categories"})


def _v3_value(column: str) -> str:
    if column in _V3_JSON:
        return f"json(OLD.{column})"
    if column in _V3_BOOL:
        return f"json(CASE WHEN OLD.{column} THEN 'true' ELSE 'false' END)"
    return f"OLD.{column}"


def base_trigger_sql(table: str, columns: tuple[str, ...]) -> str:
    """The trigger that keeps a clean row's merge base before its first local edit.

    A row that is not pending equals the server version last seen, so ``sync_base`` stores no
    copy of it (``data IS NULL``: "the local row is the base"). When a local edit makes the row
    pending, this trigger writes the old row into ``sync_base`` as JSON, in the same statement,
    whatever code path made the edit. Done in SQL, not in the repository, so that no write can
    bypass it."""
    pairs = ", ".join(f"'{c}', {_v3_value(c)}" for c in columns)
    return (
        f"CREATE TRIGGER {table}_keep_base AFTER UPDATE OF pending ON {table}"
        " WHEN OLD.pending = 0 AND NEW.pending = 1 BEGIN"
        f" UPDATE sync_base SET data = json_object({pairs})"
        f" WHERE kind = '{table}' AND id = OLD.id AND data IS NULL; END"
    )


def _v3(conn: Connection) -> None:
    # sync_base.data becomes optional (SQLite changes a constraint only by rebuilding the table);
    # the bases already stored keep their explicit data, which stays valid.
    conn.execute(
        "CREATE TABLE sync_base_v3 (kind TEXT NOT NULL, id TEXT NOT NULL, rev INTEGER NOT NULL,"
        " data TEXT, PRIMARY KEY (kind, id)) WITHOUT ROWID"
    )
    conn.execute("INSERT INTO sync_base_v3 (kind, id, rev, data) SELECT kind, id, rev, data"
                 " FROM sync_base")
    conn.execute("DROP TABLE sync_base")
    conn.execute("ALTER TABLE sync_base_v3 RENAME TO sync_base")
    for table, columns in _V3_COLUMNS.items():
        conn.execute(base_trigger_sql(table, columns))


def _v4(conn: Connection) -> None:
    # What the statistics read of consultations, in case order, for the live records only: the
    # count per case over a year reads this index alone instead of every consultation row
    # (docs/statistics.md).
    conn.execute("CREATE INDEX consultations_stats ON consultations(case_id, date, place,"
                 " interpreter_used) WHERE deleted = 0")


def _v5(conn: Connection) -> None:
    """``sync_base`` becomes an ordinary (rowid) table, its rows stored in record order.

    In the ``WITHOUT ROWID`` table a row longer than about 980 bytes (the base of a case with a
    long text) spilled into an overflow page of its own, and SQLCipher's ``secure_delete`` (on by
    default, and wanted: deleted data is overwritten) rewrote that page again when the base was
    cleared. Acknowledging 2,400 edited cases wrote 4,200 pages; in a rowid table a base of up to
    about 3,900 bytes stays in its row and the same acknowledgement writes 1,400
    (docs/vault.md). The triggers name ``sync_base`` and are recreated around the rebuild."""
    for table in _V3_COLUMNS:
        conn.execute(f"DROP TRIGGER {table}_keep_base")
    conn.execute(
        "CREATE TABLE sync_base_v5 (kind TEXT NOT NULL, id TEXT NOT NULL, rev INTEGER NOT NULL,"
        " data TEXT, PRIMARY KEY (kind, id))"
    )
    # Copied kind by kind in the records' own order: a batch of records (taken in that order)
    # then finds its bases on neighbouring pages.
    for table in _V3_COLUMNS:
        conn.execute(
            "INSERT INTO sync_base_v5 (kind, id, rev, data) SELECT b.kind, b.id, b.rev, b.data"
            f" FROM sync_base b LEFT JOIN {table} r ON r.id = b.id WHERE b.kind = ?"
            " ORDER BY r.seq, b.id",
            (table,),
        )
    marks = ", ".join("?" for _ in _V3_COLUMNS)
    conn.execute(
        "INSERT INTO sync_base_v5 (kind, id, rev, data) SELECT kind, id, rev, data"
        f" FROM sync_base WHERE kind NOT IN ({marks}) ORDER BY kind, id",
        tuple(_V3_COLUMNS),
    )
    conn.execute("DROP TABLE sync_base")
    conn.execute("ALTER TABLE sync_base_v5 RENAME TO sync_base")
    for table, columns in _V3_COLUMNS.items():
        conn.execute(base_trigger_sql(table, columns))


#: Step 6's columns for the base triggers of the tables it adds or changes (frozen like step 3's).
_V6_COLUMNS: dict[str, tuple[str, ...]] = {
    "cases": (*_V3_COLUMNS["cases"], "legal_hold"),
    "deletions": ("id", "created_at", "updated_at", "deleted", "target_kind", "target_id",
                  "deleted_on", "legal_basis", "ordered_by", "reason"),
}


def _v6(conn: Connection) -> None:
    """Löschfristen (issue 13): a legal hold per case, and deletion records.

    A purged case leaves a ``deletions`` row (kind, id, date, legal basis, who ordered it; no
    personal data) that syncs so every device purges too (kimdesk/vault/purge.py)."""
    conn.execute("ALTER TABLE cases ADD COLUMN legal_hold TEXT NOT NULL DEFAULT ''")
    conn.execute(_table(
        "deletions",
        "target_kind TEXT NOT NULL, target_id TEXT NOT NULL, deleted_on TEXT NOT NULL,"
        " legal_basis TEXT NOT NULL, ordered_by TEXT NOT NULL, reason TEXT NOT NULL",
    ))
    conn.execute("CREATE INDEX deletions_target ON deletions(target_id)")
    conn.execute("CREATE INDEX deletions_pending ON deletions(seq) WHERE pending = 1")
    conn.execute("DROP TRIGGER cases_keep_base")
    for table, columns in _V6_COLUMNS.items():
        conn.execute(base_trigger_sql(table, columns))


def _v7(conn: Connection) -> None:
    """Statistical remains of purged cases (issue 13: indicator counts for past periods do not
    change retroactively; kimdesk/vault/statsremains.py). Local tables, never synced: no names,
    no ids, no birth date (the month at most), dates to the month; ``person`` is the living
    person's local ``persons.seq`` while they have another case, an opaque negative number
    after they are purged too."""
    conn.execute(
        "CREATE TABLE stats_cases (seq INTEGER PRIMARY KEY, municipality TEXT NOT NULL,"
        " person INTEGER NOT NULL, opened TEXT NOT NULL, closed TEXT, closure_reason TEXT,"
        " duration TEXT, birth_month TEXT, birth_year INTEGER, gender TEXT,"
        " region TEXT NOT NULL, residence_status TEXT, rechtskreise TEXT NOT NULL,"
        " handlungsfelder TEXT NOT NULL)")
    conn.execute(
        "CREATE TABLE stats_events (seq INTEGER PRIMARY KEY, kind TEXT NOT NULL,"
        " month TEXT NOT NULL, municipality TEXT NOT NULL, person INTEGER NOT NULL,"
        " code TEXT NOT NULL DEFAULT '', n INTEGER NOT NULL, outreach INTEGER NOT NULL DEFAULT 0,"
        " interpreter INTEGER NOT NULL DEFAULT 0)")
    conn.execute("CREATE INDEX stats_events_month ON stats_events(kind, month)")


def _v8(conn: Connection) -> None:
    """Name variants in search (issue 18): the search index is rebuilt so that every name word
    also carries its variant key (kimdesk/vault/namevariants.py); about 1 s per 10,000 cases."""
    from kimdesk.vault.searchentries import rebuild_index

    rebuild_index(conn)


#: Step 9's columns for the cases' base trigger (frozen like step 3's).
_V9_COLUMNS: dict[str, tuple[str, ...]] = {
    "cases": (*_V6_COLUMNS["cases"], "next_appointment_on", "next_appointment_time",
              "next_appointment_place"),
}


def _v9(conn: Connection) -> None:
    """Appointments (issue 18): the next appointment on the case (date, "HH:MM", place), and an
    index for the day and week views, which read the appointments of a date range
    (kimdesk/vault/appointments.py). No index on ``review_on``: the case list's "review due"
    filter chose it and got slower (39 -> 80 ms at 50,000 demo cases, a quarter of them due),
    while the agenda's reviews of a week scan the cases in about as long (docs/vault.md)."""
    conn.execute("ALTER TABLE cases ADD COLUMN next_appointment_on TEXT")
    conn.execute("ALTER TABLE cases ADD COLUMN next_appointment_time TEXT NOT NULL DEFAULT ''")
    conn.execute("ALTER TABLE cases ADD COLUMN next_appointment_place TEXT NOT NULL DEFAULT ''")
    conn.execute("CREATE INDEX cases_appointment ON cases(next_appointment_on)"
                 " WHERE next_appointment_on IS NOT NULL AND deleted = 0")
    conn.execute("DROP TRIGGER cases_keep_base")
    conn.execute(base_trigger_sql("cases", _V9_COLUMNS["cases"]))


def _v10(conn: Connection) -> None:
    """Two indexes for a 200,000-case vault (issue 18). The live cases' numbers: the case
    list's first page after unlock reads every live case's ``seq`` in order, and its count reads
    them all; both scanned the whole table, whose rows are about a kilobyte each (1.5 s each on a
    loaded machine; 0.25 s and 0.04 s from this index). And the cases by opening date for the
    Löschfristen after every unlock, which read only the cases old enough to be due
    (kimdesk/vault/retention.py): partial on ``deleted >= 0``, a condition the case list's
    queries do not imply, because its sort by opening date chose a plain index on ``opened_on``
    and slowed from 2 to 10 s."""
    conn.execute("CREATE INDEX cases_live ON cases(seq) WHERE deleted = 0")
    conn.execute("CREATE INDEX cases_retention ON cases(opened_on) WHERE deleted >= 0")


#: The base triggers' columns as of the latest schema, per synced table.
TRIGGER_COLUMNS: dict[str, tuple[str, ...]] = {**_V3_COLUMNS, **_V6_COLUMNS, **_V9_COLUMNS,
                                               **V11_COLUMNS, **V12_COLUMNS}

#: MIGRATIONS[n] upgrades schema n to n+1: 11 kimdesk/vault/migration_v11.py (consultation
#: title), 12 migration_v12.py (attachments), 13 migration_unlock.py (indexes for the unlock),
#: 14 migration_removed_files.py (a removed attachment's file leaves the sync conflicts), 15
#: migration_stats_exports.py (what each statistics export published).
MIGRATIONS: list[Callable[[Connection], None]] = [_v1, _v2, _v3, _v4, _v5, _v6, _v7, _v8, _v9,
                                                  _v10, v11, v12, migration_unlock.step,
                                                  migration_removed_files.step,
                                                  migration_stats_exports.step]
LATEST = len(MIGRATIONS)


def schema_version(conn: Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: Connection, target: int = LATEST) -> list[int]:
    """Apply the missing steps, each in its own transaction; returns the versions reached."""
    reached = []
    version = schema_version(conn)
    while version < target:
        conn.execute("BEGIN IMMEDIATE")
        try:
            MIGRATIONS[version](conn)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        version += 1
        reached.append(version)
    return reached
