"""A review of the answers' item bound (2026-12-06): hostile input must cost linear CPU.

The regular expression that cuts JSON strings out before the exact count was tried from every
``"`` of an unterminated run of ``\\"``: each try scanned to the end of the answer, so a page of
``n`` such bytes cost ``n**2`` steps (64 KiB: 19 s of CPU; 16 MiB: days), with the GIL held
(the whole app, its window too, froze). Measured with ``time.process_time``, not the wall clock.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from kimdesk.sync import answers

#: CPU seconds a 64 KiB hostile answer may cost: the quadratic scan took about 19 s, a linear
#: one takes well under a millisecond; generous for a loaded machine.
CPU_BOUND = 2.0


def _cpu(raw: bytes) -> float:
    started = time.process_time()
    answers.items_outside_strings(raw)
    return time.process_time() - started


def test_unterminated_escaped_quotes_cost_linear_cpu() -> None:
    raw = b'{"records":[{},' + b'"' + b'\\"' * 32 * 1024 + b']}'
    assert _cpu(raw) < CPU_BOUND


def test_a_hostile_page_over_the_budget_is_refused_quickly() -> None:
    """A full-size hostile page (16 MiB: commas over the budget, then the run of ``\\"``), in a
    child process: before the fix it would run for days, so a time-out there is the failure."""
    script = (
        "import time\n"
        "from kimdesk.sync import answers\n"
        "budget = answers.records(5000).items\n"
        "raw = b'[' + b',' * (budget + 1) + b'\"' + b'\\\\\"' * ((16 * 2**20 - budget) // 2)\n"
        "t = time.process_time()\n"
        "assert not answers.within(raw, budget)\n"
        "print(time.process_time() - t)\n"
    )
    try:
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                              timeout=60, env={**os.environ}, check=True)
    except subprocess.TimeoutExpired:
        pytest.fail("a 16 MiB hostile page was still being counted after 60 s")
    assert float(done.stdout) < CPU_BOUND


def test_strings_are_still_cut_out_exactly() -> None:
    """Escapes at strings' ends, backslash runs, commas and brackets in strings: not counted."""
    values = ['a,b,[c]{d}', 'ends with \\', 'quote \\" inside', '\\\\\\', '"', ',' * 50, '']
    raw = json.dumps([{"note": v, "n": [1, 2]} for v in values]).encode()
    # per object: "{" + "," between its two keys + "[" + "," in the list; "," between objects
    expected = 1 + len(values) * 4 + (len(values) - 1)
    assert answers.items_outside_strings(raw) == expected
    raw = json.dumps({"k": "x" * 10, "u": "ü,ش,ї"}, ensure_ascii=False).encode()
    assert answers.items_outside_strings(raw) == 2
