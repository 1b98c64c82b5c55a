"""CSV files that travel with a form: ``select_one_from_file`` and ``pulldata()`` (issue 16).

ODK forms ship data beside the spreadsheet: ``select_one_from_file districts.csv`` offers the
rows of ``districts.csv`` (columns ``name``, ``label`` or ``label::Language (code)``, and any other
column a ``choice_filter`` reads), and ``pulldata('prices', 'price', 'fruit', ${fruit})`` looks up
the ``price`` of the row of ``prices.csv`` whose ``fruit`` column is the answer.

Decision: the rows are stored **in the form definition** (its ``files`` key, file name -> rows as
text maps), not as sibling files. A definition is what KIMdesk installs, archives in the vault and
syncs as one immutable version, so the data travels with it to every device and an old answer
opens with the list it was given with; a sibling file could go missing or change under a version.
Only CSV is read (Collect also takes XML and GeoJSON: refused by name). Limits keep a form small:
:data:`MAX_FILE_ROWS` rows and :data:`MAX_FILE_BYTES` per file.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from kimdesk.i18n import later as _

Rows = list[dict[str, str]]
Add = Callable[..., None]
#: Extensions of ``select_one_from_file`` lists (pyxform's list); only CSV is read.
FILE_SUFFIXES = (".csv", ".xml", ".geojson")
MAX_FILE_ROWS = 20_000
MAX_FILE_BYTES = 5_000_000
_PULLDATA = re.compile(r"pulldata\s*\(\s*['\"]([^'\"]*)['\"]")
_FILE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\- ]*$")


def is_file_list(list_name: str | None) -> bool:
    """A select's list that names a file (``select_one_from_file x.csv``)."""
    return bool(list_name) and str(list_name).lower().endswith(FILE_SUFFIXES)


def file_key(name: str) -> str:
    """pulldata names its file without the extension (``'fruits'`` is ``fruits.csv``)."""
    return name if name.lower().endswith(FILE_SUFFIXES) else f"{name}.csv"


def pulldata_files(expressions: Iterable[str]) -> list[str]:
    """The files ``pulldata()`` reads in these expressions (literal first arguments)."""
    found: list[str] = []
    for text in expressions:
        for m in _PULLDATA.finditer(text or ""):
            key = file_key(m.group(1))
            if key not in found:
                found.append(key)
    return found


def read_files(names: Sequence[str], folder: Path | None, add: Add,
               where: Mapping[str, str]) -> dict[str, Rows]:
    """Each named file from the form's folder, as rows; a missing, unreadable, too large or
    non-CSV file is refused by name (``where[name]`` is the question that needs it)."""
    out: dict[str, Rows] = {}
    for name in names:
        field = where.get(name, "-")
        if not name.lower().endswith(".csv"):
            add(field, _("choices from the file '{file}': only CSV files are supported, not XML"
                         " or GeoJSON").format(file=name))
            continue
        path = folder / name if folder is not None and _FILE_NAME.match(name) else None
        if path is None or not path.is_file():
            add(field, _("the included file '{file}' is missing: put it beside the form's"
                         " spreadsheet and import again").format(file=name))
            continue
        rows = _read_csv(path, add, field)
        if rows is not None:
            out[name] = rows
            add(field, _("the data of '{file}' ({rows} rows) is stored in the form and travels"
                         " with it").format(file=name, rows=len(rows)), "warning")
    return out


def _read_csv(path: Path, add: Add, field: str) -> Rows | None:
    if path.stat().st_size > MAX_FILE_BYTES:
        add(field, _("the file '{file}' is larger than {limit} MB").format(
            file=path.name, limit=MAX_FILE_BYTES // 1_000_000))
        return None
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")  # Excel's "CSV" on Windows
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows: Rows = []
    try:
        for row in csv.DictReader(io.StringIO(text), dialect=dialect):
            rows.append({str(k).strip(): (v or "").strip() for k, v in row.items()
                         if k is not None})
            if len(rows) > MAX_FILE_ROWS:
                add(field, _("the file '{file}' has more than {limit} rows").format(
                    file=path.name, limit=f"{MAX_FILE_ROWS:,}"))
                return None
    except csv.Error as exc:
        add(field, _("the file '{file}' is not a readable CSV file ({detail})").format(
            file=path.name, detail=str(exc)))
        return None
    return rows


def write_files(files: Mapping[str, Rows], folder: Path) -> None:
    """Write the form's files beside an exported workbook (as ODK expects them)."""
    for name, rows in files.items():
        if not _FILE_NAME.match(name):
            continue
        header = list(dict.fromkeys(k for row in rows for k in row))
        with (folder / name).open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=header)
            writer.writeheader()
            writer.writerows(rows)


def pulldata(rows: Sequence[Mapping[str, str]], column: str, key_column: str, key: str) -> str:
    """ODK's pulldata: ``column`` of the first row whose ``key_column`` is ``key``; "" if none."""
    for row in rows:
        if row.get(key_column, "") == key:
            return row.get(column, "")
    return ""


def check_files(definition: Any, add: Add) -> None:
    """``forms check``: every ``pulldata()`` file is part of the form (a definition written by
    hand, or one whose files were removed, is refused by name rather than failing later)."""
    for row in definition.survey:
        texts = (row.calculation, row.relevant, row.constraint, row.choice_filter,
                 row.repeat_count, row.default, row.required if isinstance(row.required, str)
                 else "")
        for name in pulldata_files(texts):
            if name not in definition.files:
                add(row.name or "-", _("the included file '{file}' is missing: put it beside"
                                       " the form's spreadsheet and import again").format(
                                           file=name))
