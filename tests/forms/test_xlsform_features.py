"""Issue 16, point 3: features real XLSForms need are imported, kept and noted instead of
refused (settings ``style``, appearances, geopoint, groups without a label, language headers,
labels missing in a language, phone metadata)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kimdesk.forms.checker import check_definition
from kimdesk.forms.definition import compile_form
from kimdesk.forms.engine import FormState, fill_metadata
from kimdesk.forms.xlsform import export_xlsform, import_xlsform
from kimdesk.i18n import language


def _import(tmp_path: Path, md: str, name: str = "f.md") -> tuple:
    path = tmp_path / name
    path.write_text(md, encoding="utf-8")
    with language("en"):
        result = import_xlsform(path, default_language="en")
        assert result.errors == [], [str(p) for p in result.errors]
        assert result.definition is not None
        form, problems = check_definition(result.definition)
    assert form is not None, [str(p) for p in problems if p.severity == "error"]
    warnings = [f"{p.field}: {p.reason}" for p in [*result.problems, *problems]
                if p.severity == "warning"]
    return result.definition, form, warnings


KOBO = """
| survey   |               |        |                  |             |          |
|          | type          | name   | label            | appearance  | required |
|          | start         | start  |                  |             |          |
|          | phonenumber   | phone  |                  |             |          |
|          | audit         | audit  |                  |             |          |
|          | begin group   | page1  |                  | field-list  |          |
|          | select_one yn | ok     | Everything fine? | likert      | yes      |
|          | date          | when   | When?            | month-year  |          |
|          | end group     |        |                  |             |          |
|          | begin repeat  | member |                  |             |          |
|          | text          | mname  | Name             |             |          |
|          | end repeat    |        |                  |             |          |
|          | gps           | where  | Where?           |             | yes      |
| choices  |               |        |                  |
|          | list_name     | name   | label            |
|          | yn            | yes    | Yes              |
|          | yn            | no     | No               |
| settings |               |        |                  |
|          | form_id       | version| style            |
|          | kobo          | 3      | theme-grid pages |
"""


def test_kobo_form_with_style_appearances_geopoint_and_metadata(tmp_path: Path) -> None:
    d, form, warnings = _import(tmp_path, KOBO)
    # style: kept for export, not used, and said so
    assert d.settings.xlsform == {"style": "theme-grid pages"}
    assert ("settings.style: the web form style 'theme-grid pages' is kept for export;"
            " KIMdesk's form view does not use it") in warnings
    # appearances kept on the rows, each not-honoured one named
    assert [r.appearance for r in d.survey if r.name in {"page1", "ok", "when"}] == [
        "field-list", "likert", "month-year"]
    assert any(w.startswith("page1: appearance 'field-list' is kept") for w in warnings)
    # group and repeat without a label are fine
    assert form.by_name["page1"].row.label == {} and form.by_name["member"].kind == "repeat"
    # gps is a geopoint: typed coordinates, optional although the sheet says required
    assert form.by_name["where"].kind == "geopoint"
    assert FormState(form, {"ok": "yes"}).issues() == []
    assert FormState(form, {"ok": "yes", "where": "50.94 6.96"}).issues() == []
    assert [i.kind for i in FormState(form, {"ok": "yes", "where": "Köln"}).issues()] == ["type"]
    # phone metadata kept, hidden, never filled; start filled as before
    assert any(w.startswith("phone: 'phonenumber' is a phone's metadata") for w in warnings)
    answers: dict[str, object] = {}
    fill_metadata(form, answers, username="u", deviceid="d")
    assert set(answers) == {"start"}
    # and all of it comes back out of an export
    xlsx = tmp_path / "kobo.xlsx"
    export_xlsform(d, xlsx)
    with language("en"):
        again = import_xlsform(xlsx, default_language="en").definition
    assert again == d


LANGS = """
| survey   |         |       |          |            |            |                |
|          | type    | name  | label::en | label::Français | label::العربية | label::Tetun |
|          | text    | name  | Name      | Nom             | الاسم          | Naran        |
|          | integer | age   | Age       |                 | العمر          | Idade        |
| settings |         |        |
|          | form_id | version | default_language |
|          | langs   | 1       | en               |
"""


def test_language_headers_and_missing_labels(tmp_path: Path) -> None:
    d, form, warnings = _import(tmp_path, LANGS)
    assert d.settings.languages == ["en", "fr", "ar", "tet"]
    assert d.survey[0].label == {"en": "Name", "fr": "Nom", "ar": "الاسم", "tet": "Naran"}
    # a label missing in one language falls back to the default language, with a warning
    assert "age: label missing in language fr; the en text is shown" in warnings
    assert form.label(form.by_name["age"], "fr") == "Age"


def test_unmappable_language_is_kept_under_its_name(tmp_path: Path) -> None:
    md = LANGS.replace("label::Tetun", "label::Klingonisch")
    d, _form, warnings = _import(tmp_path, md)
    assert "Klingonisch" in d.settings.languages
    assert d.survey[0].label["Klingonisch"] == "Naran"
    assert any("'Klingonisch' is not a known language name" in w for w in warnings)


def test_all_columns_tagged_without_the_default_language(tmp_path: Path) -> None:
    md = """
| survey |      |      |                     |
|        | type | name | label::English (en) |
|        | text | q    | Question            |
"""
    path = tmp_path / "en.md"
    path.write_text(md, encoding="utf-8")
    with language("en"):
        result = import_xlsform(path)  # default_language de, but every text is English
    d = result.definition
    assert d is not None and d.settings.default_language == "en"
    assert check_definition(d)[0] is not None
    assert any("'en', becomes its default language" in p.reason for p in result.problems)


def test_compiled_geopoint_without_answer_is_not_required(tmp_path: Path) -> None:
    d, _form, _w = _import(tmp_path, KOBO)
    form = compile_form(d)
    assert not FormState(form, {}).required(form.by_name["where"], ())


@pytest.mark.parametrize(("rows", "expected"), [
    ("| type | name | label |\n| xyz | q | Q |", "of type 'xyz' that XLSForm does not define"),
    ("| type | name | label |\n| begin group | g | G |\n| text | q | Q |",
     "unmatched 'begin group' 'g'"),
    ("| type | name | label |\n| text | q | Q |\n| end group | | |", "unmatched 'end group'"),
    ("| type | name | label |\n| calculate | c | |", "has no calculation"),
])
def test_pyxform_refusals_name_row_and_feature(tmp_path: Path, rows: str,
                                               expected: str) -> None:
    """pyxform's refusals become KIMdesk's sentences naming the row and feature (issue 16),
    pyxform's own text kept as the detail."""
    path = tmp_path / "form.md"
    path.write_text("| survey |\n" + "\n".join(f"| {line}" for line in rows.splitlines()) + "\n",
                    encoding="utf-8")
    with language("en"):
        result = import_xlsform(path)
    assert result.definition is None
    reason = result.errors[0].reason
    assert expected in reason, reason
    if "xyz" not in rows:  # pyxform refused these: its text follows as the detail
        assert reason.startswith("Row ") and "(pyxform: [row : " in reason, reason
