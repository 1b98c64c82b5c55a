"""Compile our own Qt catalogs ``resources/translations/qt/*.ts`` into the ``.qm`` files Qt loads.

    python tools/build_qt_translations.py           # (re)write the .qm beside each .ts
    python tools/build_qt_translations.py --check   # exit 1 and name the .qm files out of date

They hold the few strings of Qt's own dialogs that PySide6's ``qtbase_<lang>.qm`` leaves in
English (:data:`kimdesk.gui.lang.OWN_QT_CATALOG`). Every other interface string goes through the
gettext catalog (``tools/i18n.py``); Qt's dialogs look their texts up with ``QTranslator``, which
reads only ``.qm``. The ``.qm`` files are checked in (CI has no build step), as the compiled
Designer files are; ``tests/gui/test_file_dialog_language.py`` compiles them again and fails when
one differs. ``pyside6-lrelease`` writes the same bytes for the same ``.ts``.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QT_DIR = ROOT / "resources" / "translations" / "qt"


def lrelease() -> str:
    """The ``pyside6-lrelease`` beside this Python (a venv's bin/), else the one on PATH."""
    beside = Path(sys.executable).with_name("pyside6-lrelease")
    return str(beside) if beside.exists() else "pyside6-lrelease"


def compiled(ts_file: Path) -> bytes:
    """The ``.qm`` bytes ``pyside6-lrelease`` makes of ``ts_file``."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.qm"
        subprocess.run([lrelease(), "-silent", str(ts_file), "-qm", str(out)],
                       check=True, capture_output=True)
        return out.read_bytes()


def ts_files() -> list[Path]:
    return sorted(QT_DIR.glob("*.ts"))


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for ts_file in ts_files():
        qm_file = ts_file.with_suffix(".qm")
        data = compiled(ts_file)
        if qm_file.exists() and qm_file.read_bytes() == data:
            continue
        stale.append(qm_file)
        if not check:
            qm_file.write_bytes(data)
        print(f"{'out of date' if check else 'wrote'}: {qm_file.relative_to(ROOT)}")
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
