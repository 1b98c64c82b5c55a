"""Translations for every user-facing string, core and GUI alike.

One gettext domain (``kimdesk``) serves the CLI, the core's error messages and the Qt GUI, the way
MusicBrainz Picard keeps one catalog. Catalogs are the ``.po`` files under
``resources/translations/<lang>/LC_MESSAGES/kimdesk.po``; they are compiled in memory with Babel on
first use, so there is no build step and no stale ``.mo`` file to forget.

The active language lives in a :class:`contextvars.ContextVar` instead of a module global: a test or
a server request can switch language without leaking it into other threads' contexts. The other side
of that coin: a new thread starts with an empty context, so work handed to another thread must take
the language along (:func:`carry_language`), or it speaks the default language (German) under an
Arabic interface.
"""

from __future__ import annotations

import contextvars
import functools
import gettext as _gettext
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ParamSpec, TypeVar

from kimdesk.config import environment_language

DOMAIN = "kimdesk"
SOURCE_LANGUAGE = "en"
DEFAULT_LANGUAGE = "de"
#: UI languages with a complete catalog (tests enforce completeness).
UI_LANGUAGES: tuple[str, ...] = ("de", "en", "ar", "fa", "tr", "uk", "ru")
RTL_LANGUAGES: frozenset[str] = frozenset({"ar", "fa", "ps", "ur", "ckb", "prs", "he"})
#: UI languages whose catalog a person writing that language has checked: English is the source,
#: German the team's own. The other catalogs are machine-made drafts, complete but not yet read by
#: a native speaker; the language choosers say so beside their names (:func:`is_draft`), so a
#: counselor who relies on a wording knows to check it. A language moves here once its whole
#: catalog has been read (docs/gui.md, "Languages").
REVIEWED_LANGUAGES: tuple[str, ...] = ("en", "de")


def is_draft(lang: str) -> bool:
    """Whether the interface's translation into ``lang`` is a draft (see
    :data:`REVIEWED_LANGUAGES`)."""
    return lang in UI_LANGUAGES and lang not in REVIEWED_LANGUAGES

_active: contextvars.ContextVar[str] = contextvars.ContextVar("kimdesk_language", default="")

P = ParamSpec("P")
R = TypeVar("R")


def resources_dir() -> Path:
    """The ``resources/`` folder: in a checkout beside the package, in a wheel inside it."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here.parent / "resources", here / "_resources"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("KIMdesk resources folder not found")


def catalog_path(lang: str) -> Path:
    return resources_dir() / "translations" / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.lru_cache(maxsize=32)
def translations(lang: str) -> _gettext.NullTranslations:
    """Compile the language's catalog once per process (Babel parses .po; no .mo on disk)."""
    path = catalog_path(lang)
    if lang == SOURCE_LANGUAGE or not path.is_file():
        return _gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with path.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return _gettext.GNUTranslations(buf)


def default_language() -> str:
    """KIMDESK_LANG, else German (the programme's working language)."""
    lang = environment_language()
    return lang if lang in UI_LANGUAGES else DEFAULT_LANGUAGE


def current_language() -> str:
    return _active.get() or default_language()


def set_language(lang: str) -> None:
    _active.set(lang)


@contextmanager
def language(lang: str) -> Iterator[None]:
    token = _active.set(lang)
    try:
        yield
    finally:
        _active.reset(token)


def carry_language(func: Callable[P, R]) -> Callable[P, R]:
    """``func`` bound to the language active now, wherever and whenever it is later called.

    For work handed to another thread (the GUI's database worker, for one): the language is read
    here, on the handing-over thread, so the work speaks the language the user had when asking
    for it, even if the interface switches while the work waits in a queue."""
    lang = current_language()

    @functools.wraps(func)
    def in_language(*args: P.args, **kwargs: P.kwargs) -> R:
        with language(lang):
            return func(*args, **kwargs)

    return in_language


def gettext(message: str) -> str:
    return translations(current_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_language()).ngettext(singular, plural, n)


_ = gettext


class Message:
    """A message kept as its msgid and arguments and translated each time it is shown: ``str()``
    and f-strings give it in the language current then. For text that outlives the moment it
    was made, such as the reasons :class:`kimdesk.forms.registry.FormRegistry` keeps for a form
    it cannot use: translated when made, they stayed in the language of the moment the forms
    were loaded after the counselor switched (a review, 2026-12-07). Arguments may be messages
    themselves (an error's: ``KimdeskError.later()``); they are translated with it.

    It reads like the text it shows where checks compare text (``==``, ``in``,
    ``startswith``); two messages are equal when msgid and arguments are."""

    __slots__ = ("formatted", "msgid", "params")

    def __init__(self, msgid: str, **params: object) -> None:
        self.msgid = msgid
        self.params = params
        #: whether ``str.format`` applies: a message from :func:`later` that was never given
        #: arguments is shown as it is, as ``gettext`` would ("${field}" stays)
        self.formatted = bool(params)

    def format(self, **params: object) -> Message:
        """The message with these arguments (as ``str.format`` after ``gettext``)."""
        message = Message(self.msgid, **{**self.params, **params})
        message.formatted = True
        return message

    def __str__(self) -> str:
        text = gettext(self.msgid)
        if not self.formatted:
            return text
        params = {key: str(value) if isinstance(value, Message) else value
                  for key, value in self.params.items()}
        for template in (text, self.msgid):  # a translation that breaks a placeholder: English
            try:
                return template.format(**params)
            except (KeyError, IndexError, ValueError):
                continue
        return text

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __repr__(self) -> str:
        return f"Message({self.msgid!r}, **{self.params!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Message):
            return (self.msgid, self.params) == (other.msgid, other.params)
        return str(self) == other if isinstance(other, str) else NotImplemented

    def __hash__(self) -> int:
        return hash(self.msgid)

    def __contains__(self, part: str) -> bool:
        return part in str(self)

    def startswith(self, prefix: str) -> bool:
        return str(self).startswith(prefix)


#: Text for a user: made now (``str``) or translated when shown (:class:`Message`).
Text = str | Message


def later(message: str) -> Message:
    """``gettext`` deferred: the message translated when it is shown, not now (``_`` in the
    modules whose texts are kept, such as the form checks; extracted like ``_``)."""
    return Message(message)


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated later, where it is shown."""
    return message


def N_plural(singular: str, plural: str) -> tuple[str, str]:
    """Mark a plural message for extraction (``tools/i18n.py`` reads it as it reads
    :func:`ngettext`); it is translated later with :func:`ngettext`, where the number is known."""
    return singular, plural


def is_rtl(lang: str) -> bool:
    return lang.split("_")[0].split("-")[0] in RTL_LANGUAGES
