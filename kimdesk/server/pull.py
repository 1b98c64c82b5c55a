"""What a device reads: pages of its team's changes and conflicts, the team's state digest and
its conflict history.

A pull page is written as JSON text by hand: the stored record JSON is spliced in as it is (no
parse and re-serialise: that was most of a big pull's server time).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from itertools import groupby
from operator import attrgetter
from typing import Any, NamedTuple

from sqlalchemy import (
    Engine,
    LargeBinary,
    Select,
    bindparam,
    case,
    cast,
    func,
    literal,
    select,
)
from sqlalchemy.sql.elements import ColumnElement

from kimdesk.server import audit_trail, db
from kimdesk.server.common import Device
from kimdesk.server.plausibility import PARENTS
from kimdesk.server.store import placeholder
from kimdesk.sync import answers
from kimdesk.sync.protocol import (
    PULL_PAGE_DEFAULT,
    PULL_PAGE_MAX,
    ConflictInfo,
    TeamState,
    state_digest,
)


def pull_json(engine: Engine, device: Device, since: int, limit: int = PULL_PAGE_DEFAULT, *,
              own: bool = False) -> str:
    """A page of changes after cursor ``since`` as JSON text (``PullPage``'s shape): records
    within ``limit`` and :data:`PULL_PAGE_BYTES`, and the conflicts of the same range of change
    numbers within their own budget (:func:`_conflicts`), which may end the page earlier."""
    limit = max(1, min(limit, PULL_PAGE_MAX))
    r = db.records.c
    with db.reading(engine) as conn:
        # The team's counter first, then only what lies at or below it. A push numbers its
        # changes under the team row's lock and raises the counter in the same transaction, so
        # every change numbered up to the counter read here is committed and visible to the
        # next statement. Read the other way round (records, then the counter) under READ
        # COMMITTED, a push committing in between moved the counter past changes this page had
        # not seen, and the cursor skipped them (issue 14: 3,200 of 18,000 records missed).
        head = int(conn.execute(
            select(db.teams.c.change_seq).where(db.teams.c.name == device.team)
        ).scalar() or 0)
        # an attachment's JSON (up to 14 MB) is read one by one below, within the page's bytes
        attachment = r.kind == "attachments"
        data = case((attachment, literal(None)), else_=r.data).label("data")
        size = case((attachment, literal(0)), else_=octets(conn.dialect.name, r.data)
                    ).label("size")
        query = (select(r.kind, r.id, r.rev, r.seq, r.deleted, data, r.updated_by, size,
                        *_owners())
                 .where(r.team == device.team, r.seq > since, r.seq <= head))
        if not own:
            # this device's own writes are skipped in the query, not page by page: after a
            # 10k push the device's pull is one request, not three empty pages
            query = query.where(r.updated_by != device.id)
        rows = conn.execute(query.order_by(r.seq).limit(limit + 1)).all()
        more = len(rows) > limit
        page = rows[:limit]
        rows, cut = _with_attachments(conn, page)
        if cut:
            more, upper = True, rows[-1].seq
        else:
            upper = page[-1].seq if more else max(head, since)
        # the conflicts may end the page earlier (their budget): only ever lower, so everything
        # up to the page's end is still committed (the counter above)
        conflicts, end = _conflicts(conn, device.team, since, upper,
                                    rows[0].seq if rows else upper + 1)
    if end < upper:
        more, upper = True, end
        rows = [x for x in rows if x.seq <= end]
    if rows or conflicts:
        _audit(engine, device, rows, len(conflicts), since, upper)
    parts = [
        f'{{"kind":{json.dumps(x.kind)},"id":{json.dumps(x.id)},"rev":{int(x.rev)},'
        f'"seq":{int(x.seq)},"deleted":{"true" if x.deleted else "false"},"data":{x.data}}}'
        for x in rows
    ]
    conflicts_json = ",".join(conflicts)
    more_json = "true" if more else "false"
    return (f'{{"records":[{",".join(parts)}],"conflicts":[{conflicts_json}],'
            f'"next_cursor":{int(upper)},"more":{more_json}}}')


def _owners() -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    """The case and the person a page's record belongs to (its own id for a case or person,
    else its ``case_id`` / ``person_id``), read by the database with the page: what the page's
    audit row names (:func:`_audit`). The links are the columns the database keeps of the
    JSON fields (revision 0012): extracting them from every record's JSON was 24 of the 27 ms
    a page of 4,000 records took on PostgreSQL."""
    r = db.records.c
    on_case = sorted(k for k, (f, _) in PARENTS.items() if f == "case_id")
    on_person = sorted(k for k, (f, _) in PARENTS.items() if f == "person_id")
    return (case((r.kind == "cases", r.id), (r.kind.in_(on_case), r.case_id),
                 else_=literal(None)).label("case_ref"),
            case((r.kind == "persons", r.id), (r.kind.in_(on_person), r.person_id),
                 else_=literal(None)).label("person_ref"))


def _audit(engine: Engine, device: Device, rows: Sequence[Any], conflicts: int, since: int,
           upper: int) -> None:
    """The page's audit row: the device, the cases and persons its records belong to, how
    many records and conflicts it carries and its range of change numbers. In a transaction
    of its own, after the page's read (which never writes: :func:`kimdesk.server.db.reading`)
    and before the page is answered: if it fails, the page is not sent
    (:mod:`kimdesk.server.audit_trail`)."""
    cases = {str(x.case_ref) for x in rows if x.case_ref}
    persons = {str(x.person_ref) for x in rows if x.person_ref}
    with engine.begin() as conn:
        audit_trail.append(conn, audit_trail.Actor.DEVICE, device.id, audit_trail.Action.PULL,
                           device.team, {"cases": cases, "persons": persons},
                           {"records": len(rows), "conflicts": conflicts,
                            "after": int(since), "to": int(upper),
                            **device.audit_detail()})


class _Row(NamedTuple):
    kind: str
    id: str
    rev: int
    seq: int
    deleted: bool
    data: str
    updated_by: str
    size: int
    case_ref: str | None
    person_ref: str | None


#: A page stops before the record that would take it past this many bytes of record JSON in
#: UTF-8, as it goes over the wire (a page holds at least one record): ten 10 MiB photos are
#: ten pages, not one response of 140 MB. Every record counts, not only attachments (until
#: 2026-12-06): 5,000 notes of up to 64 KiB made a page of up to 320 MiB, past what a device
#: reads (64 MiB as it arrives, 128 MiB inflated, :mod:`kimdesk.sync.transport`), and that
#: team's devices could never pull it. Characters were counted until a later review of the same
#: day: a page of Arabic, Persian, Ukrainian or Russian notes was 1.7 times this, one of emoji
#: 3.9 times (63 MiB; ``tests/server/test_pull_page_utf8.py``, docs/sync-protocol.md, "Pull").
PULL_PAGE_BYTES = 16 * 1024 * 1024


def octets(dialect: str, column: Any) -> ColumnElement[int]:
    """The bytes of a text column in UTF-8, counted by the database: PostgreSQL's
    ``octet_length`` (from a stored value's header, without reading a large one out of its
    TOAST table), SQLite's ``length`` of the text as a blob (the database's encoding is
    UTF-8). Counted in Python (``len(text.encode())``), a page of 5,000 German notes of ~1 KB
    spent 14 ms on it, a sixth of building the page; in the query, nothing measurable
    (docs/sync-protocol.md, "Attachments")."""
    if dialect == "postgresql":
        return func.octet_length(column)
    return func.length(cast(column, LargeBinary))


def _with_attachments(conn: Any, rows: Sequence[Any]) -> tuple[Sequence[Any], bool]:
    """The page's rows with the attachments' JSON read in, up to :data:`PULL_PAGE_BYTES`;
    True when the page was cut short for them."""
    attachments = any(x.kind == "attachments" for x in rows)
    if not attachments and sum(x.size for x in rows) <= PULL_PAGE_BYTES:
        return rows, False  # the common page: counted in one pass, nothing read again
    r = db.records.c
    out: list[Any] = []
    total = 0
    for x in rows:
        if x.kind == "attachments":
            # the same snapshot as the page's query: a push since then raised seq, so the
            # row is skipped here and comes with the next page
            found = conn.execute(select(r.data, octets(conn.dialect.name, r.data)).where(
                r.kind == x.kind, r.id == x.id, r.seq == x.seq)).first()
            if found is None:
                continue
            x = _Row(x.kind, x.id, x.rev, x.seq, x.deleted, found[0], x.updated_by,
                     int(found[1]), x.case_ref, x.person_ref)
        size = int(x.size)
        if out and total + size > PULL_PAGE_BYTES:
            return out, True
        total += size
        out.append(x)
    return out, False


#: The JSON items a page's conflicts may count, as the device counts them before it parses
#: (:func:`kimdesk.sync.answers.items_at_most` of each change number's conflicts and a comma:
#: at least their exact count). Beyond its records the device allows
#: :data:`kimdesk.sync.answers.ITEMS_SLACK` items, whatever page size it asks for: half of that
#: for the conflicts, the rest for the envelope and a margin. Unbounded until 2026-12-06: a
#: page named every conflict of its range of change numbers, which need hold no record at all
#: (the records changed since moved past their conflicts); a review counted ~4,300 conflicts on
#: form answers (~95,000 on plain fields) to pass the device's budget, every pull of such a
#: page was refused as unreadable, and the team's devices could never pull again.
PULL_CONFLICT_ITEMS = answers.ITEMS_SLACK // 2
#: The bytes (UTF-8) of a page's conflicts' JSON. With the records' :data:`PULL_PAGE_BYTES` and
#: the one record that may pass them (an attachment of ~13.4 MiB), 37.4 MiB: well within the
#: 64 MiB the device reads of an answer as it arrives (``tests/server/test_pull_conflicts.py``
#: pins the sum).
PULL_CONFLICT_BYTES = 8 * 1024 * 1024
#: The most conflicts a page reads from the database (the query's LIMIT), as many as records:
#: what the server holds for a page stays bounded too.
PULL_CONFLICTS_MAX = PULL_PAGE_MAX
#: The bytes of a conflict's JSON besides its columns' values (the keys, quotes and commas), and
#: the comma before it on the page: the JSON of one whose values are all empty (three of them
#: ``null``), less those.
CONFLICT_KEYS_BYTES = len(ConflictInfo(id="", kind="", record_id="", field="", status="")
                          .model_dump_json()) - 3 * len("null") + 1
#: The columns that make up a conflict's JSON (:func:`conflict_info`).
_CONFLICT_VALUES = ("id", "kind", "record_id", "field", "base", "theirs", "mine", "device_id",
                    "status", "created_at")


def _conflicts(conn: Any, team: str, since: int, upper: int, first_record: int
               ) -> tuple[list[str], int]:
    """The JSON of the team's conflicts numbered in (``since``, ``upper``], as many as the
    page's budget takes (:data:`PULL_CONFLICT_ITEMS`, :data:`PULL_CONFLICT_BYTES`,
    :data:`PULL_CONFLICTS_MAX`), and the page's new end: ``upper``, or the change number before
    the first conflict left out. The cut lies between change numbers, so the next page's cursor
    starts at the first conflict not sent: none skipped, none sent twice.

    Only what the page can take is read: the sizes of the range's conflicts first (counted by
    the database, :func:`_end_by_size`), then the conflicts themselves up to the budget. Read
    whole before the budget applied (until 2026-12-06, a review), the conflicts on attachments'
    files (three files each, up to ~40 MiB) were all in the server's memory at once, however
    few of them the page then took: 100 of three 1 MiB files, 420 MiB for a page of one.

    A page always makes progress (its end lies past ``since``): a conflict over the budget with
    nothing before it on the page (no conflict, no record below ``first_record``) goes alone,
    and the page ends with it. That is the only page past the budget, and it stays within the
    device's limits: every conflict has a change number of its own (the push numbers each, and
    each resolution or closing, one after the other under the team's lock:
    :mod:`kimdesk.server.push_plan`, :func:`kimdesk.server.removed_files.close_conflicts`), and
    its three values are fields of records within the plausibility limits
    (:mod:`kimdesk.server.plausibility`): at most 3 x 64 KiB (~200,000 items), or three files of
    an attachment, ~40 MiB of base64 (a few items), against the device's 64 MiB and 1 Mi items.
    Should several conflicts share a number all the same, they go together: the page still
    ends past ``since``."""
    c = db.conflicts.c
    in_range = (c.team == team, c.seq > since)
    end = _end_by_size(conn.execute(_sizes_query(conn.dialect.name), {
        "team": team, "since": since, "upper": upper, "count": PULL_CONFLICTS_MAX + 1}),
        upper, first_record)
    if end is None:  # the common page: no conflict in its range, one query
        return [], upper
    upper = end
    # A conflict resolved since its size was read has a new number past the team's counter
    # (so past ``upper``) and is left out here; none can come in: this reads no more than that.
    found = conn.execute(select(db.conflicts).where(*in_range, c.seq <= upper)
                         .order_by(c.seq)).all()
    out: list[str] = []
    items = total = 0
    for seq, group in groupby(found, key=attrgetter("seq")):
        texts = [conflict_info(x).model_dump_json() for x in group]
        raw = ",".join(texts).encode()
        items += answers.items_at_most(raw) + 1  # and the comma before it
        total += len(raw) + 1
        over = items > PULL_CONFLICT_ITEMS or total > PULL_CONFLICT_BYTES
        if over and (out or first_record < seq):
            return out, seq - 1
        out += texts
        if over:  # alone on its page (nothing before it): the page ends with it
            return out, seq
    return out, upper


@cache
def _sizes_query(dialect: str) -> Select[tuple[int, int]]:
    """The change numbers and sizes of a team's conflicts in (``since``, ``upper``], in order,
    ``count`` at most (bound parameters). Made once per dialect: built on every page, its ten
    terms cost 0.9 ms of a page's 75 on SQLite (SQLAlchemy's cache key is walked anew for each
    new statement object; for this one, once)."""
    c = db.conflicts.c
    first, *rest = (octets(dialect, c[name]) for name in _CONFLICT_VALUES)
    return (select(c.seq, sum(rest, first).label("size"))
            .where(c.team == bindparam("team"), c.seq > bindparam("since"),
                   c.seq <= bindparam("upper"))
            .order_by(c.seq).limit(bindparam("count")))


def _end_by_size(sizes: Any, upper: int, first_record: int) -> int | None:
    """The end of a page's conflicts by their stored sizes (rows of ``seq`` and the bytes of the
    columns sent, in ``seq`` order, :data:`PULL_CONFLICTS_MAX` + 1 at most): the number before
    the first conflict that takes them past :data:`PULL_CONFLICT_BYTES` (each with
    :data:`CONFLICT_KEYS_BYTES`) or past the count, or that conflict's when it goes alone
    (nothing before it, :func:`_conflicts`); ``upper`` when all fit, None when there are none.
    The three values are stored as the JSON they are sent as
    (:func:`kimdesk.server.common.canonical_json`: its keys sorted, ``json.dumps`` writes them as
    pydantic does but for the odd float, ``1e-05`` for ``1e-5``), so this ends the page where
    the exact count in :func:`_conflicts` does; should it end it a little later, that count
    cuts again (as where the items' budget binds first), a little earlier, the next page takes
    the rest.

    The rows are taken one by one and no further than the budget: SQLite steps its query as
    they are, and measures a value only by reading it (PostgreSQL reads the sizes from the
    values' headers, and sends these small rows at once)."""
    total = count = 0
    first = -1
    try:
        for seq, nbytes in sizes:
            count += 1
            if count > PULL_CONFLICTS_MAX:
                # the last number read may have more conflicts past the LIMIT: the page ends
                # before it, unless all are of one number, first on the page (see
                # :func:`_conflicts`: never), which is read whole and alone
                return seq - 1 if first < seq or first_record < seq else seq
            if first < 0:
                first = seq
            total += int(nbytes) + CONFLICT_KEYS_BYTES
            if total > PULL_CONFLICT_BYTES:
                return seq - 1 if first < seq or first_record < seq else seq
    finally:
        sizes.close()
    return upper if count else None


def team_state(engine: Engine, device: Device, *, digest: bool = True) -> TeamState:
    """The team's divergence state: count and digest of its records' ``kind/id/rev`` lines,
    read as plain rows from the driver's own cursor (SQLAlchemy's row objects doubled the time
    at 20k records, its per-row fetch added a third); without ``digest`` count and change
    number only, from the team's index.

    The change number is read in the same statement as the records: under PostgreSQL's READ
    COMMITTED every statement sees its own snapshot, and a push committing between two of them
    was counted without its number, which sent the device into a needless full resync."""
    with db.reading(engine) as conn:
        mark = placeholder(conn)
        head_sql = f"(SELECT change_seq FROM {db.teams.name} WHERE name = {mark})"
        if not digest:
            head, count = conn.exec_driver_sql(
                f"SELECT {head_sql}, (SELECT count(*) FROM {db.records.name}"
                f" WHERE team = {mark})", (device.team, device.team)).one()
            return TeamState(count=int(count or 0), digest="", seq=int(head or 0))
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(f"SELECT kind, id, rev, {head_sql} FROM {db.records.name}"
                           f" WHERE team = {mark}", (device.team, device.team))
            rows = cursor.fetchall()
        finally:
            cursor.close()
        head = rows[0][3] if rows else conn.execute(
            select(db.teams.c.change_seq).where(db.teams.c.name == device.team)).scalar()
    lines = [f"{k}/{i}/{v}" for k, i, v, _ in rows]
    return TeamState(count=len(lines), digest=state_digest(lines), seq=int(head or 0))


def conflict_history(engine: Engine, team: str) -> list[ConflictInfo]:
    """Every conflict the team ever had, open and resolved."""
    with db.reading(engine) as conn:
        rows = conn.execute(select(db.conflicts).where(db.conflicts.c.team == team)).all()
    return [conflict_info(x) for x in rows]


def conflict_info(row: Any) -> ConflictInfo:
    """A stored conflict row as the protocol's ``ConflictInfo``."""
    return ConflictInfo(
        id=row.id, kind=row.kind, record_id=row.record_id, field=row.field,
        base=json.loads(row.base), theirs=json.loads(row.theirs), mine=json.loads(row.mine),
        device_id=row.device_id, status=row.status, created_at=row.created_at,
    )
