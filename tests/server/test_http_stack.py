"""The server runs on uvicorn's compiled HTTP parser and event loop (issue 14, point 7).

With the pure-Python ``h11`` parser and asyncio's loop a request cost about a third more server
CPU (0.8 against 1.2 ms for ``/v1/whoami``); the incremental push of 1k records, four batches
and a handful of small requests, took 0.10 instead of 0.11 s. uvicorn falls back to both
silently when the packages are missing, so this test notices a dependency that went away."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from kimdesk.server.embedded import uvicorn_config


def _config() -> Any:
    async def app(scope: Any, receive: Any, send: Any) -> None:  # pragma: no cover
        raise AssertionError("not called")

    config = uvicorn_config(app)
    config.load()
    return config


def test_http_parser_is_httptools() -> None:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    assert _config().http_protocol_class is HttpToolsProtocol


@pytest.mark.skipif(sys.platform == "win32", reason="uvloop has no Windows build")
def test_event_loop_is_uvloop() -> None:
    import uvloop

    factory = _config().get_loop_factory()
    assert factory is not None
    loop = factory()
    try:
        assert isinstance(loop, uvloop.Loop)
    finally:
        loop.close()
