"""Failed sign-ins slowed, per account name and per address.

Rule: after :data:`FREE` failed sign-ins of one name, or from one address, within
:data:`WINDOW`, every further try of that name (or from that address) is refused without
being checked until a wait has passed: :data:`FIRST_WAIT` after the last failure, doubled with
each further failure, at most :data:`LONGEST_WAIT`. A refusal does not sleep (a sleeping request
would hold a worker, and a flood of them every worker): it answers 429 at once, and the page
says how long to wait. A successful sign-in clears its name's count (not its address's: one
administrator's success must not reopen guessing from a shared proxy address for others). A try
refused unchecked while waiting is audited but not counted: it would keep its owner waiting
for as long as someone else keeps trying.

Why both keys: per name stops guessing one account's password from many addresses, per
address stops trying many names from one. The cost: someone who knows a name can keep that
account waiting (at most :data:`LONGEST_WAIT` after their last failed try); an administrator
on the server can create another account meanwhile (``kimdesk server console-user add``).

Kept in the console process's memory, not the database: one console process serves a
municipality (docs/deployment.md); a restart forgets the counts (so does a lockout's end).
Every failure is in the audit trail all the same.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

FREE = 5
WINDOW = timedelta(minutes=15)
FIRST_WAIT = timedelta(seconds=30)
LONGEST_WAIT = timedelta(minutes=15)


@dataclass
class _Failures:
    times: list[datetime] = field(default_factory=list)


class Throttle:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures: dict[str, _Failures] = {}

    def _recent(self, key: str, now: datetime) -> list[datetime]:
        entry = self._failures.get(key)
        if entry is None:
            return []
        entry.times = [t for t in entry.times if now - t < max(WINDOW, LONGEST_WAIT)]
        if not entry.times:
            del self._failures[key]
        return entry.times

    def wait(self, keys: tuple[str, ...], now: datetime) -> timedelta | None:
        """How long a try under ``keys`` must still wait; None when it may be checked now."""
        longest: timedelta | None = None
        with self._lock:
            for key in keys:
                times = self._recent(key, now)
                within = [t for t in times if now - t < WINDOW]
                if len(within) < FREE:
                    continue
                wait = min(FIRST_WAIT * 2 ** (len(within) - FREE), LONGEST_WAIT)
                left = times[-1] + wait - now
                if left > timedelta(0) and (longest is None or left > longest):
                    longest = left
        return longest

    def failed(self, keys: tuple[str, ...], now: datetime) -> None:
        with self._lock:
            for key in keys:
                self._failures.setdefault(key, _Failures()).times.append(now)

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)
