"""The privacy commands as municipal IT scripts them: ``kimdesk retention plan|apply`` and
``kimdesk subject-export``, run as real processes on copies of the demo vault; the Auskunft PDF
is read back with pypdf and rendered with poppler's pdftoppm."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from kimdesk.domain.models import Person
from kimdesk.domain.retention import add_months
from kimdesk.vault import Vault
from kimdesk.vault.retention import set_legal_hold
from tests.conftest import PASSPHRASE

FUTURE = add_months(date.today(), 120)
TEXTS = Path(__file__).parents[1] / "resources" / "handouts" / "texts"


def _kimdesk(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kimdesk.cli", *args], capture_output=True, text=True,
        env={**os.environ, "KIMDESK_LANG": "en", "KIMDESK_PASSPHRASE": PASSPHRASE}, timeout=300)


def _copy(demo_vault_file: Path, tmp_path: Path) -> Path:
    path = tmp_path / "demo.kdb"
    shutil.copy(demo_vault_file, path)
    return path


def _plan(path: Path, *today: str) -> list[dict[str, Any]]:
    out = _kimdesk("retention", "plan", "--vault", str(path), *today, "--json")
    assert out.returncode == 0, out.stderr
    verdicts: list[dict[str, Any]] = json.loads(out.stdout)
    return verdicts


def _apply(path: Path) -> str:
    out = _kimdesk("retention", "apply", "--vault", str(path), "--today", FUTURE.isoformat())
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_plan_and_apply_delete_exactly_the_closed_cases(demo_vault_file, tmp_path):
    path = _copy(demo_vault_file, tmp_path)
    with Vault.open(path, PASSPHRASE) as v:
        closed = {c.case_number: c for c in v.cases.where("closed_on IS NOT NULL")}
        stays = next(iter(closed.values())).person_id  # has a second, open case: stays
        v.cases.open_case(stays)
        still_open = {c.id for c in v.cases.where("closed_on IS NULL")}
        persons_before = v.people.count()
        alone = {c.case_number for c in closed.values()
                 if len(v.cases.where("person_id = ?", (c.person_id,))) == 1}
    assert len(alone) == len(closed) - 1
    assert len(closed) >= 20 and still_open

    assert _plan(path) == []  # the demo's closures are all younger than 36 months
    verdicts = _plan(path, "--today", FUTURE.isoformat())
    assert sorted(v["case_number"] for v in verdicts) == sorted(closed)
    assert {v["action"] for v in verdicts} == {"delete"}
    assert {v["case_id"] for v in verdicts} == {c.id for c in closed.values()}
    assert {v["case_number"] for v in verdicts if v["person_deleted_too"]} == alone

    assert _apply(path) == (f"Deleted: {len(closed)} cases, {len(alone)} persons;"
                            " kept under a legal hold: 0.")
    check = _kimdesk("check", "--vault", str(path))
    assert check.returncode == 0, check.stderr
    with Vault.open(path, PASSPHRASE) as v:
        assert {c.id for c in v.cases.where()} == still_open
        assert v.people.count() == persons_before - len(alone)
        assert v.people.get(stays).id == stays
        gone = {r[0] for r in v.conn.execute(
            "SELECT target_id FROM deletions WHERE target_kind = 'cases'")}
        assert gone == {c.id for c in closed.values()}
        for number in closed:  # nor can the search index still find them
            assert v.count_matches(number) == 0
    assert _apply(path) == "Deleted: 0 cases, 0 persons; kept under a legal hold: 0."
    assert _plan(path, "--today", FUTURE.isoformat()) == []


def test_legal_hold_is_planned_as_hold_and_survives_apply(demo_vault_file, tmp_path):
    path = _copy(demo_vault_file, tmp_path)
    with Vault.open(path, PASSPHRASE) as v:
        closed = v.cases.where("closed_on IS NOT NULL", order="seq")
        held = closed[len(closed) // 2]
        set_legal_hold(v, held.id, "Klageverfahren VG Minden 7 K 12/26")
        notes = {n.id for n in v.notes.where("case_id = ?", (held.id,))}
        consultations = {c.id for c in v.consultations.where("case_id = ?", (held.id,))}
    verdicts = {v["case_number"]: v for v in _plan(path, "--today", FUTURE.isoformat())}
    assert len(verdicts) == len(closed)
    assert verdicts[held.case_number]["action"] == "hold"
    assert "VG Minden" in verdicts[held.case_number]["reason"]
    assert [n for n, v in verdicts.items() if v["action"] == "hold"] == [held.case_number]

    assert _apply(path).endswith("kept under a legal hold: 1.")
    with Vault.open(path, PASSPHRASE) as v:
        assert [c.id for c in v.cases.where("closed_on IS NOT NULL")] == [held.id]
        assert v.people.get(held.person_id).id == held.person_id
        assert {n.id for n in v.notes.where("case_id = ?", (held.id,))} == notes
        assert {c.id for c in v.consultations.where("case_id = ?", (held.id,))} == consultations
        assert consultations and v.count_matches(held.case_number) == 1
        assert not v.conn.execute("SELECT 1 FROM deletions WHERE target_id IN (?, ?)",
                                  (held.id, held.person_id)).fetchall()
    assert [v["action"] for v in _plan(path, "--today", FUTURE.isoformat())] == ["hold"]


def _pdf_text(pdf: Path) -> str:
    from pypdf import PdfReader

    text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    return " ".join(unicodedata.normalize("NFKC", text).split())


def _render_page_one(pdf: Path, keep: Path) -> None:
    """Page 1 at 60 dpi as PNG, copied to ``keep`` (for a human to look at); not blank."""
    from PIL import Image  # Pillow comes with reportlab, the handout engine

    prefix = pdf.with_name("page")
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf),
                    str(prefix)], check=True, timeout=300)
    png = next(pdf.parent.glob("page*.png"))
    with Image.open(png) as image:
        assert image.width > 400 and image.height > 600  # A4 at 60 dpi: 496 x 702
        gray = image.convert("L")
        dark = sum(gray.histogram()[:128])
    assert dark > 0.01 * gray.width * gray.height, "page 1 renders (nearly) blank"
    shutil.copy(png, keep)
    png.unlink()


def _latin_person(path: Path) -> tuple[Person, str]:
    """A demo person whose family name is in Latin script (pypdf reads it back verbatim), with
    a second case opened for them; returns the person and their first case's number."""
    with Vault.open(path, PASSPHRASE) as v:
        person = next(p for p in v.people.where(order="family_name")
                      if p.family_name == p.family_name_latin and p.preferred_language != "ar")
        first = v.cases.where("person_id = ?", (person.id,))[0]
        v.cases.open_case(person.id)
    return person, first.case_number


