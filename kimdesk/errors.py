"""Errors a user can cause or meet, each with a message that is translated when shown.

The message is kept as its English msgid plus parameters, so the same exception reads in German on
the CLI, in Arabic in the GUI and in English in a log, whatever language was active when it was
raised.
"""

from __future__ import annotations

from typing import Any

from kimdesk.i18n import gettext


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
