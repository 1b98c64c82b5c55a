"""A removed attachment's file leaves the vault's sync conflicts (schema step 14): two devices
that replaced the same file at once keep a conflict on ``content`` whose values are files;
removing the attachment left them in ``sync_conflicts`` until the case was purged. Checked on
the decrypted pages, not only through SQL."""

from __future__ import annotations

import base64
import os
import uuid
from pathlib import Path
from typing import Any

from kimdesk.demo.generator import fill
from kimdesk.sync.protocol import ConflictInfo
from kimdesk.vault import Vault
from kimdesk.vault.migration_removed_files import REMOVED
from kimdesk.vault.migrations import LATEST, schema_version
from kimdesk.vault.sync import SyncTables
from tests.conftest import PASSPHRASE
from tests.vault.pages import plaintext


def _file() -> str:
    return base64.b64encode(os.urandom(3000)).decode()


def _attachment(vault: Vault) -> str:
    case_id = vault.conn.execute("SELECT id FROM cases ORDER BY seq LIMIT 1").fetchone()[0]
    cid = vault.consultations.for_case(case_id)[0].id
    return vault.attachments.store(case_id=case_id, consultation_id=cid, question="pic",
                                   file_name="pass.jpg", media_type="image/jpeg",
                                   content=os.urandom(100)).id


def _conflict(vault: Vault, aid: str, base: Any, theirs: str, mine: str) -> str:
    info = ConflictInfo(id=uuid.uuid4().hex, kind="attachments", record_id=aid, field="content",
                        base=base, theirs=theirs, mine=mine, created_at="2026-12-06T00:00:00Z")
    with vault.transaction():
        SyncTables(vault).conflicts.store([info])
    return info.id


def _values(vault: Vault, conflict_id: str) -> tuple[Any, ...]:
    return tuple(vault.conn.execute(
        "SELECT base, theirs, mine, resolution FROM sync_conflicts WHERE id = ?",
        (conflict_id,)).fetchone())


def test_removing_an_attachment_empties_the_files_of_its_conflicts(make_vault: Any) -> None:
    vault = make_vault()
    fill(vault, 2, seed=8)
    aid, other = _attachment(vault), _attachment(vault)
    files = [_file() for _ in range(4)]
    on_removed = _conflict(vault, aid, files[0], files[1], files[2])
    kept = _conflict(vault, other, None, files[3], "")
    vault.conn.execute("UPDATE sync_conflicts SET status = 'resolving', resolution = ?"
                       " WHERE id = ?", (f'"{files[1]}"', on_removed))
    vault.attachments.remove(aid)
    assert _values(vault, on_removed) == ('""', '""', '""', '""')
    assert _values(vault, kept)[1] == f'"{files[3]}"'  # another attachment's: untouched
    # a conflict on the file that arrives after the removal (pulled later): emptied, an
    # unknown base stays unknown
    late = _conflict(vault, aid, None, _file(), _file())
    assert _values(vault, late) == ("null", '""', '""', None)
    # a tombstone pulled with a file (a server before 2026-12-06 could store one): no bytes
    marker = b"TOMBSTONE-FILE-" + uuid.uuid4().hex.encode()
    third = vault.attachments.store(
        case_id=vault.attachments.get(other).case_id, consultation_id=vault.attachments.get(
            other).consultation_id, question="q", file_name="x.pdf",
        media_type="application/pdf", content=os.urandom(500) + marker)
    with vault.transaction():  # as the inbox writes a pulled record: the columns that differ
        vault.conn.execute("UPDATE attachments SET deleted = 1, revision = revision + 1"
                           " WHERE id = ?", (third.id,))
    assert vault.conn.execute("SELECT length(content) FROM attachments WHERE id = ?",
                              (third.id,)).fetchone()[0] == 0
    vault.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pages = plaintext(Path(vault.path), vault._key)
    assert marker not in pages
    assert all(f[100:200].encode() not in pages for f in files[:3])
    assert files[3][100:200].encode() in pages  # the scan finds what is still there


def test_a_vault_of_step_13_empties_what_earlier_removals_left(tmp_path: Path) -> None:
    path = tmp_path / "v13.kdb"
    file = _file()
    with Vault.create(path, PASSPHRASE, counselor="t", team="Team Nord") as vault:
        fill(vault, 2, seed=3)
        aid = _attachment(vault)
        # as a vault of step 13 was: no triggers, the attachment removed, its conflict kept
        for trigger in ("attachments_forget_file", "conflicts_forget_removed_file",
                        "sync_base_forget_removed_file_insert",
                        "sync_base_forget_removed_file_update"):
            vault.conn.execute(f"DROP TRIGGER {trigger}")
        vault.conn.execute("DROP TABLE stats_exports")  # step 15's (it runs again)
        vault.conn.execute("PRAGMA user_version = 13")
        vault.attachments.remove(aid)
        conflict = _conflict(vault, aid, file, file, file)
        assert _values(vault, conflict)[0] == f'"{file}"'
        vault.conn.execute("INSERT INTO sync_base (kind, id, rev, data) VALUES"
                           " ('attachments', ?, 1, json_object('content', ?))", (aid, file))
    with Vault.open(path, PASSPHRASE) as vault:
        assert schema_version(vault.conn) == LATEST >= 14  # (a later step may follow)
        assert _values(vault, conflict) == ('""', '""', '""', None)
        assert vault.conn.execute(
            "SELECT json_extract(data, '$.content') FROM sync_base WHERE id = ?",
            (aid,)).fetchone()[0] == REMOVED
        assert vault.integrity_check() == []
