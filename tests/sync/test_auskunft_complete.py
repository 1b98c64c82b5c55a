"""The Auskunft (Art. 15 DSGVO) is complete, in the PDF as in the JSON (review of 2026-12-07).

A person's data lies in the vault outside their live records too: a record sync received and
holds back (``sync_parked``), a note deleted in the app (a tombstone keeps its words), entries
kept unsaved (at a lock, after a refused save, a form draft: ``vault_meta``), a conflict's losing
value (``sync_conflicts``), the server's last version of a record edited since (``sync_base``),
a batch not yet acknowledged (``sync_outbox``) and the server's refusal of a change, whose
reason may quote her value (``sync_state``; listed since 2026-12-07). Two real devices and a
real server on 127.0.0.1 put one distinct marker of a person in each place, and the same for a
second person; the real ``kimdesk subject-export`` (German, and Arabic beside German) must name
every marker of the first, in the JSON and in the PDF's text, and none of the second; and apart
from the two files it writes, it leaves nothing behind that holds a marker (a raw byte scan of
the test's folders: the vaults, home, the XDG folders, the temporary folders).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from kimdesk.domain.models import Note, Person
from kimdesk.server import push_plan
from kimdesk.server.embedded import EmbeddedServer
from kimdesk.sync.store.outbox import PushCursor
from kimdesk.vault.drafts import case_drafts, form_drafts, keep_refused
from kimdesk.vault.sync.refusals import SyncRefusals
from tests.conftest import PASSPHRASE
from tests.gui.test_no_plaintext import scan
from tests.handouts.helpers import norm, pdftotext
from tests.sync.helpers import Device, pushed

PLACES = ("parked", "deleted", "lock", "refused", "form", "conflict", "earlier", "unsent",
          "refusal")
#: Each place's marker for the person asked about; the other person's are these with "Fremd".
HERS = {place: f"Quastholm{place.capitalize()}Marke" for place in PLACES}
OTHERS = {place: f"Fremd{place.capitalize()}Kennwort" for place in PLACES}


class _NewerNote(Note):
    """A note as a later release has it: a field this version does not know."""

    kommt_spaeter: int = 0


def _share(server: EmbeddedServer, bob: Device, alice: Device, family: str,
           markers: dict[str, str]) -> tuple[str, str, list[str]]:
    """Bob records a person with a case and two notes, both devices sync, then the first note
    is changed on both (a conflict on Alice's device: her value loses) and Bob sends a note
    of the case from a newer app version (parked on Alice's). Returns (person, case, notes)."""
    person = bob.vault.people.add(Person(given_name="Ilse", family_name=family,
                                         address=f"{markers['earlier']} 4, Minden"))
    case = bob.vault.cases.open_case(person.id, opened_on=date(2026, 3, 2))
    notes = [bob.vault.notes.add(Note(case_id=case.id, text=text)).id
             for text in ("erste Notiz", "zweite Notiz")]
    bob.sync()
    alice.sync()
    for device, text in ((bob, "Fassung vom Server"), (alice, markers["conflict"])):
        note = device.vault.notes.get(notes[0])
        device.vault.notes.update(note.model_copy(update={"text": text}))
        device.sync()
    newer = {"case_id": case.id, "text": markers["parked"], "kommt_spaeter": 1,
             "created_at": "2026-03-03T10:00:00+00:00"}
    with pytest.MonkeyPatch.context() as newer_server:  # a later release, with a new field
        newer_server.setattr(push_plan, "RECORD_BY_KIND",
                             push_plan.RECORD_BY_KIND | {"notes": _NewerNote})
        assert [r["status"] for r in pushed(server, bob, [
            {"kind": "notes", "id": str(uuid.uuid4()), "base_rev": 0,
             "changed": newer}])] == ["applied"]
    alice.sync()
    return person.id, case.id, notes


def _keep_locally(alice: Device, case_id: str, notes: list[str], markers: dict[str, str]
                  ) -> None:
    """On Alice's device only (never sent): the address edited (the server's version keeps
    the old one), a note deleted, the second note put into an outbox batch and edited again,
    entries kept at a lock and after a refused save, and a form draft."""
    vault = alice.vault
    person = vault.people.get(vault.cases.get(case_id).person_id)
    vault.people.update(person.model_copy(update={"address": "Marktplatz 1, Minden"}))
    gone = vault.notes.add(Note(case_id=case_id, text=markers["deleted"]))
    vault.notes.delete(gone.id)
    note = vault.notes.get(notes[1])
    vault.notes.update(note.model_copy(update={"text": markers["unsent"]}))
    assert alice.store.build_batch(PushCursor()) is not None  # in the outbox, not sent
    vault.notes.update(vault.notes.get(notes[1]).model_copy(update={"text": "dritte Fassung"}))
    case_drafts(vault).save(case_id, {"person": {"changed": {"phone": markers["lock"]},
                                                 "base": {"phone": ""}}})
    assert keep_refused(vault, case_id, {"records": [{
        "kind": "notes", "existing": notes[1], "changed": {"text": markers["refused"]},
        "base": {"text": "zweite Notiz"}}]}, stale=True)
    with vault.transaction():  # the server's refusal of the second note, quoting her value
        SyncRefusals(vault, {}).note([("notes", notes[1], vault.notes.get(notes[1]).revision,
                                       f"text {markers['refusal']} refused")],
                                     "2026-03-05T08:00:00+00:00")
    form_drafts(vault).save(f"{case_id}:verlauf:new", {
        "form_id": "verlauf", "form_version": "1", "answers": {"notes": markers["form"]},
        "client_language": "ar", "saved_at": "2026-03-04T09:00:00+00:00"})


def _files(roots: list[Path]) -> set[Path]:
    return {p for root in roots for p in ([root] if root.is_file() else root.rglob("*"))
            if p.is_file()}


def _export(vault: Path, person: str, out: Path, lang: str, home: Path
            ) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KIMDESK_PASSPHRASE": PASSPHRASE, "KIMDESK_LANG": "en",
           "HOME": str(home), "TMPDIR": str(home / "tmp"),
           "XDG_RUNTIME_DIR": str(home / "run"),
           **{f"XDG_{name.upper()}_HOME": str(home / name)
              for name in ("data", "config", "cache", "state")}}
    return subprocess.run(
        [sys.executable, "-m", "kimdesk.cli", "subject-export", person, "-o", str(out),
         "--lang", lang, "--vault", str(vault)],
        capture_output=True, text=True, env=env, timeout=600)


def _pages_with(pdf: Path, word: str) -> list[int]:
    count = int(next(line.split()[-1] for line in subprocess.run(
        ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()
        if line.startswith("Pages:")))
    return [page for page in range(1, count + 1)
            if word in norm(pdftotext(pdf, "-f", str(page), "-l", str(page)))]


def test_the_auskunft_names_every_place_of_the_person_and_nothing_of_another(
        sqlite_server: EmbeddedServer, make_device: Callable[..., Device],
        tmp_path: Path) -> None:
    alice = make_device(sqlite_server, "alice")
    bob = make_device(sqlite_server, "bob")
    hers = _share(sqlite_server, bob, alice, "Quastholm", HERS)
    other = _share(sqlite_server, bob, alice, "Fremdling", OTHERS)
    for (_person, case_id, notes), markers in ((hers, HERS), (other, OTHERS)):
        _keep_locally(alice, case_id, notes, markers)

    vault = alice.vault
    [conflict] = [c for c in alice.store.conflicts() if c.mine == HERS["conflict"]]
    assert vault.notes.get(hers[2][0]).text == "Fassung vom Server"  # the marker lost
    assert vault.conn.execute("SELECT count(*) FROM sync_parked").fetchone()[0] == 2
    assert vault.conn.execute("SELECT count(*) FROM sync_outbox").fetchone()[0] == 2
    path = Path(vault.path)
    alice.engine.close()
    vault.close()
    bob.engine.close()
    bob.vault.close()

    home = tmp_path / "home"
    for name in ("tmp", "run", "data", "config", "cache", "state"):
        (home / name).mkdir(parents=True, mode=0o700)
    exports = tmp_path / "exports"
    # everything of the test's but the server's own database (plaintext by design) and the export
    roots = [p for p in tmp_path.iterdir() if not p.name.startswith("server.db")]
    before = _files(roots)
    texts: dict[str, str] = {}
    for lang in ("de", "ar"):
        res = _export(path, hers[1], exports / lang, lang, home)
        assert res.returncode == 0, res.stderr
        [json_file, pdf] = sorted((exports / lang).iterdir())
        assert (json_file.suffix, pdf.suffix) == (".json", ".pdf")
        data = json.loads(json_file.read_text(encoding="utf-8"))
        texts[lang] = norm(pdftotext(pdf))
        if lang == "ar":
            _look(pdf)

    # the JSON names each marker in its own category, and nothing of the other person
    text = json.dumps(data, ensure_ascii=False)
    assert [m for m in HERS.values() if m not in text] == []
    assert [m for m in OTHERS.values() if m in text] == []
    assert "Fremdling" not in text
    where = {"parked": data["parked"], "deleted": data["deleted_records"],
             "lock": data["unsaved_entries"], "refused": data["unsaved_entries"],
             "form": data["unsaved_entries"], "conflict": data["sync_conflicts"],
             "earlier": data["earlier_versions"], "unsent": data["unsent_changes"],
             "refusal": data["refused_changes"]}
    for place, part in where.items():
        assert HERS[place] in json.dumps(part, ensure_ascii=False), place
    assert {e["source"] for e in data["unsaved_entries"]} == {"lock", "refused_save",
                                                              "form_draft"}
    [listed] = data["sync_conflicts"]
    assert (listed["field"], listed["mine"], listed["status"]) == ("text", conflict.mine, "open")
    # a technical copy is left out: the tombstone in the outbox batch is listed as deleted
    assert all(c["id"] != r["id"] for c in data["unsent_changes"]
               for r in data["deleted_records"])

    # the PDF, German alone and Arabic beside German, names them too
    for lang, page in texts.items():
        assert [m for m in HERS.values() if m not in page] == [], lang
        assert [m for m in OTHERS.values() if m in page] == [], lang
        assert "Fremdling" not in page
    assert "Nicht gespeicherte Eingaben" in texts["de"]
    assert "Vom Server abgelehnte Änderungen" in texts["de"]

    # the export wrote its two files per run and no other file (a temporary one would be left
    # in home/tmp or home/run), and no file of the test's holds a marker in plain bytes
    assert _files(roots) == before
    assert len(_files([exports])) == 4
    assert scan(roots, {*HERS.values(), *OTHERS.values()}) == []
    # the scan does find plain bytes: the server's database holds what reached it
    assert scan(sorted(tmp_path.glob("server.db*")), {HERS["earlier"]})


def _look(pdf: Path) -> None:
    """The pages that list the places, as PNGs in /tmp for a human to look at."""
    for page in sorted(set(_pages_with(pdf, HERS["conflict"]) + _pages_with(pdf, HERS["form"]))):
        subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", str(page), "-l", str(page),
                        "-singlefile", str(pdf), f"/tmp/auskunft-places-ar-{page}"],
                       check=True, timeout=300)