def test_subject_export_writes_pdf_and_json_of_every_case(demo_vault_file, tmp_path):
    path = _copy(demo_vault_file, tmp_path)
    person, number = _latin_person(path)
    folder = tmp_path / "exports" / "auskunft"
    out = _kimdesk("subject-export", number, "-o", str(folder), "--vault", str(path))
    assert out.returncode == 0, out.stderr

    with Vault.open(path, PASSPHRASE) as v:
        stored = v.people.get(person.id).model_dump(mode="json", exclude={"revision", "pending"})
        cases = {c.id: c.case_number for c in v.cases.where("person_id = ?", (person.id,))}
    assert len(cases) == 2
    files = sorted(folder.iterdir())
    assert [f.suffix for f in files] == [".json", ".pdf"]
    assert files[0].stem == files[1].stem and files[0].stem.removeprefix("auskunft-") in (
        cases.values())
    assert {str(f) for f in files} == set(out.stdout.split())
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert {stat.S_IMODE(f.stat().st_mode) for f in files} == {0o600}

    data = json.loads(files[0].read_text(encoding="utf-8"))
    assert data["person"] == stored
    assert {c["id"]: c["case_number"] for c in data["cases"]} == cases

    text = _pdf_text(files[1])
    assert person.family_name in text
    assert all(n in text for n in cases.values())
    assert "Auskunft über Ihre gespeicherten Daten" in text
    _render_page_one(files[1], Path("/tmp/auskunft-de.png"))


def test_subject_export_in_arabic(demo_vault_file, tmp_path):
    path = _copy(demo_vault_file, tmp_path)
    with Vault.open(path, PASSPHRASE) as v:
        case = v.cases.where(order="seq")[0]
    out = _kimdesk("subject-export", case.case_number, "-o", str(tmp_path), "--lang", "ar",
                   "--vault", str(path))
    assert out.returncode == 0, out.stderr
    pdf = tmp_path / f"auskunft-{case.case_number}.pdf"
    assert sorted(f.name for f in tmp_path.glob("auskunft-*")) == [
        f"auskunft-{case.case_number}.json", pdf.name]
    texts = yaml.safe_load((TEXTS / "ar.yaml").read_text(encoding="utf-8"))
    title = texts["texts"]["auskunft.title"]
    text = _pdf_text(pdf)
    # pypdf gives the Arabic back in logical order from the ToUnicode maps; NFKC folds any
    # presentation forms back to the letters the YAML holds
    assert " ".join(unicodedata.normalize("NFKC", title).split()) in text
    assert "Auskunft über Ihre gespeicherten Daten" in text and case.case_number in text
    _render_page_one(pdf, Path("/tmp/auskunft-ar.png"))


@pytest.mark.parametrize("who", ["ambiguous", "unknown"])
def test_subject_export_refuses_a_name_that_fits_not_one_person(demo_vault_file, tmp_path, who):
    path = _copy(demo_vault_file, tmp_path)
    with Vault.open(path, PASSPHRASE) as v:
        for given in ("Ada", "Ike"):
            v.cases.open_case(v.people.add(Person(given_name=given, family_name="Okonkwo")).id)
    name = "Okonkwo" if who == "ambiguous" else "Nobody Anywhere"
    folder = tmp_path / "out"
    out = _kimdesk("subject-export", name, "-o", str(folder), "--vault", str(path))
    assert out.returncode not in (0, None)
    assert out.stdout == "" and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and out.stderr.startswith("kimdesk: ")
    assert ("2 people match" in out.stderr) == (who == "ambiguous")
    assert name in out.stderr
    assert not folder.exists()


def test_subject_export_keeps_its_files_in_the_folder_whatever_the_case_number(
        demo_vault_file, tmp_path):
    """A case number is what a device typed or sync brought; ``../`` in it led the Auskunft's
    files out of the folder given with ``-o`` (there: a folder named ``auskunft-..``)."""
    path = _copy(demo_vault_file, tmp_path)
    with Vault.open(path, PASSPHRASE) as v:
        case = v.cases.where(order="seq")[0]
        v.cases.update(case.model_copy(update={"case_number": "../../Fall/../x"}))
    folder = tmp_path / "a" / "b" / "out"
    (folder / "auskunft-..").mkdir(parents=True)  # what the path needed to escape
    out = _kimdesk("subject-export", case.id, "-o", str(folder), "--vault", str(path))
    assert out.returncode == 0, out.stderr
    written = {p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file()} - {
        Path("demo.kdb"), Path("demo.kdb-wal"), Path("demo.kdb-shm")}
    assert written == {Path("a/b/out/auskunft-_.._Fall_.._x.json"),
                       Path("a/b/out/auskunft-_.._Fall_.._x.pdf")}, written
