"""Löschfristen on the server: the same rule as on the devices, applied to the team copies.

The rule is :mod:`kimdesk.domain.retention`; the policy per municipality is the reference data
the server publishes to its devices (kind ``retention_policy``, key = municipality or ``*``;
``kimdesk server publish``), so server and devices decide alike. The server runs it at start and
once a day (:class:`DailyRetention`) and on ``kimdesk server retention plan|apply``. The same
run empties the stored push receipts older than the days the server keeps them
(:mod:`kimdesk.server.receipts`).

Applying writes, per due case, a deletion record into the team's records (numbered like a push,
so every device pulls it and purges its own copy) and purges the case on the server
(:mod:`kimdesk.server.purge`), one transaction per case: a crash leaves each case whole or gone.
A case a device still holds under a legal hold is held here too (the hold is a field of the case
record).
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine

from kimdesk.domain.models import Deletion, deletion_id
from kimdesk.domain.retention import Action, CaseFacts, RetentionPolicy, Verdict, plan
from kimdesk.server import audit_trail, db, purge, receipts
from kimdesk.server.common import now_iso
from kimdesk.server.store import (
    RECORD_COLUMNS,
    ensure_team,
    insert_rows,
    placeholder,
    reserve_numbers,
)

POLICY_KIND = "retention_policy"
SERVER = "kimdesk server (Löschfrist)"
log = logging.getLogger(__name__)


@dataclass
class ServerResult:
    deleted_cases: int = 0
    deleted_persons: int = 0
    held: int = 0
    #: stored push receipts emptied (:func:`kimdesk.server.receipts.empty_old`)
    receipts_emptied: int = 0


def policies(conn: Connection, team: str) -> dict[str, RetentionPolicy]:
    """Published policies for ``team``: those for every team, overridden by the team's own."""
    m = placeholder(conn)
    rows = conn.exec_driver_sql(
        f"SELECT key, team, data FROM {db.reference.name} WHERE kind = {m}"
        f" AND deleted = {m} AND team IN ({m}, {m}) ORDER BY team, key",
        (POLICY_KIND, False, "", team)).all()
    found: dict[str, RetentionPolicy] = {}
    for key, _team, data in rows:
        try:
            found[key] = RetentionPolicy.model_validate(json.loads(data) | {"municipality": key})
        except (ValueError, TypeError):
            log.warning("retention policy %s is not valid; the default applies", key)
    return found


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def case_facts(conn: Connection) -> dict[str, list[CaseFacts]]:
    """Every case of every team (tombstones included), with its last contact, by team."""
    m = placeholder(conn)
    last: dict[str, date] = {}
    for kind, field in (("consultations", "date"), ("phase_transitions", "at")):
        rows = conn.exec_driver_sql(
            f"SELECT {purge.record_field(conn, 'case_id')}, max({purge.json_field(conn, field)})"
            f" FROM {db.records.name} WHERE kind = {m} AND deleted = {m}"
            f" GROUP BY {purge.record_field(conn, 'case_id')}", (kind, False))
        for case_id, day in rows:
            parsed = _day(day)
            if parsed is not None and (case_id not in last or parsed > last[case_id]):
                last[case_id] = parsed
    teams: dict[str, list[CaseFacts]] = {}
    for team, rid, data in conn.exec_driver_sql(  # tombstones too: they keep every field
            f"SELECT team, id, data FROM {db.records.name} WHERE kind = {m}", ("cases",)):
        case = json.loads(data)
        opened = _day(case.get("opened_on"))
        if opened is None:
            continue
        teams.setdefault(team, []).append(CaseFacts(
            case_id=rid, case_number=case.get("case_number", ""),
            person_id=case.get("person_id", ""), municipality=case.get("municipality", ""),
            opened_on=opened, closed_on=_day(case.get("closed_on")),
            last_contact=last.get(rid), legal_hold=case.get("legal_hold", "") or ""))
    return teams


def server_plan(engine: Engine, today: date) -> dict[str, list[Verdict]]:
    """The due cases of every team."""
    with engine.connect() as conn:
        facts = case_facts(conn)
        return {team: plan(cases, policies(conn, team), today)
                for team, cases in facts.items()}


#: Who the audit trail names for the daily run (``kimdesk server retention apply`` names the
#: administrator's account instead).
DAILY_RUN = (audit_trail.Actor.SYSTEM, "retention")


