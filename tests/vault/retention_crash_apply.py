"""Subprocess for the retention crash test: the real ``kimdesk retention apply`` with two hooks.

python retention_crash_apply.py STOP WHERE retention apply --vault V --today DATE

Prints ``purged <case id>`` after each case's purge transaction returned. WHERE is the kill
point: ``after`` waits right after the STOP-th purge returned (between two transactions); the
name of a step of :func:`kimdesk.vault.purge.purge_cases` (``_detach_gaps``,
``_forget_sync_traces``, ``_deletion``) waits right after that step ran in the (STOP+1)-th case's
transaction, its deletes written but not committed. Either way it prints ``inside`` and waits
(reading stdin, which the test never writes) to be killed: counted, not timed.
"""

from __future__ import annotations

import sys
from typing import Any

import kimdesk.vault.purge as purge
import kimdesk.vault.retention as retention
from kimdesk.cli.entry import main


def wait_to_be_killed() -> None:
    print("inside", flush=True)
    sys.stdin.readline()


def install(stop: int, where: str) -> None:
    started = 0
    purge_cases = retention.purge_cases

    def counted(vault: Any, case_ids: Any, order: Any) -> Any:
        nonlocal started
        started += 1
        ids = list(case_ids)
        report = purge_cases(vault, ids, order)
        print("purged", *ids, flush=True)
        if where == "after" and started == stop:
            wait_to_be_killed()
        return report

    retention.purge_cases = counted
    if where == "after":
        return
    step = getattr(purge, where)

    def paused(*args: Any) -> Any:
        result = step(*args)
        if started == stop + 1:
            wait_to_be_killed()
        return result

    setattr(purge, where, paused)


if __name__ == "__main__":
    install(int(sys.argv[1]), sys.argv[2])
    sys.exit(main(sys.argv[3:]))
