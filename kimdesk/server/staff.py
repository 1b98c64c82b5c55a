"""The people behind devices: ``staff`` rows (revision 0011) and the rules for them.

docs/planned.md, "A person behind a device": need-to-know, the audit trail's actor and the
console all need a stable id for a counselor, which a free-text ``owner`` is not. A staff
member has a random UUID, one team, a display name and an ``active`` flag. An enrollment code
may be issued for one of them (:func:`kimdesk.server.devices.create_enroll_code`); the device
it enrolls is theirs (``devices.staff_id``), and the audit rows of its pushes and pulls name
the staff id.

The display name is personal data of an employee: it is stored here and shown by ``kimdesk
server staff list`` and ``devices`` only. Audit rows, log lines and messages name the id.

Deactivating a staff member (they left, or moved to another team) revokes every device of
theirs that is not revoked yet, with :func:`kimdesk.server.devices.revoke_in`, in the same
transaction: each is wiped at its next contact, as after ``kimdesk server revoke``. A staff
member is never deleted: audit rows name the id for as long as the trail is kept.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, update

from kimdesk.errors import KimdeskError
from kimdesk.i18n import N_
from kimdesk.server import audit_trail, db
from kimdesk.server.common import now_iso
from kimdesk.server.store import ensure_team

#: The longest display name (the column's width).
NAME_CHARS = 200
#: Bidirectional embeddings, overrides and isolates: in a name they reorder what follows on the
#: line of ``staff list`` or ``devices`` (U+202E showed another id than the one stored; a review,
#: 2026-12-07). The joiners Persian names need (U+200C, U+200D) stay allowed.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class StaffRefused(KimdeskError):
    """An administrator's staff command or code that cannot be done: one translated line,
    exit code 2 (like a usage error); nothing was changed."""

    exit_code = 2


def staff_id(text: str) -> str:
    """A staff id as typed (any case, with or without hyphens, blanks around it) in its stored
    form, else :class:`StaffRefused`."""
    try:
        return str(uuid.UUID(text.strip()))
    except (ValueError, AttributeError):
        raise StaffRefused(N_("Not a staff id: {id}. Staff ids are listed by \"kimdesk server "
                              "staff list\"."), id=text) from None


def display_name(text: str) -> str:
    """A display name as given, without blanks around it; refused when empty, too long or
    holding a control character (a line break would split the listing's line)."""
    name = text.strip()
    if not name:
        raise StaffRefused(N_("A staff member's name must not be empty."))
    if len(name) > NAME_CHARS:
        raise StaffRefused(N_("A staff member's name has at most {n} characters."),
                           n=NAME_CHARS)
    if any(ord(ch) < 32 or 127 <= ord(ch) < 160 or ch in BIDI_CONTROLS for ch in name):
        raise StaffRefused(N_("A staff member's name must not contain line breaks or other "
                              "control characters."))
    return name


def team_name(text: str) -> str:
    """A team's name as given, without blanks around it; refused when empty, longer than the
    column (``teams.name``, :data:`NAME_CHARS`) or holding a control character. PostgreSQL
    answered a longer one with a traceback of its SQL (``staff add`` and ``enroll-code``);
    SQLite stored it whole (a review, 2026-12-07)."""
    team = text.strip()
    if not team:
        raise StaffRefused(N_("A team's name must not be empty."))
    if len(team) > NAME_CHARS or any(ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in team):
        raise StaffRefused(N_("A team's name has at most {n} characters and no line breaks "
                              "or other control characters."), n=NAME_CHARS)
    return team


def add(engine: Engine, team: str, name: str, *, actor: str | None = None) -> str:
    """A new active staff member of ``team`` (created if new, as ``enroll-code`` does); the
    new id. The audit row names the id only."""
    team, name = team_name(team), display_name(name)
    new = str(uuid.uuid4())
    with engine.begin() as conn:
        ensure_team(conn, team)
        conn.execute(insert(db.staff).values(id=new, team=team, display_name=name, active=True,
                                             created_at=now_iso()))
        audit_trail.append(conn, audit_trail.Actor.ADMIN, actor or audit_trail.admin(),
                           audit_trail.Action.STAFF_ADD, team, {"staff": [new]})
    return new


def listing(engine: Engine, team: str | None = None) -> list[dict[str, Any]]:
    """Every staff member (of ``team``), by team and name: id, team, display name, active,
    created, and how many of their devices are not revoked."""
    s, d = db.staff.c, db.devices.c
    devices = (select(d.staff_id, func.count().label("n")).where(d.revoked_at.is_(None))
               .group_by(d.staff_id).subquery())
    query = (select(s.id, s.team, s.display_name, s.active, s.created_at,
                    func.coalesce(devices.c.n, 0).label("devices"))
             .select_from(db.staff.outerjoin(devices, devices.c.staff_id == s.id))
             .order_by(s.team, s.display_name, s.id))
    if team is not None:
        query = query.where(s.team == team.strip())
    with db.reading(engine) as conn:
        rows = conn.execute(query).all()
    return [dict(r._mapping) | {"active": bool(r.active), "devices": int(r.devices)}
            for r in rows]


def deactivate(engine: Engine, member: str, *, actor: str | None = None
               ) -> tuple[str, list[str]]:
    """Mark the staff member inactive and revoke each of their devices not revoked yet (each
    wiped at its next contact); their team and the ids of the devices revoked. An unknown or
    already inactive staff member is refused."""
    from kimdesk.server.devices import revoke_in

    member = staff_id(member)
    who = actor or audit_trail.admin()
    s, d = db.staff.c, db.devices.c
    with engine.begin() as conn:
        # the row's lock first: an enrollment with their code waits for it, then finds them
        # inactive (it reads the row FOR UPDATE, :func:`still_active`)
        changed = conn.execute(update(db.staff).where(s.id == member, s.active.is_(True))
                               .values(active=False))
        if not changed.rowcount:
            _known(conn, member)
            raise StaffRefused(N_("Staff member {id} is already inactive."), id=member)
        team = str(conn.execute(select(s.team).where(s.id == member)).scalar_one())
        held = [str(i) for (i,) in conn.execute(
            select(d.id).where(d.staff_id == member, d.revoked_at.is_(None)).order_by(d.id))]
        revoked = [i for i in held if revoke_in(conn, i, actor=who)]
        audit_trail.append(conn, audit_trail.Actor.ADMIN, who,
                           audit_trail.Action.STAFF_DEACTIVATE, team,
                           {"staff": [member], "devices": revoked})
    return team, revoked


def _known(conn: Connection, member: str) -> str:
    """The staff member's team, else :class:`StaffRefused` naming the id."""
    team = conn.execute(select(db.staff.c.team).where(db.staff.c.id == member)).scalar()
    if team is None:
        raise StaffRefused(N_("No staff member {id} on this server. Staff ids are listed by "
                              "\"kimdesk server staff list\"."), id=member)
    return str(team)


def known(conn: Connection, member: str, team: str | None = None) -> str:
    """The staff member's id as stored, when it is a staff member of this server (active or
    not: the trail of a member who left is still read) and, with ``team``, of that team; else
    :class:`StaffRefused` in one line. ``kimdesk server audit --staff``: a mistyped id listed
    no row, which reads as "their devices did nothing"."""
    member = staff_id(member)
    their_team = _known(conn, member)
    if team is not None and their_team != team:
        raise StaffRefused(N_("Staff member {id} belongs to team {their_team}, not to {team}."),
                           id=member, their_team=their_team, team=team)
    return member


def usable(conn: Connection, member: str, team: str) -> str:
    """The staff member's id as stored, when a code may be made for them for ``team``: known,
    active and of that team; else :class:`StaffRefused` in one line."""
    member = staff_id(member)
    their_team = _known(conn, member)
    if their_team != team.strip():
        raise StaffRefused(N_("Staff member {id} belongs to team {their_team}, not to {team}: "
                              "no code made."), id=member, their_team=their_team,
                           team=team.strip())
    if not still_active(conn, member):
        raise StaffRefused(N_("Staff member {id} is inactive: no code made."), id=member)
    return member


def still_active(conn: Connection, member: str) -> bool:
    """Whether the staff member is active, read under the row's lock on PostgreSQL (an
    enrollment beside a deactivation: one of them waits, so no device is enrolled for a
    staff member whose devices were just revoked)."""
    query = select(db.staff.c.active).where(db.staff.c.id == member)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return bool(conn.execute(query).scalar())
