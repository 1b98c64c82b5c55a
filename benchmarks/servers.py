"""Starting ``kimdesk server run`` processes for the benchmarks: a free port, and waiting until a
server answers (shared by ``sync_bench.py`` and ``server_load.py``)."""

from __future__ import annotations

import socket
import subprocess
import time

import httpx


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_serving(proc: subprocess.Popen[bytes], url: str, seconds: float) -> None:
    """Until the server at ``url`` answers ``/v1/hello``; RuntimeError if its process ends or
    ``seconds`` pass first (counts attempts against a deadline, as a start takes what it takes)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            httpx.get(url + "/v1/hello", timeout=1)
            return
        except httpx.HTTPError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the sync server at {url} did not start") from None
            time.sleep(0.1)
