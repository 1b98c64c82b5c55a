"""Switching the interface language at run time, and formatting per locale.

Three things change together: the gettext language (:mod:`kimdesk.i18n`, one catalog for core and
GUI), Qt's own translator for its dialogs (``qtbase_<lang>.qm`` shipped with PySide6, the way
Picard loads them, and ours for the few strings it lacks, :data:`OWN_QT_CATALOG`) and the layout
direction (Arabic and Persian mirror the whole window). Every window listens to
:data:`LanguageHub.changed` and re-applies its texts.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from PySide6.QtCore import QDate, QLibraryInfo, QLocale, QObject, Qt, QTime, QTranslator, Signal
from PySide6.QtWidgets import QApplication

from kimdesk import i18n

#: Our own Qt catalogs (``resources/translations/qt/kimdesk_qt_<lang>.ts``, compiled to ``.qm`` by
#: ``tools/build_qt_translations.py``), installed after ``qtbase`` so they are asked first. Qt 6
#: renamed two labels of its file dialog to "&Look in:" and "Files of &type:" (with a mnemonic),
#: and PySide6 6.11's ``qtbase`` catalogs translate them only for German: the Arabic, Persian,
#: Turkish, Ukrainian and Russian dialogs showed them in English (a review, 2026-12-07). The
#: translations are Qt's own for the old labels ("Look in:"), with a mnemonic added.
OWN_QT_CATALOG = "kimdesk_qt"

#: Names of the UI languages in their own language (never translated).
LANGUAGE_NAMES: dict[str, str] = {
    "de": "Deutsch",
    "en": "English",
    "ar": "العربية",
    "fa": "فارسی",
    "tr": "Türkçe",
    "uk": "Українська",
    "ru": "Русский",
}

#: "draft translation" in each draft language's own words (:func:`kimdesk.i18n.is_draft`): shown
#: beside the language's name, which a reader of that language reads whatever the interface's
#: current language is.
DRAFT_MARKS: dict[str, str] = {
    "ar": "ترجمة أولية",
    "fa": "ترجمهٔ پیش‌نویس",
    "tr": "taslak çeviri",
    "uk": "чернетка перекладу",
    "ru": "черновой перевод",
}


def language_label(lang: str) -> str:
    """A language chooser's entry: the name in its own language, and for a draft translation
    that it is one ("Türkçe (taslak çeviri)")."""
    if i18n.is_draft(lang):
        return f"{LANGUAGE_NAMES[lang]} ({DRAFT_MARKS[lang]})"
    return LANGUAGE_NAMES[lang]


#: The Qt locale behind a UI language where CLDR's default for the bare language does not fit:
#: English means the British conventions (day before month, ``15/03/1988``), because the
#: counselors work in Germany, where ``05/03`` is the 5th of March; the US order would swap day and
#: month of every date typed (docs/gui.md, "Typing dates").
LOCALE_NAMES: dict[str, str] = {"en": "en_GB"}


class LanguageHub(QObject):
    """The application's current language; emits ``changed`` after switching."""

    changed = Signal(str)
    #: Qt's translators the app installed. One list for every hub: Qt's translators belong to
    #: the application, so a switch replaces whatever an earlier hub installed (a window closed
    #: before, in tests another window) instead of leaving its catalogs to answer first.
    _qt_translators: ClassVar[list[QTranslator]] = []

    def __init__(self) -> None:
        super().__init__()
        self.lang = i18n.current_language()

    def apply(self, lang: str) -> None:
        from kimdesk.policy import language

        lang = language(lang)  # a language the machine policy sets wins over any choice
        if lang not in i18n.UI_LANGUAGES:
            lang = i18n.DEFAULT_LANGUAGE
        self.lang = lang
        i18n.set_language(lang)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            for old in self._qt_translators:
                app.removeTranslator(old)
                old.deleteLater()  # a child of the application: never freed otherwise
            self._qt_translators.clear()
            folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
            own = str(i18n.resources_dir() / "translations" / "qt")
            for name, where in (("qtbase", folder), (OWN_QT_CATALOG, own)):
                translator = QTranslator(app)
                if translator.load(f"{name}_{lang}", where):
                    app.installTranslator(translator)
                    self._qt_translators.append(translator)
            app.setLayoutDirection(
                Qt.LayoutDirection.RightToLeft if i18n.is_rtl(lang)
                else Qt.LayoutDirection.LeftToRight
            )
        QLocale.setDefault(locale_for(lang))
        self.changed.emit(lang)


