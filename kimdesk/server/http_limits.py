"""A cap on a request's head (request line and headers) for uvicorn's httptools parser.

uvicorn's pure-Python parser, h11, refused a head over 16 KiB with 400. Its httptools protocol,
which the server runs for speed (:func:`kimdesk.server.embedded.uvicorn_config`), has no cap: a
client that sends header lines without ever ending them makes the server buffer all of it, before
any authentication (a review measured 4.6 GB of memory for 300 MB of ``X-A: b`` lines). nginx in
front caps heads at its header buffers (8 KiB), but the server must not rely on a proxy it does
not control (a TCP-level TLS terminator passes everything on).

Three counts, each against :data:`MAX_HEAD_BYTES`:

- what arrives while the request's head is still open (a header line that never ends is
  buffered by the parser before any callback sees it);
- the request line and the header fields as the parser hands them over. A head that arrives in
  one read with its end is complete before the first count could see it (a review sent 100 KB
  heads that way and got 200), and the fields are counted before the request goes any further;
- what arrives after the head that is neither body nor the end of the request: chunk framing
  and trailers. The parser keeps trailer lines like header lines; a client that sent trailers
  without end after a chunked body grew a server by 600 MB in 1.8 s (found by the same review).

A large body is never mistaken for a large head: body bytes are not counted.
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


class _HeadTooLarge(Exception):
    """Raised from a parser callback to stop parsing a head over the limit."""


class HeadLimitedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, answering 431 and closing the connection once a request's
    head (or its trailers) passes :data:`MAX_HEAD_BYTES`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_open = True
        self._head_bytes = 0  # received while the head is open
        self._field_bytes = 0  # request line and header fields (and trailers) as parsed
        self._idle_bytes = 0  # received after the head without body or end of request in them
        self._progress = False
        self._too_large = False

    def on_message_begin(self) -> None:
        self._head_open = True
        self._head_bytes = self._field_bytes = self._idle_bytes = 0
        self._progress = True
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4)  # ": " and the line's end
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._head_open = False
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        self._progress = True
        super().on_body(body)

    def on_message_complete(self) -> None:
        self._progress = True
        super().on_message_complete()

    def _count(self, size: int) -> None:
        self._field_bytes += size
        if self._field_bytes > MAX_HEAD_BYTES:
            # stops the parser; uvicorn then answers through send_400_response (below)
            self._too_large = True
            raise _HeadTooLarge

    def send_400_response(self, msg: str) -> None:
        if self._too_large:
            self._refuse()
        else:
            super().send_400_response(msg)

    def data_received(self, data: bytes) -> None:
        self._progress = False
        super().data_received(data)
        if self.transport.is_closing():
            return
        if self._head_open:
            self._head_bytes += len(data)
            over = self._head_bytes > MAX_HEAD_BYTES
        else:
            self._idle_bytes = 0 if self._progress else self._idle_bytes + len(data)
            over = self._idle_bytes > MAX_HEAD_BYTES
        if over:
            self._refuse()

    def _refuse(self) -> None:
        self.logger.warning("Request head over %d bytes: answered 431.", MAX_HEAD_BYTES)
        self.transport.write(_TOO_LARGE)
        self.transport.close()
