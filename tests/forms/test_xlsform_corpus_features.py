"""Issue 16, the corpus round: cascading selects (choice_filter, extra choice columns),
repeat_count, relative and absolute paths (or_other's ``selected(../x, 'other')``), time and
dateTime, photo questions asked (recordings kept but not asked), columns kept for export with a
warning, form ids that are no names. Each test failed before its feature landed (the import
refused the form)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kimdesk.forms.answer_tree import AnswerTree
from kimdesk.forms.cascade import available_choices, sync_repeat_counts
from kimdesk.forms.checker import check_definition
from kimdesk.forms.engine import FormState
from kimdesk.forms.xlsform import export_xlsform, import_xlsform
from kimdesk.i18n import language
from tests.forms.test_xlsform_features import _import

CASCADE = """
| survey   |                  |          |          |                 |
|          | type             | name     | label    | choice_filter   |
|          | select_one state | state    | State    |                 |
|          | select_one dist  | district | District | st = ${state}   |
|          | select_one dist  | loose    | Loose    | stt = 'x'       |
| choices  |                  |          |          |
|          | list_name        | name     | label    | st              |
|          | state            | nrw      | NRW      |                 |
|          | state            | by       | Bayern   |                 |
|          | dist             | koeln    | Köln     | nrw             |
|          | dist             | bonn     | Bonn     | nrw             |
|          | dist             | muc      | München  | by              |
| settings |                  |          |
|          | form_id          | version  |
|          | cascade          | 1        |
"""


def test_choice_filter_offers_only_matching_choices(tmp_path: Path) -> None:
    d, form, warnings = _import(tmp_path, CASCADE)
    assert d.survey[1].choice_filter == "st = ${state}"
    assert [c.columns for c in d.choices["dist"]] == [{"st": "nrw"}, {"st": "nrw"},
                                                      {"st": "by"}]
    district = form.by_name["district"]
    offered = available_choices(FormState(form, {"state": "nrw"}), district, ())
    assert [c.name for c in offered] == ["koeln", "bonn"]
    assert available_choices(FormState(form, {}), district, ()) == []
    # an answer the filter no longer offers is reported, not dropped
    issues = FormState(form, {"state": "by", "district": "koeln"}).issues()
    assert [(i.field, i.kind) for i in issues] == [("district", "choice")]
    assert FormState(form, {"state": "by", "district": "muc"}).issues() == []
    # a bare name that is no column reads as empty (XPath), with a warning naming it
    assert available_choices(FormState(form, {}), form.by_name["loose"], ()) == []
    assert any(w.startswith("loose: choice_filter: the choice list 'dist' has no column 'stt'")
               for w in warnings)
    # the filter and the choice columns survive an export
    xlsx = tmp_path / "c.xlsx"
    export_xlsform(d, xlsx)
    with language("en"):
        assert import_xlsform(xlsx, default_language="en").definition == d


PATHS = """
| survey   |                 |           |             |                                    |
|          | type            | name      | label       | relevant                           |
|          | select_one sex  | sex       | Sex         |                                    |
|          | text            | sex_other | Specify     | selected(../sex, 'other')          |
|          | begin group     | g         | G           |                                    |
|          | text            | inner     | Inner       | /data/sex = 'other' and '../sex' != '' |
|          | end group       |           |             |                                    |
| choices  |                 |           |             |
|          | list_name       | name      | label       |
|          | sex             | female    | Female      |
|          | sex             | other     | Other       |
| settings |                 |           |
|          | form_id         | version   |
|          | paths           | 1         |
"""


def test_relative_and_absolute_paths_become_references(tmp_path: Path) -> None:
    d, form, _warnings = _import(tmp_path, PATHS)
    rows = {r.name: r for r in d.survey}
    assert rows["sex_other"].relevant == "selected(${sex}, 'other')"
    # a quoted '../sex' is text, never touched
    assert rows["inner"].relevant == "${sex} = 'other' and '../sex' != ''"
    state = FormState(form, {"sex": "other"})
    assert state.relevant(form.by_name["sex_other"], ())
    assert state.relevant(form.by_name["inner"], ())
    # from inside g, ../sex_other is data/g/sex_other: no such field; kept as written, and the
    # check refuses it by position instead of guessing
    broken = tmp_path / "b.md"
    broken.write_text(PATHS.replace("'../sex' != ''", "../sex_other != ''"), encoding="utf-8")
    with language("en"):
        result = import_xlsform(broken, default_language="en")
        assert result.definition is not None
        bad, problems = check_definition(result.definition)
    assert bad is None
    assert [p.field for p in problems if p.severity == "error"] == ["inner"]


def test_or_other_corpus_form_imports() -> None:
    path = Path(__file__).parent / "corpus" / "pyxform" / "or_other.xlsx"
    with language("en"):
        result = import_xlsform(path)
        assert result.definition is not None, [str(p) for p in result.errors]
        form, problems = check_definition(result.definition)
    assert form is not None, [str(p) for p in problems if p.severity == "error"]
    assert form.by_name["fav_color_other"].row.relevant == "selected(${fav_color}, 'other')"
    assert FormState(form, {"fav_color": "other"}).relevant(form.by_name["fav_color_other"], ())


COUNT = """
| survey   |              |        |          |              |
|          | type         | name   | label    | repeat_count |
|          | integer      | n      | How many |              |
|          | begin repeat | kid    | Kid      | ${n}         |
|          | text         | kname  | Name     |              |
|          | end repeat   |        |          |              |
| settings |              |        |
|          | form_id      | version|
|          | count        | 1      |
"""


def test_repeat_count_sets_the_number_of_instances(tmp_path: Path) -> None:
    d, form, _warnings = _import(tmp_path, COUNT)
    assert d.survey[1].repeat_count == "${n}"
    tree = AnswerTree({"n": 3})
    assert sync_repeat_counts(form, tree)
    assert tree.data["kid"] == [{}, {}, {}]
    tree.set("kname", (("kid", 0),), "Ana")
    tree.set("n", (), 1)
    assert sync_repeat_counts(form, tree)
    assert tree.data["kid"] == [{"kname": "Ana"}]
    assert not sync_repeat_counts(form, tree)
    tree.set("n", (), 10**9)  # capped, never hangs
    sync_repeat_counts(form, tree)
    assert len(tree.data["kid"]) == 500


TYPES = """
| survey   |          |        |        |          |           |
|          | type     | name   | label  | default  | required  |
|          | time     | at     | At     | 09:30:00 |           |
|          | dateTime | when   | When   |          |           |
|          | photo    | pic    | Photo  |          | yes       |
|          | barcode  | code   | Code   |          |           |
|          | hidden   | h      |        |          |           |
|          | text     | notes  | Notes  |          |           |
| settings |          |        |
|          | form_id  | version|
|          | types    | 1      |
"""


def test_time_datetime_attachments_barcode_hidden(tmp_path: Path) -> None:
    d, form, warnings = _import(tmp_path, TYPES)
    assert [r.type for r in d.survey] == ["time", "dateTime", "image", "barcode", "hidden",
                                          "text"]
    # a photo is asked (issue 16, item 8): its answer names the stored attachment
    pic = {"pic": "0b6c1f5e-3c1a-4f43-9d8e-2f0c6a1b7d10/pass.jpg"}
    assert FormState(form, {"at": "09:30:00", "when": "2026-02-20T14:30"} | pic).issues() == []
    assert FormState(form, {"at": "14:30+01:00", "when": "2026-02-20T14:30:00.000Z"} | pic
                     ).issues() == []
    bad = FormState(form, {"at": "25:00", "when": "morgen"}).issues()
    assert [(i.field, i.kind) for i in bad] == [("at", "type"), ("when", "type"),
                                                ("pic", "required")]
    bad = FormState(form, {"pic": "pass.jpg"}).issues()  # a bare name names no attachment
    assert [(i.field, i.kind) for i in bad] == [("pic", "type")]
    assert not any("attachment" in w for w in warnings)
    assert any(w.startswith("code: a barcode") for w in warnings)


KEPT = """
| survey   |          |        |        |              |              |                |
|          | type     | name   | label  | media::image | control::rows | tutorial notes |
|          | note     | intro  | Hello  | hello.png    |              | a note to self |
|          | text     | story  | Story  |              | 5            |                |
| settings |          |        |            |
|          | form_id  | version| sms_separator |
|          | Kept form| 1      | +          |
"""


def test_unused_columns_are_kept_and_named(tmp_path: Path) -> None:
    d, _form, warnings = _import(tmp_path, KEPT)
    assert d.survey[0].xlsform == {"media::image": "hello.png", "tutorial notes": "a note to self"}
    assert d.survey[1].xlsform == {"control::rows": "5"}
    assert d.settings.form_id == "Kept_form"
    assert d.settings.xlsform["sms_separator"] == "+"
    for text in ("intro: the column 'media::image' is kept for export",
                 "story: the column 'control::rows' is kept for export",
                 "settings.form_id: The form id 'Kept form' is not a name"):
        assert any(w.startswith(text) for w in warnings), (text, warnings)
    xlsx = tmp_path / "k.xlsx"
    export_xlsform(d, xlsx)
    with language("en"):
        again = import_xlsform(xlsx, default_language="en").definition
    assert again is not None and again.survey == d.survey


@pytest.mark.parametrize("name", ["bug_spaces_in_choices_header.xls", "choice_filter_test.xlsx",
                                  "repeat_date_test.xls", "default_time_demo.xls",
                                  "specify_other.xlsx", "table-list.xls", "widgets.xls"])
def test_corpus_forms_that_needed_these_features(name: str) -> None:
    path = Path(__file__).parent / "corpus" / "pyxform" / name
    with language("en"):
        result = import_xlsform(path)
        assert result.definition is not None, [str(p) for p in result.errors]
        form, problems = check_definition(result.definition)
    assert form is not None, [str(p) for p in problems if p.severity == "error"]


def test_media_only_note_is_kept_with_a_warning(tmp_path: Path) -> None:
    md = """
