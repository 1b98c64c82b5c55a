"""Compile the Qt Designer files ``ui/*.ui`` into typed Python classes for the GUI.

    python tools/build_ui.py           # (re)write kimdesk/gui/forms_generated/ui_*.py
    python tools/build_ui.py --check   # exit 1 and name the files that are out of date

Each ``ui/NAME.ui`` becomes ``kimdesk/gui/forms_generated/ui_NAME.py`` with a class
``Ui_<TopWidget>`` whose ``setupUi(widget)`` builds the screen on ``widget`` and whose widgets are
attributes (``self.ui.passphraseEdit``), so a renamed widget fails in mypy and not in a user's
hands. The generated files are checked in (CI has no build step);
``tests/gui/test_forms_generated.py`` regenerates every file and fails when one differs.

``pyside6-uic`` writes ``QCoreApplication.translate(context, text, None)`` for Qt's ``.qm``
machinery; KIMdesk translates with its one gettext catalog instead, so a post-processing step
(the way MusicBrainz Picard does it) turns each call into ``_(text)`` with ``_`` being
:func:`kimdesk.i18n.gettext`, adds type hints to ``setupUi`` / ``retranslateUi`` and drops the
line with uic's patch version, so the output depends only on the ``.ui`` file and uic's
major.minor version. ``retranslateUi`` is what a screen calls when the language changes.
"""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UI_DIR = ROOT / "ui"
OUT_DIR = ROOT / "kimdesk" / "gui" / "forms_generated"

#: ``QCoreApplication.translate("Context", u"text", None)`` as uic writes it.
_TRANSLATE = re.compile(r'QCoreApplication\.translate\("[^"]*", (u"(?:[^"\\]|\\.)*"), None\)')
_CREATED_BY = re.compile(r"^## Created by: Qt User Interface Compiler version (\d+\.\d+)\.\d+\n",
                         re.M)
_UIC_IMPORTS_END = re.compile(r"^(class Ui_)", re.M)


def uic() -> str:
    """The ``pyside6-uic`` beside this Python (a venv's bin/), else the one on PATH."""
    beside = Path(sys.executable).with_name("pyside6-uic")
    return str(beside) if beside.exists() else "pyside6-uic"


def top_widget_class(ui_file: Path) -> str:
    """The Qt class of the .ui file's top widget (QWidget, QDialog, ...)."""
    top = ET.parse(ui_file).getroot().find("widget")
    if top is None:
        raise ValueError(f"{ui_file}: no top widget")
    return top.get("class", "QWidget")


def output_path(ui_file: Path) -> Path:
    return OUT_DIR / f"ui_{ui_file.stem}.py"


def postprocess(source: str, ui_file: Path) -> str:
    """uic's output, translated by gettext and typed; deterministic for one uic major.minor."""
    source = _CREATED_BY.sub(
        r"## Created by: Qt User Interface Compiler version \1 (pyside6-uic),\n"
        r"## post-processed by tools/build_ui.py: gettext instead of Qt's translate, type hints\n",
        source,
    )
    source = _TRANSLATE.sub(r"_(\1)", source)
    base = top_widget_class(ui_file)
    source = re.sub(r"def (setupUi|retranslateUi)\(self, (\w+)\):",
                    rf"def \1(self, \2: {base}) -> None:", source)
    source = _UIC_IMPORTS_END.sub(r"from kimdesk.i18n import gettext as _\n\n\1", source, count=1)
    return source


def generate(ui_file: Path) -> str:
    """The Python source for one .ui file (no file is written)."""
    # -a: no connectSlotsByName (QUiLoader did not auto-connect either); the file's name only, so
    # the header does not depend on where the checkout lives.
    result = subprocess.run(
        [uic(), "-a", "-g", "python", ui_file.name],
        cwd=ui_file.parent, capture_output=True, text=True, check=True,
    )
    return postprocess(result.stdout, ui_file)


def ui_files() -> list[Path]:
    """The top-level Designer files (``ui/*.ui``)."""
    return sorted(UI_DIR.glob("*.ui"))


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for ui_file in ui_files():
        target = output_path(ui_file)
        text = generate(ui_file)
        current = target.read_text("utf-8") if target.exists() else None
        if current == text:
            continue
        stale.append(target)
        if not check:
            target.write_text(text, "utf-8")
    for path in stale:
        print(f"{'out of date' if check else 'wrote'}: {path.relative_to(ROOT)}")
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
