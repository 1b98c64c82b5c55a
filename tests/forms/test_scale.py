"""``forms check`` is linear in the number of questions (issue 16: 5,000 questions took 61 s,
27 of 32 s in a per-field walk over every field) and refuses absurd sizes with a message."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from kimdesk.forms import checker
from kimdesk.forms.definition import Field, FormDefinition
from kimdesk.forms.xlsform import import_xlsform
from kimdesk.i18n import language


def big(n: int) -> FormDefinition:
    """n integer questions in repeats of 50; each one's relevance reads the NEXT question, so
    the cycle search meets one dependency chain n fields deep."""
    rows: list[dict[str, Any]] = []
    for i in range(n):
        if i % 50 == 0:
            rows.append({"type": "begin repeat", "name": f"r{i}", "label": {"de": "R"}})
        rows.append({"type": "integer", "name": f"q{i}", "label": {"de": f"Frage {i}"},
                     "relevant": f"${{q{i + 1}}} > 0" if i < n - 1 else "",
                     "constraint": ". >= 0"})
        if i % 50 == 49 or i == n - 1:
            rows.append({"type": "end repeat"})
    return FormDefinition.model_validate({
        "settings": {"form_id": "big", "version": "1", "title": {"de": "B"},
                     "languages": ["de"]},
        "survey": rows})


def _field_visits(monkeypatch: pytest.MonkeyPatch, n: int) -> int:
    """How many times the check visits a field node through Field.walk."""
    visits = 0
    original = Field.walk

    def counting(self: Field) -> Iterator[Field]:
        nonlocal visits
        visits += 1
        yield from original(self)

    definition = big(n)
    with monkeypatch.context() as m:
        m.setattr(Field, "walk", counting)
        form, problems = checker.check_definition(definition)
    assert form is not None, [str(p) for p in problems][:5]
    return visits


def test_check_is_linear(monkeypatch: pytest.MonkeyPatch) -> None:
    small = _field_visits(monkeypatch, 2_000)
    large = _field_visits(monkeypatch, 20_000)
    # linear: 10x the questions, about 10x the work; the old check was 100x (quadratic)
    assert large <= 12 * small, (small, large)


def test_size_limit_has_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checker, "MAX_ROWS", 100)
    form, problems = checker.check_definition(big(150))
    assert form is None
    with language("de"):  # a reason reads in the language current when it is shown
        assert [p.reason for p in problems] == [
            "Das Formular hat mehr als 100 Zeilen, mehr als KIMdesk aufnimmt: bitte in mehrere"
            " Formulare aufteilen."]


def test_import_refuses_a_huge_sheet_before_pyxform(monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    monkeypatch.setattr(checker, "MAX_ROWS", 100)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "survey"
    ws.append(["type", "name", "label"])
    for i in range(200):
        ws.append(["text", f"q{i}", f"Q {i}"])
    path = tmp_path / "huge.xlsx"
    wb.save(path)
    with language("en"):
        result = import_xlsform(path)
    assert result.definition is None
    assert [p.reason for p in result.problems] == [
        "The form has more than 100 rows, more than KIMdesk takes: split it into several forms."]


@pytest.mark.parametrize(("content", "name", "expected"), [
    (b"", "empty.xlsx", "The file is empty (0 bytes): not a form."),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "old.xlsx",
     "The file is an old-format Excel workbook (.xls) with the name .xlsx: rename it to .xls or"
     " save it again as .xlsx."),
    (b"<!DOCTYPE html><html>Login</html>", "page.xlsx",
     "The file is not an Excel workbook; it looks like a web page (HTML)."),
])
def test_import_says_what_the_file_really_is(tmp_path: Path, content: bytes, name: str,
                                             expected: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with language("en"):
        result = import_xlsform(path)
    assert result.definition is None
    assert [p.reason for p in result.problems] == [expected]


def _import_calls(tmp_path: Path, n: int) -> int:
    """Python function calls made by KIMdesk's own import code (kimdesk/forms, not pyxform)
    for an XLSForm of n questions (selects, skip logic, constraints, a repeat, calculations):
    a count, so the test does not depend on the machine's speed."""
    import importlib.util
    import sys

    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("forms_import_bench",
                                                  root / "benchmarks" / "forms_import_bench.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    path = tmp_path / f"f{n}.xlsx"
    bench.write_form(path, n)
    ours = str(root / "kimdesk" / "forms")
    calls = 0

    def profile(frame: Any, event: str, _arg: Any) -> None:
        nonlocal calls
        if event == "call" and frame.f_code.co_filename.startswith(ours):
            calls += 1

    with language("en"):
        import_xlsform(path)  # warm: module imports and caches are not the form's work
        sys.setprofile(profile)
        try:
            result = import_xlsform(path)
            assert result.definition is not None
            form, _problems = checker.check_definition(result.definition)
        finally:
            sys.setprofile(None)
    assert form is not None
    return calls


def test_import_is_linear(tmp_path: Path) -> None:
    """issue 16: import + check of 200 questions takes 0.11 s (pyxform's own conversion 0.15 s,
    benchmarks/forms_import_bench.py); 10x the questions must stay about 10x the work."""
    small = _import_calls(tmp_path, 200)
    large = _import_calls(tmp_path, 2_000)
    assert large <= 12 * small, (small, large)
