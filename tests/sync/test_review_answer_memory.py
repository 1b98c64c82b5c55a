"""A review of the device against answers that cost far more memory parsed than they weigh
(2026-12-06).

10 MiB of tiny JSON values took +306 MiB once parsed; an answer may inflate to 128 MiB, about
4 GiB parsed: the desktop app would die on a small laptop. Now an answer's JSON items are bounded
before the parse (:mod:`kimdesk.sync.answers`). Memory is measured in a subprocess with
tracemalloc's peak (bytes allocated, not time), around one ``Transport.pull`` of a page served
gzip by a raw HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kimdesk.sync.answers import items_at_most, items_outside_strings, within

#: The most the hostile page may cost now, all told: the answer itself (12 MiB inflated, its
#: gzip, the read buffer) and the count. Parsed, it cost ~290 MiB.
HOSTILE_PEAK = 64 * 2**20

_PROBE = textwrap.dedent("""
    import gzip, http.server, json, sys, threading, tracemalloc
    from kimdesk.sync.errors import SyncError
    from kimdesk.sync.transport import Transport

    body = gzip.compress(open(sys.argv[1], "rb").read(), 1)
    limit = int(sys.argv[2])

    class Answer(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    transport = Transport(f"http://127.0.0.1:{server.server_address[1]}", "token")
    tracemalloc.start()
    try:
        page = transport.pull(0, limit)
        outcome = f"page {len(page.records)}"
    except SyncError as exc:
        outcome = "refused " + exc.message
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(json.dumps({"outcome": outcome, "peak": peak}))
""")


def _pull(tmp_path: Path, page: bytes, limit: int) -> tuple[str, int]:
    """``Transport.pull(0, limit)`` of ``page`` (served gzip) in a fresh interpreter: the
    outcome and tracemalloc's peak in bytes (the served bytes are made before it starts)."""
    path = tmp_path / "page.json"
    path.write_bytes(page)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    done = subprocess.run([sys.executable, "-c", _PROBE, str(path), str(limit)],
                          capture_output=True, text=True, env=env, timeout=300, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result["outcome"], result["peak"]


def _page(records: list[dict[str, object]]) -> bytes:
    return json.dumps({"records": records, "conflicts": [], "next_cursor": len(records),
                       "more": False}).encode()


def _record(i: int, data: dict[str, object], kind: str = "notes") -> dict[str, object]:
    rid = f"00000000-0000-4000-8000-{i:012d}"
    return {"kind": kind, "id": rid, "rev": 1, "seq": i + 1, "deleted": False,
            "data": {"id": rid} | data}


def test_a_page_of_tiny_values_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    """Found: 12 MiB of ``{}`` in one record's data (4 million values) was parsed: ~290 MiB.
    Refused now as unreadable, at a fraction of that."""
    hostile = json.dumps(_record(0, {"text": [{}] * 4_000_000})).encode().replace(b" ", b"")
    outcome, peak = _pull(tmp_path, b'{"records":[' + hostile + b'],"next_cursor":1,'
                          b'"more":false}', 5000)
    assert outcome.startswith("refused ") and "could not be read" in outcome, outcome
    assert peak < HOSTILE_PEAK, f"peak {peak / 2**20:.0f} MiB"


def test_a_large_real_page_still_passes(tmp_path: Path) -> None:
    """5,000 cases of ~1 KB (note text with commas and colons, a list of codes): passes."""
    text = "Termin verschoben, Unterlagen: Bescheid, Mietvertrag; [Rückruf] {bitte} " * 10
    records = [_record(i, {"case_id": "c", "text": text[:900], "codes": ["SGB2", "SGB12"],
                           "flags": {"a": True, "b": 2}}) for i in range(5000)]
    outcome, _peak = _pull(tmp_path, _page(records), 5000)
    assert outcome == "page 5000", outcome


def test_a_page_with_a_10_mib_attachment_still_passes(tmp_path: Path) -> None:
    content = "QUJD" * (10 * 2**20 * 4 // 3 // 4)  # 10 MiB as base64
    outcome, _peak = _pull(tmp_path, _page([_record(0, {"content": content},
                                                    kind="attachments")]), 1000)
    assert outcome == "page 1", outcome


def test_commas_in_note_text_never_refuse_a_page(tmp_path: Path) -> None:
    """The cheap count takes the text's commas too: 20 notes of 60,000 commas pass it by far
    (1.2 million, 20 records asked); the exact count, strings cut out, lets them through."""
    records = [_record(i, {"text": "," * 60_000 + '\\"[{,'}) for i in range(20)]
    page = _page(records)
    assert not items_at_most(page) <= 1024 * 1024 + 20 * 256
    outcome, _peak = _pull(tmp_path, page, 20)
    assert outcome == "page 20", outcome


@pytest.mark.parametrize(("text", "items"), [
    (b'{"a":[1,2,{}],"b":"x,y[z{"}', 6),  # 5 items, and the outer object
    (b'["\\\\",",",{"\\"":[]}]', 5),
    (b'"only, a [string"', 0),
])
def test_the_exact_count_leaves_strings_out(text: bytes, items: int) -> None:
    assert items_outside_strings(text) == items
    assert items_at_most(text) >= items
    assert within(text, items) and not within(text, items - 1)


def test_a_small_answer_of_many_values_is_unreadable() -> None:
    """whoami, state, hello: a few fields each. 100,000 values there are no server's answer
    (parsed, before: the same amplification as a page's)."""
    import httpx

    from kimdesk.sync.errors import SyncError
    from kimdesk.sync.transport import Transport

    body = b'{"device_id":[' + b",".join([b"{}"] * 100_000) + b"]}"
    transport = Transport("http://127.0.0.1:9", "t", client=httpx.Client(
        transport=httpx.MockTransport(lambda request: httpx.Response(200, content=body))))
    with pytest.raises(SyncError) as caught:
        transport.whoami()
    assert "could not be read" in caught.value.message
