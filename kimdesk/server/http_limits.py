"""A cap on a request's head (request line and headers) for uvicorn's httptools parser.

uvicorn's pure-Python parser, h11, refused a head over 16 KiB with 400. Its httptools protocol,
which the server runs for speed (:func:`kimdesk.server.embedded.uvicorn_config`), has no cap: a
client that sends header lines without ever ending them makes the server buffer all of it, before
any authentication (a review measured 4.6 GB of memory for 300 MB of ``X-A: b`` lines). nginx in
front caps heads at its header buffers (8 KiB), but the server must not rely on a proxy it does
not control (a TCP-level TLS terminator passes everything on).

The cap counts what arrives while the current request's head is still open, after the parser
has seen it: a chunk that finishes the head, with any body behind it, is not counted, so a large
push is never mistaken for a large head.
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

#: Bytes a request's head may take. Ours are under 1 KiB (the longest header is the device
#: token); h11 allowed 16 KiB, nginx's default buffers 4 x 8 KiB.
MAX_HEAD_BYTES = 32 * 1024

_TOO_LARGE = (b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
              b"content-type: text/plain; charset=utf-8\r\n"
              b"content-length: 32\r\n"
              b"connection: close\r\n\r\n"
              b"Request header fields too large.")


class HeadLimitedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, answering 431 and closing the connection once a request's
    head passes :data:`MAX_HEAD_BYTES`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_open = True
        self._head_bytes = 0

    def on_message_begin(self) -> None:
        self._head_open = True
        self._head_bytes = 0
        super().on_message_begin()

    def on_headers_complete(self) -> None:
        self._head_open = False
        super().on_headers_complete()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if not self._head_open or self.transport.is_closing():
            return
        self._head_bytes += len(data)
        if self._head_bytes > MAX_HEAD_BYTES:
            self.logger.warning("Request head over %d bytes: answered 431.", MAX_HEAD_BYTES)
            self.transport.write(_TOO_LARGE)
            self.transport.close()
