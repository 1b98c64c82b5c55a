"""Shipped forms, the checker's problem reports, the registry's versioning and loading."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml

from kimdesk.cli import main
from kimdesk.forms.checker import check_data, check_file
from kimdesk.forms.definition import INPUT_TYPES
from kimdesk.forms.registry import FormRegistry, FormUnavailable, definition_files, shipped_dir
from tests.forms.conftest import LANGS, small, texts

SHIPPED = ["erstgespraech", "assessment", "hilfeplan", "verlauf", "abschluss", "einwilligung"]


def test_every_shipped_form_is_there_and_clean(registry: FormRegistry) -> None:
    assert registry.unavailable == []
    assert sorted(registry.ids()) == sorted(SHIPPED)
    for path in definition_files(shipped_dir()):
        form, problems = check_file(path)
        assert form is not None, path
        assert problems == [], [str(p) for p in problems]  # not even a warning


def test_every_label_exists_in_every_shipped_language(registry: FormRegistry) -> None:
    for form in registry.latest():
        assert form.languages == LANGS
        for lang in LANGS:
            assert form.title(lang) and form.definition.settings.title[lang]
        for f in form.walk():
            row = f.row
            if f.kind in INPUT_TYPES | {"note", "group", "repeat"}:
                assert set(row.label) == set(LANGS), (form.form_id, f.name)
            for texts_ in (row.hint, row.constraint_message, row.required_message):
                assert not texts_ or set(texts_) == set(LANGS), (form.form_id, f.name)
            for c in form.choice_list(f):
                assert all(c.label.get(lang) for lang in LANGS), (form.form_id, c.name)


def test_consent_form_is_marked_not_legally_reviewed(registry: FormRegistry) -> None:
    form = registry.get("einwilligung")
    assert form.definition.settings.legal_text
    assert all(form.legal_unreviewed(lang) for lang in LANGS)
    purposes = {c.name for c in form.choices["purposes"]}
    assert {"case_management", "share_with_agency", "special_categories"} <= purposes
    names = set(form.by_name)
    assert {"recipients", "data_categories", "special_categories", "voluntary", "revocation"} \
        <= names


def test_code_lists_come_from_cldr(registry: FormRegistry) -> None:
    form = registry.get("erstgespraech")
    countries = {c.name: c.label for c in form.choices["countries"]}
    assert countries["SY"]["de"] == "Syrien"
    assert countries["SY"]["ar"] == "سوريا"
    assert countries["UA"]["uk"] == "Україна"
    assert len(countries) > 240
    langs = {c.name: c.label for c in form.choices["languages"]}
    assert langs["fa"]["de"] == "Persisch" and "ckb" in langs
    legal = {c.name: c.label for c in form.choices["legal"]}
    assert legal["sgb2"]["en"] == "SGB II (Jobcenter)"


def _problems(data: dict) -> list[str]:
    _form, problems = check_data(data, "f.yaml")
    return [str(p) for p in problems if p.severity == "error"]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d["survey"].append({"type": "range", "name": "where",
                                       "label": texts("Wo")}),
         "f.yaml: where: error: unknown or unsupported type 'range'"),
        (lambda d: d["survey"].append({"type": "select_one nolist", "name": "s",
                                       "label": texts("S")}),
         "f.yaml: s: error: dangling choice list 'nolist'"),
        (lambda d: d["survey"].append({"type": "text", "name": "x", "label": texts("X"),
                                       "relevant": "${ghost} = 1"}),
         "f.yaml: x: error: relevant: reference to a field that does not exist: ${ghost}"),
        (lambda d: d["survey"].extend([
            {"type": "calculate", "name": "c1", "calculation": "${c2} + 1"},
            {"type": "calculate", "name": "c2", "calculation": "${c1} + 1"}]),
         "cyclic expression"),
        (lambda d: d["survey"].extend([
            {"type": "text", "name": "nick", "label": texts("N")},
            {"type": "text", "name": "t", "label": texts("T"), "relevant": "${nick} + 1 > 2"}]),
         "ill-typed expression"),
        (lambda d: d["survey"][0].update(label={}),
         "f.yaml: age: error: label missing in every language"),
        (lambda d: d["survey"].append({"type": "text", "name": "y", "label": texts("Y"),
                                       "constraint": "1 +"}),
         "f.yaml: y: error: constraint:"),
        (lambda d: d["survey"].append({"type": "text", "name": "age", "label": texts("A")}),
         "used twice"),
        (lambda d: d["survey"].insert(0, {"type": "end group"}), "without a matching begin"),
        (lambda d: d["survey"][0].update({"colour": "red"}),
         "f.yaml: age.colour: error: unsupported column/key 'colour'"),
        (lambda d: d.update(choices={"yn": {"codelist": "planets"}}), "unknown code list"),
        (lambda d: d["survey"][1].update(default="vielleicht"),
         "f.yaml: kids: error: default 'vielleicht' is not a valid answer of this field"),
        (lambda d: d["survey"][0].update(default="${kids}"), "default: only expressions"),
    ],
)
def test_checker_reports_file_field_and_reason(mutate, expected: str) -> None:
    data = copy.deepcopy(small())
    assert _problems(data) == []
    mutate(data)
    found = _problems(data)
    assert any(expected in p for p in found), found


def test_malformed_files_never_crash(tmp_path: Path) -> None:
    bad = {
        "syntax.yaml": "settings: [unclosed",
        "list.yaml": "- just\n- a list\n",
        "empty.yaml": "",
        "types.json": json.dumps({"settings": {"form_id": 3}, "survey": "no"}),
        "binary.yaml": "\x00\x01\x02",
    }
    for name, text in bad.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "good.yaml").write_text(yaml.safe_dump(small()), encoding="utf-8")
    registry = FormRegistry([tmp_path])
    assert registry.ids() == ["t"]
    assert sorted(u.path.name for u in registry.unavailable) == sorted(bad)
    assert all(u.reason for u in registry.unavailable)


def test_versions_are_kept_and_immutable(tmp_path: Path) -> None:
    v1 = small()
    v2 = copy.deepcopy(small())
    v2["settings"]["version"] = "2"
    v2["survey"][0]["label"] = texts("Alter in Jahren", "Age in years")
    (tmp_path / "t1.yaml").write_text(yaml.safe_dump(v1), encoding="utf-8")
    registry = FormRegistry([tmp_path])
    installed = registry.install(v2, tmp_path / "synced")
    assert registry.versions("t") == ["1", "2"]
    assert registry.get("t").version == "2"
    assert registry.get("t", "1").label(registry.get("t", "1").by_name["age"], "de") == "Alter"
    assert installed.source is not None and installed.source.exists()
    assert registry.install(v2, tmp_path / "synced").version == "2"  # same content: no-op
    v2b = copy.deepcopy(v2)
    v2b["survey"][0]["label"] = texts("anders")
    with pytest.raises(FormUnavailable):
        registry.install(v2b, tmp_path / "synced")
    with pytest.raises(FormUnavailable):
        registry.install({"settings": {}}, tmp_path / "synced")
    again = FormRegistry([tmp_path])  # a fresh start finds the synced version too
    assert again.versions("t") == ["1", "2"]
    with pytest.raises(FormUnavailable):
        again.get("t", "9")


def test_version_order_is_numeric(tmp_path: Path) -> None:
    for v in ["9", "10", "2"]:
        d = small()
        d["settings"]["version"] = v
        (tmp_path / f"t{v}.yaml").write_text(yaml.safe_dump(d), encoding="utf-8")
    assert FormRegistry([tmp_path]).versions("t") == ["2", "9", "10"]


def test_cli_check_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shipped = sorted(str(p) for p in definition_files(shipped_dir()))
    assert main(["forms", "check", *shipped]) == 0
    broken = copy.deepcopy(small())
    broken["survey"].append({"type": "select_one nolist", "name": "s", "label": texts("S")})
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(broken), encoding="utf-8")
    capsys.readouterr()
    assert main(["forms", "check", str(path)]) == 1
    err = capsys.readouterr().err
    assert "broken.yaml: s: error: dangling choice list 'nolist'" in err


def test_agency_directory_from_the_vault(tmp_path: Path) -> None:
    from kimdesk.domain.codes import AgencyType
    from kimdesk.domain.models import Agency

    data = small()
    data["survey"].append({"type": "select_one ag", "name": "ag", "label": texts("Stelle")})
    data["choices"]["ag"] = {"codelist": "agency"}
    (tmp_path / "t.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    demo = FormRegistry([tmp_path]).get("t")
    assert "demo-jobcenter" in {c.name for c in demo.choices["ag"]}
    own = Agency(name="Jobcenter Kreis Kleve", agency_type=AgencyType.JOBCENTER)
    form = FormRegistry([tmp_path], agencies=[own]).get("t")
    assert [(c.name, c.label["de"]) for c in form.choices["ag"]] == [
        (own.id, "Jobcenter Kreis Kleve")]


def test_cli_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("KIMDESK_FORMS_DIR", str(tmp_path / "user"))
    v2 = copy.deepcopy(small())
    v2["settings"]["version"] = "2"
    good = tmp_path / "t2.yaml"
    good.write_text(yaml.safe_dump(v2), encoding="utf-8")
    assert main(["forms", "install", str(good)]) == 0
    assert (tmp_path / "user" / "t.v2.yaml").exists()
    assert main(["forms", "install", str(good)]) == 0  # the same again: nothing changes
    v2["survey"][0]["label"] = texts("anders")
    good.write_text(yaml.safe_dump(v2), encoding="utf-8")
    capsys.readouterr()
    assert main(["forms", "install", str(good)]) == 1  # same version, other content: refused
    assert "new version" in capsys.readouterr().err
    registry = FormRegistry()
    assert "2" in registry.versions("t")


@pytest.mark.parametrize(("lang", "before", "after"), [
    ("de", "Dänisch", "Dzongkha"),  # issue 18: "Dänisch" came after "Dzongkha"
    ("de", "Dänisch", "Deutsch"),
    ("fa", "بلغاری", "پشتو"),  # پ right after ب, not after ی
    ("uk", "англійська", "японська"),
])
def test_language_names_sort_as_a_reader_expects(lang: str, before: str, after: str) -> None:
    from kimdesk.forms.codelists import resolve

    labels = [c.label[lang] for c in resolve("language", [lang])]
    assert before in labels and after in labels
    assert labels.index(before) < labels.index(after)
