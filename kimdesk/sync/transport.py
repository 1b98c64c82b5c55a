"""HTTP to the sync server: gzip bodies, the protocol header, answers mapped to sync errors.

Everything that touches the network lives here, so the engine (:mod:`kimdesk.sync.engine`) and
the scheduler's probe (:func:`probe_server`) share one way of talking to the server and one
translation of HTTP failures into :mod:`kimdesk.sync.errors`.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel

from kimdesk.i18n import N_
from kimdesk.sync import answers
from kimdesk.sync.answers import Bound, within
from kimdesk.sync.compression import BadGzip, TooLarge, gunzip, gzip_bytes
from kimdesk.sync.deadline import Guard, drop_connections, install
from kimdesk.sync.errors import (
    BatchExpired,
    DeviceRevoked,
    InvalidCode,
    Offline,
    OutOfOrder,
    ServerRefused,
    SyncCancelled,
    SyncError,
)
from kimdesk.sync.pinning import check_response, check_server
from kimdesk.sync.protocol import (
    MAX_CURSOR,
    MAX_INFLATED_BYTES,
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    EnrollRequest,
    EnrollResponse,
    ErrorCode,
    Hello,
    PullPage,
    PushReceipt,
    ReferencePage,
    TeamState,
)
from kimdesk.sync.received import check_page
from kimdesk.sync.urls import check_server_url

#: Seconds a reachability probe may take. Short, because while offline the GUI runs the probe on
#: its database thread (see ``kimdesk/gui/sync/controller.py``); a server that needs longer than
#: this to say hello is treated as still offline and asked again at the next probe.
PROBE_TIMEOUT = 3.0

#: Seconds one request may take in all, from connecting to the answer's last byte (httpx's
#: timeout is per read: a server dripping a byte every 29 s held a run for good; a review,
#: 2026-12-06). The largest exchanges are a pull page with a 10 MiB photo (16 MiB of JSON at
#: most, about 13 MB on the wire: base64 of a photo gzips to about 3/4) and a batch carrying
#: one (about 10.5 MB up). At 1 Mbit/s, a poor mobile line, that is about 105 s down and 85 s up:
#: 300 s leaves three times that, and still passes at 350 kbit/s. A Cancel does not wait for
#: it (:meth:`Transport.cancel`); past it the run ends with :func:`too_slow`, tried again later.
REQUEST_DEADLINE = 300.0


#: The most an answer may inflate to: a 1 MB gzip of zeros is 1 GiB. Lower for receipts and small
#: answers, and every answer's JSON items are bounded before it is parsed
#: (:mod:`kimdesk.sync.answers`: parsed, tiny values cost 30 times their bytes).
MAX_ANSWER_BYTES = 2 * MAX_INFLATED_BYTES


#: The most an answer may take as it arrives (a pull page is at most 16 MiB of records' JSON in
#: UTF-8 plus a record, and 8 MiB of conflicts plus one; found by a review: a look-alike
#: server's endless answer to ``/v1/hello`` took 1.5 GB).
MAX_RAW_ANSWER_BYTES = MAX_INFLATED_BYTES

#: The most of a refusal's ``detail`` (and code) that goes into the message shown: the text is
#: the server's, not ours (a review, 2026-12-06: 200 kB of it reached the message whole).
MAX_DETAIL_CHARS = 200

_Answer = TypeVar("_Answer", bound=BaseModel)


def unreadable() -> SyncError:
    """The error for an answer that is not the server's: a captive portal's page, a proxy's
    redirect or refusal without the protocol's error body, JSON cut short; tried again later.
    Before a review (2026-12-06) it ended the run as "Sync failed: JSONDecodeError", a class
    name nobody can act on."""
    return SyncError(N_("The sync server's answer could not be read (a login page or a proxy "
                        "in between?); sync tries again later."))


def too_slow() -> SyncError:
    """The error for a request past :data:`REQUEST_DEADLINE`; tried again later."""
    return SyncError(N_("The sync server is answering too slowly (a poor connection, or a "
                        "proxy in between?); sync tries again later."))


def cancelled() -> SyncCancelled:
    return SyncCancelled(N_("Sync was cancelled."))


def parse(model: type[_Answer], response: httpx.Response) -> _Answer:
    """The answer as ``model``, or :func:`unreadable` (the cause chained, for the log only:
    pydantic's text can quote the answer)."""
    try:
        return model.model_validate_json(response.content)
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        raise unreadable() from exc


def read_capped(chunks: Iterator[bytes], limit: int, request: httpx.Request) -> bytes:
    """An answer's bytes, or :class:`httpx.DecodingError` (a broken connection to the caller)
    once they pass ``limit``: reading stops there."""
    parts: list[bytes] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise httpx.DecodingError(f"answer over {limit} bytes", request=request)
        parts.append(chunk)
    return b"".join(parts)


class Transport:
    """HTTP to the server: gzip bodies, the protocol header, errors mapped to sync errors."""

    def __init__(self, base_url: str, token: str = "", *, timeout: float = 30.0,
                 deadline: float = REQUEST_DEADLINE, client: httpx.Client | None = None
                 ) -> None:
        """``timeout``: per connect, read or write; ``deadline``: per request, in all
        (:mod:`kimdesk.sync.deadline`; not for a ``client`` passed in, a test's mock)."""
        self.base_url = check_server_url(base_url)
        check_server(self.base_url)  # the machine policy's server (kimdesk.sync.pinning)
        self.token = token
        self.deadline = deadline
        self._guard = Guard()
        # TCP_NODELAY: without it, small requests wait ~40 ms on Nagle + delayed ACK.
        self._http = None if client is not None else install(httpx.HTTPTransport(
            socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]), self._guard)
        self.client = client or httpx.Client(timeout=timeout, transport=self._http,
                                             event_hooks={"response": [check_response]})

    def close(self) -> None:
        self.client.close()

    def cancel(self) -> None:
        """End every request in flight at once (its socket is shut down, from any thread),
        and fail every later one with :class:`SyncCancelled`, until :meth:`resume`."""
        self._guard.cancel()

    def resume(self) -> None:
        """Take requests again after :meth:`cancel`, on new connections only: every pooled one
        is dropped. A cancel shuts their sockets down, and the server's side of them may close
        a moment later; one reused in that moment failed the next run's first request with a
        broken pipe, as "the connection to the sync server broke" (the cancel review's test on
        PostgreSQL, about one run in three under load, 2026-12-06). A new connection costs one
        round trip, once per cancelled run."""
        check_server(self.base_url)  # a policy installed since the last run applies now
        if self._guard.cancelled and self._http is not None:
            drop_connections(self._http)
        self._guard.resume()

    def _headers(self) -> dict[str, str]:
        headers = {PROTOCOL_HEADER: str(PROTOCOL_VERSION), "Accept-Encoding": "gzip"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def request(self, method: str, path: str, *, body: bytes | None = None,
                params: dict[str, Any] | None = None, gz: bytes = b"",
                bound: Bound | None = None) -> httpx.Response:
        """The answer, read and inflated; ``bound``: what a good one can be (bytes and JSON
        items, :mod:`kimdesk.sync.answers`), :func:`unreadable` beyond it."""
        headers = self._headers()
        content = None
        if body is not None:
            content = gz or gzip_bytes(body)
            headers["Content-Encoding"] = "gzip"
            headers["Content-Type"] = "application/json"
        if self._guard.cancelled:
            raise cancelled()
        try:
            with self._guard.request(self.deadline):
                try:
                    response = self._send(self.client.build_request(
                        method, self.base_url + path, content=content, headers=headers,
                        params=params), bound.inflated if bound else None)
                except httpx.HTTPError:
                    if self._guard.cancelled:
                        raise cancelled() from None
                    if self._guard.expired():
                        raise too_slow() from None
                    raise
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            if "WRONG_VERSION_NUMBER" in str(exc) or "record layer failure" in str(exc):
                # TLS to a port that answers in plain HTTP (the server itself, not its proxy):
                # OpenSSL's own words said nothing to a counselor or an administrator
                raise Offline(N_("The sync server at {url} does not answer over HTTPS on this "
                                 "port: is the port the TLS proxy's?"), url=self.base_url) from None
            raise Offline(N_("The sync server cannot be reached: {reason}"),
                          reason=str(exc) or type(exc).__name__) from None
        except httpx.HTTPError as exc:  # read timeout, reset mid-response: retry later
            raise SyncError(N_("The connection to the sync server broke: {reason}"),
                            reason=str(exc) or type(exc).__name__) from None
        if response.status_code >= 400:
            self._raise(response)
        if bound is not None and not within(response.content, bound.items):
            raise unreadable()
        return response

    def _send(self, request: httpx.Request, inflated: int | None = None) -> httpx.Response:
        """The answer with its body read and, if gzip, inflated by ISA-L
        (:mod:`kimdesk.sync.compression`: httpx would inflate with zlib, at a third of the
        speed, on the thread that fetches the next pull page while this one is applied)."""
        response = self.client.send(request, stream=True)
        if response.is_stream_consumed:  # read already (a test's mock transport): as httpx did
            return response
        limit = MAX_ANSWER_BYTES if inflated is None else min(inflated, MAX_ANSWER_BYTES)
        try:
            raw = read_capped(response.iter_raw(), min(limit, MAX_RAW_ANSWER_BYTES), request)
        finally:
            response.close()
        encoding = response.headers.get("content-encoding", "").strip().lower()
        try:
            if encoding in ("gzip", "x-gzip"):
                if raw:  # an empty body stays empty, as httpx read it
                    raw = gunzip(raw, limit)
            elif encoding not in ("", "identity"):
                raise BadGzip(f"unsupported encoding {encoding!r}")
        except (BadGzip, TooLarge) as exc:
            if response.status_code < 400:
                raise httpx.DecodingError(str(exc), request=request) from None
            raw = b""  # a refusal is told by its status (and mapped by _raise) all the same
        headers = [(k, v) for k, v in response.headers.multi_items()
                   if k.lower() not in ("content-encoding", "content-length")]
        return httpx.Response(response.status_code, headers=headers, content=raw,
                              request=request)

    @staticmethod
    def _raise(response: httpx.Response) -> None:
        try:  # the server's refusal is a few fields: anything much larger is not its own
            body = response.json() if within(response.content, answers.SMALL_ITEMS) else {}
        except ValueError:
            body = {}
        code = body.get("error", "") if isinstance(body, dict) else ""
        detail = body.get("detail", "") if isinstance(body, dict) else ""
        code, detail = str(code)[:MAX_DETAIL_CHARS], str(detail)[:MAX_DETAIL_CHARS]
        if not code and response.status_code < 500:
            # The server refuses with its ``{"error", "detail"}`` body, always. A refusal
            # without one is a captive portal's or a proxy's page: tried again later (a review:
            # a hotel network's 401 stopped autosync until "Sync now", saying no reason).
            raise unreadable()
        # 401 and the code, as the server answers a revoked device: the code with another
        # status (a proxy's or another service's 403, 404, 502) wiped the vault too (a review)
        if response.status_code == 401 and code == ErrorCode.DEVICE_REVOKED:
            raise DeviceRevoked(N_("This device has been revoked by the administrator."))
        if code == ErrorCode.INVALID_CODE:
            raise InvalidCode()
        # Refusals say what the counselor can do; the server's words (English, technical)
        # come last, for the administrator. Before (a review, 2026-12-06) the message was
        # "The sync server refused the request: 422 malformed ..." and nothing else.
        if response.status_code == 401:
            raise ServerRefused(N_("The sync server does not accept this device any more. "
                                   "Your changes stay on this device. Connect it to the server "
                                   "again with a new one-time code from your administrator. "
                                   "For the administrator: {detail}"),
                                detail=detail or code)
        if response.status_code == 409 and code == ErrorCode.OUT_OF_ORDER:
            expected = body.get("expected") or 1
            # a number a batch can have: renumbered to -5, the stored batch could not be read
            # back, and every later run failed, against the honest server too (a review)
            if type(expected) is not int or not 1 <= expected <= MAX_CURSOR:
                raise unreadable()
            raise OutOfOrder(expected)
        if response.status_code == 409 and code == ErrorCode.BATCH_EXPIRED:
            raise BatchExpired()
        if response.status_code >= 500:
            raise SyncError(N_("The sync server failed ({status}); will retry."),
                            status=response.status_code)
        if code == ErrorCode.UNSUPPORTED_PROTOCOL:
            raise ServerRefused(N_("The sync server works with another version of KIMdesk. "
                                   "Your changes stay on this device. Ask your administrator "
                                   "for the matching version. For the administrator: {detail}"),
                                detail=f"{response.status_code} {code} {detail}".strip())
        raise ServerRefused(N_("The sync server refused a request of this device. Your changes "
                               "stay on this device. If syncing again does not help, tell your "
                               "administrator. For the administrator: {detail}"),
                            detail=f"{response.status_code} {code} {detail}".strip())

    def hello(self) -> Hello:
        return parse(Hello, self.request("GET", "/v1/hello", bound=answers.SMALL))

    def whoami(self) -> dict[str, str]:
        response = self.request("GET", "/v1/whoami", bound=answers.SMALL)
        try:
            answer = response.json()
        except ValueError as exc:
            raise unreadable() from exc
        if not isinstance(answer, dict):
            raise unreadable()
        return dict(answer)

    def enroll(self, code: str, device_name: str, vault_id: str) -> EnrollResponse:
        body = EnrollRequest(code=code, device_name=device_name, vault_id=vault_id)
        response = self.request("POST", "/v1/enroll", body=body.model_dump_json().encode(),
                                bound=answers.SMALL)
        return parse(EnrollResponse, response)

    def push(self, body: bytes, gz: bytes = b"", *, state: bool = False) -> PushReceipt:
        """Send a batch; ``gz`` is the same body already compressed (as kept in the outbox);
        ``state``: ask for the team's state in the receipt (``PushReceipt.state``; a server
        that does not know the parameter leaves it out)."""
        response = self.request("POST", "/v1/push", body=body, gz=gz,
                                params={"state": "true"} if state else None,
                                bound=answers.RECEIPT)
        return parse(PushReceipt, response)

    def pull(self, since: int, limit: int, *, own: bool = False) -> PullPage:
        params: dict[str, Any] = {"since": since, "limit": limit}
        if own:
            params["own"] = "true"
        # items bounded by the records asked for: ``limit``, whatever the server sends
        response = self.request("GET", "/v1/changes", params=params,
                                bound=answers.records(limit))
        # checked on the calling thread, the one that fetches while the vault writes
        return check_page(parse(PullPage, response))

    def state(self, digest: bool = True) -> TeamState:
        """The team's divergence state; without ``digest`` only count and change number (the
        server skips hashing every record)."""
        params = None if digest else {"digest": "false"}
        return parse(TeamState, self.request("GET", "/v1/state", params=params,
                                             bound=answers.SMALL))

    def reference(self, since: int) -> ReferencePage:
        response = self.request("GET", "/v1/reference", params={"since": since},
                                bound=answers.REFERENCE)
        return parse(ReferencePage, response)


def probe_server(server: str, timeout: float = PROBE_TIMEOUT) -> bool:
    """Whether the server answers ``/v1/hello`` (no token, no vault, no database write).

    The one probe of both drivers of :class:`kimdesk.sync.schedule.SyncSchedule`: the CLI's
    :class:`kimdesk.sync.autosync.AutoSync` and the GUI's controller. An answer that is not a
    hello (a captive portal's page) counts as unreachable, like a refused connection."""
    if not server:
        return False
    try:
        # the deadline too: the GUI probes on its database thread, which a server dripping its
        # hello (a byte every 2.9 s) held as long as it liked
        probe = Transport(server, timeout=timeout, deadline=timeout)
    except SyncError:
        return False
    try:
        probe.hello()
    except (SyncError, ValueError):  # pydantic's ValidationError is a ValueError
        return False
    finally:
        probe.close()
    return True
