"""The stateful property test of sync (hypothesis ``RuleBasedStateMachine``).

Three devices of one team make random offline edits (often of the same fields), sync in random
order while the server restarts and responses get lost after the server committed. After a final
sync round every replica is equal, nothing is pending, and every acknowledged write is present:
as the current value, in the record history on the server, or as a losing value in the conflict
history. ``tests/sync/test_stateful.py`` runs it briefly; ``benchmarks/sync_bench.py`` long.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from kimdesk.domain.models import Person
from kimdesk.server.embedded import EmbeddedServer
from kimdesk.sync.engine import SyncEngine, SyncError, Transport, enroll
from kimdesk.vault import Vault

VALUES = st.sampled_from(["a", "b", "c", "dd", "ee", ""])
FIELDS = ("phone", "address", "email_alias")


class LossyTransport(Transport):
    """Real HTTP; when ``lose`` is set, the next push response is dropped after the commit."""

    lose = False

    def push(self, body: bytes, gz: bytes = b"", **kw: Any) -> Any:
        receipt = super().push(body, gz, **kw)
        if self.lose:
            self.lose = False
            raise SyncError("response lost")
        return receipt


class SharedServer:
    """One embedded server for all examples (each example uses its own team); restartable on
    the same port to simulate a server restart."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="kimdesk-stateful-"))
        self.server = EmbeddedServer(f"sqlite:///{self.dir / 'server.db'}").start()
        self.restarts = 0
        # Three vaults for all examples, emptied between examples: creating a vault costs a KDF
        # run (~0.4 s), which would dominate a short run.
        self.vaults = [Vault.create(self.dir / f"d{n}.kdb", "pw", counselor=f"c{n}")
                       for n in range(3)]

    def fresh_vaults(self) -> list[Vault]:
        from kimdesk.domain.models import RECORD_TYPES

        for vault in self.vaults:
            with vault.transaction():
                for model in reversed(RECORD_TYPES):
                    vault.conn.execute(f"DELETE FROM {model.KIND}")
                for table in ("sync_state", "sync_base", "sync_outbox", "sync_conflicts",
                              "sync_parked", "sync_reference", "case_search"):
                    vault.conn.execute(f"DELETE FROM {table}")
        return self.vaults

    def restart(self) -> None:
        port = self.server.port
        self.server.stop()
        self.server = EmbeddedServer(self.server.db_url, port=port).start()
        self.restarts += 1

    def close(self) -> None:
        for vault in self.vaults:
            vault.close()
        self.server.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


_shared: SharedServer | None = None


def shared_server() -> SharedServer:
    global _shared
    if _shared is None:
        _shared = SharedServer()
    return _shared


def close_shared_server() -> None:
    global _shared
    if _shared is not None:
        _shared.close()
        _shared = None


class SyncMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.srv = shared_server()
        self.team = f"team-{uuid.uuid4().hex[:8]}"
        self.vaults: list[Vault] = []
        self.engines: list[SyncEngine] = []
        self.transports: list[LossyTransport] = []
        self.unacked: list[dict[tuple[str, str], Any]] = []
        self.acked: list[tuple[str, str, Any]] = []
        for vault in self.srv.fresh_vaults():
            code = self.srv.server.service.create_enroll_code(self.team)
            enroll(vault, self.srv.server.url, code)
            token = vault.conn.execute(
                "SELECT value FROM sync_state WHERE key='token'").fetchone()[0]
            transport = LossyTransport(self.srv.server.url, token, timeout=20)
            self.vaults.append(vault)
            self.transports.append(transport)
            self.engines.append(SyncEngine(vault, transport=transport, batch_changes=3))
            self.unacked.append({})

    # -- rules ---------------------------------------------------------------------------------
    @rule(device=st.integers(0, 2), family=st.sampled_from(["Demir", "Nowak", "Kaya"]))
    def add_person(self, device: int, family: str) -> None:
        self.vaults[device].people.add(Person(given_name="X", family_name=family))

    @precondition(lambda self: any(v.people.count() for v in self.vaults))
    @rule(device=st.integers(0, 2), pick=st.integers(0, 10**6), field=st.sampled_from(FIELDS),
          value=VALUES)
    def edit(self, device: int, pick: int, field: str, value: str) -> None:
        vault = self.vaults[device]
        people = vault.people.where()
        if not people:
            return
        person = people[pick % len(people)]
        target = "given_name" if field == "email_alias" else field
        if target == "given_name":
            value = value or "X"
        vault.people.update(person.model_copy(update={target: value}))
        self.unacked[device][(person.id, target)] = value

    @precondition(lambda self: any(v.people.count() for v in self.vaults))
    @rule(device=st.integers(0, 2), pick=st.integers(0, 10**6))
    def delete(self, device: int, pick: int) -> None:
        people = self.vaults[device].people.where()
        if people:
            person = people[pick % len(people)]
            self.vaults[device].people.delete(person.id)
            self.unacked[device][(person.id, "deleted")] = True

    @rule(device=st.integers(0, 2), lose=st.booleans())
    def sync(self, device: int, lose: bool) -> None:
        self.transports[device].lose = lose
        try:
            self.engines[device].sync()
        except SyncError:
            return
        self.acked.extend((rid, f, v) for (rid, f), v in self.unacked[device].items())
        self.unacked[device].clear()

    @rule(device=st.integers(0, 2), choice=st.sampled_from(["mine", "theirs", "merged"]))
    def resolve(self, device: int, choice: str) -> None:
        store = self.engines[device].store
        open_ = store.conflicts()
        if not open_:
            return
        c = open_[0]
        value = {"mine": c.mine, "theirs": c.theirs}.get(choice)
        if choice == "merged":
            value = f"{c.theirs}+{c.mine}" if isinstance(c.mine, str) else c.mine
        if c.field == "given_name" and not value:
            value = "X"
        try:
            store.resolve(c.id, value)
        except Exception:
            return
        self.unacked[device][(c.record_id, c.field)] = value

    @rule()
    def restart_server(self) -> None:
        self.srv.restart()

    # -- checks --------------------------------------------------------------------------------
    @invariant()
    def nothing_half_applied(self) -> None:
        for engine in self.engines:
            assert engine.store.outbox() is None or engine.store.pending_count() > 0

    def teardown(self) -> None:
        try:
            self.final_check()
        finally:
            for engine in self.engines:
                engine.close()

    def final_check(self) -> None:
        for transport in self.transports:
            transport.lose = False
        for _round in range(2):
            for n, engine in enumerate(self.engines):
                engine.sync()
                self.acked.extend((rid, f, v) for (rid, f), v in self.unacked[n].items())
                self.unacked[n].clear()
        snaps = [
            {(k, i): d for k, i, d in e.store.iter_records()} for e in self.engines
        ]
        assert snaps[0] == snaps[1] == snaps[2]
        for engine in self.engines:
            assert engine.store.pending_count() == 0
            assert engine.store.parked_count() == 0
        # every acknowledged write is the value, in a stored version (current or superseded) or
        # a conflict's values
        from sqlalchemy import text

        with self.srv.server.app.state.engine.connect() as conn:
            history: dict[tuple[str, str], set[str]] = {}
            for rid, data in conn.execute(
                    text("SELECT id, data FROM record_history WHERE team = :t UNION ALL"
                         " SELECT id, data FROM records WHERE team = :t"), {"t": self.team}):
                for f, v in json.loads(data).items():
                    history.setdefault((rid, f), set()).add(json.dumps(v))
            for rid, f, mine, theirs in conn.execute(
                    text("SELECT record_id, field, mine, theirs FROM conflicts WHERE team = :t"),
                    {"t": self.team}):
                history.setdefault((rid, f), set()).update({mine, theirs})
        for rid, f, value in self.acked:
            assert json.dumps(value) in history.get((rid, f), set()), (rid, f, value)
        # the open conflicts are the same on every device
        opened = [sorted(c.id for c in e.store.conflicts()) for e in self.engines]
        assert opened[0] == opened[1] == opened[2]