def apply(engine: Engine, today: date, receipt_days: int = receipts.RECEIPT_DAYS, *,
          actor: tuple[audit_trail.Actor, str] = DAILY_RUN) -> ServerResult:
    """Delete every due case without a legal hold (one transaction per case, with its audit
    row: the ids that went), then empty the stored push receipts older than
    ``receipt_days``."""
    result = ServerResult()
    for team, verdicts in server_plan(engine, today).items():
        for verdict in verdicts:
            if verdict.action is Action.HOLD:
                result.held += 1
                continue
            with engine.begin() as conn:
                targets = [("cases", verdict.case_id)]
                if verdict.person_goes:
                    targets.append(("persons", verdict.person_id))
                gone: dict[str, list[str]] = {}
                for kind, target in targets:
                    for k, i in _delete(conn, team, kind, target, verdict, today):
                        gone.setdefault(k, []).append(i)
                audit_trail.append(conn, *actor, audit_trail.Action.PURGE, team, gone,
                                   {"reason": "retention",
                                    "records": sum(len(v) for v in gone.values())})
                result.deleted_cases += 1
                result.deleted_persons += int(verdict.person_goes)
    result.receipts_emptied = receipts.empty_old(engine, today, receipt_days, actor=actor)
    # every day, not only after deletions: a purge whose log could not be emptied then (a
    # reader held an old snapshot) leaves no old pages behind for longer than a day; the
    # receipts just emptied neither
    purge.flush_freed_pages(engine)
    if result.deleted_cases or result.receipts_emptied:
        _vacuum(engine)
    return result


def _delete(conn: Connection, team: str, kind: str, target: str, verdict: Verdict,
            today: date) -> list[tuple[str, str]]:
    """Write the deletion record (as a team record, numbered like a push) and purge; the kinds
    and ids that went."""
    rid = deletion_id(kind, target)
    m = placeholder(conn)
    ensure_team(conn, team)
    seq = reserve_numbers(conn, team, "change_seq", 1)
    stamp = now_iso()
    exists = conn.exec_driver_sql(
        f"SELECT 1 FROM {db.records.name} WHERE kind = {m} AND id = {m}",
        ("deletions", rid)).first()
    if exists is None:
        record = Deletion(id=rid, target_kind=kind, target_id=target, deleted_on=today,
                          legal_basis=verdict.legal_basis, ordered_by=SERVER, reason="retention",
                          created_at=stamp, updated_at=stamp)
        data = record.model_dump(mode="json", exclude={"revision", "pending"})
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        insert_rows(conn, db.records, RECORD_COLUMNS,  # no history: nothing superseded
                    [("deletions", rid, team, 1, seq, False, text, data["updated_at"], "", "",
                      stamp)])
    return purge.purge(conn, team, kind, target, rid, stamp)


def _vacuum(engine: Engine) -> None:
    """PostgreSQL: let VACUUM reclaim the purged row versions (docs/privacy.md). Outside a
    transaction; best effort (another process may hold locks)."""
    if engine.dialect.name != "postgresql":
        return
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in (db.records.name, db.history.name, db.conflicts.name,
                          db.batches.name):
                conn.exec_driver_sql(f"VACUUM {table}")
    except Exception as exc:
        log.warning("VACUUM after the retention run failed: %s", type(exc).__name__)


class DailyRetention:
    """Runs :func:`apply` at start and then once a day, in a thread of the server process.

    Several server processes on one database may all run it: deletion ids are derived from the
    target and a purged case is simply gone for the next one, so a second run finds nothing.

    A run that fails is tried again after ``retry_s`` (5 minutes), not a day later, and the log
    names the fault (a database outage by its code, :func:`kimdesk.server.outage.diagnosis`;
    anything else by its type, never its text). Before (an administrator's review, 2026-12-06),
    a database that was down for a moment at the run's hour postponed every due deletion by a
    day, and the log said only ``Löschfrist run failed: OperationalError``."""

    def __init__(self, engine: Engine, interval_s: float = 86_400.0,
                 retry_s: float = 300.0, receipt_days: int = receipts.RECEIPT_DAYS) -> None:
        self.engine = engine
        self.receipt_days = receipt_days
        self.interval_s = interval_s
        self.retry_s = retry_s
        self.runs = 0  # runs that ended, either way (the tests count them)
        self.failures = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="kimdesk-retention",
                                        daemon=True)

    def start(self) -> DailyRetention:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def _log_head(self) -> None:
        """Seal the audit trail and log its head (IT's journal, another system): the seal row
        names every team chain's newest row, and the logged hash of the seal finds rows cut off
        or rewritten since (``kimdesk server audit verify --head HASH``), which the chains alone
        cannot show (:mod:`kimdesk.server.audit_trail`). A number and a hash: no content."""
        with self.engine.begin() as conn:
            audit_trail.seal(conn)
        with db.reading(self.engine) as conn:
            rows, digest = audit_trail.head(conn)
        log.warning("audit trail head: %d rows, hash %s", rows, digest)

    def _loop(self) -> None:
        while not self._stop.is_set():
            wait = self.interval_s
            try:
                result = apply(self.engine, date.today(), self.receipt_days)
                if result.deleted_cases:
                    log.warning("Löschfrist: %d cases deleted", result.deleted_cases)
                if result.receipts_emptied:
                    log.warning("stored push receipts emptied (older than %d days): %d",
                                self.receipt_days, result.receipts_emptied)
                self._log_head()
            except Exception as exc:
                from kimdesk.server.outage import diagnosis

                self.failures += 1
                wait = min(self.retry_s, self.interval_s)
                log.error("Löschfrist run failed: %s; tried again in %d s",
                          diagnosis(exc) or type(exc).__name__, wait)
            self.runs += 1
            self._stop.wait(wait)
