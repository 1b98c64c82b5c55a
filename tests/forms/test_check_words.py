"""``kimdesk forms check`` in the user's language: the checker's reasons and the words
"error"/"warning" were English under a German or Arabic interface until 2026-12-07. The real
command in a subprocess; the form's own names (fields, columns, types) stay as the author
typed them."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

import yaml

from tests.forms.conftest import small, texts


def _check(*paths: Path, lang: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KIMDESK_")}
    return subprocess.run(
        [sys.executable, "-m", "kimdesk.cli", "forms", "check", *map(str, paths)],
        capture_output=True, text=True, env={**environ, "KIMDESK_LANG": lang},
        stdin=subprocess.DEVNULL, timeout=300)


def _broken(tmp_path: Path) -> Path:
    data = copy.deepcopy(small())
    data["survey"] += [
        {"type": "range", "name": "where", "label": texts("Wo")},
        {"type": "select_one nolist", "name": "s", "label": texts("S")},
        {"type": "text", "name": "x", "label": texts("X"), "relevant": "${ghost} = 1"},
    ]
    data["survey"][0]["colour"] = "red"
    path = tmp_path / "f.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return path


GERMAN = [
    "f.yaml: age.colour: Fehler: nicht unterstützte Spalte bzw. nicht unterstützter Schlüssel"
    " 'colour'",
]
GERMAN_AFTER_FIX = [
    "f.yaml: where: Fehler: unbekannter oder nicht unterstützter Typ 'range'",
    "f.yaml: s: Fehler: Auswahlliste 'nolist' gibt es nicht",
    "f.yaml: x: Fehler: relevant: Verweis auf ein Feld, das es nicht gibt: ${ghost}",
]
ARABIC = ["f.yaml: age.colour: خطأ: عمود/مفتاح غير مدعوم 'colour'"]
ARABIC_AFTER_FIX = [
    "f.yaml: where: خطأ: نوع غير معروف أو غير مدعوم 'range'",
    "f.yaml: s: خطأ: قائمة الخيارات 'nolist' غير موجودة",
    "f.yaml: x: خطأ: relevant: إشارة إلى حقل غير موجود: ${ghost}",
]


def test_forms_check_speaks_german_and_arabic(tmp_path: Path) -> None:
    path = _broken(tmp_path)
    for lang, first, then in (("de", GERMAN, GERMAN_AFTER_FIX), ("ar", ARABIC, ARABIC_AFTER_FIX)):
        out = _check(path, lang=lang)
        assert out.returncode == 1 and "Traceback" not in out.stderr, out
        lines = [line.replace(str(tmp_path) + "/", "") for line in out.stderr.splitlines()]
        assert lines == first, lines  # a key the model refuses stops the check there
        data = yaml.safe_load(path.read_text("utf-8"))
        del data["survey"][0]["colour"]
        fixed = tmp_path / lang / "f.yaml"
        fixed.parent.mkdir()
        fixed.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
        out = _check(fixed, lang=lang)
        lines = [line.replace(str(fixed.parent) + "/", "") for line in out.stderr.splitlines()]
        assert out.returncode == 1 and all(line in lines for line in then), lines
        for line in lines:
            assert " error: " not in line and "unsupported" not in line \
                and "does not exist" not in line and "dangling" not in line, line


def test_an_unreadable_or_broken_file_is_said_in_german(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("settings: [unclosed", "utf-8")
    listed = tmp_path / "list.yaml"
    listed.write_text("- 1\n- 2\n", "utf-8")
    out = _check(bad, listed, tmp_path / "missing.yaml", lang="de")
    lines = [line.replace(str(tmp_path) + "/", "") for line in out.stderr.splitlines()]
    assert out.returncode == 1 and len(lines) == 3, out
    assert lines[0].startswith("bad.yaml: -: Fehler: kein gültiges YAML/JSON: "), lines
    assert lines[1] == ("list.yaml: -: Fehler: die Datei muss eine Zuordnung mit settings und"
                        " survey enthalten")
    assert lines[2] == ("missing.yaml: -: Fehler: die Datei lässt sich nicht lesen: die Datei"
                        " oder ihr Ordner existiert nicht"), lines


def test_forms_install_says_an_unreadable_file_in_german(tmp_path: Path) -> None:
    """It printed Python's own text ("[Errno 2] No such file or directory: ...") or the YAML
    parser's alone."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("settings: [unclosed", "utf-8")
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KIMDESK_")}
    out = subprocess.run(
        [sys.executable, "-m", "kimdesk.cli", "forms", "install", str(bad),
         str(tmp_path / "missing.yaml")], capture_output=True, text=True, timeout=300,
        env={**environ, "KIMDESK_LANG": "de", "HOME": str(tmp_path),
             "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CONFIG_HOME": str(tmp_path / "cfg")},
        stdin=subprocess.DEVNULL)
    lines = [line.replace(str(tmp_path) + "/", "") for line in out.stderr.splitlines()]
    assert out.returncode == 1 and "Traceback" not in out.stderr, out
    assert lines[0].startswith("bad.yaml: kein gültiges YAML/JSON: "), lines
    assert lines[1] == ("missing.yaml: die Datei lässt sich nicht lesen: die Datei oder ihr"
                        " Ordner existiert nicht"), lines
