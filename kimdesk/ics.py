"""iCalendar (RFC 5545) export of the counselor's appointments, for their own calendar.

Written here by hand rather than with the ``icalendar`` library: the file holds one fixed shape
(a VCALENDAR of VEVENTs with SUMMARY, optional LOCATION, a date or a floating date-time), about
forty lines of RFC 5545 (text escaping, 75-octet line folding, CRLF), and the desktop installer
would otherwise carry a library plus ``python-dateutil`` and ``tzdata`` for it. The tests parse
the result back with the ``icalendar`` library (a dev dependency), an independent reader.

What goes in: nothing about the client unless the counselor chooses it (:class:`IcsChoice`).
By default an event says only "KIM appointment" (the caller's translated text), its date and
time; the case number, the client's name and the place are each added only when chosen. The UID
is a UUIDv5 of the case id, so importing a newer export updates the event instead of adding a
second one, and the UID tells nobody which case it is without the vault.

Times are *floating* (RFC 5545 3.3.5, no time zone): an appointment at 09:30 is at 09:30 on the
counselor's wall clock, which is what was agreed with the client; no VTIMEZONE is needed. An
appointment without a time becomes an all-day event; a timed one lasts
:data:`DEFAULT_MINUTES` (a calendar block the counselor can move; the appointment has no
length, and a consultation's duration is recorded only afterwards, if at all).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kimdesk.errors import FileError, KimdeskError
from kimdesk.i18n import N_, gettext
from kimdesk.vault.appointments import APPOINTMENT, AgendaEntry
from kimdesk.vault.files import atomic_write

DEFAULT_MINUTES = 60
_NAMESPACE = uuid.UUID("3c1f6d0e-7a52-4b8e-9d2c-5e6a1b4f8a07")
PRODID = "-//KIMdesk//Appointments//EN"


@dataclass(frozen=True)
class IcsChoice:
    """What the counselor chose to put into each event (see the module docstring)."""

    title: str  # e.g. "KIM appointment" in the UI language
    review_title: str = ""  # the reviews' title; empty: reviews are left out
    case_number: bool = False
    name: bool = False
    place: bool = False


def escape_text(value: str) -> str:
    """TEXT value escaping (RFC 5545 3.3.11)."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def fold(line: str) -> bytes:
    """One content line as UTF-8 with CRLF, folded at 75 octets without splitting a
    character (RFC 5545 3.1)."""
    out = bytearray()
    width = 0
    for char in line:
        encoded = char.encode()
        if width + len(encoded) > 75:
            out += b"\r\n "
            width = 1
        out += encoded
        width += len(encoded)
    return bytes(out) + b"\r\n"


def _summary(entry: AgendaEntry, choice: IcsChoice) -> str:
    parts = [choice.title if entry.kind == APPOINTMENT else choice.review_title]
    if choice.case_number:
        parts.append(entry.case_number)
    text = " ".join(p for p in parts if p)
    if choice.name and entry.display_name:
        text = f"{text}: {entry.display_name}"
    return text


def _event(entry: AgendaEntry, choice: IcsChoice, stamp: str) -> list[str]:
    uid = uuid.uuid5(_NAMESPACE, f"{entry.kind}/{entry.case_id}")
    lines = ["BEGIN:VEVENT", f"UID:{uid}@kimdesk", f"DTSTAMP:{stamp}"]
    if entry.time:
        start = datetime.combine(entry.day, datetime.strptime(entry.time, "%H:%M").time())
        end = start + timedelta(minutes=DEFAULT_MINUTES)
        lines += [f"DTSTART:{start:%Y%m%dT%H%M%S}", f"DTEND:{end:%Y%m%dT%H%M%S}"]
    else:
        following = entry.day + timedelta(days=1)
        lines += [f"DTSTART;VALUE=DATE:{entry.day:%Y%m%d}",
                  f"DTEND;VALUE=DATE:{following:%Y%m%d}", "TRANSP:TRANSPARENT"]
    lines.append(f"SUMMARY:{escape_text(_summary(entry, choice))}")
    if choice.place and entry.place:
        lines.append(f"LOCATION:{escape_text(entry.place)}")
    lines.append("END:VEVENT")
    return lines


def calendar_bytes(entries: Iterable[AgendaEntry], choice: IcsChoice,
                   now: datetime | None = None) -> bytes:
    """The whole .ics file. Reviews are included only when ``choice.review_title`` is set."""
    stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH"]
    for entry in entries:
        if entry.kind != APPOINTMENT and not choice.review_title:
            continue
        lines += _event(entry, choice, stamp)
    lines.append("END:VCALENDAR")
    return b"".join(fold(line) for line in lines)


class IcsWriteError(KimdeskError):
    """The .ics file could not be written (a translated one-line reason)."""


def write_ics(path: Path, data: bytes) -> None:
    """Write atomically, readable by the owner only (it may carry what the counselor chose)."""
    path = Path(path)
    if not path.parent.is_dir():
        raise IcsWriteError(N_("Cannot write {path}: {reason}"), path=str(path),
                            reason=gettext(N_("it or its folder does not exist")))
    try:
        atomic_write(path, data)
    except OSError as exc:  # FileError says why in the user's language
        reason = FileError.reason_of(exc)
        raise IcsWriteError(N_("Cannot write {path}: {reason}"), path=str(path),
                            reason=reason) from exc
