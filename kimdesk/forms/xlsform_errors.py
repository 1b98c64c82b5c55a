"""pyxform's refusals in the counselor's language, naming the row and the feature (issue 16).

pyxform validates a spreadsheet before KIMdesk maps it, and its messages are English and speak of
XML and XPath ("Invalid headers provided for sheet ...", "[row : 34] Missing calculation.").
A municipality importing a Kobo form needs to know WHAT in the form is wrong: which row, which
column, which type. :func:`refusal` sorts a :class:`pyxform.errors.PyXFormError` by its error
code (pyxform 4 has codes for part of its errors) or else by the words of its message into one of
the kinds below, and writes a translated sentence that names the row, sheet and value it can find;
pyxform's own text follows as a detail (``pyxform: ...``) for whoever asks the form's author.

Decision: the table matches pyxform's message words, not only its error codes, because most of
pyxform's 170 ``raise`` sites still pass a plain text; a message nothing matches gets the general
"breaks a rule of the XLSForm standard" sentence, still with its row, so no refusal is pyxform's
raw English only.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from kimdesk.i18n import gettext as _

_ROW = re.compile(r"\[row\s*:\s*(\d+)\]", re.IGNORECASE)
_SHEET = re.compile(r"(?:sheet:?\s*'(\w+)'|'(\w+)' sheet|the (\w+) sheet)", re.IGNORECASE)
_QUOTED = re.compile(r"'([^']*)'")


def _first_quoted(text: str, default: str = "?") -> str:
    m = _QUOTED.search(text)
    return m.group(1) if m else default


def _unknown_type(text: str) -> str:
    return _("the sheet 'survey' has a question of type '{type}' that XLSForm does not"
             " define").format(type=_first_quoted(text))


def _unmatched(text: str) -> str:
    m = re.search(r"unmatched '?(begin|end)[ _](\w+)'?", text, re.IGNORECASE)
    which, kind = (m.group(1).lower(), m.group(2).lower()) if m else ("begin", "group")
    name = re.search(r"for the name '([^']*)'", text)
    if which == "begin":
        return _("unmatched 'begin {kind}' '{name}': its 'end {kind}' row is missing").format(
            kind=kind, name=name.group(1) if name else "")
    return _("unmatched 'end {kind}': no 'begin {kind}' row opens it").format(kind=kind)


def _duplicate_header(text: str) -> str:
    m = re.search(r"found:\s*'([^']*)',\s*'([^']*)'", text)
    if m:
        return _("the columns '{a}' and '{b}' are two names for the same column; keep one of"
                 " them").format(a=m.group(1), b=m.group(2))
    header = text.rsplit(":", 1)[-1].strip() if ":" in text else "?"
    return _("the column '{column}' is there twice").format(column=header)


def _missing_headers(text: str) -> str:
    m = re.search(r"not found:\s*([^.]*)", text)
    if m:
        return _("required columns are missing: {columns}").format(columns=m.group(1).strip())
    return _("the header row (type, name, label, ...) is missing or not recognised")


_KINDS: tuple[tuple[re.Pattern[str], Callable[[str], str]], ...] = (
    (re.compile(r"unknown question type", re.I), _unknown_type),
    (re.compile(r"unmatched '?(begin|end)", re.I), _unmatched),
    (re.compile(r"duplicate column header|different names for the same column", re.I),
     _duplicate_header),
    (re.compile(r"required column headers were not found|invalid headers provided", re.I),
     _missing_headers),
    (re.compile(r"missing calculation|calculate without calculation", re.I),
     lambda t: _("a 'calculate' question has no calculation")),
    (re.compile(r"question or group with no name|name must be given|no name", re.I),
     lambda t: _("a question or group has no name")),
    (re.compile(r"question with no type", re.I), lambda t: _("a question has no type")),
    (re.compile(r"there is no survey element named", re.I),
     lambda t: _("an expression refers to ${{{name}}}, but no question has that name").format(
         name=_first_quoted(t))),
    (re.compile(r"multiple survey elements named|must be unique|duplicate name|"
                r"case-insensitive match", re.I),
     lambda t: _("a name is used twice where it must be unique")),
    (re.compile(r"invalid character|xml identifier|names must begin", re.I),
     lambda t: _("a name contains characters a name may not have (letters, digits, '_', '-',"
                 " '.'; not starting with a digit)")),
    (re.compile(r"list name|list_name|choice list|no choices|choices sheet", re.I),
     lambda t: _("a choice list is missing or broken in the sheet 'choices'")),
    (re.compile(r"file name for|file extension|external", re.I),
     lambda t: _("a choice list from a file is not named as XLSForm requires (.csv, .xml,"
                 " .geojson)")),
    (re.compile(r"is missing the .* column|language", re.I),
     lambda t: _("a language column is missing or not consistent")),
    (re.compile(r"label", re.I), lambda t: _("a label is missing")),
    (re.compile(r"parameter", re.I), lambda t: _("the 'parameters' column has a value the"
                                                 " question type does not take")),
    (re.compile(r"entit", re.I), lambda t: _("the ODK entity declaration is not valid")),
)


def refusal(exc: Any) -> str:
    """The translated reason a spreadsheet is refused, naming row, sheet and feature, with
    pyxform's own text as the detail."""
    original = " ".join(str(exc).split())
    context = dict(getattr(exc, "context", None) or {})
    return describe(original, context.get("row"))


def describe(original: str, row: Any = None) -> str:
    """:func:`refusal` for a message text (and the row, when pyxform gave it apart)."""
    m = _ROW.search(original)
    row = row if row not in (None, "") else (m.group(1) if m else None)
    what = next((make(original) for pattern, make in _KINDS if pattern.search(original)),
                None)
    if what is None:
        what = _("the spreadsheet breaks a rule of the XLSForm standard")
    sheet_match = _SHEET.search(original)
    sheet = next((g for g in sheet_match.groups() if g), None) if sheet_match else None
    if row is not None:
        where = _("Row {row}").format(row=row)
        if sheet and sheet.lower() != "survey":
            where = _("Sheet '{sheet}', row {row}").format(sheet=sheet, row=row)
    elif sheet:
        where = _("Sheet '{sheet}'").format(sheet=sheet)
    else:
        where = _("The form")
    return _("{where}: {what} (pyxform: {detail})").format(where=where, what=what,
                                                           detail=original)


def unknown_type(jtype: str) -> str:
    """A type pyxform knows but KIMdesk does not have is unsupported; any other type is one
    XLSForm does not define (a typo, another tool's extension)."""
    from pyxform.question_type_dictionary import QUESTION_TYPE_DICT

    if jtype in QUESTION_TYPE_DICT:
        return _("unsupported type '{type}'").format(type=jtype)
    return _("the sheet 'survey' has a question of type '{type}' that XLSForm does not"
             " define").format(type=jtype)


def unreadable(exc: BaseException) -> str:
    """A workbook the readers (zipfile, openpyxl, xlrd) choke on: a translated sentence; the
    reader's words follow as the detail, its exception class name when it has none."""
    detail = " ".join(str(exc).split()) or type(exc).__name__
    return _("The spreadsheet cannot be read; it may be damaged or protected ({detail}).").format(
        detail=detail)
