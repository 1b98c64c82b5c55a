"""XLSForm import speed (issue 16: "under 1 s is the goal for a form of 200 questions").

    .venv/bin/python benchmarks/forms_import_bench.py [--questions 200] [--repeats 5]

Writes a realistic workbook of N questions (two languages, selects with choice lists, skip logic,
constraints, a repeat, calculations), then measures in the same run:

* **baseline**: pyxform's own conversion of that workbook to an ODK XForm (``xls2xform``'s
  ``convert``: read, validate, build the XML), what every ODK/Kobo server does on upload;
* **KIMdesk**: ``kimdesk forms import`` as the CLI runs it (pyxform's parse, the mapping to a
  definition, and ``forms check`` of the result).

and, as fresh processes (what a user waits for at the command line), ``kimdesk forms import``
against ``python -c "import pyxform.xls2json"`` (the import floor every pyxform-based tool
pays: pyxform pulls in openpyxl, numpy and PIL and compiles its grammars).

Prints the medians, the ratio KIMdesk / pyxform and the goal; it asserts nothing (a slow machine
never fails a build on timing). ``tests/forms/test_scale.py`` guards the linear parts by counting.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

GOAL_S = 1.0


def write_form(path: Path, questions: int) -> None:
    """A workbook of ``questions`` questions in English and German, one in four a select, one
    in five with skip logic on the previous question, a repeat of five questions, calculations."""
    import openpyxl

    wb = openpyxl.Workbook()
    survey = wb.active
    survey.title = "survey"
    survey.append(["type", "name", "label::English (en)", "label::German (de)", "relevant",
                   "constraint", "calculation", "required"])
    made = 0
    prev = ""
    while made < questions:
        i = made
        if i == questions // 2:
            survey.append(["begin repeat", "kids", "Kids", "Kinder", "", "", "", ""])
            for k in range(5):
                survey.append(["text", f"kid_{k}", f"Kid {k}", f"Kind {k}", "", "", "", ""])
            survey.append(["end repeat", "", "", "", "", "", "", ""])
            made += 5
            continue
        relevant = f"${{{prev}}} != ''" if prev and i % 5 == 0 else ""
        if i % 4 == 0:
            row = [f"select_one yn{i % 3}", f"q{i}", f"Question {i}?", f"Frage {i}?", relevant,
                   "", "", "yes" if i % 8 == 0 else ""]
        elif i % 7 == 0:
            row = ["calculate", f"q{i}", "", "", "", "", f"string-length(${{{prev}}}) * 2", ""]
        elif i % 3 == 0:
            row = ["integer", f"q{i}", f"Number {i}", f"Zahl {i}", relevant, ". >= 0 and . < 120",
                   "", ""]
        else:
            row = ["text", f"q{i}", f"Text {i}", f"Text {i}", relevant, "", "", ""]
        survey.append(row)
        prev = f"q{i}"
        made += 1
    choices = wb.create_sheet("choices")
    choices.append(["list_name", "name", "label::English (en)", "label::German (de)"])
    for n in range(3):
        for name, en, de in (("yes", "Yes", "Ja"), ("no", "No", "Nein"),
                             ("unknown", "Don't know", "Weiss nicht")):
            choices.append([f"yn{n}", name, en, de])
    settings = wb.create_sheet("settings")
    settings.append(["form_id", "version", "form_title", "default_language"])
    settings.append(["bench", "1", "Bench", "English (en)"])
    wb.save(path)


def median_time(fn: object, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    from pyxform.xls2xform import convert

    from kimdesk.forms.checker import check_definition
    from kimdesk.forms.xlsform import import_xlsform

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.xlsx"
        write_form(path, args.questions)

        def kimdesk_import() -> None:
            result = import_xlsform(path)
            assert result.definition is not None, [str(p) for p in result.errors]
            form, problems = check_definition(result.definition, str(path))
            assert form is not None, [str(p) for p in problems if p.severity == "error"]

        def pyxform_convert() -> None:
            convert(xlsform=str(path), validate=False, pretty_print=False)

        kimdesk_import()  # imports and caches warm, as in a running app
        pyxform_convert()
        base = median_time(pyxform_convert, args.repeats)
        ours = median_time(kimdesk_import, args.repeats)
    print(f"{args.questions} questions, median of {args.repeats}:")
    print(f"  pyxform xls2xform (baseline)  {base:7.3f} s")
    print(f"  kimdesk forms import + check  {ours:7.3f} s   ratio {ours / base:5.2f}")
    print(f"  goal <= {GOAL_S:.1f} s: {'met' if ours <= GOAL_S else 'NOT met'}")
    cold_base, cold_ours = cold(args.questions, args.repeats)
    print("fresh processes (Python start included):")
    print(f"  python -c 'import pyxform.xls2json'   {cold_base:7.3f} s")
    print(f"  kimdesk forms import                  {cold_ours:7.3f} s   of which above the"
          f" pyxform import {cold_ours - cold_base:6.3f} s")


def cold(questions: int, repeats: int) -> tuple[float, float]:
    import os
    import subprocess

    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root)}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.xlsx"
        write_form(path, questions)
        base_cmd = [sys.executable, "-c", "import pyxform.xls2json"]
        ours_cmd = [sys.executable, "-m", "kimdesk.cli", "forms", "import", str(path), "-o",
                    str(Path(tmp) / "bench.yaml")]

        def run(cmd: list[str]) -> None:
            subprocess.run(cmd, env=env, check=True, capture_output=True)

        return (median_time(lambda: run(base_cmd), repeats),
                median_time(lambda: run(ours_cmd), repeats))


if __name__ == "__main__":
    main()
