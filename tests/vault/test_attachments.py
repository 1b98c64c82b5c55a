"""Attachments in the vault (issue 16, item 8): stored encrypted, read back byte for byte, never
in plaintext on disk, removed with their bytes, purged with their case, limited in size."""

from __future__ import annotations

import hashlib
import os
import secrets
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from kimdesk.demo.generator import fill
from kimdesk.errors import ValidationError
from kimdesk.vault import Vault
from kimdesk.vault.attachments_store import MAX_BYTES
from kimdesk.vault.purge import PurgeOrder, purge_cases
from tests.rawscan import files_holding
from tests.vault.pages import plaintext

#: Made at run time, so no source file or shell history holds it (the temp dir scan would find it)
MARKER = b"ATTACHMENT-MARKER-" + secrets.token_hex(16).encode()


def photo(extra: bytes = b"") -> bytes:
    """A file with a marker in the middle of incompressible bytes (as a JPEG would be)."""
    return os.urandom(30_000) + MARKER + extra + os.urandom(30_000)


def _consultation(vault: Vault) -> tuple[str, str]:
    case_id = vault.conn.execute("SELECT id FROM cases ORDER BY seq LIMIT 1").fetchone()[0]
    consultation = vault.consultations.for_case(case_id)[0]
    return case_id, consultation.id


def _store(vault: Vault, content: bytes, case_id: str, cid: str, name: str = "pass.jpg") -> str:
    return vault.attachments.store(case_id=case_id, consultation_id=cid, question="pic",
                                   file_name=name, media_type="image/jpeg", content=content).id


def test_round_trip_keeps_the_bytes_and_their_sha256(make_vault: Any, tmp_path: Path) -> None:
    vault = make_vault()
    fill(vault, 3, seed=5)
    case_id, cid = _consultation(vault)
    content = photo()
    aid = _store(vault, content, case_id, cid)
    path = vault.path
    vault.close()
    with Vault.open(path, "correct horse battery staple") as again:
        (info,) = again.attachments.for_consultation(cid)
        assert (info.id, info.file_name, info.size, info.media_type) == (
            aid, "pass.jpg", len(content), "image/jpeg")
        assert info.sha256 == hashlib.sha256(content).hexdigest()
        assert again.attachments.content(aid) == content
        # the column is a BLOB of the raw bytes, not base64 text
        kind, length = again.conn.execute(
            "SELECT typeof(content), length(content) FROM attachments WHERE id = ?",
            (aid,)).fetchone()
        assert (kind, length) == ("blob", len(content))
        assert again.integrity_check() == []


def _plain_anywhere(root: Path, needle: bytes) -> list[Path]:
    return files_holding(root, [needle])


def test_no_plaintext_in_vault_wal_or_temp_dir(make_vault: Any, tmp_path: Path) -> None:
    """The marker inside the attachment appears in no file of the vault's folder (vault, WAL,
    SHM) nor anywhere under the temp dir; decrypted, the pages do hold it (so the scan can see)."""
    vault = make_vault()
    fill(vault, 2, seed=6)
    case_id, cid = _consultation(vault)
    _store(vault, photo(), case_id, cid)
    assert Path(str(vault.path) + "-wal").exists()  # before the checkpoint: the WAL holds it
    assert _plain_anywhere(tmp_path, MARKER) == []
    import tempfile

    assert _plain_anywhere(Path(tempfile.gettempdir()), MARKER) == []
    vault.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert _plain_anywhere(tmp_path, MARKER) == []
    assert MARKER in plaintext(Path(vault.path), vault._key)


def test_removed_attachment_drops_its_bytes(make_vault: Any) -> None:
    vault = make_vault()
    fill(vault, 2, seed=8)
    case_id, cid = _consultation(vault)
    aid = _store(vault, photo(), case_id, cid)
    vault.attachments.remove(aid)
    assert vault.attachments.for_consultation(cid) == []
    tomb = vault.attachments.get(aid, include_deleted=True)
    assert tomb.deleted and tomb.content == "" and tomb.file_name == "pass.jpg"
    vault.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert MARKER not in plaintext(Path(vault.path), vault._key)