| survey   |          |        |        |              |
|          | type     | name   | label  | media::image |
|          | note     | pic    |        | map.png      |
|          | text     | t      | T      |              |
| settings |          |        |
|          | form_id  | version|
|          | media    | 1      |
"""
    d, _form, warnings = _import(tmp_path, md)
    assert d.survey[0].xlsform == {"media::image": "map.png"}
    assert any(w.startswith("pic: the field has only media, no label") for w in warnings)


SECTION = """
| survey   |          |        |           |
|          | type     | name   | label     |
|          | integer  | age    | How old?  |
| choices  |          |        |           |
|          | list_name| name   | label     |
|          | ok_list  | ok     | OK        |
"""

MAIN = """
| survey   |                  |          |                          |
|          | type             | name     | label                    |
|          | text             | who      | Who?                     |
|          | include          | age_part | Age                      |
|          | begin loop over yn | each   |                          |
|          | integer          | count    | How many %(label)s?      |
|          | end loop         |          |                          |
| choices  |                  |          |                          |
|          | list_name        | name     | label                    |
|          | yn               | yes      | Yes                      |
|          | yn               | no       | No                       |
| settings |                  |          |
|          | form_id          | version  |
|          | main             | 1        |
"""


def test_include_and_loop_are_expanded(tmp_path: Path) -> None:
    (tmp_path / "age_part.md").write_text(SECTION, encoding="utf-8")
    d, form, warnings = _import(tmp_path, MAIN)
    assert [(r.type, r.name) for r in d.survey] == [
        ("text", "who"), ("integer", "age"), ("begin group", "each"),
        ("begin group", "each_yes"), ("integer", "yes_count"), ("end group", ""),
        ("begin group", "each_no"), ("integer", "no_count"), ("end group", ""),
        ("end group", "")]
    assert form.by_name["no_count"].row.label == {"en": "How many No?"}
    assert any(w.startswith("age_part: the section 'age_part' is included from age_part.md")
               for w in warnings)
    assert any(w.startswith("each: loop 'each'") for w in warnings)
    # a section that is not there is refused by name (a path is no name: pyxform refuses it)
    for name, reason in (("missing", "include: the included file 'missing' (.xlsx, .xls, .csv"
                                     " or .md) is missing"),
                         ("../etc", "the 'name' value is invalid")):
        bad = tmp_path / "bad.md"
        bad.write_text(MAIN.replace("age_part", name), encoding="utf-8")
        with language("en"):
            result = import_xlsform(bad, default_language="en")
        assert result.definition is None
        assert any(reason in p.reason for p in result.errors), result.errors


def test_labels_keep_the_authors_quotes(tmp_path: Path) -> None:
    """pyxform straightens ‘ ’ “ ” in every cell; labels keep them, expressions get the straight
    quotes ODK would see."""
    md = """
