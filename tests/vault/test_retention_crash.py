"""``kimdesk retention apply`` killed with SIGKILL in the middle of a case's purge, 20 times:
every case stays whole or goes whole with its deletion record, and the next apply finishes.

The kill point is counted, not timed: tests/vault/retention_crash_apply.py runs the real CLI
and stops inside the (k+1)-th case's transaction (after its deletes ran) or right after the k-th
case's commit, reports that on stdout and waits to be killed."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from kimdesk.domain.retention import Action, add_months
from kimdesk.vault import Vault
from kimdesk.vault.purge import CASE_TABLES, merge_search_if_due
from kimdesk.vault.retention import retention_plan, set_legal_hold
from tests.conftest import PASSPHRASE

HELPER = Path(__file__).with_name("retention_crash_apply.py")
ENV = {**os.environ, "KIMDESK_LANG": "en", "KIMDESK_PASSPHRASE": PASSPHRASE}
TODAY = add_months(date.today(), 120)  # every closed case is due
#: Where the helper waits: inside the transaction after a step of purge_cases, or "after" the
#: k-th commit (between two cases' transactions).
WHERE = ("_detach_gaps", "_forget_sync_traces", "_deletion", "after")
PARTS = (*CASE_TABLES, "structural_gaps")
Parts = dict[str, dict[str, frozenset[str]]]


@dataclass
class Snapshot:
    cases: dict[str, tuple[int, str]]  # case id -> (seq, person id)
    parts: Parts  # case id -> table -> ids of the rows naming the case
    own_consents: dict[str, frozenset[str]]  # person id -> consents without a case


def _parts(v: Vault, case_ids: set[str]) -> Parts:
    found: dict[str, dict[str, set[str]]] = {c: {t: set() for t in PARTS} for c in case_ids}
    for table in PARTS:
        for rid, cid in v.conn.execute(f"SELECT id, case_id FROM {table} WHERE case_id NOT NULL"):
            found.setdefault(cid, {t: set() for t in PARTS})[table].add(rid)
    return {c: {t: frozenset(ids) for t, ids in by.items()} for c, by in found.items()}


def _own_consents(v: Vault) -> dict[str, frozenset[str]]:
    own: dict[str, set[str]] = {p: set() for (p,) in v.conn.execute("SELECT id FROM persons")}
    for rid, pid in v.conn.execute("SELECT id, person_id FROM consents WHERE case_id IS NULL"):
        own.setdefault(pid, set()).add(rid)
    return {p: frozenset(ids) for p, ids in own.items()}


def _snapshot(v: Vault) -> Snapshot:
    cases = {r[0]: (r[1], r[2]) for r in v.conn.execute("SELECT id, seq, person_id FROM cases")}
    return Snapshot(cases, _parts(v, set(cases)), _own_consents(v))


def assert_whole_or_gone(v: Vault, snap: Snapshot) -> set[str]:
    """Every case of the snapshot whole or gone (then with its deletion record); returns the
    ids of the cases gone."""
    conn = v.conn
    live = {r[0] for r in conn.execute("SELECT id FROM cases")}
    people = {r[0] for r in conn.execute("SELECT id FROM persons")}
    deleted = {(r[0], r[1]) for r in conn.execute("SELECT target_kind, target_id FROM deletions")}
    indexed = {r[0] for r in conn.execute("SELECT rowid FROM case_search")}
    now, own = _parts(v, set(snap.cases)), _own_consents(v)
    nothing = {t: frozenset[str]() for t in PARTS}
    for cid, (seq, pid) in snap.cases.items():
        if cid in live:
            assert now[cid] == snap.parts[cid], f"case {cid} lost part of its records"
            assert seq in indexed and pid in people and ("cases", cid) not in deleted
        else:
            assert now[cid] == nothing, f"purged case {cid} left records behind"
            assert seq not in indexed and ("cases", cid) in deleted
    for pid, consents in snap.own_consents.items():
        if any(p == pid and c in live for c, (_, p) in snap.cases.items()):
            assert pid in people and ("persons", pid) not in deleted
            assert own[pid] == consents
        else:
            assert pid not in people and ("persons", pid) in deleted
            assert not conn.execute("SELECT 1 FROM consents WHERE person_id = ?",
                                    (pid,)).fetchall()
    purged = Counter(conn.execute("SELECT subject_kind, subject_id FROM audit_events"
                                  " WHERE action = 'delete' AND detail LIKE 'purged (%'"))
    assert purged == Counter(deleted), "the audit trail and the deletion records disagree"
    assert conn.execute("SELECT count(*) FROM structural_gaps").fetchone()[0] == sum(
        len(p["structural_gaps"]) for p in snap.parts.values())
    return set(snap.cases) - live


def kill_at(path: Path, stop: int, where: str) -> list[str]:
    """Run apply until the helper waits at its kill point, SIGKILL it; the case ids whose purge
    returned before."""
    proc = subprocess.Popen(
        [sys.executable, str(HELPER), str(stop), where, "retention", "apply",
         "--vault", str(path), "--today", TODAY.isoformat()],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
    assert proc.stdout is not None
    purged: list[str] = []
    for raw in iter(proc.stdout.readline, b""):
        word, *ids = raw.decode().split()
        if word == "inside":
            break
        purged += ids
    proc.kill()
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == -signal.SIGKILL, err.decode()  # killed, not finished
    return purged


def _prepare(path: Path) -> tuple[Snapshot, str]:
    """500 demo cases; some people of closed cases get a second, open case (they stay) or a
    consent of their own (it goes with them); one closed case is under a legal hold."""
    from kimdesk.demo.generator import fill

    with Vault.create(path, PASSPHRASE, counselor="crash", team="Team Nord") as v:
        fill(v, 500, seed=29)
        closed = v.cases.where("closed_on IS NOT NULL", order="seq")
        for case in closed[1:40:5]:
            v.cases.open_case(case.person_id)
        for case in closed[3:40:4]:
            consent = v.consents.where("case_id = ?", (case.id,))[0]
            v.consents.add(consent.model_copy(update={"id": str(uuid.uuid4()), "case_id": None}))
        held = closed[len(closed) // 2].id
        set_legal_hold(v, held, "Widerspruchsverfahren")
        return _snapshot(v), held


@pytest.mark.slow
def test_killed_retention_apply_leaves_every_case_whole_or_gone(tmp_path: Path) -> None:
    path = tmp_path / "v.kdb"
    snap, held = _prepare(path)
    rng = random.Random(20261203)
    gone: set[str] = set()
    inside = 0
    for round_ in range(20):
        with Vault.open(path, PASSPHRASE) as v:
            due = [x.case_id for x in retention_plan(v, TODAY) if x.action is Action.DELETE]
        assert len(due) > 5, "the vault must keep due cases for every round"
        where = rng.choice(WHERE)
        stop = rng.randint(1 if where == "after" else 0, 4)
        purged = kill_at(path, stop, where)
        assert len(purged) == stop and set(purged) <= set(due)
        with Vault.open(path, PASSPHRASE) as v:
            merge_search_if_due(v)  # what the unlock does (a kill may land before the merge)
            assert v.integrity_check() == [], f"round {round_}"
            assert v.audit.verify() is None, f"round {round_}"
            now_gone = assert_whole_or_gone(v, snap)
        # the purges that returned are committed; the one killed inside is rolled back whole
        assert now_gone == gone | set(purged), f"round {round_} ({where}, {stop})"
        gone = now_gone
        inside += where != "after"
    assert inside >= 10 and len(gone) >= 20
    with Vault.open(path, PASSPHRASE) as v:
        left = [x.case_id for x in retention_plan(v, TODAY) if x.action is Action.DELETE]

    out = subprocess.run([sys.executable, "-m", "kimdesk.cli", "retention", "apply", "--vault",
                          str(path), "--today", TODAY.isoformat()],
                         capture_output=True, text=True, env=ENV, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"Deleted: {len(left)} cases,"), out.stdout
    assert "kept under a legal hold: 1." in out.stdout
    check = subprocess.run([sys.executable, "-m", "kimdesk.cli", "check", "--vault", str(path)],
                           capture_output=True, text=True, env=ENV, timeout=300)
    assert check.returncode == 0, check.stderr
    with Vault.open(path, PASSPHRASE) as v:
        final = assert_whole_or_gone(v, snap)
        assert [x.case_id for x in retention_plan(v, TODAY)] == [held]
        closed = {c.id for c in v.cases.where("closed_on IS NOT NULL")}
    assert closed == {held} and final == gone | set(left)
