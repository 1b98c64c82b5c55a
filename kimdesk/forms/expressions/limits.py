"""The bounds that keep a form's expressions cheap and the one error every failure becomes.

Expressions come from form files that may be synced from elsewhere, so each evaluation has a hard
bound on work: expression length, nesting depth, text sizes and regular expressions. Callers only
ever see :class:`ExpressionError`, whatever went wrong.
"""

from __future__ import annotations

from kimdesk.errors import KimdeskError

MAX_LENGTH = 4000
MAX_DEPTH = 48
MAX_STRING = 20000
MAX_REGEX_SUBJECT = 2000
MAX_REGEX_PATTERN = 300
REGEX_TIMEOUT = 0.05  # seconds per regex() match


class ExpressionError(KimdeskError):
    """Any problem with an expression: syntax, unknown function, bounds, evaluation."""

    exit_code = 2
