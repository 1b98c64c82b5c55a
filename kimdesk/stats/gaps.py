"""The structural-gap export for the Lenkungsgruppe: which Bruchstellen between agencies case
managers observed, without the people they were observed with.

Each entry keeps the category, the agency types and Rechtskreise involved, the municipality and the
*month* observed; never the case, the person, the exact date or the author. The counselor's free
text is left out unless asked for (``with_descriptions``); even then every name, birth date, phone
number, e-mail, address and case number of the linked person and case is cut out of it, because a
description is written while looking at one case.

The entries are a list, so any count of them is visible to the reader; a suppressed summary next to
them would only pretend. So the summary counts the entries per category for the Kreis (exactly what
the list shows), and an entry names its municipality only where that municipality has at least
``min_cell`` entries in the period; otherwise it says "(Kreis)". This export goes to the Kreis's own
Lenkungsgruppe; the Land's statistics export has its own protected gap table.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kimdesk.i18n import N_, gettext
from kimdesk.stats import Period
from kimdesk.stats.disclosure import DEFAULT_MIN_CELL

if TYPE_CHECKING:
    from kimdesk.vault.statsqueries import StatsQueries

REDACTED = "[…]"
KREIS = "(Kreis)"


@dataclass(frozen=True)
class GapEntry:
    category: str
    agency_types: list[str]
    rechtskreise: list[str]
    municipality: str
    month: str  # YYYY-MM
    description: str | None


def redact(text: str, secrets: list[str | None]) -> str:
    """``text`` with every occurrence of the secret strings (and a birth date in German notation)
    replaced by :data:`REDACTED`, longest first so a full name goes before its parts."""
    out = text
    for secret in sorted({s.strip() for s in secrets if s and len(s.strip()) >= 2}, key=len,
                         reverse=True):
        variants = {secret}
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", secret):
            y, m, d = secret.split("-")
            variants |= {f"{d}.{m}.{y}", f"{int(d)}.{int(m)}.{y}"}
        for v in variants:
            out = re.sub(re.escape(v), REDACTED, out, flags=re.IGNORECASE)
    return out


def entries(db: StatsQueries, period: Period, with_descriptions: bool = False
            ) -> list[GapEntry]:
    out = []
    rows = db.gap_entries(period.start, period.end)
    for (category, agencies, legal, muni, month, text, *secrets) in rows:
        out.append(GapEntry(
            category=category, agency_types=json.loads(agencies or "[]"),
            rechtskreise=json.loads(legal or "[]"), municipality=muni or "", month=month,
            description=redact(text, secrets) if with_descriptions and text else None,
        ))
    return out


def gap_document(db: StatsQueries, period: Period, *, with_descriptions: bool = False,
                 min_cell: int = DEFAULT_MIN_CELL) -> dict[str, Any]:
    """The gap export as plain data: the entries and their counts per category."""
    from collections import Counter

    from kimdesk.domain.codes import GapCategory
    from kimdesk.stats.labels import column_label

    found = entries(db, period, with_descriptions)
    per_municipality = Counter(e.municipality for e in found)
    per_category = Counter(e.category for e in found)
    categories = [g.value for g in GapCategory]
    categories += sorted(c for c in per_category if c not in categories)
    _ = gettext
    return {
        "format": "kimdesk-structural-gaps",
        "format_version": 1,
        "period": {"from": period.start.isoformat(), "to": period.end.isoformat()},
        "note": _(N_("Structural gaps observed by case managers, without persons or cases; "
                     "month of observation only.")),
        "min_cell": min_cell,
        "with_descriptions": with_descriptions,
        "summary": [{"category": c, "label": column_label(c), "count": per_category[c]}
                    for c in categories],
        "entries": [
            {"category": e.category, "category_label": column_label(e.category),
             "agency_types": e.agency_types, "rechtskreise": e.rechtskreise,
             "municipality": (e.municipality if per_municipality[e.municipality] >= min_cell
                              else KREIS),
             "month": e.month,
             **({"description": e.description} if with_descriptions else {})}
            for e in found
        ],
    }


def write_gaps(db: StatsQueries, period: Period, path: Any, fmt: str | None = None, *,
               with_descriptions: bool = False, min_cell: int = DEFAULT_MIN_CELL) -> Any:
    """Read the gaps of ``period`` and write the export (see :func:`write_gap_document`)."""
    doc = gap_document(db, period, with_descriptions=with_descriptions, min_cell=min_cell)
    return write_gap_document(doc, path, fmt)


def write_gap_document(doc: dict[str, Any], path: Any, fmt: str | None = None) -> Any:
    """Write a :func:`gap_document` as CSV (the entries), JSON or XLSX (counts and entries);
    no vault needed, so a GUI can read on its database thread and write elsewhere."""
    import csv
    import io
    from pathlib import Path

    from kimdesk.vault.files import atomic_file, output_folder

    target = Path(path)
    fmt = (fmt or target.suffix.lstrip(".")).lower()
    if fmt not in ("csv", "json", "xlsx"):
        raise ValueError(f"unknown format {fmt!r}")
    fields = ["category", "agency_types", "rechtskreise", "municipality", "month"]
    if doc.get("with_descriptions"):
        fields.append("description")

    def flat(entry: dict[str, Any]) -> list[Any]:
        return [";".join(v) if isinstance(v, list) else v for v in (entry[f] for f in fields)]

    def produce(tmp: Path) -> None:
        if fmt == "json":
            tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=1), "utf-8")
        elif fmt == "csv":
            buf = io.StringIO()
            w = csv.writer(buf, lineterminator="\r\n")
            w.writerow(fields)
            w.writerows(flat(e) for e in doc["entries"])
            tmp.write_text(buf.getvalue(), encoding="utf-8-sig")
        else:
            from openpyxl import Workbook

            wb = Workbook()
            ws = wb.active
            ws.title = "summary"
            for r in doc["summary"]:
                ws.append([r["label"], r["count"]])
            ws2 = wb.create_sheet("entries")
            ws2.append(fields)
            for e in doc["entries"]:
                ws2.append(flat(e))
            wb.save(tmp)

    output_folder(target)
    with atomic_file(target) as temp:
        produce(temp)
    return target
