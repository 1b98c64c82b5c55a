"""Errors a user can cause or meet, each with a message that is translated when shown.

The message is kept as its English msgid plus parameters, so the same exception reads in German on
the CLI, in Arabic in the GUI and in English in a log, whatever language was active when it was
raised.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kimdesk.i18n import N_, Message, gettext


class KimdeskError(Exception):
    """Base of every error that is reported to a user as one clear line (never a traceback)."""

    exit_code = 1

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.params = params

    def __str__(self) -> str:
        return self.translated()

    def translated(self) -> str:
        return self.translated_with(self.params)

    def later(self) -> Message:
        """The message kept untranslated, to be shown later (:class:`kimdesk.i18n.Message`);
        for the errors that show their parameters as they are (not :class:`FileError`)."""
        return Message(self.message, **self.params)

    def translated_with(self, params: dict[str, Any]) -> str:
        """The message in the current language with ``params`` (a subclass may show its
        parameters otherwise, see :class:`kimdesk.sync.errors.ServerRefused`)."""
        text = gettext(self.message)
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return self.message.format(**params)


class ValidationError(KimdeskError):
    """Input that the domain rules reject; ``field`` names the offending field where known."""

    exit_code = 2

    def __init__(self, message: str, field: str | None = None, **params: Any) -> None:
        super().__init__(message, **params)
        self.field = field


#: An operating-system error's reason in the user's words, by its errno: ``strerror`` is the C
#: library's English whatever the interface language (the command line showed "No space left on
#: device" inside a German sentence, 2026-12-07). An errno not listed keeps ``strerror``.
_OS_REASONS = {
    "ENOSPC": N_("the disk is full"),
    "EDQUOT": N_("the disk quota is used up"),
    "EACCES": N_("no permission"),
    "EPERM": N_("no permission"),
    "EROFS": N_("the file system is read-only"),
    "ENOENT": N_("it or its folder does not exist"),
    "ENOTDIR": N_("a part of the path is a file, not a folder"),
    "EISDIR": N_("it is a folder"),
    "EEXIST": N_("something of that name is already there"),
    "ENAMETOOLONG": N_("the name is too long"),
    "EIO": N_("the device reported an input/output error"),
    "EBUSY": N_("it is in use"),
    "EINVAL": N_("the system refused that name"),
}


def os_reason(exc: OSError) -> str:
    """Why ``exc`` happened, as a msgid of :data:`_OS_REASONS` (translate it with ``gettext``)
    or, for an errno not listed there, the C library's ``strerror``."""
    import errno

    name = errno.errorcode.get(exc.errno or 0, "")
    return _OS_REASONS.get(name) or exc.strerror or type(exc).__name__


class FileError(KimdeskError, OSError):
    """A file or folder the user named cannot be written: the path and the reason in the
    user's language, one line. Raised for output files by
    :func:`kimdesk.vault.files.atomic_file`; any other ``OSError`` reaching the command line's
    top is shown the same way (:mod:`kimdesk.cli.entry`). An ``OSError`` too, so callers that
    catch one (the GUI's save actions) still do."""

    def __init__(self, path: object, reason: str,
                 message: str = N_("Cannot write {path}: {reason}")) -> None:
        super().__init__(message, path=str(path), reason=reason)

    def translated_with(self, params: dict[str, Any]) -> str:
        return super().translated_with({**params, "reason": self.reason()})

    def reason(self) -> str:
        """Why, in the current language."""
        return gettext(self.params["reason"])

    @staticmethod
    def reason_of(exc: OSError) -> str:
        """Why ``exc`` happened, in the current language: a :class:`FileError`'s own reason,
        else by its errno (:func:`os_reason`)."""
        return exc.reason() if isinstance(exc, FileError) else gettext(os_reason(exc))

    @classmethod
    def of(cls, exc: OSError, path: object = None) -> FileError:
        """The error for ``exc`` met writing ``path``."""
        return cls(path, os_reason(exc))

    @classmethod
    def unexpected(cls, exc: OSError) -> FileError:
        """An ``OSError`` no command turned into a message of its own: read or write, named by
        the file it names (if any)."""
        if exc.filename:
            return cls(exc.filename, os_reason(exc), N_("Cannot use {path}: {reason}"))
        return cls("", os_reason(exc), N_("A file could not be read or written: {reason}"))


#: pydantic's error types in the user's words (its ``msg`` is English whatever the interface
#: language: ``server publish --kind retention_policy`` said "Input should be greater than or
#: equal to 1" under German). ``{limit}`` comes from the error's context, ``{allowed}`` from its
#: ``expected`` (the values only, pydantic's "or" dropped). A type not listed keeps pydantic's
#: English ``msg``: a new pydantic may add types; the message then is English, never missing.
_PYDANTIC_REASONS: dict[str, str] = {
    "missing": N_("is missing"),
    "extra_forbidden": N_("is not a known key"),
    "greater_than_equal": N_("must be at least {limit}"),
    "greater_than": N_("must be more than {limit}"),
    "less_than_equal": N_("must be at most {limit}"),
    "less_than": N_("must be less than {limit}"),
    "int_parsing": N_("must be a whole number"),
    "int_type": N_("must be a whole number"),
    "int_from_float": N_("must be a whole number"),
    "float_parsing": N_("must be a number"),
    "float_type": N_("must be a number"),
    "string_type": N_("must be text"),
    "string_too_long": N_("must be at most {limit} characters long"),
    "string_too_short": N_("must be at least {limit} characters long"),
    "enum": N_("must be one of: {allowed}"),
    "literal_error": N_("must be one of: {allowed}"),
    "bool_parsing": N_("must be true or false"),
    "bool_type": N_("must be true or false"),
    "date_parsing": N_("must be a date (YYYY-MM-DD)"),
    "date_from_datetime_parsing": N_("must be a date (YYYY-MM-DD)"),
    "date_type": N_("must be a date (YYYY-MM-DD)"),
    "model_type": N_("must be a JSON object"),
    "dict_type": N_("must be a JSON object"),
    "model_attributes_type": N_("must be a JSON object"),
    "list_type": N_("must be a list"),
}
_LIMIT_KEYS = ("ge", "gt", "le", "lt", "max_length", "min_length")


def validation_reason(error: Mapping[str, Any]) -> str:
    """One error of a pydantic ``ValidationError.errors()`` as a short reason in the current
    language ("muss mindestens 1 sein"), to follow the field it concerns."""
    return str(validation_message(error))


def validation_message(error: Mapping[str, Any]) -> Message:
    """:func:`validation_reason` kept untranslated, translated when shown."""
    import re

    msgid = _PYDANTIC_REASONS.get(str(error.get("type", "")))
    if msgid is None:
        return Message("{msg}", msg=str(error.get("msg", "")))
    ctx = error.get("ctx") or {}
    limit = next((ctx[key] for key in _LIMIT_KEYS if key in ctx), "")
    allowed = ", ".join(re.findall(r"'([^']*)'", str(ctx.get("expected", ""))))
    return Message(msgid, limit=limit, allowed=allowed)


def validation_text(error: Mapping[str, Any]) -> str:
    """``field: reason`` for one pydantic error (nested fields joined by dots), or the reason
    alone for the whole input."""
    where = ".".join(str(part) for part in error.get("loc", ()))
    reason = validation_reason(error)
    return f"{where}: {reason}" if where else reason
