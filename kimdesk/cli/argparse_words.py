"""argparse's own words ("usage:", "error:", "invalid choice", "positional arguments", ...) in
the user's language, from KIMdesk's one catalog.

Why this way: Python's argparse builds each of its messages with the module-level names ``_``
and ``ngettext`` it imported from :mod:`gettext` (``from gettext import gettext as _,
ngettext``), looked up each time a message is made. :func:`install` points those two names at
:func:`gettext` and :func:`ngettext` below, which ask :mod:`kimdesk.i18n`: argparse's words
then live in the same ``.po`` files as every other string (``tools/i18n.py update``, ``fill``,
``check``), and follow the same language (``KIMDESK_LANG``, or ``--lang`` before the command)
read at the moment the message is made. The alternatives were worse: gettext's own mechanism
(argparse's default domain ``messages`` bound to a folder of compiled ``.mo`` files) needs a
build step and a second catalog, and picks its language from ``LANGUAGE``/``LC_MESSAGES``,
which ``--lang`` would have to write into the environment; a subclass of ``ArgumentParser``
cannot reach the messages made deep inside argparse ("expected one argument", "invalid
choice"). The names argparse looks up are module globals, so this holds for every parser in a
``kimdesk`` process (the desktop app's and the screenshot tool's too), which is what we want.

Option names, command names and metavars are not touched: they reach these messages as
``%s``/``%r`` values, and scripts depend on them. Exit code 2 and the layout of the usage lines
are argparse's as before (its indentation is measured from the translated "usage: ").

:data:`MESSAGES` and :data:`PLURALS` list argparse's msgids of Python 3.11 exactly, placeholders
included, marked so that ``tools/i18n.py`` (which extracts from ``kimdesk/`` only) puts them in
the catalog. When a Python upgrade changes or adds a msgid, the catalog has no entry for it and
gettext gives the msgid back: that message is English, nothing breaks.
``tests/test_cli_argparse_words.py`` reads the running Python's ``argparse.py`` and fails when
one of its msgids is missing here, so CI names the new words of an upgrade. A translation whose
``%`` placeholders differ from argparse's would make argparse's own ``%`` formatting raise (a
traceback instead of a usage error): :func:`gettext` and :func:`ngettext` give the English then.
"""

from __future__ import annotations

import argparse
import re

from kimdesk import i18n
from kimdesk.i18n import N_, N_plural

#: argparse's messages (Python 3.11), for extraction; the developer errors among them (a parser
#: built wrongly) are translated too, so the test can hold every msgid to a translation.
MESSAGES: tuple[str, ...] = (
    N_("usage: "),
    N_("argument %(argument_name)s: %(message)s"),
    N_(".__call__() not defined"),
    N_("conflicting subparser: %s"),
    N_("conflicting subparser alias: %s"),
    N_("unknown parser %(parser_name)r (choices: %(choices)s)"),
    N_('argument "-" with mode %r'),
    N_("can't open '%(filename)s': %(error)s"),
    N_("cannot merge actions - two groups are named %r"),
    N_("'required' is an invalid argument for positionals"),
    N_("invalid option string %(option)r: must start with a character %(prefix_chars)r"),
    N_("dest= is required for options like %r"),
    N_("invalid conflict_resolution value: %r"),
    N_("mutually exclusive arguments must be optional"),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("cannot have multiple subparser arguments"),
    N_("unrecognized arguments: %s"),
    N_("not allowed with argument %s"),
    N_("ignored explicit argument %r"),
    N_("the following arguments are required: %s"),
    N_("one of the arguments %s is required"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("unexpected option string: %s"),
    N_("%r is not callable"),
    N_("invalid %(type)s value: %(value)r"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("%(prog)s: error: %(message)s\n"),
)
#: argparse's messages with a plural (singular, plural).
PLURALS: tuple[tuple[str, str], ...] = (
    N_plural("conflicting option string: %s", "conflicting option strings: %s"),
    N_plural("expected %s argument", "expected %s arguments"),
)

#: A ``%`` conversion as argparse formats it: ``%s``, ``%r``, ``%(name)s``.
_PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[a-z%]")


def _checked(english: str, translated: str) -> str:
    """``translated`` when it has ``english``'s placeholders and no other ``%`` (a percent sign
    meant as text, ``%`` at the end: argparse's formatting raised on it, a traceback instead
    of the usage error; a review of 2026-12-07), else ``english``."""
    if translated == english:
        return english
    if sorted(_PLACEHOLDER.findall(translated)) != sorted(_PLACEHOLDER.findall(english)):
        return english
    if "%" in _PLACEHOLDER.sub("", translated):
        return english
    return translated


def gettext(message: str) -> str:
    """argparse's ``_``. It also passes a subparser group's title and description through
    here, which may be None or already translated (then there is no entry and it stays)."""
    if not isinstance(message, str) or not message:
        return message
    return _checked(message, i18n.gettext(message))


def ngettext(singular: str, plural: str, n: int) -> str:
    """argparse's ``ngettext``."""
    return _checked(singular if n == 1 else plural, i18n.ngettext(singular, plural, n))


def install() -> None:
    """Route argparse's ``_`` and ``ngettext`` to this module (idempotent, process-wide). A
    future argparse that no longer reads these names simply stays English."""
    for name, func in (("_", gettext), ("ngettext", ngettext)):
        setattr(argparse, name, func)
