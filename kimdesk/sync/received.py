"""Pulled records checked by the domain models on the thread that fetched their page.

The vault writes a received record whose fields are exactly its model's straight into a row,
without pydantic (:mod:`kimdesk.vault.sync.rows`: one Python call per column was a fifth of a
10k pull). That trusted the server: a review of the device against a hostile or buggy server
(2026-12-06) had a page's ``birth_date: "not a date"`` written as it came, and every later read
of that person failed (its cases could not be opened); data naming another id than the page's
wrote another record. So every record is validated now, by its model, and must name its own id.

Why here and not where the record is written: validation costs about 13 us a case of ~1 KB, a
sixth of a 10k pull on the applying thread. The fetching thread parses the next page while the
vault writes the one before (the writes run in SQLite's C code, without the interpreter lock),
so there the check mostly fills time that was idle. The ids of the records that pass are noted
on the page (:attr:`kimdesk.sync.protocol.PullPage.checked`); any other record, from a page that
did not come this way too, is validated where it is written, and parked with the reason if it
fails.
"""

from __future__ import annotations

from typing import Any

from kimdesk.domain.models import RECORD_BY_KIND
from kimdesk.sync.protocol import PullPage

#: Added to a received record's fields for validation: what a clean local row holds.
_LOCAL = {"revision": 1, "pending": False}


def check_page(page: PullPage) -> PullPage:
    """Note the page's records that their model validates and that name their own id; the
    others are not noted (the vault validates them again and parks them with the reason). A
    record sent twice counts as its last copy, the one the vault keeps."""
    checked = page.checked
    for rec in page.records:
        ids = checked.setdefault(rec.kind, set())
        if _valid(rec.kind, rec.id, rec.data):
            ids.add(rec.id)
        else:
            ids.discard(rec.id)
    return page


def _valid(kind: str, rid: str, data: dict[str, Any]) -> bool:
    model = RECORD_BY_KIND.get(kind)
    if model is None or data.get("id") != rid:
        return False
    try:
        model.__pydantic_validator__.validate_python(data | _LOCAL)
    except ValueError:  # pydantic's ValidationError is one
        return False
    return True
