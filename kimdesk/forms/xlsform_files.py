"""What an XLSForm file really is, before pyxform reads it (issue 16).

pyxform picks its reader by the file name's extension and answers anything else with "not
recognized as a supported type". A 0-byte download, an old Excel 97 workbook saved under the name
``.xlsx`` or an HTML error page named ``form.xlsx`` deserve a message that says what the file is.
The survey sheet's size is read here too, so a 300,000-row sheet is refused before pyxform spends
minutes on it.
"""

from __future__ import annotations

from pathlib import Path

from kimdesk.i18n import gettext as _

_ZIP = b"PK\x03\x04"
#: pyxform stops reading a sheet after this many adjacent empty rows.
_EMPTY_RUN = 60
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 (.xls) compound document


def file_problem(path: Path) -> str | None:
    """A translated sentence when the file cannot be what its extension says; else None."""
    try:
        with path.open("rb") as fh:
            head = fh.read(512)
    except OSError as exc:
        return _("The file cannot be read: {reason}").format(reason=exc.strerror or "?")
    suffix = path.suffix.lower()
    if not head:
        return _("The file is empty (0 bytes): not a form.")
    if suffix == ".xlsx" and head.startswith(_OLE2):
        return _("The file is an old-format Excel workbook (.xls) with the name .xlsx: rename it"
                 " to .xls or save it again as .xlsx.")
    if suffix == ".xls" and head.startswith(_ZIP):
        return _("The file is a new-format Excel workbook (.xlsx) with the name .xls: rename it"
                 " to .xlsx.")
    if suffix in {".xlsx", ".xls"} and not head.startswith((_ZIP, _OLE2)):
        kind = _describe(head)
        return _("The file is not an Excel workbook; it looks like {kind}.").format(kind=kind)
    return None


def _describe(head: bytes) -> str:
    text = head.lstrip().lower()
    if text.startswith((b"<!doctype html", b"<html")):
        return _("a web page (HTML)")
    if text.startswith(b"<?xml") or text.startswith(b"<h:html"):
        return _("an XML file (perhaps an XForm already)")
    if head.startswith(b"%PDF"):
        return _("a PDF document")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return _("a binary file of another kind")
    return _("a text file (perhaps CSV: then name it .csv)")


def survey_rows(path: Path, limit: int) -> int | None:
    """Rows of the survey sheet (an upper bound for text formats; counting stops a little past
    ``limit``); None when unknown."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".xlsx":
            import openpyxl

            wb = openpyxl.load_workbook(path, read_only=True)
            try:
                sheet = next((wb[n] for n in wb.sheetnames if n.strip().lower() == "survey"),
                             None)
                if sheet is None or (sheet.max_row or 0) <= limit:
                    return None if sheet is None else sheet.max_row
                # the recorded dimension counts formatted empty rows (often all 1,048,576):
                # count the rows that hold something, stopping past the limit or, as pyxform
                # does, after a run of empty rows (pyxform reads nothing beyond that either)
                filled = empty_run = 0
                for row in sheet.iter_rows(values_only=True, max_col=3):
                    if any(v not in (None, "") for v in row):
                        filled, empty_run = filled + 1, 0
                        if filled > limit:
                            break
                    else:
                        empty_run += 1
                        if empty_run > _EMPTY_RUN:
                            break
                return filled
            finally:
                wb.close()
        if suffix == ".xls":
            import xlrd

            book = xlrd.open_workbook(str(path), on_demand=True)
            try:
                name = next((n for n in book.sheet_names() if n.strip().lower() == "survey"),
                            None)
                return None if name is None else int(book.sheet_by_name(name).nrows)
            finally:
                book.release_resources()
        with path.open("rb") as fh:
            return sum(1 for _line in fh)
    except Exception:  # unreadable: pyxform reports it in its own words
        return None
