"""Every export of a demo vault: the files hold exactly the protected numbers, no suppressed cell
can be recovered from them by linear programming, and no string of any person record appears."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from kimdesk.stats import Period, build_report
from kimdesk.stats.export import FORMATS, write
from kimdesk.stats.gaps import REDACTED, redact, write_gaps
from kimdesk.vault.statsqueries import StatsQueries
from tests.conftest import PASSPHRASE
from tests.stats.attack import bounds, published_in, recovered
from tests.stats.conftest import periods


def person_strings(conn: object) -> set[str]:
    """Every string of every person-related record an export must never contain."""
    out: set[str] = set()
    q = conn.execute  # type: ignore[attr-defined]
    for row in q("SELECT id, given_name, family_name, given_name_latin, family_name_latin,"
                 " birth_date, phone, email, address FROM persons"):
        out.update(v for v in row if v)
        if row[5]:
            y, m, d = row[5].split("-")
            out.add(f"{d}.{m}.{y}")
    for table, cols in (("cases", "id, case_number, owner"),
                        ("notes", "text"), ("consultations", "summary, place_detail, answers"),
                        ("goals", "goal, steps"), ("referrals", "note"),
                        ("structural_gaps", "description"), ("phase_transitions", "comment")):
        for row in q(f"SELECT {cols} FROM {table}"):
            out.update(v for v in row if isinstance(v, str) and len(v) > 3 and v not in
                       ("{}", "[]"))
    return out


def find_leaks(text: str, secrets: set[str]) -> list[str]:
    leaks = []
    for s in secrets:
        if s in text and re.search(r"(?<!\w)" + re.escape(s) + r"(?!\w)", text):
            leaks.append(s)
    return leaks


def file_text(path: Path) -> str:
    if path.suffix == ".xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(path)
        return "\n".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row
                         if c.value is not None)
    if path.suffix == ".pdf":
        from pypdf import PdfReader

        return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
    return path.read_text("utf-8-sig")


@pytest.fixture(scope="module")
def exports(stats_vault: object, tmp_path_factory: pytest.TempPathFactory) -> list[tuple]:
    """(report, {format: path}) for every period and two thresholds."""
    out = []
    folder = tmp_path_factory.mktemp("exports")
    for period in periods():
        for k in (3, 5):
            report = build_report(StatsQueries.of(stats_vault), period, k,  # type: ignore[arg-type]
                                  internal=period.kind is None)
            paths = {fmt: write(report, folder / f"{period.label.replace('..', '_')}-{k}.{fmt}")
                     for fmt in FORMATS}
            out.append((report, paths))
    return out


def test_csv_and_json_hold_exactly_the_protected_numbers(exports: list[tuple]) -> None:
    for report, paths in exports:
        p = report.protection
        doc = json.loads(paths["json"].read_text("utf-8"))
        assert doc["disclosure"]["min_cell"] == report.min_cell
        rows = list(csv.DictReader(io.StringIO(paths["csv"].read_text("utf-8-sig"))))
        assert list(rows[0]) == ["table", "municipality", "category", "value"]
        from_csv = {(r["table"], r["municipality"], r["category"]): r["value"] for r in rows}
        for t, jt in zip(report.tables, doc["tables"], strict=True):
            assert jt["id"] == t.id
            jrows = {r["municipality"]: r["values"] for r in jt["rows"]}
            for row in t.all_rows:
                for col in t.all_columns:
                    want = p.shown(t, row, col)
                    assert jrows[row][col] == want
                    assert from_csv[(t.id, row, col)] == str(want)
        suppressed = sum(1 for r in rows if r["value"] == ".")
        assert suppressed >= sum(p.suppressed_cells(t) for t in report.tables)


def test_no_suppressed_cell_is_recoverable_from_any_export(exports: list[tuple]) -> None:
    """The attack: read the published numbers from each export file, then bound every suppressed
    quantity by LP over all tables of the export (and check the bounds hold the true value)."""
    for report, paths in exports:
        assert report.protection.primary, "the demo periods should have small cells"
        seen = published_in(report.tables, json.loads(paths["json"].read_text("utf-8")))
        assert sum(1 for v in seen.values() if v == ".") == len(
            report.protection.suppressed & set(seen))
        found = bounds(report.tables, report.protection, seen, enough=1)  # exact where < 1
        leaks = {k: b for k, b in found.items() if b[1] - b[0] < 1 - 1e-6}
        assert not leaks, (report.period.label, report.min_cell, list(leaks.items())[:5])
        for key, (lo, hi) in found.items():
            assert lo - 1e-6 <= report.protection.values[key].value <= hi + 1e-6


def test_xlsx_holds_exactly_the_protected_numbers(exports: list[tuple]) -> None:
    from openpyxl import load_workbook

    from kimdesk.stats.export import document
    from kimdesk.stats.xlsx import sheet_names

    report, paths = exports[1]
    wb = load_workbook(paths["xlsx"])
    names = sheet_names(document(report))
    p = report.protection
    for t in report.tables:
        ws = wb[names[t.id]]
        for i, row in enumerate(t.all_rows):
            cells = [c.value for c in ws[5 + i]][1:1 + len(t.all_columns)]
            assert cells == [p.shown(t, row, c) for c in t.all_columns], (t.id, row)


def test_no_person_string_appears_in_any_output(stats_vault: object,
                                               exports: list[tuple]) -> None:
    secrets = person_strings(stats_vault.conn)  # type: ignore[attr-defined]
    assert len(secrets) > 1000
    for _report, paths in exports:
        for path in paths.values():
            text = file_text(path)
            assert text.strip()
            assert not find_leaks(text, secrets), path.name


def test_exports_state_what_was_suppressed(exports: list[tuple]) -> None:
    _report, paths = exports[0]
    for fmt in ("csv", "json", "xlsx", "pdf"):
        text = " ".join(file_text(paths[fmt]).split())  # the PDF wraps lines anywhere
        assert "fewer than 3 people" in text
        assert "secondary suppression" in text
    assert "primary" not in json.dumps(json.loads(paths["json"].read_text())["tables"])


def test_pdf_has_charts_and_all_tables(exports: list[tuple]) -> None:
    from pypdf import PdfReader

    report, paths = exports[0]
    reader = PdfReader(paths["pdf"])
    assert len(reader.pages) >= 5
    text = file_text(paths["pdf"])
    for t in report.tables:
        assert t.title in text


def test_xlsx_has_one_sheet_per_table(exports: list[tuple]) -> None:
    from openpyxl import load_workbook

    report, paths = exports[0]
    wb = load_workbook(paths["xlsx"])
    assert wb.sheetnames[0] == "Overview"
    assert len(wb.sheetnames) == 1 + len(report.tables)
    ws = wb[wb.sheetnames[1]]
    assert ws["A1"].value == report.tables[0].title
    assert ws["A4"].value == "Municipality"


def test_gap_export_has_no_person_and_no_case(stats_vault: object, tmp_path: Path) -> None:
    conn = stats_vault.conn  # type: ignore[attr-defined]
    secrets = person_strings(conn) - {r[0] for r in conn.execute(
        "SELECT description FROM structural_gaps")}
    period = Period(periods()[3].start, periods()[0].end)
    for fmt in ("csv", "json", "xlsx"):
        path = write_gaps(StatsQueries.of(stats_vault),  # type: ignore[arg-type]
                          period, tmp_path / f"gaps.{fmt}",
                          with_descriptions=True)
        text = file_text(path)
        assert not find_leaks(text, secrets)
    doc = json.loads((tmp_path / "gaps.json").read_text())
    assert doc["entries"]
    assert set(doc["entries"][0]) == {"category", "category_label", "agency_types",
                                      "rechtskreise", "municipality", "month", "description"}
    assert all(re.fullmatch(r"\d{4}-\d{2}", e["month"]) for e in doc["entries"])
    plain = write_gaps(StatsQueries.of(stats_vault),  # type: ignore[arg-type]
                          period, tmp_path / "plain.json")
    assert all("description" not in e for e in json.loads(plain.read_text())["entries"])
    assert sum(r["count"] for r in doc["summary"]) == len(doc["entries"])
    named = Counter(e["municipality"] for e in doc["entries"])
    assert all(n >= 3 for m, n in named.items() if m != "(Kreis)")


def test_redaction_cuts_names_and_birth_dates() -> None:
    text = "Frau Amira Haddad (geb. 03.04.1990) wartet seit Mai; Haddad war beim Jobcenter."
    out = redact(text, ["Amira", "Haddad", "1990-04-03", None])
    assert "Amira" not in out and "Haddad" not in out and "03.04.1990" not in out
    assert out.count(REDACTED) == 4 and "Jobcenter" in out


def test_cli_contract(stats_vault: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                      capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    from kimdesk.cli import main

    vault_file = tmp_path / "v.kdb"
    shutil.copy(stats_vault.path, vault_file)  # type: ignore[attr-defined]
    monkeypatch.setenv("KIMDESK_PASSPHRASE", PASSPHRASE)
    p = periods()[1]
    args = ["--lang", "en", "stats", "--vault", str(vault_file), "--from", p.start.isoformat(),
            "--to", p.end.isoformat()]
    for fmt in FORMATS:
        out = tmp_path / f"s.{fmt}"
        assert main([*args, "--format", fmt, "-o", str(out), "--min-cell", "4"]) == 0
        assert out.stat().st_size > 500
    assert json.loads((tmp_path / "s.json").read_text())["disclosure"]["min_cell"] == 4
    assert main([*args, "-o", str(tmp_path / "x.txt")]) == 2
    assert main(["stats", "--vault", str(vault_file), "--from", "2026-05-01", "--to",
                 "2026-04-01", "-o", str(tmp_path / "y.csv")]) == 2
    with pytest.raises(SystemExit):
        main(["stats", "--vault", str(vault_file), "--from", "01.05.2026", "--to",
              "2026-06-01", "-o", str(tmp_path / "y.csv")])
    assert main(["--lang", "en", "gaps", "--vault", str(vault_file), "--from", "2000-01-01",
                 "--to", p.end.isoformat(), "-o", str(tmp_path / "g.csv")]) == 0
    assert (tmp_path / "g.csv").read_text("utf-8-sig").startswith("category,")


def test_empty_and_tiny_vaults(make_vault: object, tmp_path: Path) -> None:
    """No cases at all, then one case: every format is written, nothing is recoverable, and the
    single case's numbers are all suppressed."""
    from datetime import date

    from kimdesk.domain.models import Person

    vault = make_vault(municipality="Verl")  # type: ignore[operator]
    period = Period.year(2025)
    for fmt in FORMATS:
        write(build_report(StatsQueries.of(vault), period), tmp_path / f"empty.{fmt}")
    person = vault.people.add(Person(given_name="Solo", family_name="Case",
                                     given_name_latin="Solo", family_name_latin="Case",
                                     gender="diverse", nationalities=["ER"], birth_year=1999,
                                     residence_status="duldung", municipality="Verl"))
    vault.cases.open_case(person.id, opened_on=date(2025, 3, 1), rechtskreise=["aufenthg"])
    report = build_report(StatsQueries.of(vault), period)
    p = report.protection
    for t in report.tables:
        for r in t.all_rows:
            for c in t.all_columns:
                if t.cell(r, c).value:
                    assert p.shown(t, r, c) == ".", (t.id, r, c)
    assert not recovered(report.tables, p)
    for fmt in FORMATS:
        text = file_text(write(report, tmp_path / f"one.{fmt}"))
        assert "Solo" not in text and "Case" not in text.replace("Cases", "").replace("cases", "")


@pytest.mark.parametrize(("lang", "word"), [("uk", "Кількість"), ("ar", "Statistik"),
                                            ("de", "Statistik")])
def test_pdf_language(stats_vault: object, tmp_path: Path, lang: str, word: str) -> None:
    """Ukrainian PDFs are Ukrainian (Cyrillic through Noto Sans); with an Arabic interface the
    PDF is written in German."""
    from kimdesk.i18n import language

    report = build_report(StatsQueries.of(stats_vault), periods()[1])  # type: ignore[arg-type]
    with language(lang):
        text = file_text(write(report, tmp_path / f"{lang}.pdf"))
    if lang == "uk":
        assert any("\u0400" <= ch <= "\u04ff" for ch in text)
    else:
        assert word in text


def test_pdf_embeds_every_font(exports: list[tuple]) -> None:
    """A print shop's preflight rejects fonts the PDF only names (reportlab's initial font,
    Helvetica, used to be one)."""
    from tests.handouts.helpers import pdffonts

    _report, paths = exports[0]
    fonts = pdffonts(paths["pdf"])
    assert fonts
    assert [name for name, embedded in fonts if not embedded] == []
