"""XLSForm in and out: shipped forms survive a round trip; pyxform-style forms import; anything
unsupported is reported by name."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from kimdesk.cli import main
from kimdesk.forms.checker import check_definition
from kimdesk.forms.definition import compile_form, dump_yaml
from kimdesk.forms.engine import FormState, fill_metadata
from kimdesk.forms.registry import FormRegistry
from kimdesk.forms.xlsform import export_xlsform, import_xlsform, language_code

# data/pyxform_convention.md is written the way pyxform's own tests write forms (markdown
# tables, tests_v1 conventions): multilingual labels and hints, a group, a repeat, relevance,
# a constraint, a calculation, the ``string`` alias.
PYXFORM_MD = Path(__file__).parent / "data" / "pyxform_convention.md"


@pytest.mark.parametrize("form_id", ["erstgespraech", "assessment", "hilfeplan", "verlauf",
                                     "abschluss", "einwilligung"])
def test_shipped_form_round_trip(registry: FormRegistry, tmp_path: Path, form_id: str) -> None:
    form = registry.get(form_id)
    xlsx = tmp_path / f"{form_id}.xlsx"
    export_xlsform(form.definition, xlsx)
    result = import_xlsform(xlsx)
    assert result.errors == [], [str(p) for p in result.errors]
    assert result.definition == form.definition
    assert dump_yaml(result.definition) == dump_yaml(form.definition)
    # the exported sheet is plain XLSForm: code lists are written out as ordinary choices
    wb = openpyxl.load_workbook(xlsx, read_only=True)
    assert wb.sheetnames[:3] == ["survey", "choices", "settings"]
    header = next(wb["survey"].iter_rows(values_only=True))
    assert "label::Arabic (ar)" in header and "label::German (de)" in header
    # ... which pyxform turns into an ODK XForm without a warning (what ODK and Kobo load)
    from pyxform.xls2xform import convert

    xform = convert(xlsform=str(xlsx), validate=False)
    assert xform.warnings == [] and f'id="{form_id}"' in xform.xform


def test_pyxform_convention_form_imports(tmp_path: Path) -> None:
    result = import_xlsform(PYXFORM_MD)
    assert result.errors == [], [str(p) for p in result.problems]
    d = result.definition
    assert d is not None
    assert d.settings.form_id == "pyx_test" and d.settings.version == "2024010101"
    assert d.settings.languages == ["en", "fr"] and d.settings.default_language == "en"
    types = [r.type for r in d.survey]
    assert types == ["integer", "select_one yes_no", "begin group", "text", "end group",
                     "begin repeat", "text", "integer", "end repeat", "calculate"]
    age = d.survey[0]
    assert age.label == {"en": "Age", "fr": "Âge"} and age.hint == {"en": "In years",
                                                                    "fr": "En années"}
    form, problems = check_definition(d, "pyx.md")
    assert form is not None, [str(p) for p in problems]
    state = FormState(form, {"age": 40, "has_kids": "yes",
                             "kid": [{"kid_name": "A", "kid_age": 50}, {"kid_name": "B"}]})
    assert state.relevant(form.by_name["kid"], ())
    assert state.calculated(form.by_name["n_kids"], ()) == 2.0
    assert [(i.path, i.kind) for i in state.issues()] == [("kid.0.kid_age", "constraint")]


def test_unsupported_parts_are_reported_by_name(tmp_path: Path) -> None:
    md = tmp_path / "bad.md"
    md.write_text("""
