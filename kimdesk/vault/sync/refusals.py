"""Changes the server refused: per record, its latest refusal, kept until the record is clean.

A change the server cannot accept (a note over 64 KiB, a day outside 1900-2100, a note whose
case the server does not hold, another team's record: ``kimdesk/server/plausibility.py``) comes
back ``rejected`` with a reason in the receipt. The record stays pending and travels again with
every run; until 2026-12-07 the reason was dropped, and the counselor believed her work was on
the server. Now the device keeps, per refused record, the latest refusal: its kind and id, the
local revision sent, the server's reason as sent (cut to :data:`MAX_REASON` characters) and when
the receipt was filed. ``kimdesk sync`` prints them, the GUI's sync status shows them.

**Where.** In ``sync_state``, one row per record under ``refused:<kind>/<id>`` (the value a small
JSON object), not in a table of its own: ``sync_state`` is already the vault's generic store of
what this device knows about its server, encrypted with the rest of the vault, emptied with the
other sync tables when the vault leaves its server (whose refusals then mean nothing: every
record is pending again for the next one), and taken by a wipe. A table of its own would need a
schema step (``kimdesk/vault/migrations.py``) and a place in ``SYNC_TABLES``, for a handful of
rows in the usual case and none in most vaults. One row per record, not one JSON document: a
receipt that acknowledges a record deletes one key by the primary key, and a vault without
refusals pays one index probe per engine (:meth:`SyncRefusals.may_hold`) and nothing per receipt.

**When an entry goes.** When the server accepts the record (the receipt that acknowledges it),
when the record is purged (:mod:`kimdesk.vault.purge`) or deleted here (the tombstone is a new
change; a refusal of it is noted anew), and when a run ends with the record no longer pending
or gone (:meth:`SyncRefusals.prune`: a full resync that brought the server's version and made
the record clean, a restore). Reading never shows an entry whose record is gone or clean.

The reason is the server's text: today it names a field and a rule, a size or a day
(``birth_date 1850-01-01 lies outside ...``), never a name or a note; but it comes from the
network, so what may end up in a log (``kimdesk sync``'s lines) goes through
:func:`masked_reason`, which hides every text value of the record itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kimdesk.vault.repository import Repository
    from kimdesk.vault.vault import Vault

#: ``sync_state`` key prefix; keys are ``refused:<kind>/<id>``.
PREFIX = "refused:"
#: The first key after every ``refused:`` key (``;`` follows ``:``): a range scan of the
#: primary key, which ``LIKE`` would not use.
_END = "refused;"
#: A reason longer than this is cut: the server's own are at most 300 characters
#: (``kimdesk/server/push_plan.py``); a hostile one must not fill the vault.
MAX_REASON = 500
#: Control characters (a line break in a reason would forge a line of IT's log).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
#: A record's text values shorter than this are not looked for in a reason ("de", "no").
_MIN_MASKED = 3


@dataclass(frozen=True)
class Refusal:
    """One refused record: what the server said about its latest version sent."""

    kind: str
    record_id: str
    #: the local revision that was sent and refused
    revision: int
    #: the server's text, as sent (control characters made spaces, cut to MAX_REASON)
    reason: str
    #: when the receipt was filed (ISO, UTC)
    at: str
    #: the case the record belongs to (its own number for a case, a person's first case), ""
    #: for a record of no case
    case_number: str = ""
    #: whether the record was changed here since the refused version was sent
    changed_since: bool = False


def _key(kind: str, record_id: str) -> str:
    return f"{PREFIX}{kind}/{record_id}"


def one_line(text: str, limit: int) -> str:
    """``text`` as one line of at most ``limit`` characters: control characters and line and
    paragraph separators made spaces, the ends stripped."""
    return _CONTROL.sub(" ", text).strip()[:limit].strip()


def clean_reason(reason: str) -> str:
    """The reason as stored: control characters become one space, cut to :data:`MAX_REASON`."""
    return _CONTROL.sub(" ", reason).strip()[:MAX_REASON]


def _texts(value: Any) -> Iterator[str]:
    """Every text inside a record's JSON value (form answers nest lists and objects)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


def masked_reason(reason: str, data: dict[str, Any] | None) -> str:
    """``reason`` with every text value of the record (``data``, its JSON) of at least
    :data:`_MIN_MASKED` characters replaced by "…", longest first: a line that may end up in a
    log names no name, note or day of the record even if a server quotes one."""
    texts = sorted({t for t in _texts(data or {}) if len(t.strip()) >= _MIN_MASKED},
                   key=len, reverse=True)
    for text in texts:
        reason = reason.replace(text.strip(), "…")
    return reason


