"""The counselor's agenda: next appointments and reviews due, by day or week (issue 18).

An appointment is the next appointment set on a case (``cases.next_appointment_*``, schema step
9): one per case, because the counselor plans the next meeting and records what happened as a
consultation. A review is a case's *Überprüfung* date (``cases.review_on``) on an open case; the
agenda lists it as a reminder on its day, and :func:`due_today` also counts the reviews that are
overdue (a missed review stays due until the counselor moves the date).

The vault is the counselor's own (one file per counselor), so every case in it is theirs to
plan; no owner filter. Read-only queries on the vault's connection; the appointments of a range
come from the partial index ``cases_appointment``, the reviews from a scan of the cases (an index
on ``review_on`` slowed the case list's review filter; docs/vault.md has the numbers).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from kimdesk.domain.codes import Phase
from kimdesk.vault.summary import joined_name

if TYPE_CHECKING:
    from kimdesk.vault.vault import Vault

APPOINTMENT = "appointment"
REVIEW = "review"


@dataclass(frozen=True)
class AgendaEntry:
    """One line of the day or week view: an appointment or a review due, and its case."""

    kind: str  # APPOINTMENT or REVIEW
    day: date
    time: str  # "HH:MM", empty for a review or an appointment without a time
    place: str
    case_id: str
    case_number: str
    family_name: str
    given_name: str

    @property
    def display_name(self) -> str:
        return joined_name(self.family_name, self.given_name)


_SELECT = (
    "SELECT c.id, c.case_number, p.family_name, p.given_name, {day}, {time}, {place}"
    " FROM cases c JOIN persons p ON p.id = c.person_id"
)
_APPOINTMENTS = _SELECT.format(day="c.next_appointment_on", time="c.next_appointment_time",
                               place="c.next_appointment_place") + (
    " WHERE c.deleted = 0 AND c.next_appointment_on IS NOT NULL"
    " AND c.next_appointment_on BETWEEN ? AND ?")
_REVIEWS = _SELECT.format(day="c.review_on", time="''", place="''") + (
    " WHERE c.deleted = 0 AND c.review_on IS NOT NULL AND c.review_on BETWEEN ? AND ?"
    f" AND c.phase != '{Phase.ABSCHLUSS.value}'")


def agenda(vault: Vault, first: date, last: date) -> list[AgendaEntry]:
    """Appointments and reviews from ``first`` to ``last`` (both included), in the order of the
    day: by date, then appointments by time (those without a time after the timed ones), then
    reviews, then case number."""
    entries: list[AgendaEntry] = []
    bounds = (first.isoformat(), last.isoformat())
    for kind, sql in ((APPOINTMENT, _APPOINTMENTS), (REVIEW, _REVIEWS)):
        for row in vault.conn.execute(sql, bounds):
            entries.append(AgendaEntry(kind, date.fromisoformat(row[4]), row[5] or "",
                                       row[6] or "", row[0], row[1], row[2], row[3]))
    entries.sort(key=lambda e: (e.day, e.kind != APPOINTMENT, e.time or "99", e.case_number))
    return entries


def week_of(day: date) -> tuple[date, date]:
    """Monday and Sunday of the (ISO) week ``day`` lies in; in the calendar's last week (it
    ends on a Friday, 9999-12-31) Sunday is that Friday: ``appointments list --date 9999-12-31
    --week`` failed with an OverflowError (2026-12-07). The first day, 0001-01-01, is a Monday."""
    monday = day - timedelta(days=day.weekday())
    return monday, min(date.max - monday, timedelta(days=6)) + monday


@dataclass(frozen=True)
class DueToday:
    """What the unlock reminder names: today's appointments, reviews due today or overdue."""

    appointments: int
    reviews: int


def due_today(vault: Vault, today: date | None = None) -> DueToday:
    today = today or date.today()
    appointments = vault.conn.execute(
        "SELECT count(*) FROM cases WHERE deleted = 0 AND next_appointment_on = ?",
        (today.isoformat(),)).fetchone()[0]
    # ``deleted >= 0`` picks the index ``cases_review``, which holds every column of the count
    # (kimdesk/vault/migration_unlock.py): it read every case, 0.6-0.9 s at 200,000 cases after
    # every unlock and every save.
    reviews = vault.conn.execute(
        "SELECT count(*) FROM cases WHERE deleted >= 0 AND deleted = 0 AND review_on <= ?"
        f" AND phase != '{Phase.ABSCHLUSS.value}'",
        (today.isoformat(),)).fetchone()[0]
    return DueToday(int(appointments), int(reviews))


def set_next_appointment(vault: Vault, case_id: str, day: date | None, time: str = "",
                         place: str = "") -> None:
    """Set (or with ``day=None`` clear) a case's next appointment; validated by the model."""
    with vault.transaction():
        case = vault.cases.get(case_id)
        vault.cases.update(case.model_copy(update={
            "next_appointment_on": day, "next_appointment_time": time if day else "",
            "next_appointment_place": place if day else ""}))