| survey   |          |        |                                   |                           |
|          | type     | name   | label                             | constraint                |
|          | text     | q      | Sag „Hallo“ und “hi” und ‘x’      | . != “no”                 |
| settings |          |        |
|          | form_id  | version|
|          | quotes   | 1      |
"""
    d, form, _warnings = _import(tmp_path, md)
    assert d.survey[0].label == {"en": "Sag „Hallo“ und “hi” und ‘x’"}
    assert d.survey[0].constraint == '. != "no"'
    assert [i.kind for i in FormState(form, {"q": "no"}).issues()] == ["constraint"]


@pytest.mark.parametrize(("label", "hint", "code"), [
    ("What is your name?", "Please write your full name", "en"),
    ("Wie heißen Sie?", "Bitte den vollen Namen", "de"),
    ("Adınız nedir?", "Lütfen tam adınızı yazın", "tr"),
    ("Як вас звати?", "Чи є у вас діти?", "uk"),
    ("اسم شما چیست؟", "لطفا نام کامل", "fa"),
    ("ما اسمك؟", "الاسم الكامل", "ar"),
])
def test_untagged_texts_get_their_language(tmp_path: Path, label: str, hint: str,
                                           code: str) -> None:
    """Issue 16: an untagged ``label`` column is not German by decree; without
    --default-language the import recognises the language and says so."""
    path = tmp_path / "u.md"
    path.write_text(f"""
