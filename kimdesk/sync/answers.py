"""How much of an answer the device parses: bytes per kind of answer, and JSON items counted
before the parse.

Parsing JSON costs memory per value far more than per byte: a review (2026-12-06) measured
10 MiB of tiny records at +306 MiB once parsed, so an answer inflated to the 128 MiB the
transport allows would take about 4 GiB, and the desktop app with it. Measured here (pydantic's
parse of a pull page, tracemalloc peak per item counted by :func:`items_at_most`): ``{}`` 36 B,
``[]`` 32 B (counted twice), floats 32 B, large ints 40 B, short strings 62 B, an object of
distinct short keys 85 B; strings of prose about 1 B per byte.

So before any parse, an answer's items (an object's entries and an array's elements) are bounded
by what the records it may hold can carry (:func:`within`), at C speed, without parsing:

1. :func:`items_at_most`: ``,`` + ``[`` + ``{`` over the whole answer, in one C pass (each
   item but a container's first follows a comma; each container adds at most one). Commas and
   brackets inside strings count too, so this is an upper bound: a page within the budget passes
   at once (a real page does: 16 MiB of notes of 3 KB with punctuation counted 180 a record).
   It costs about 7 ms of CPU on a 16 MiB page (``time.process_time`` over 50 runs; the
   page's parse took 44 ms, its records' validation about 60), on the thread that fetches.
2. Only above the budget, :func:`items_outside_strings`: the same count after the strings are
   cut out (one regular expression, C code, its output at most the answer's size), so commas in
   a note's text never refuse a page. A JSON text broken with a stray backslash may be counted
   short from there on, but its parse then fails at that point, having built only what was
   counted before it.

The budget is :data:`ITEMS_PER_RECORD` per record the answer may hold plus :data:`ITEMS_SLACK`;
a refused answer is unreadable (retried later, nothing stored).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kimdesk.sync.protocol import MAX_CHANGES_PER_BATCH, MAX_INFLATED_BYTES, PULL_PAGE_MAX

#: Items a record may carry on average over a page (or a receipt's results). The largest record
#: kinds have 23 fields (cases), 21 (persons) and 20 (consultations); with the envelope (6), a
#: few lists of codes and a consultation's form answers (the shipped forms ask some tens of
#: questions), a real record has 30-110 items, counted outside strings. 256 is more than twice
#: the largest, on every record of a full page; prose is not counted at all.
ITEMS_PER_RECORD = 256
#: Items on top: the envelope and a page's conflicts. These are not bounded by the records
#: asked for: a page names the conflicts of its range of change numbers, which may hold many
#: changes of this device's own that the page leaves out, or none at all (records changed
#: since moved past their conflicts). A conflict is about 11 items plus its values; the server
#: ends a page before its conflicts pass half of this (``PULL_CONFLICT_ITEMS`` in
#: :mod:`kimdesk.server.pull`, derived from it).
ITEMS_SLACK = 1024 * 1024
#: hello, whoami, the team's state, an enrollment's answer, any refusal: a few fields each, a few
#: hundred bytes. Not 64 KiB as for the first contact (``kimdesk/sync/identity.py``): a captive
#: portal's login page with its scripts can be some hundred KB, and is to be told as such
#: (:func:`kimdesk.sync.transport.unreadable`), not as a broken connection.
SMALL_BYTES = 1024 * 1024
SMALL_ITEMS = 4096
#: A receipt holds at most what its batch carried (the server refuses a batch over 64 MiB
#: inflated), and its results, one per change.
RECEIPT_BYTES = MAX_INFLATED_BYTES

#: Every byte but the three :func:`items_at_most` counts.
_NOT_COUNTED = bytes(b for b in range(256) if b not in b",[{")
#: A JSON string, escapes included, or an unterminated one to the answer's end. Possessive and
#: never failing once a ``"`` is found, so every byte is looked at once: the pattern ending in a
#: required ``"`` was tried again from each ``"`` of an unterminated run of ``\\"``, each try to
#: the end, and 64 KiB of that cost 19 s of CPU with the GIL held (16 MiB: days; a review,
#: 2026-12-06). An unterminated string is not valid JSON: its parse fails there anyway.
_STRING = re.compile(rb'"[^"\\]*+(?:\\.?[^"\\]*+)*+(?:"|\Z)', re.DOTALL)


@dataclass(frozen=True)
class Bound:
    """What an answer may be: ``inflated`` bytes at most (``None``: the transport's general
    limit) and ``items`` JSON items (:func:`within`)."""

    inflated: int | None
    items: int


def records(count: int, inflated: int | None = None) -> Bound:
    """The bound of an answer holding at most ``count`` records."""
    return Bound(inflated, ITEMS_SLACK + max(0, count) * ITEMS_PER_RECORD)


SMALL = Bound(SMALL_BYTES, SMALL_ITEMS)
RECEIPT = records(MAX_CHANGES_PER_BATCH, RECEIPT_BYTES)
#: The device does not name a limit for reference pages: the server's default, 5000 items.
REFERENCE = records(PULL_PAGE_MAX)


def items_at_most(raw: bytes) -> int:
    """An upper bound of the JSON items in ``raw`` (strings' commas and brackets count): its
    ``,``, ``[`` and ``{``, in one pass (``bytes.translate`` deleting every other byte: 7 ms
    on a 16 MiB page, against 20 ms for three ``bytes.count``)."""
    return len(raw.translate(None, _NOT_COUNTED))


def items_outside_strings(raw: bytes) -> int:
    """The JSON items in ``raw``, strings cut out first (exact for valid JSON)."""
    return items_at_most(_STRING.sub(b"", raw))


def within(raw: bytes, items: int) -> bool:
    """Whether ``raw`` holds at most ``items`` JSON items: the cheap count first, the exact
    one only above the budget."""
    return items_at_most(raw) <= items or items_outside_strings(raw) <= items
