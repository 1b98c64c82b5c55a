"""A chain per team in the server's audit trail (revision 0008, kimdesk/server/audit_trail.py).

- On PostgreSQL one team's open transaction holding its chain's lock does not hold another
  team's append: before, one lock for the whole trail made every push and pull page of every
  team wait for each other's commits (docs/deployment.md, "The audit trail"). The lock is
  still there for the team's own chain.
- Rows written before revision 0008 stay the one chain they were and still verify; the daily
  seal names their newest row, so cutting it off is found too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, OperationalError

from kimdesk.domain.auditchain import GENESIS, event_hash
from kimdesk.server import audit_trail
from kimdesk.server.db import make_engine
from tests.sync.helpers import migrate_to

A = audit_trail


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


def _append(conn: object, team: str) -> str:
    return A.append(conn, A.Actor.ADMIN, "it", A.Action.ENROLL_CODE, team)  # type: ignore[arg-type]


@pytest.mark.postgres
def test_teams_append_side_by_side_and_a_team_waits_for_itself(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time anyway")
    with engine.connect() as conn:
        migrate_to(conn, "head")
    with engine.connect() as nord:
        nord.begin()
        _append(nord, "Team Nord")  # its lock held until the commit below
        with engine.connect() as sued:
            # a bound for a hang, not a measurement: before revision 0008 this waited for
            # Team Nord's commit and failed here
            sued.exec_driver_sql("SET lock_timeout = '10s'")
            _append(sued, "Team Süd")
            sued.commit()
        with engine.connect() as nord_again:
            nord_again.exec_driver_sql("SET lock_timeout = '200ms'")
            with pytest.raises(OperationalError, match="lock timeout"):
                _append(nord_again, "Team Nord")
            nord_again.rollback()
        nord.commit()
    with engine.connect() as conn:
        _append(conn, "Team Nord")
        conn.commit()
        rows = conn.execute(text("SELECT team, n FROM audit_trail ORDER BY seq")).all()
        assert [tuple(r) for r in rows] == [("Team Nord", 1), ("Team Süd", 1), ("Team Nord", 2)]
        assert A.verify(conn).broken is None


def _legacy_row(conn: object, seq: int, prev: str, team: str) -> str:
    """A row as the code of revisions 0006-0007 wrote it: one chain, numbered by ``seq``."""
    content = {"seq": str(seq), "at": f"2026-12-06T10:00:0{seq}+00:00", "actor_kind": "admin",
               "actor_id": "it", "action": "enroll_code", "team": team, "subjects": "{}",
               "detail": "{}"}
    digest = event_hash(prev, content)
    conn.execute(text(  # type: ignore[attr-defined]
        "INSERT INTO audit_trail (seq, at, actor_kind, actor_id, action, team, subjects, detail,"
        " prev_hash, hash) VALUES (:seq, :at, :actor_kind, :actor_id, :action, :team,"
        " :subjects, :detail, :prev, :hash)"), content | {"seq": seq, "prev": prev,
                                                        "hash": digest})
    return digest


def test_rows_from_before_the_team_chains_verify_and_are_sealed(engine: Engine) -> None:
    with engine.connect() as conn:
        migrate_to(conn, "0007")
        prev = GENESIS
        for seq, team in enumerate(("Team Nord", "Team Süd", "Team Nord"), start=1):
            prev = _legacy_row(conn, seq, prev, team)
        conn.commit()
        migrate_to(conn, "head")
        _append(conn, "Team Süd")
        _append(conn, "Team Nord")
        sealed = A.seal(conn)
        conn.commit()
        rows = conn.execute(text("SELECT seq, n, team, action, detail FROM audit_trail"
                                 " ORDER BY seq")).all()
        # the new rows follow the old ones, each team's chain from 1
        assert [(r.seq, r.n, r.team) for r in rows] == [
            (1, None, "Team Nord"), (2, None, "Team Süd"), (3, None, "Team Nord"),
            (4, 1, "Team Süd"), (5, 1, "Team Nord"), (6, 1, "")]
        detail = json.loads(rows[-1].detail)
        assert detail["before"] == [3, prev]
        assert [c[:2] for c in detail["chains"]] == [["Team Nord", 1], ["Team Süd", 1]]
        result = A.verify(conn, head=sealed)
        assert (result.rows, result.head, result.broken) == (6, sealed, None)
        assert A.head(conn) == (6, sealed)
        # the old chain's newest row cut off: a valid chain still, the seal finds it
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("ALTER TABLE audit_trail DISABLE TRIGGER USER")
        else:
            conn.exec_driver_sql("DROP TRIGGER audit_trail_no_delete")
        conn.exec_driver_sql("DELETE FROM audit_trail WHERE seq = 3")
        conn.commit()
        assert A.verify(conn).broken == A.Break(6, "sealed")


def _old_release_append(conn: object, team: str) -> None:
    """``append`` as the release before revision 0008 (d3a4e32) wrote it, beside a newer
    process in a rolling restart: the next ``seq`` of the whole trail, linked to its newest row,
    ``n`` not set."""
    last = conn.execute(text(  # type: ignore[attr-defined]
        "SELECT seq, hash FROM audit_trail ORDER BY seq DESC LIMIT 1")).first()
    seq, prev = (int(last[0]) + 1, str(last[1])) if last else (1, GENESIS)
    _legacy_row(conn, seq, prev, team)


def test_a_process_of_the_release_before_cannot_break_the_trail(engine: Engine) -> None:
    # before revision 0009 its row was stored, and verify reported "rows before it were
    # deleted" for ever (append-only: no repair), and on PostgreSQL the newer process's next
    # row met its seq and failed
    with engine.connect() as conn:
        migrate_to(conn, "head")
        _append(conn, "Team Nord")
        _append(conn, "Team Süd")
        conn.commit()
        with pytest.raises(DBAPIError, match="without its chain number"):
            _old_release_append(conn, "Team Nord")  # its push fails: the device sends it again
        conn.rollback()
        _append(conn, "Team Nord")
        conn.commit()
        rows = conn.execute(text("SELECT team, n FROM audit_trail ORDER BY seq")).all()
        assert [tuple(r) for r in rows] == [("Team Nord", 1), ("Team Süd", 1), ("Team Nord", 2)]
        assert A.verify(conn).broken is None


def test_going_back_to_the_release_before_and_up_again_keeps_the_trail_verifiable(
        engine: Engine) -> None:
    # before: the downgrade dropped ``n``, and once up again every team chain's row was
    # "changed after it was written" (Break altered at the first of them), for ever; the rows
    # the earlier release wrote meanwhile, linked to the newest row of the trail, "missing"
    with engine.connect() as conn:
        migrate_to(conn, "0007")
        _old_release_append(conn, "Team Nord")
        conn.commit()
        migrate_to(conn, "head")
        _append(conn, "Team Nord")
        _append(conn, "Team Süd")
        sealed = A.seal(conn)
        conn.commit()
        migrate_to(conn, "0007", down=True)  # docs/deployment.md, "Going back ..."
        for team in ("Team Süd", "Team Nord"):  # the earlier release at work
            _old_release_append(conn, team)
        conn.commit()
        migrate_to(conn, "head")
        _append(conn, "Team Nord")
        resealed = A.seal(conn)
        conn.commit()
        rows = conn.execute(text("SELECT seq, n, team FROM audit_trail ORDER BY seq")).all()
        assert [(r.n, r.team) for r in rows] == [
            (None, "Team Nord"), (1, "Team Nord"), (1, "Team Süd"), (1, ""),
            (None, "Team Süd"), (None, "Team Nord"), (2, "Team Nord"), (2, "")]
        assert A.verify(conn, head=sealed) == A.Verified(8, resealed, None)
        # an earlier release's row deleted between them is still found
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("ALTER TABLE audit_trail DISABLE TRIGGER USER")
        else:
            conn.exec_driver_sql("DROP TRIGGER audit_trail_no_delete")
        conn.exec_driver_sql(f"DELETE FROM audit_trail WHERE seq = {rows[4].seq}")
        conn.commit()
        assert A.verify(conn).broken == A.Break(rows[5].seq, "missing")
