"""CSV files beside an XLSForm (issue 16): ``select_one_from_file`` offers the file's rows,
``pulldata()`` looks values up in it, the rows travel inside the installed definition (sync,
another device), export writes the file back, and a missing file is refused by name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kimdesk.forms.checker import check_definition
from kimdesk.forms.engine import FormState
from kimdesk.forms.registry import FormRegistry
from kimdesk.forms.xlsform import export_xlsform, import_xlsform
from kimdesk.i18n import language

PRICES = """name,label::English (en),label::German (de),price,kind
apple,Apple,Apfel,2.5,fruit
mango,Mango,Mango,4,fruit
leek,Leek,Lauch,1.2,veg
"""
SHOP = """| survey |  |  |  |  |  |  |
|  | type | name | label::English (en) | label::German (de) | calculation | choice_filter |
|  | select_one kinds | kind | Kind | Art | | |
|  | select_one_from_file prices.csv | item | Item | Ware | | kind = ${kind} |
|  | calculate | price | | | pulldata('prices', 'price', 'name', ${item}) | |
|  | note | show | Price: ${price} | Preis: ${price} | | |
| choices |  |  |  |  |
|  | list_name | name | label::English (en) | label::German (de) |
|  | kinds | fruit | Fruit | Obst |
|  | kinds | veg | Vegetable | Gemuese |
| settings |  |  |
|  | form_id | version |
|  | shop | 1 |
"""


def _import(folder: Path, with_csv: bool = True) -> Any:
    (folder / "shop.md").write_text(SHOP, encoding="utf-8")
    if with_csv:
        (folder / "prices.csv").write_text(PRICES, encoding="utf-8")
    with language("en"):
        return import_xlsform(folder / "shop.md")


def test_select_from_file_and_pulldata(tmp_path: Path) -> None:
    result = _import(tmp_path)
    assert result.errors == [], [str(p) for p in result.errors]
    assert result.definition is not None
    assert [r["name"] for r in result.definition.files["prices.csv"]] == ["apple", "mango",
                                                                          "leek"]
    form, problems = check_definition(result.definition)
    assert form is not None, [str(p) for p in problems if p.severity == "error"]
    item = form.by_name["item"]
    assert [(c.name, c.label["de"]) for c in form.choice_list(item)] == [
        ("apple", "Apfel"), ("mango", "Mango"), ("leek", "Lauch")]
    state = FormState(form, {"kind": "fruit", "item": "mango"})
    assert state.calculated(form.by_name["price"], ()) == "4"
    assert FormState(form, {"item": "kiwi"}).calculated(form.by_name["price"], ()) == ""


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    result = _import(tmp_path, with_csv=False)
    assert result.definition is None
    reasons = [p.reason for p in result.errors]
    assert any("'prices.csv' is missing" in r for r in reasons), reasons


def test_the_data_travels_with_the_installed_form(tmp_path: Path) -> None:
    """Installed as sync installs it (plain data in, a file in the user folder out), another
    device's registry offers the file's choices and evaluates pulldata from it."""
    result = _import(tmp_path)
    assert result.definition is not None
    device_b = tmp_path / "device_b"
    device_b.mkdir()
    FormRegistry([device_b]).install(result.definition.to_data(), device_b)
    form = FormRegistry([device_b]).get("shop")
    assert form is not None
    assert [c.name for c in form.choice_list(form.by_name["item"])] == ["apple", "mango", "leek"]
    assert FormState(form, {"item": "leek"}).calculated(form.by_name["price"], ()) == "1.2"


def test_export_writes_the_file_back(tmp_path: Path) -> None:
    result = _import(tmp_path)
    assert result.definition is not None
    out = tmp_path / "out"
    out.mkdir()
    export_xlsform(result.definition, out / "shop.xlsx")
    assert (out / "prices.csv").is_file()
    with language("en"):
        again = import_xlsform(out / "shop.xlsx")
    assert again.definition is not None, [str(p) for p in again.errors]
    assert again.definition.files == result.definition.files
    assert again.definition.survey[1].type == "select_one prices.csv"


@pytest.mark.parametrize("name", ["places.xml", "areas.geojson"])
def test_xml_and_geojson_files_are_refused_by_name(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_text("<x/>", encoding="utf-8")
    (tmp_path / "f.md").write_text(
        "| survey | | | |\n| | type | name | label |\n"
        f"| | select_one_from_file {name} | q | Q |\n", encoding="utf-8")
    with language("en"):
        result = import_xlsform(tmp_path / "f.md", default_language="en")
    assert any(f"'{name}': only CSV files are supported" in p.reason for p in result.errors)


def test_the_form_view_offers_the_files_choices(qtbot: Any, tmp_path: Path) -> None:
    """The renderer shows the CSV's rows as choices (filtered by choice_filter over the CSV's
    own columns) and the note shows the pulldata() value of the chosen row."""
    pytest.importorskip("pytestqt")
    from PySide6.QtWidgets import QRadioButton

    from kimdesk.gui.forms import FormWidget
    from kimdesk.gui.forms.bilingual import Cell

    result = _import(tmp_path)
    form, _problems = check_definition(result.definition)
    assert form is not None
    w = FormWidget(form, ui_language="de")
    qtbot.addWidget(w)
    kind, item = w.editor("kind"), w.editor("item")
    assert kind is not None and item is not None
    fruit = kind.findChild(QRadioButton, "choice:fruit")
    assert fruit is not None
    fruit.click()
    shown = {b.objectName().split(":", 1)[1]: b.text() for b in item.findChildren(QRadioButton)
             if b.isVisibleTo(item)}
    assert set(shown) == {"apple", "mango"}
    mango = item.findChild(QRadioButton, "choice:mango")
    assert mango is not None
    mango.click()
    cell, _client = w.cells("show")
    assert isinstance(cell, Cell)
    assert cell.label.text() == "Preis: 4"
    w.resize(600, 400)
    w.grab().save(str(tmp_path / "datafiles.png"))


def test_select_multiple_from_file_round_trips(tmp_path: Path) -> None:
    (tmp_path / "prices.csv").write_text(PRICES, encoding="utf-8")
    (tmp_path / "f.md").write_text(
        "| survey | | | |\n| | type | name | label |\n"
        "| | select_multiple_from_file prices.csv | basket | Basket |\n", encoding="utf-8")
    with language("en"):
        result = import_xlsform(tmp_path / "f.md", default_language="en")
        assert result.definition is not None, [str(p) for p in result.errors]
        form, _problems = check_definition(result.definition)
        assert form is not None
        assert len(form.choice_list(form.by_name["basket"])) == 3
        out = tmp_path / "out"
        out.mkdir()
        export_xlsform(result.definition, out / "f.xlsx")
        import openpyxl

        sheet = openpyxl.load_workbook(out / "f.xlsx")["survey"]
        assert sheet.cell(2, 1).value == "select_multiple_from_file prices.csv"
        again = import_xlsform(out / "f.xlsx")
    assert again.definition is not None and again.definition.to_data() == (
        result.definition.to_data())