| survey   |          |        |          |          |
|          | type     | name   | label    | hint     |
|          | text     | q      | {label}  | {hint}   |
| settings |          |        |
|          | form_id  | version|
|          | untagged | 1      |
""", encoding="utf-8")
    with language("en"):
        result = import_xlsform(path)
    d = result.definition
    assert d is not None and d.settings.default_language == code
    assert d.survey[0].label == {code: label}
    assert any(p.field == "settings.default_language" and f"'{code}'" in p.reason
               for p in result.problems)
    with language("en"):  # the option still decides when given
        forced = import_xlsform(path, default_language="de").definition
    assert forced is not None and forced.survey[0].label == {"de": label}


def test_unrecognised_untagged_texts_fall_back_to_german_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "u.md"
    path.write_text("| survey |  |  |  |\n| | type | name | label |\n| | text | q | GPS |\n",
                    encoding="utf-8")
    with language("en"):
        result = import_xlsform(path)
    assert result.definition is not None and result.definition.settings.default_language == "de"
    assert any("could not be recognised" in p.reason for p in result.problems)


def test_label_reference_to_a_missing_field_is_refused() -> None:
    from kimdesk.forms.checker import check_data

    data = {"settings": {"form_id": "x", "version": "1", "title": {"en": "X"},
                         "default_language": "en", "languages": ["en"]},
            "survey": [{"type": "text", "name": "q", "label": {"en": "Hi ${nobody}"}}]}
    form, problems = check_data(data, "x.yaml")
    assert form is None
    assert [p.reason for p in problems if p.severity == "error"] == [
        "label: reference to a field that does not exist: ${nobody}"]


def test_arithmetic_on_numeric_choice_codes(tmp_path: Path) -> None:
    """A scale whose codes are numbers (1..3) may be summed, as in ODK; a text-coded select may
    not (the check still refuses that)."""
    md = """