#: Left-to-right isolate, pop directional isolate, first-strong isolate (Unicode bidi, UAX #9).
LRI, PDI, FSI = "\u2066", "\u2069", "\u2068"


def ltr_within(text: str, part: str) -> str:
    """``text`` with ``part`` (a file type such as "(.ics)") kept as one left-to-right unit in a
    right-to-left interface: "تصدير إلى التقويم (.ics)…" showed "…(ics.)", the stop after the
    letters (its neutral characters took the sentence's direction). A translation without
    ``part`` stays as it is."""
    return text.replace(part, ltr(part)) if part else text


def own_direction(text: str) -> str:
    """Typed text (a note, a summary, an agency's name) in the direction of its own first letter
    inside a right-to-left interface: a German note "Rückruf abwarten." in an Arabic list showed
    as ".Rückruf abwarten" (its final stop took the list's direction). An Arabic note stays
    right to left. Nothing is added in a left-to-right interface."""
    if text and i18n.is_rtl(i18n.current_language()):
        return f"{FSI}{text}{PDI}"
    return text


def ltr(text: str) -> str:
    """``text`` kept as one left-to-right unit inside right-to-left text: a case number such as
    "2026-F084-000059" read "F084-000059-2026" in Arabic and Persian lists (the letters make
    "F084-000059" a run of its own that the bidi algorithm moves before the year). The
    isolates are invisible; in a left-to-right interface nothing is added, so copied numbers
    and type-ahead stay plain there."""
    if text and i18n.is_rtl(i18n.current_language()):
        return f"{LRI}{text}{PDI}"
    return text


def locale_for(lang: str) -> QLocale:
    return QLocale(LOCALE_NAMES.get(lang, lang))


def locale() -> QLocale:
    return locale_for(i18n.current_language())


def date_format() -> str:
    """The locale's short date format with a four-digit year (``dd.MM.yy`` would make 1950 and
    2050 look alike, and a date edit could silently re-read a birth year in the wrong century)."""
    fmt = locale().dateFormat(QLocale.FormatType.ShortFormat)
    if "yyyy" not in fmt:
        fmt = fmt.replace("yy", "yyyy")
    return fmt


def format_date(value: object) -> str:
    """An ISO date (string or :class:`datetime.date`) in the current locale's short format."""
    if value is None or value == "":
        return ""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    qdate = QDate.fromString(text[:10], "yyyy-MM-dd")
    if not qdate.isValid():
        return text
    return locale().toString(qdate, date_format())


def format_int(value: int) -> str:
    """A count in the locale's digits (Arabic-Indic in Arabic, Persian in Persian), as dates are
    shown: "30 دقيقة" beside "٢٠٢٦/١٢/٧" mixed two kinds of digits in one list."""
    return locale().toString(int(value))


def format_clock(hour: int, minute: int) -> str:
    """A time of day as "HH:mm" in the locale's digits."""
    return locale().toString(QTime(hour, minute), "HH:mm")


def format_moment(value: datetime) -> str:
    """A local date and time as the app shows one (the case history, a file dialog's "Date
    Modified"): :func:`format_date`, a space, :func:`format_clock`. Not isolated: in Arabic the
    locale's own marks keep the date in one piece, and with the time it reads, right to left,
    day, month, year, time, as an Arabic reader reads it; so in Persian."""
    return f"{format_date(value.date())} {format_clock(value.hour, value.minute)}"