| survey   |          |       |                     |                 |               |
|          | type     | name  | label::English (en) | media::image    | bind::jr:preload |
|          | range    | where | Where?              |                 |                  |
|          | text     | photo | Photo               | pic.png         | uid              |
| settings |          |
|          | form_id  | style |
|          | bad      | pages |
""", encoding="utf-8")
    result = import_xlsform(md)
    assert result.definition is None
    reasons = " | ".join(str(p) for p in result.errors)
    assert "unsupported type 'range'" in reasons
    assert "unsupported column or setting 'bind::jr:preload'" in reasons
    assert "media" not in reasons  # kept with a warning since issue 16
    assert "'style'" not in reasons  # kept since issue 16


def test_kobo_style_workbook_imports(tmp_path: Path) -> None:
    """A KoboToolbox-like workbook: untranslated labels, start/end metadata, $kuid columns."""
    wb = openpyxl.Workbook()
    s = wb.active
    s.title = "survey"
    s.append(["type", "name", "label", "required", "relevant", "$kuid"])
    s.append(["start", "start", None, None, None, "k1"])
    s.append(["end", "end", None, None, None, "k2"])
    s.append(["username", "username", None, None, None, "k5"])
    s.append(["deviceid", "deviceid", None, None, None, "k6"])
    s.append(["select_one yn", "q1", "Haben Sie Kinder?", "true", None, "k3"])
    s.append(["integer", "q2", "Wie viele?", "false", "${q1} = 'ja'", "k4"])
    c = wb.create_sheet("choices")
    c.append(["list_name", "name", "label", "$kuid"])
    c.append(["yn", "ja", "Ja", "c1"])
    c.append(["yn", "nein", "Nein", "c2"])
    st = wb.create_sheet("settings")
    st.append(["form_title", "form_id", "version"])
    st.append(["Kobo-Test", "kobo_test", "vAbc123"])
    path = tmp_path / "kobo.xlsx"
    wb.save(path)
    result = import_xlsform(path, default_language="de")
    assert result.errors == [], [str(p) for p in result.errors]
    assert any("$kuid" in p.reason for p in result.problems)  # reported, not silently dropped
    d = result.definition
    assert d is not None and d.settings.languages == ["de"]
    assert [r.type for r in d.survey] == ["start", "end", "username", "deviceid",
                                          "select_one yn", "integer"]
    assert d.survey[4].required is True and d.survey[5].relevant == "${q1} = 'ja'"
    form = compile_form(d)
    assert FormState(form, {"q1": "nein"}).issues() == []
    answers: dict[str, object] = {"q1": "nein"}
    fill_metadata(form, answers, username="a.becker", deviceid="7F3A")
    assert answers["username"] == "a.becker" and answers["deviceid"] == "7F3A"
    assert {"start", "end"} <= set(answers)
    again = tmp_path / "again.xlsx"  # and it goes back to a spreadsheet unchanged
    export_xlsform(d, again)
    assert import_xlsform(again).definition == d


def test_cli_import_and_export(registry: FormRegistry, tmp_path: Path) -> None:
    src = registry.get("verlauf").source
    assert src is not None
    xlsx = tmp_path / "verlauf.xlsx"
    assert main(["forms", "export", str(src), "-o", str(xlsx)]) == 0
    out = tmp_path / "verlauf.yaml"
    assert main(["forms", "import", str(xlsx), "-o", str(out)]) == 0
    assert main(["forms", "check", str(out)]) == 0
    bad = tmp_path / "bad.md"
    bad.write_text("| survey |\n| | type | name | label |\n| | range | g | G |\n",
                   encoding="utf-8")
    assert main(["forms", "import", str(bad), "-o", str(tmp_path / "x.yaml")]) == 1
    assert not (tmp_path / "x.yaml").exists()


def test_language_headers() -> None:
    assert language_code("German (de)", "en") == "de"
    assert language_code("default", "de") == "de"
    assert language_code("French", "de") == "fr"
    assert language_code("Klingonisch", "de") is None


def test_cli_import_writes_nothing_when_the_check_fails(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 16: the YAML used to be written (and 'Wrote ...' printed) with exit 1."""
    md = tmp_path / "broken.md"
    md.write_text("| survey |\n| | type | name | label | relevant |\n"
                  "| | text | a | A | ${ghost} = 1 |\n", encoding="utf-8")
    out = tmp_path / "broken.yaml"
    assert main(["forms", "import", str(md), "-o", str(out)]) == 1
    assert not out.exists()
    assert "Wrote" not in capsys.readouterr().out
