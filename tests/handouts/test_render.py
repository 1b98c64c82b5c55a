"""Every template in every language renders; errors name their cause and leave no PDF behind."""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pypdf
import pytest

from kimdesk.handouts.data import GoalRow, HandoutData, ReferralRow
from kimdesk.handouts.render import render_handout, write_pdf
from kimdesk.handouts.templates import LANGUAGES, HandoutError, handouts_dir, template_names


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_template_renders_bilingual(lang: str) -> None:
    for name in template_names():
        pdf = render_handout(name, lang, "de" if lang != "de" else "en")
        reader = pypdf.PdfReader(io.BytesIO(pdf))
        assert 1 <= len(reader.pages) <= 2, (name, lang)
        assert reader.metadata is not None and reader.metadata.title


def test_draft_languages_are_marked_on_every_page() -> None:
    pdf = render_handout("consent", "ti", "de")
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        text = page.extract_text()
        assert "ረቂቕ ትርጉም" in text  # ti: "draft translation"
        assert "Übersetzungsentwurf" not in text  # German is the source, not a draft


def full_data() -> HandoutData:
    return HandoutData(
        {"client_name": "محمد الأحمد (Mohammed Al-Ahmad)", "case_number": "2026-AB12-000042",
         "counselor": "a.becker", "team": "Team Nord", "municipality": "Paderborn",
         "recipients": "Jobcenter Paderborn, Ausländerbehörde"},
        goals=tuple(GoalRow(f"Ziel Nummer {i}: Deutschkurs B1 abschließen und Zertifikat holen",
                            "Anmeldung beim Kursträger; Fahrkarte beantragen; Kinderbetreuung",
                            "Klient und Case Management", "15.03.2027") for i in range(1, 9)),
        referrals=(ReferralRow("Jobcenter Paderborn", "Am Hoppenhof 33, 33104 Paderborn",
                               "Mo-Fr 8-12 Uhr", "05251 1200", "Pass, Bescheide"),),
    )


def test_long_goal_list_flows_onto_a_second_page() -> None:
    pdf = render_handout("goals", "ar", "de", full_data())
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 2
    assert "Ziel Nummer 1" in reader.pages[0].extract_text()
    assert "Ziel Nummer 8" in reader.pages[-1].extract_text()
    assert "Ziel Nummer 8" not in reader.pages[0].extract_text()


def test_filled_from_a_real_case(demo_vault) -> None:
    from kimdesk.handouts.data import load_case_data

    case_id = next(
        c.id for c in demo_vault.cases.where() if demo_vault.goals.for_case(c.id)
    )
    data = load_case_data(demo_vault, case_id)
    case = demo_vault.cases.get(case_id)
    assert data.values["case_number"] == case.case_number and data.goals
    text = "".join(p.extract_text() for p in pypdf.PdfReader(
        io.BytesIO(render_handout("goals", "fa", "de", data))).pages)
    assert case.case_number in text
    assert data.goals[0].goal.split()[0] in text


# -- errors ------------------------------------------------------------------------------------

@pytest.fixture
def resources_copy(tmp_path: Path) -> tuple[Path, Path]:
    templates = tmp_path / "templates"
    texts = tmp_path / "texts"
    shutil.copytree(handouts_dir() / "templates", templates)
    shutil.copytree(handouts_dir() / "texts", texts)
    return templates, texts


def render_into(out: Path, templates: Path, texts: Path, name: str = "appointment",
                lang: str = "ar") -> None:
    render_handout(name, lang, "de", out=out, templates_dir=templates, texts_dir=texts)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("id: appointment\ntitle: appointment.title\nblocks: [\n", "malformed"),
        ("- just a list\n", "top level must be a mapping"),
        ("id: appointment\ntitle: appointment.title\nblocks: []\n", "non-empty list"),
        ("id: appointment\ntitle: appointment.title\nblocks:\n  - {type: poster, text: x}\n",
         "unknown type 'poster'"),
        ("id: appointment\ntitle: appointment.title\nblocks:\n  - {type: paragraph}\n",
         "needs 'text'"),
        ("id: appointment\ntitle: appointment.title\nblocks:\n"
         "  - {type: field, label: common.name, value: passport_number}\n",
         "unknown value 'passport_number'"),
    ],
)
def test_malformed_template_names_the_file(resources_copy, tmp_path: Path, content: str,
                                           reason: str) -> None:
    templates, texts = resources_copy
    (templates / "appointment.yaml").write_text(content, encoding="utf-8")
    out = tmp_path / "out.pdf"
    with pytest.raises(HandoutError) as err:
        render_into(out, templates, texts)
    message = err.value.translated()
    assert "appointment.yaml" in message and reason in message
    assert not out.exists()


def test_missing_translation_names_language_and_key(resources_copy, tmp_path: Path) -> None:
    templates, texts = resources_copy
    path = texts / "ar.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  appointment.cancel:", "  x.y:"),
                    encoding="utf-8")
    out = tmp_path / "out.pdf"
    with pytest.raises(HandoutError) as err:
        render_into(out, templates, texts)
    message = err.value.translated()
    assert "ar" in message and "appointment.cancel" in message and "ar.yaml" in message
    assert not out.exists()


def test_placeholders_must_match_the_german_text(resources_copy, tmp_path: Path) -> None:
    templates, texts = resources_copy
    path = texts / "fa.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("{pages}", "{total}"),
                    encoding="utf-8")
    with pytest.raises(HandoutError, match=r"common\.page must use the placeholders"):
        render_into(tmp_path / "out.pdf", templates, texts, lang="fa")