| survey   |                  |        |        |                     |
|          | type             | name   | label  | calculation         |
|          | select_one scale | a      | A      |                     |
|          | select_one scale | b      | B      |                     |
|          | calculate        | total  |        | ${a} + ${b}         |
| choices  |                  |        |        |
|          | list_name        | name   | label  |
|          | scale            | 1      | low    |
|          | scale            | 2      | mid    |
|          | scale            | 3      | high   |
| settings |                  |        |
|          | form_id          | version|
|          | scale            | 1      |
"""
    _d, form, _warnings = _import(tmp_path, md)
    state = FormState(form, {"a": "2", "b": "3"})
    assert state.calculated(form.by_name["total"], ()) == 5.0
    (tmp_path / "t.md").write_text(md.replace("| 1      | low", "| lo     | low"),
                                   encoding="utf-8")
    with language("en"):
        result = import_xlsform(tmp_path / "t.md", default_language="en")
        assert result.definition is not None
        bad, problems = check_definition(result.definition)
    assert bad is None
    assert any("arithmetic '+' on a select" in p.reason for p in problems)


def test_select_one_external_takes_the_external_choices_sheet() -> None:
    path = Path(__file__).parent / "corpus" / "pyxform" / "choice_name_as_type.xls"
    with language("en"):
        result = import_xlsform(path)
        assert result.definition is not None, [str(p) for p in result.errors]
        form, problems = check_definition(result.definition)
    assert form is not None, [str(p) for p in problems if p.severity == "error"]
    atype = form.by_name["atype"]
    assert atype.row.type == "select_one type" and atype.row.choice_filter == "zone=${zone}"
    assert [c.name for c in available_choices(FormState(form, {"zone": "zone"}), atype, ())
            ] == ["a"]
    assert available_choices(FormState(form, {}), atype, ()) == []
    assert any("select_one_external: the list 'type'" in p.reason for p in result.problems)


def test_external_list_named_like_a_choice_list_osm_and_entities() -> None:
    """case_insensitivity.xlsx: a choices list and an external list both called c1 (pyxform
    keeps two namespaces), an osm question, an ODK entity declaration."""
    path = Path(__file__).parent / "corpus" / "pyxform" / "case_insensitivity.xlsx"
    with language("en"):
        result = import_xlsform(path)
        assert result.definition is not None, [str(p) for p in result.errors]
        form, problems = check_definition(result.definition)
    assert form is not None, [str(p) for p in problems if p.severity == "error"]
    assert [r.type for r in result.definition.survey] == [
        "select_one c1", "select_one c1_external", "osm"]
    q2 = form.by_name["q2"]
    assert [c.name for c in available_choices(FormState(form, {"q1": "yes"}), q2, ())] == [
        "n1-e", "n2-e"]
    reasons = [p.reason for p in [*result.problems, *problems]]
    assert any("declares an ODK entity (list 'e1')" in r for r in reasons)
    assert any("'osm' is an attachment" in r for r in reasons)


def test_select_one_external_keeps_its_paths(tmp_path: Path) -> None:
    md = """
| survey           |                         |       |       |                          |
|                  | type                    | name  | label | required                 |
|                  | text                    | zone  | Zone  |                          |
|                  | select_one_external c   | pick  | Pick  | ../zone != ''            |
| choices          |                         |       |       |
|                  | list_name               | name  | label |
|                  | c                       | x     | X     |
| external_choices |                         |       |       |
|                  | list_name               | name  | label |
|                  | c                       | y     | Y     |
| settings         |                         |       |
|                  | form_id                 | version |
|                  | ext                     | 1     |
"""
    d, _form, warnings = _import(tmp_path, md)
    pick = d.survey[1]
    assert pick.type == "select_one c_external" and pick.required == "${zone} != ''"
    assert [c.name for c in d.choices["c_external"]] == ["y"]
    assert any("imported as the ordinary choice list 'c_external'" in w for w in warnings)
