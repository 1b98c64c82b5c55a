"""Errors a user can cause or meet, each with a message that is translated when shown.

The message is kept as its English msgid plus parameters, so the same exception reads in German on
the CLI, in Arabic in the GUI and in English in a log, whatever language was active when it was
raised.
"""

from __future__ import annotations

from typing import Any

from kimdesk.i18n import N_, gettext


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
