"""XLSForm expressions (a safe subset of XPath 1.0 as ODK uses it): parse, check, evaluate.

Why a small parser of our own and not elementpath: elementpath evaluates full XPath 2/3 over an XML
document, so every evaluation would first serialise the answers into an XML instance and rewrite
``${field}`` into paths; its errors come from many exception classes, its run time is not bounded
by anything we control, and it offers no static view of an expression. KIMdesk needs exactly that
static view (which fields an expression reads, for cycle detection; which types it combines, for
``forms check``) and a hard bound on work per evaluation. The XLSForm subset is a dozen operators
and a few dozen functions, so a Pratt-style recursive-descent parser is the simpler, auditable
choice. It never calls ``eval``, has no attribute access, no loops driven by input values, caps
expression length, nesting depth, string sizes and regular expressions, and raises only
:class:`ExpressionError`.

The parts, one module each:

- :mod:`.limits`: the bounds and :class:`ExpressionError`;
- :mod:`.syntax`: the syntax tree and its static reads (``references``, ``calls``);
- :mod:`.parser`: tokenizer and parser;
- :mod:`.values`: XPath values and conversions (``to_string``, ``NodeSet``, ...);
- :mod:`.functions`: the function library and bounded regular expressions;
- :mod:`.evaluator`: :class:`Context` and :func:`evaluate`;
- :mod:`.static_types`: :func:`infer`, the types ``forms check`` reports on.

Values follow XPath 1.0 / JavaRosa semantics: an empty answer is ``""``, numbers are floats, a
``select_multiple`` answer is a space-separated string, dates compare and subtract as day numbers.
"""

from __future__ import annotations

from kimdesk.forms.expressions.evaluator import Context, evaluate, evaluate_bool
from kimdesk.forms.expressions.functions import FUNCTIONS, Function, safe_regex
from kimdesk.forms.expressions.limits import (
    MAX_DEPTH,
    MAX_LENGTH,
    MAX_REGEX_PATTERN,
    MAX_REGEX_SUBJECT,
    MAX_STRING,
    REGEX_TIMEOUT,
    ExpressionError,
)
from kimdesk.forms.expressions.parser import Token, parse, parse_filter, tokenize
from kimdesk.forms.expressions.static_types import FIELD_VALUE_TYPES, infer
from kimdesk.forms.expressions.syntax import (
    BinOp,
    Call,
    Column,
    Current,
    Neg,
    Node,
    Num,
    Parent,
    Ref,
    Str,
    calls,
    columns,
    references,
    uses_current,
)
from kimdesk.forms.expressions.values import (
    EPOCH,
    NodeSet,
    to_bool,
    to_date,
    to_number,
    to_string,
)

__all__ = [
    "EPOCH",
    "FIELD_VALUE_TYPES",
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "MAX_REGEX_PATTERN",
    "MAX_REGEX_SUBJECT",
    "MAX_STRING",
    "REGEX_TIMEOUT",
    "BinOp",
    "Call",
    "Column",
    "Context",
    "Current",
    "ExpressionError",
    "Function",
    "Neg",
    "Node",
    "NodeSet",
    "Num",
    "Parent",
    "Ref",
    "Str",
    "Token",
    "calls",
    "columns",
    "evaluate",
    "evaluate_bool",
    "infer",
    "parse",
    "parse_filter",
    "references",
    "safe_regex",
    "to_bool",
    "to_date",
    "to_number",
    "to_string",
    "tokenize",
    "uses_current",
]