class SyncRefusals:
    """The refusals kept in ``sync_state``. Writes join the caller's transaction."""

    def __init__(self, vault: Vault, repos: dict[str, Repository[Any]]) -> None:
        self._vault = vault
        self._repos = repos
        #: whether refusals may be kept: read once, then followed by this object's own writes
        #: (:meth:`may_hold`)
        self._maybe: bool | None = None

    def any(self) -> bool:
        """Whether any refusal is kept (one probe of the primary key)."""
        return self._vault.conn.execute(
            "SELECT 1 FROM sync_state WHERE key >= ? AND key < ? LIMIT 1", (PREFIX, _END)
        ).fetchone() is not None

    def may_hold(self) -> bool:
        """Whether a receipt must look for refusals to drop: asked of the vault once (the
        first receipt of this engine), then known from this object's own notes and prunes. A
        receipt reads nothing else (``tests/sync/test_delivery.py``), and a run's end, in a
        vault that keeps none, neither reads nor opens a transaction. Only receipts add
        refusals, and an engine files its own (each engine has its sync store: the GUI makes a
        new one for every unlock and enrolment, the CLI one per run); one that a purge or a
        deletion removed on another connection costs a ``DELETE`` that finds nothing."""
        if self._maybe is None:
            self._maybe = self.any()
        return self._maybe

    def note(self, refused: Iterable[tuple[str, str, int, str]], at: str) -> None:
        """Keep ``(kind, id, revision sent, reason)`` as each record's latest refusal."""
        refused = list(refused)
        if not refused:
            return
        self._maybe = True
        self._vault.conn.executemany(
            "INSERT INTO sync_state (key, value) VALUES (?, ?)"
            " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [(_key(kind, rid), json.dumps({"rev": rev, "reason": clean_reason(reason),
                                           "at": at}, ensure_ascii=False))
             for kind, rid, rev, reason in refused])

    def forget(self, keys: Iterable[tuple[str, str]]) -> int:
        """Drop the refusals of these records (accepted, purged, deleted); how many went."""
        return forget(self._vault, keys)

    def stored(self) -> list[Refusal]:
        """Every kept refusal as stored, whether its record is still pending or not."""
        out: list[Refusal] = []
        for key, value in self._vault.conn.execute(
                "SELECT key, value FROM sync_state WHERE key >= ? AND key < ? ORDER BY key",
                (PREFIX, _END)):
            kind, _, rid = str(key)[len(PREFIX):].partition("/")
            try:
                entry = json.loads(value)
                out.append(Refusal(kind, rid, int(entry.get("rev", 0)),
                                   str(entry.get("reason", "")), str(entry.get("at", ""))))
            except (ValueError, TypeError, AttributeError):
                out.append(Refusal(kind, rid, 0, "", ""))  # unreadable: shown, never lost
        return out

    def listed(self) -> list[Refusal]:
        """The refusals of records still here and pending, each with its case number and
        whether it was changed since; by case number, then kind. No audit event: the case
        number is read as the sync tables read every record."""
        out: list[Refusal] = []
        if not self.may_hold():
            return out
        for entry in self.stored():
            row = self._row(entry.kind, entry.record_id)
            if row is None or not row.get("pending"):
                continue
            out.append(Refusal(entry.kind, entry.record_id, entry.revision, entry.reason,
                               entry.at, self._case_number(entry.kind, row),
                               int(row.get("revision") or 0) != entry.revision))
        return sorted(out, key=lambda r: (r.case_number or "\uffff", r.kind, r.at))

    def record_data(self, kind: str, record_id: str) -> dict[str, Any] | None:
        """The record's stored values (for :func:`masked_reason`), None when it is not here."""
        return self._row(kind, record_id)

    def prune(self) -> int:
        """After a run: drop the refusals of records gone or no longer pending (a full resync
        made them clean, a purge on another path). How many went."""
        if not self.any():
            self._maybe = False
            return 0
        stored = self.stored()
        stale = [(r.kind, r.record_id) for r in stored
                 if not (row := self._row(r.kind, r.record_id)) or not row.get("pending")]
        self._maybe = len(stale) < len(stored)
        return self.forget(stale)

    # -- reading the records -------------------------------------------------------------------
    def _row(self, kind: str, record_id: str) -> dict[str, Any] | None:
        """The record's row as JSON (with ``pending`` and ``revision``); None when it is not
        here or ``kind`` is no record table."""
        repo = self._repos.get(kind)
        if repo is None:
            return None
        row = self._vault.conn.execute(f"{repo.select_sql} WHERE id = ?",
                                       (record_id,)).fetchone()
        return repo.row_as_json(row) if row is not None else None

    def _case_number(self, kind: str, data: dict[str, Any]) -> str:
        """The case the record belongs to: its own number for a case, its case's for what
        hangs on one, and for a person (or a consent of no case) the first of the person's
        cases, as the counselor finds her by it; "" for a record of no case (an agency)."""
        if kind == "cases":
            return str(data.get("case_number") or "")
        case_id = data.get("case_id")
        if isinstance(case_id, str) and case_id:
            row = self._vault.conn.execute("SELECT case_number FROM cases WHERE id = ?",
                                           (case_id,)).fetchone()
            return str(row[0]) if row else ""
        person_id = data.get("id") if kind == "persons" else data.get("person_id")
        if not isinstance(person_id, str) or not person_id:
            return ""
        row = self._vault.conn.execute(
            "SELECT case_number FROM cases WHERE person_id = ? ORDER BY opened_on, case_number"
            " LIMIT 1", (person_id,)).fetchone()
        return str(row[0]) if row else ""


def forget(vault: Vault, keys: Iterable[tuple[str, str]]) -> int:
    """Drop the refusals of these ``(kind, id)`` records, inside the caller's transaction (the
    purge's, a tombstone's, a receipt's). How many went."""
    rows = [(_key(kind, rid),) for kind, rid in keys]
    if not rows:
        return 0
    return int(vault.conn.executemany("DELETE FROM sync_state WHERE key = ?", rows).rowcount)