def test_unknown_template_and_language() -> None:
    with pytest.raises(HandoutError, match="Unknown handout template poster"):
        render_handout("poster", "de")
    with pytest.raises(HandoutError, match="No handout text in language xx"):
        render_handout("contact", "xx")


def test_failed_render_keeps_the_previous_file(resources_copy, tmp_path: Path) -> None:
    templates, texts = resources_copy
    out = tmp_path / "handout.pdf"
    render_into(out, templates, texts)
    before = out.read_bytes()
    (templates / "appointment.yaml").write_text("blocks: {", encoding="utf-8")
    with pytest.raises(HandoutError):
        render_into(out, templates, texts)
    assert out.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["handout.pdf", "templates", "texts"]


def test_failed_write_leaves_no_temporary_file(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "taken"
    target.mkdir()  # a folder where the PDF should go: told before anything is written
    with pytest.raises(HandoutError, match="is a folder"):
        write_pdf(b"%PDF-1.4 test", target)
    assert os.listdir(tmp_path) == ["taken"] and os.listdir(target) == []
    with pytest.raises(HandoutError, match=r"folder .*missing does not exist"):
        write_pdf(b"%PDF-1.4 test", tmp_path / "missing" / "x.pdf")

    def refuse(*_args: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("kimdesk.vault.files.os.replace", refuse)  # the final rename fails
    with pytest.raises(HandoutError, match="Cannot write"):
        write_pdf(b"%PDF-1.4 test", tmp_path / "x.pdf")
    assert os.listdir(tmp_path) == ["taken"]


def test_write_replaces_atomically(tmp_path: Path) -> None:
    out = tmp_path / "x.pdf"
    out.write_bytes(b"%PDF-old")  # only a PDF is replaced (test_output.py)
    write_pdf(b"%PDF-new", out)
    assert out.read_bytes() == b"%PDF-new" and os.listdir(tmp_path) == ["x.pdf"]


def test_a_row_taller_than_a_page_is_cut_between_lines(tmp_path: Path) -> None:
    from tests.handouts.helpers import norm, pdftotext

    steps = " ".join(f"Schritt{i:03d} erledigen und Nachweis vorlegen." for i in range(260))
    data = HandoutData({"case_number": "2026-LONG-1"},
                       goals=(GoalRow("Sehr langes Ziel", steps, "Klientin", "01.01.2027"),))
    out = tmp_path / "long.pdf"
    render_handout("goals", "ar", "de", data, out)
    reader = pypdf.PdfReader(out)
    assert len(reader.pages) >= 3
    text = norm(pdftotext(out))
    for i in (0, 100, 259):  # beginning, middle and end of the long text all printed
        assert f"Schritt{i:03d}" in text
    # nothing drawn into the footer band or off the page
    from kimdesk.handouts.render import MARGIN_BOTTOM, PAGE_H

    bbox = pdftotext(out, "-bbox")
    import re

    for y_max in map(float, re.findall(r'yMax="([\d.]+)"', bbox)):
        assert y_max <= PAGE_H - MARGIN_BOTTOM + 2 or y_max >= PAGE_H - MARGIN_BOTTOM + 25


def test_a_heading_does_not_end_a_page() -> None:
    from kimdesk.handouts.render import MARGIN_BOTTOM, MARGIN_TOP, PAGE_H, _paginate, prepare

    prepared = prepare("documents", "uk", "de")
    pages = _paginate(prepared.rows, PAGE_H - MARGIN_TOP - MARGIN_BOTTOM)
    assert all(not page[-1].keep_with_next for page in pages)
    tiny = _paginate(prepared.rows, 120.0)  # a small page forces many breaks
    assert all(not page[-1].keep_with_next for page in tiny[:-1])


def test_pdf_declares_the_client_language() -> None:
    reader = pypdf.PdfReader(io.BytesIO(render_handout("contact", "fa", "de")))
    assert reader.root_object["/Lang"] == "fa"


def test_new_files_are_private_and_replaced_files_keep_their_mode(tmp_path: Path) -> None:
    import stat

    fresh = tmp_path / "new.pdf"
    write_pdf(b"%PDF-x", fresh)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o600
    shared = tmp_path / "shared.pdf"
    shared.write_bytes(b"%PDF-old")
    shared.chmod(0o640)
    write_pdf(b"%PDF-y", shared)
    assert stat.S_IMODE(shared.stat().st_mode) == 0o640


def test_handout_language_from_the_persons_languages() -> None:
    from kimdesk.handouts.data import handout_language

    assert handout_language("ti", ["ti", "de"]) == "ti"
    assert handout_language("ckb", ["ckb", "ar"]) == "ar"  # no Sorani text: Arabic next
    assert handout_language("prs", []) == "fa"  # Dari readers get Persian
    assert handout_language(None, ["zh"]) is None


def test_unknown_layout() -> None:
    with pytest.raises(HandoutError, match="Unknown handout layout"):
        render_handout("contact", "ar", "de", layout="diagonal")


def test_data_in_a_script_without_a_bundled_font_still_renders() -> None:
    """Chinese in a typed value (no bundled font has it) prints "[…]" and the handout is made
    (tests/handouts/test_scripts.py: a name prints its Latin form)."""
    data = HandoutData({"client_name": "王小明 (Wang Xiaoming)", "case_number": "1"})
    text = pypdf.PdfReader(io.BytesIO(render_handout("consent", "de", data=data))).pages[0]
    assert "[…] (Wang Xiaoming)" in text.extract_text()
