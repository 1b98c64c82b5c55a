"""argparse's own words in the user's language (kimdesk/cli/argparse_words.py): the real
``kimdesk`` in a subprocess, German (the default) and Arabic, for the mistakes an administrator
or a counselor makes first; and every msgid of the running Python's argparse held to a
translation in every UI language, so a Python upgrade's new words show up here."""

from __future__ import annotations

import argparse
import inspect
import os
import subprocess
import sys

import pytest
from babel.messages.extract import extract
from babel.messages.pofile import read_po

from kimdesk.cli import argparse_words
from kimdesk.i18n import UI_LANGUAGES, catalog_path, language

#: English words of argparse that must not be left in a translated error or help text.
ENGLISH = ("usage:", "error:", "required", "invalid", "expected", "unrecognized",
           "positional arguments", "options:", "show this help")


def _kimdesk(*args: str, lang: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KIMDESK_")}
    return subprocess.run(
        [sys.executable, "-m", "kimdesk.cli", *args], capture_output=True, text=True,
        env={**environ, "KIMDESK_LANG": lang}, stdin=subprocess.DEVNULL, timeout=300)


def _refusal(out: subprocess.CompletedProcess[str]) -> tuple[list[str], str]:
    """argparse's refusal: exit 2, no traceback, the usage lines and one line of error last."""
    assert out.returncode == 2, out
    assert "Traceback" not in out.stderr and out.stdout == "", out
    lines = out.stderr.splitlines()
    return lines[:-1], lines[-1]


# (arguments, the German error line, words of the Arabic error line)
MISTAKES = [
    (("stats",),
     "kimdesk stats: Fehler: diese Argumente sind erforderlich: --from, --to, -o/--output",
     ("kimdesk stats: خطأ:", "الوسائط التالية مطلوبة: --from, --to, -o/--output")),
    (("nonesuch",),
     "kimdesk: Fehler: Argument COMMAND: ungültige Auswahl: 'nonesuch' (möglich: 'init', ",
     ("kimdesk: خطأ:", "الوسيط COMMAND", "اختيار غير صالح: 'nonesuch'", "'init', 'passwd'")),
    (("search", "--bogus", "x"),
     "kimdesk: Fehler: unbekannte Argumente: --bogus",
     ("kimdesk: خطأ:", "وسائط غير معروفة: --bogus")),
    (("demo", "--seed", "x"),
     "kimdesk demo: Fehler: Argument --seed: ungültiger int-Wert: 'x'",
     ("kimdesk demo: خطأ:", "الوسيط --seed", "غير صالحة: 'x'")),
    (("stats", "--from"),
     "kimdesk stats: Fehler: Argument --from: erwartet einen Wert",
     ("kimdesk stats: خطأ:", "الوسيط --from: يتطلب قيمة واحدة")),
]


@pytest.mark.parametrize(("args", "german", "arabic"), MISTAKES, ids=lambda v: str(v)[:30])
def test_a_mistake_is_said_in_german_and_arabic(args: tuple[str, ...], german: str,
                                                arabic: tuple[str, ...]) -> None:
    usage, line = _refusal(_kimdesk(*args, lang="de"))
    assert line.startswith(german), line
    assert usage[0].startswith("Aufruf: kimdesk"), usage
    usage_ar, line_ar = _refusal(_kimdesk(*args, lang="ar"))
    assert all(word in line_ar for word in arabic), line_ar
    assert usage_ar[0].startswith("الاستخدام: kimdesk"), usage_ar
    for text in (line, line_ar, *usage, *usage_ar):
        assert not any(word in text for word in ENGLISH), text
    # the usage lines keep their layout: the same options, continuation lines under the first
    english_usage, _line = _refusal(_kimdesk(*args, lang="en"))
    assert [u.split() for u in usage] == [
        ["Aufruf:", *u.split()[1:]] if i == 0 else u.split()
        for i, u in enumerate(english_usage)]
    shift = len("Aufruf: ") - len("usage: ")
    for german_line, english_line in zip(usage[1:], english_usage[1:], strict=True):
        assert german_line == " " * shift + english_line


def test_help_headings_in_german_and_arabic() -> None:
    for args in (("--help",), ("stats", "--help")):
        de = _kimdesk(*args, lang="de")
        ar = _kimdesk(*args, lang="ar")
        assert de.returncode == ar.returncode == 0 and not de.stderr and not ar.stderr
        assert "Positionsargumente:" in de.stdout or "Optionen:" in de.stdout
        assert "Optionen:" in de.stdout and "diese Hilfe anzeigen und beenden" in de.stdout
        assert "الخيارات:" in ar.stdout and "عرض رسالة المساعدة هذه والخروج" in ar.stdout
        for out in (de.stdout, ar.stdout):
            assert not any(word in out for word in ("usage:", "positional arguments",
                                                    "options:", "show this help")), out
    assert "Positionsargumente:" in _kimdesk("--help", lang="de").stdout
    assert "الوسائط الموضعية:" in _kimdesk("--help", lang="ar").stdout


def test_lang_before_the_command_switches_argparse_too() -> None:
    _usage, line = _refusal(_kimdesk("--lang", "ar", "stats", lang="de"))
    assert "الوسائط التالية مطلوبة" in line, line
    _usage, line = _refusal(_kimdesk("--lang", "en", "stats", lang="de"))
    assert line == ("kimdesk stats: error: the following arguments are required: "
                    "--from, --to, -o/--output")


def _stdlib_messages() -> set[str | tuple[str, ...]]:
    """Every msgid of the running Python's argparse, as gettext's extractor sees them."""
    source = inspect.getsourcefile(argparse)
    assert source is not None
    with open(source, "rb") as fh:
        found = {message for _line, message, _comments, _context in
                 extract("python", fh, keywords={"_": None, "ngettext": (1, 2)})}
    assert len(found) > 30, found  # argparse still translates through gettext
    return found


def test_every_argparse_msgid_is_marked_and_translated() -> None:
    """A Python upgrade that adds or changes one of argparse's messages fails here: add it to
    MESSAGES or PLURALS, run tools/i18n.py update, fill and check."""
    stdlib = _stdlib_messages()
    marked = set(argparse_words.MESSAGES) | set(argparse_words.PLURALS)
    assert stdlib - marked == set(), "argparse has words kimdesk does not translate"
    for lang in UI_LANGUAGES:
        with catalog_path(lang).open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        for msgid in stdlib:
            message = catalog.get(msgid[0] if isinstance(msgid, tuple) else msgid)
            assert message is not None and message.id == msgid, (lang, msgid)
            english = msgid if isinstance(msgid, tuple) else (msgid,)
            raw = message.string
            strings = tuple(str(s or "") for s in raw) if isinstance(raw, tuple | list) \
                else (str(raw or ""),)
            assert all(strings) and "fuzzy" not in message.flags, (lang, msgid)
            wanted = sorted(argparse_words._PLACEHOLDER.findall(english[-1]))
            for text in strings:  # argparse formats with %: a different one would raise
                assert sorted(argparse_words._PLACEHOLDER.findall(text)) == wanted, (lang, text)
                assert text.endswith("\n") == english[0].endswith("\n"), (lang, text)
                if lang not in ("en", "tr"):
                    assert text not in english, (lang, text)


def test_an_unknown_or_broken_message_stays_english() -> None:
    """A msgid a newer Python brings has no entry: English, no crash. A translation whose
    placeholders do not match would make argparse's own % formatting raise: English instead."""
    with language("de"):
        assert argparse_words.gettext("a message of Python 3.99: %s") == \
            "a message of Python 3.99: %s"
        assert argparse_words.gettext(None) is None  # type: ignore[arg-type]
        assert argparse_words._checked("invalid choice: %(value)r", "ungültig: %(wert)r") == \
            "invalid choice: %(value)r"
        assert argparse_words.ngettext("expected %s argument", "expected %s arguments", 2) == \
            "erwartet %s Werte"
    with language("ar"):
        assert argparse_words.ngettext("expected %s argument", "expected %s arguments", 2) \
            % 2 == "يتطلب قيمتين (2)"


def test_english_is_argparse_own() -> None:
    out = _kimdesk("demo", "--seed", "x", lang="en")
    assert out.stderr.splitlines()[-1] == "kimdesk demo: error: argument --seed: invalid int " \
                                          "value: 'x'"
    assert out.stderr.startswith("usage: kimdesk demo ")


@pytest.mark.parametrize("broken", [
    "ungültiger %(type)s-Wert (100 %): %(value)r",  # a percent sign meant as text
    "ungültiger %(type)s-Wert: %(value)r %",  # a stray one at the end
    "ungültiger %(type)s-Wert: %(value)R",  # a conversion Python does not have
])
def test_a_stray_percent_sign_in_a_translation_stays_english(
        broken: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The placeholders match, but argparse's own ``%`` formatting would still raise on the
    rest (ValueError: a traceback instead of the usage error, a review of 2026-12-07): the
    English message instead, exit 2."""
    english = "invalid %(type)s value: %(value)r"
    monkeypatch.setattr(argparse_words.i18n, "gettext",
                        lambda m: broken if m == english else m)
    argparse_words.install()
    parser = argparse.ArgumentParser(prog="kimdesk demo")
    parser.add_argument("--seed", type=int)
    with pytest.raises(SystemExit) as stop:
        parser.parse_args(["--seed", "x"])
    assert stop.value.code == 2
    assert argparse_words._checked(english, broken) == english