def test_purged_case_takes_its_attachments_bytes(make_vault: Any) -> None:
    vault = make_vault()
    fill(vault, 4, seed=9)
    case_id, cid = _consultation(vault)
    other = vault.conn.execute("SELECT id FROM cases ORDER BY seq DESC LIMIT 1").fetchone()[0]
    other_cid = vault.consultations.for_case(other)[0].id
    aid = _store(vault, photo(b"-purged"), case_id, cid)
    kept = _store(vault, photo(b"-kept"), other, other_cid, "kept.pdf")
    vault.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert MARKER + b"-purged" in plaintext(Path(vault.path), vault._key)
    report = purge_cases(vault, [case_id], PurgeOrder(legal_basis="Art. 17 DSGVO",
                                                       ordered_by="anna", on=date(2026, 12, 1)))
    assert report.rows.get("attachments") == 1
    vault.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = plaintext(Path(vault.path), vault._key)
    assert MARKER + b"-purged" not in data  # secure_delete: the freed space is overwritten
    assert MARKER + b"-kept" in data
    assert vault.conn.execute("SELECT count(*) FROM attachments WHERE id = ?",
                              (aid,)).fetchone()[0] == 0
    assert vault.attachments.content(kept).endswith(b"") and vault.attachments.for_case_infos(
        other)[0].file_name == "kept.pdf"


def test_over_size_attachment_is_refused_with_a_clear_message(make_vault: Any) -> None:
    vault = make_vault()
    fill(vault, 1, seed=10)
    case_id, cid = _consultation(vault)
    with pytest.raises(ValidationError) as caught:
        _store(vault, b"x" * (MAX_BYTES + 1), case_id, cid)
    assert "too large" in caught.value.translated()
    assert vault.attachments.count() == 0


def test_vault_of_schema_9_upgrades_and_takes_attachments(tmp_path: Path) -> None:
    """Step 12 on a file users already have (the v9 fixture, through steps 10 and 11): the
    table, its indexes and its base trigger are there, an attachment is stored and read."""
    import shutil

    from kimdesk.vault.migrations import LATEST, schema_version

    copy = tmp_path / "v9.kdb"
    shutil.copy(Path(__file__).resolve().parent.parent / "fixtures" / "vault_v9.kdb", copy)
    with Vault.open(copy, "fixture-v1") as v:
        assert schema_version(v.conn) == LATEST >= 12  # (a later step may follow at merge)
        names = {r[0] for r in v.conn.execute("SELECT name FROM sqlite_master")}
        assert {"attachments", "attachments_case", "attachments_consultation",
                "attachments_pending", "attachments_keep_base"} <= names
        [case] = v.cases.where()
        [consultation] = v.consultations.for_case(case.id)
        aid = _store(v, b"%PDF-1.4 scanned letter", case.id, consultation.id, "brief.pdf")
        assert v.attachments.content(aid) == b"%PDF-1.4 scanned letter"
        assert v.integrity_check() == []


def test_auskunft_lists_the_attachments_and_its_json_holds_them(make_vault: Any) -> None:
    """Art. 15 DSGVO: the JSON carries each file (base64, a copy of the data), the PDF names it
    (file name, media type, size, date), read back by text extraction."""
    import base64
    import unicodedata
    from io import BytesIO

    from pypdf import PdfReader

    from kimdesk.handouts.auskunft import render_auskunft
    from kimdesk.vault.subject_access import collect

    vault = make_vault()
    fill(vault, 2, seed=12)
    case_id, cid = _consultation(vault)
    content = b"%PDF-1.4 " + MARKER
    aid = _store(vault, content, case_id, cid, "Aufenthaltstitel.pdf")
    person_id = vault.cases.get(case_id).person_id
    data = collect(vault, person_id)
    [entry] = [c for c in data["cases"] if c["id"] == case_id]
    [att] = entry["attachments"]
    assert (att["id"], att["file_name"], att["size"]) == (aid, "Aufenthaltstitel.pdf",
                                                           len(content))
    assert base64.b64decode(att["content"]) == content
    pdf = render_auskunft(data, "de")
    text = " ".join(unicodedata.normalize("NFKC", "\n".join(
        p.extract_text() for p in PdfReader(BytesIO(pdf)).pages)).split())
    assert "Anhänge (Dateien)" in text
    assert "Aufenthaltstitel.pdf · application/pdf" not in text  # stored as image/jpeg here
    assert "Aufenthaltstitel.pdf · image/jpeg · 1 kB" in text
    assert MARKER.decode() not in text  # the sheet names the file, it does not print it


def test_deleted_consultation_takes_its_attachments_bytes(make_vault: Any) -> None:
    vault = make_vault()
    fill(vault, 2, seed=13)
    case_id, cid = _consultation(vault)
    aid = _store(vault, photo(b"-consultation"), case_id, cid)
    vault.consultations.delete(cid)
    tomb = vault.attachments.get(aid, include_deleted=True)
    assert tomb.deleted and tomb.content == "" and tomb.pending  # the tombstone syncs
    vault.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert MARKER + b"-consultation" not in plaintext(Path(vault.path), vault._key)
