"""XLSForm corpus report: how many public XLSForms import and pass the check (issue 16).

    .venv/bin/python benchmarks/forms_corpus.py [FOLDER] [-v]

Imports every spreadsheet under ``tests/forms/corpus/`` (or FOLDER) the way ``kimdesk forms
import`` does, checks the result like ``kimdesk forms check`` and sorts each file into one of five
outcomes:

* ``ok`` — imported and checked without an error;
* ``feature`` — refused with a message that names an unsupported feature (a type, a column,
  a setting, an appearance, a function);
* ``invalid`` — refused as a broken form, with KIMdesk's own message naming what is broken (a
  row, a column, a missing file; pyxform's text at most as the detail in parentheses);
* ``other`` — refused with a message that is only pyxform's or a reader's raw text: must stay 0;
* ``traceback`` — an exception escaped: a bug, must stay 0.

``tests/forms/test_corpus.py`` runs the same function and holds the counts as a floor.
"""

from __future__ import annotations

import re
import sys
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "forms" / "corpus"
SUFFIXES = {".xlsx", ".xls", ".csv", ".md"}
#: A refusal "names the feature" when its reason says which type/column/setting/function is not
#: supported (the wording of xlsform.py and checker.py).
FEATURE = re.compile(r"unsupported|not supported|unknown function|unknown or unsupported type|"
                     r"XLSForm does not define",
                     re.IGNORECASE)
#: A refusal that is only someone else's raw text (pyxform's English, a reader's exception).
RAW = re.compile(r"^(pyxform:|cannot read the spreadsheet:)", re.IGNORECASE)


@dataclass
class Outcome:
    path: Path
    kind: str  # ok | feature | invalid | other | traceback
    reasons: list[str] = field(default_factory=list)
    seconds: float = 0.0


def forms(folder: Path = CORPUS) -> list[Path]:
    return sorted(p for p in folder.rglob("*")
                  if p.suffix.lower() in SUFFIXES and p.is_file() and p.name != "README.md"
                  and not _data_file(p))


def _data_file(path: Path) -> bool:
    """A CSV a form reads (select_one_from_file, pulldata), not a form: an XLSForm in CSV
    starts with a sheet name (``survey``)."""
    if path.suffix.lower() != ".csv":
        return False
    first = path.read_text(encoding="utf-8-sig", errors="replace").split("\n", 1)[0]
    return first.split(",", 1)[0].strip().strip('"').lower() not in {"survey", "choices",
                                                                      "settings"}


def classify(path: Path) -> Outcome:
    """Import and check one file; never raises (an escaped exception is the ``traceback``)."""
    from kimdesk.forms.checker import check_definition
    from kimdesk.forms.xlsform import import_xlsform

    start = time.perf_counter()
    try:
        result = import_xlsform(path)
        errors = [str(p.reason) for p in result.errors]
        if result.definition is not None and not errors:
            _, problems = check_definition(result.definition, str(path))
            errors = [str(p.reason) for p in problems if p.severity == "error"]
    except Exception:  # the point is to count these
        return Outcome(path, "traceback", [traceback.format_exc()],
                       time.perf_counter() - start)
    seconds = time.perf_counter() - start
    if not errors:
        return Outcome(path, "ok", [], seconds)
    if any(FEATURE.search(e) for e in errors):
        kind = "feature"
    else:
        kind = "other" if any(RAW.search(e) for e in errors) else "invalid"
    return Outcome(path, kind, errors, seconds)


def run(folder: Path = CORPUS) -> list[Outcome]:
    """Every form, with messages in English (the classification reads their wording)."""
    from kimdesk.i18n import language

    with language("en"):
        return [classify(p) for p in forms(folder)]


def summary(outcomes: list[Outcome]) -> Counter[str]:
    counts: Counter[str] = Counter({"ok": 0, "feature": 0, "invalid": 0, "other": 0,
                                    "traceback": 0})
    counts.update(o.kind for o in outcomes)
    return counts


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    args = [a for a in argv if a != "-v"]
    folder = Path(args[0]) if args else CORPUS
    outcomes = run(folder)
    for o in outcomes:
        print(f"{o.kind:9} {o.seconds:6.2f} s  {o.path.relative_to(folder)}")
        if verbose or o.kind == "traceback":
            for reason in o.reasons[:6]:
                print(f"            {reason}")
    counts = summary(outcomes)
    total = len(outcomes)
    print(f"\n{total} forms: ok {counts['ok']} ({100 * counts['ok'] / max(total, 1):.0f} %), "
          f"refused naming the feature {counts['feature']}, refused naming what is broken "
          f"{counts['invalid']}, refused with raw text {counts['other']}, "
          f"tracebacks {counts['traceback']}")
    return 1 if counts["traceback"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
