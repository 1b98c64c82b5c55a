"""The HTTP face of :mod:`kimdesk.server.service`.

Request bodies are read by hand (not by FastAPI's body parsing) so that size limits apply before
anything is buffered or inflated: a body over ``MAX_BODY_BYTES`` or a gzip bomb is answered 413,
invalid gzip 400, JSON that does not fit the protocol 422, each with ``{"error", "detail"}``.
A 5xx means a bug or a broken database, never bad input: 503 with ``unavailable`` when the database
is down, full, locked or out of connections (:mod:`kimdesk.server.outage`), 500 for anything
else.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ValidationError
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import ClientDisconnect

from kimdesk.collector import collector_paused
from kimdesk.server import log_privacy, outage
from kimdesk.server.db import make_engine
from kimdesk.server.migrate import upgrade
from kimdesk.server.service import Device, ServiceError, SyncService, now_iso
from kimdesk.sync.compression import BadGzip, TooLarge, gunzip, gzip_bytes
from kimdesk.sync.protocol import (
    MAX_BODY_BYTES,
    MAX_CURSOR,
    MAX_INFLATED_BYTES,
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    PULL_PAGE_DEFAULT,
    PULL_PAGE_MAX,
    SERVER_PROTOCOLS,
    EnrollRequest,
    EnrollResponse,
    ErrorBody,
    ErrorCode,
    Hello,
    PullPage,
    PushReceipt,
    PushRequest,
    ReferencePage,
    TeamState,
)

M = TypeVar("M", bound=BaseModel)

#: Answers this small go uncompressed (the header and a round of the compressor cost more).
GZIP_MIN_BYTES = 2048


def _error(status: int, code: ErrorCode, detail: str = "", **extra: Any) -> JSONResponse:
    body = ErrorBody(error=code, detail=detail, **extra)
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status)


#: A gzip body up to this size is inflated on the event loop as long as it inflates to at most
#: ``INLINE_INFLATED_BYTES`` (well under a millisecond); any other on a worker thread (a review
#: had 65 KB bodies inflate to 64 MiB on the loop, 50 ms each, while every request waited).
INLINE_GUNZIP_BYTES = 64 * 1024
INLINE_INFLATED_BYTES = 1024 * 1024


async def read_body(request: Request, limit: int = MAX_BODY_BYTES,
                    inflated_limit: int = MAX_INFLATED_BYTES) -> bytes:
    """The request body, inflated when gzip-encoded, within the size limits (``limit`` as
    received, ``inflated_limit`` inflated)."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                raise ServiceError(413, ErrorCode.TOO_LARGE, f"body over {limit} bytes")
        except ValueError:
            raise ServiceError(400, ErrorCode.MALFORMED, "bad Content-Length") from None
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise ServiceError(413, ErrorCode.TOO_LARGE, f"body over {limit} bytes")
            chunks.append(chunk)
    except ClientDisconnect:
        # nobody is left to answer; a 400 instead of an error logged as a server fault
        raise ServiceError(400, ErrorCode.MALFORMED, "client went away mid-body") from None
    body = b"".join(chunks)
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding != "gzip":
        raise ServiceError(400, ErrorCode.BAD_ENCODING, f"unsupported encoding {encoding!r}")
    try:
        if len(body) <= INLINE_GUNZIP_BYTES:
            try:
                return gunzip(body, min(inflated_limit, INLINE_INFLATED_BYTES))
            except TooLarge:
                if inflated_limit <= INLINE_INFLATED_BYTES:
                    raise
        # a large body (or a small one that inflates to much) is inflated on a worker thread:
        # on the event loop it would hold up every other request meanwhile
        return await run_in_threadpool(gunzip, body, inflated_limit)
    except TooLarge as exc:
        raise ServiceError(413, ErrorCode.TOO_LARGE, str(exc)) from None
    except BadGzip as exc:
        raise ServiceError(400, ErrorCode.BAD_ENCODING, str(exc)) from None


def accepts_gzip(headers: Any) -> bool:
    """Whether the request's ``Accept-Encoding`` accepts gzip (RFC 9110, 12.5.3): named as
    ``gzip`` or ``x-gzip``, or by ``*``, in any case, and not with ``q=0``."""
    named: dict[str, bool] = {}
    for item in headers.get("accept-encoding", "").lower().split(","):
        coding, _, params = item.partition(";")
        acceptable = True
        for param in params.split(";"):
            key, _, value = param.partition("=")
            if key.strip() == "q":
                try:
                    acceptable = float(value) > 0
                except ValueError:
                    acceptable = False
        named[coding.strip()] = acceptable
    for coding in ("gzip", "x-gzip", "*"):
        if coding in named:
            return named[coding]
    return False


def encoded(text: str, gzip_ok: bool) -> tuple[bytes, bool]:
    """A JSON answer's bytes, gzip-compressed by ISA-L (:mod:`kimdesk.sync.compression`) when
    the client accepts it and it is not small; and whether it is compressed. The big answers
    (pull pages, receipts) are compressed by this, not by the middleware: four times faster
    than zlib, and on the worker thread that built them (the middleware compressed a large
    body on a thread of its own, a hop more)."""
    body = text.encode()
    if gzip_ok and len(body) >= GZIP_MIN_BYTES:
        return gzip_bytes(body), True
    return body, False


def json_response(body: bytes, compressed: bool, *,
                  background: BackgroundTask | None = None) -> Response:
    """A JSON answer from :func:`encoded`; the middleware leaves a compressed one alone (it
    passes a response on as it is when its ``Content-Encoding`` is set) and gives an
    uncompressed one its ``Vary`` as before."""
    headers = {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"} if compressed else None
    return Response(body, media_type="application/json", headers=headers, background=background)


def _parse(model: type[M], body: bytes) -> M:
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err.get("loc", ()))
        raise ServiceError(422, ErrorCode.MALFORMED, f"{where}: {err.get('msg')}"[:500]) from None


def create_app(db_url: str, *, migrate: bool = True) -> FastAPI:
    """The ASGI app for one database. ``migrate`` upgrades the schema at creation."""
    log_privacy.install()
    engine = make_engine(db_url)
    if migrate:
        upgrade(engine)
    service = SyncService(engine)
    server_id = service.server_id()
    app = FastAPI(title="KIMdesk sync server", version=str(PROTOCOL_VERSION))
    app.state.service = service
    app.state.engine = engine
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MIN_BYTES, compresslevel=1)
    _add_error_handlers(app)
    device = _device_dependency(service)
    _add_enrollment_routes(app, service, server_id, device)
    _add_sync_routes(app, service, device)
    return app


def _add_error_handlers(app: FastAPI) -> None:
    """Every refusal as ``{"error", "detail"}`` with its status (see the module docstring); a
    database outage as a 503 (:mod:`kimdesk.server.outage`)."""
    outage.install(app)

    @app.exception_handler(ServiceError)
    async def _service_error(_request: Request, exc: ServiceError) -> JSONResponse:
        return _error(exc.status, exc.code, exc.detail, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        err = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in err.get("loc", ()))
        return _error(422, ErrorCode.MALFORMED, f"{where}: {err.get('msg', '')}"[:500])

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = ErrorCode.NOT_FOUND if exc.status_code in (404, 405) else ErrorCode.MALFORMED
        return _error(exc.status_code, code, str(exc.detail))


async def protocol(
    version: Annotated[str | None, Header(alias=PROTOCOL_HEADER)] = None,
) -> None:
    """Dependency: a client that names another protocol version is refused (400). Async: it
    does no I/O, and a plain function would be run on a worker thread (a hop each way)."""
    if version is not None and version.strip() not in {str(v) for v in SERVER_PROTOCOLS}:
        raise ServiceError(400, ErrorCode.UNSUPPORTED_PROTOCOL,
                           f"this server speaks protocol {PROTOCOL_VERSION}")


def _device_dependency(service: SyncService) -> Callable[..., Device]:
    """Dependency: the device of the request's bearer token (401 otherwise)."""

    def device(
        authorization: Annotated[str | None, Header()] = None,
        _p: None = Depends(protocol),
    ) -> Device:
        token = None
        if authorization and authorization.lower().startswith("bearer "):
            token = authorization[7:].strip()
        return service.authenticate(token)

    return device


def _add_enrollment_routes(app: FastAPI, service: SyncService, server_id: str,
                           device: Callable[..., Device]) -> None:
    """Probe, identity and enrollment: the routes a device uses before it syncs."""

    @app.get("/v1/hello", response_model=Hello)
    def hello(_p: None = Depends(protocol)) -> Hello:
        """Connectivity probe: no authentication, no database write."""
        return Hello(protocol=PROTOCOL_VERSION, server_id=server_id, server_time=now_iso())

    @app.get("/v1/whoami")
    async def whoami(dev: Device = Depends(device)) -> dict[str, str]:  # noqa: B008
        return {"device_id": dev.id, "team": dev.team}

    @app.post("/v1/enroll", response_model=EnrollResponse)
    async def enroll(request: Request,
                     _p: None = Depends(protocol)) -> EnrollResponse:
        # no device yet: the body is small, inflated too (60 MB from 61 KB of gzip before)
        body = _parse(EnrollRequest, await read_body(request, 64 * 1024, 64 * 1024))
        return await run_in_threadpool(service.enroll, body.code, body.device_name,
                                       body.vault_id)


def _add_sync_routes(app: FastAPI, service: SyncService, device: Callable[..., Device]) -> None:
    """Push, pull, state and reference data: the routes of an enrolled device."""

    sqlite = service.engine.dialect.name == "sqlite"

    def parse_and_push(dev: Device, raw: bytes, gzip_ok: bool, state: bool
                       ) -> tuple[bytes, bool]:
        """The batch is parsed and applied in this one call, on a worker thread, so it is freed
        by reference counting when the call returns, while the collector is still paused. Kept
        alive until after the pause (it was a local of the route), the collector's first pass
        walked its objects: 5-9 ms a batch of 2,500 changes, 0.02 ms freed first. The receipt
        comes back compressed when the device accepts it (:func:`encoded`)."""
        batch = _parse(PushRequest, raw)
        return encoded(service.push_json(dev, batch, hashlib.sha256(raw).hexdigest(),
                                         state=state), gzip_ok)

    @app.post("/v1/push", response_model=PushReceipt)
    async def push(request: Request,
                   state: Annotated[bool, Query()] = False,
                   dev: Device = Depends(device)) -> Response:  # noqa: B008
        """``state=true``: the receipt also carries the team's count and change number, read
        right after the batch (a device asks on the last batch of a run, for its quick
        divergence check: one request fewer)."""
        raw = await read_body(request)
        # A batch of 2500 changes is a few hundred thousand objects: no collector passes over
        # them while it is read and applied (kimdesk/collector.py).
        with collector_paused():
            receipt = await run_in_threadpool(parse_and_push, dev, raw,
                                              accepts_gzip(request.headers), state)
        # SQLite's log is copied into the database file after the answer has left, while the
        # device files the receipt and sends the next batch (kimdesk/server/checkpoints.py)
        return json_response(*receipt,
                             background=BackgroundTask(service.checkpoint) if sqlite else None)

    @app.get("/v1/changes", response_model=PullPage)
    def changes(
        request: Request,
        since: Annotated[int, Query(ge=0, le=MAX_CURSOR)] = 0,
        limit: Annotated[int, Query(ge=1, le=PULL_PAGE_MAX)] = PULL_PAGE_DEFAULT,
        own: Annotated[bool, Query()] = False,
        dev: Device = Depends(device),  # noqa: B008
    ) -> Response:
        """``own=false`` leaves out records this device wrote last (it has them from its
        receipts); a full resync asks with ``own=true``. Compressed here, on the worker thread
        that built the page (:func:`encoded`)."""
        return json_response(*encoded(service.pull_json(dev, since, limit, own=own),
                                      accepts_gzip(request.headers)))

    @app.get("/v1/state", response_model=TeamState)
    def state(digest: Annotated[bool, Query()] = True,
              dev: Device = Depends(device)) -> TeamState:  # noqa: B008
        """``digest=false``: count and change number only (a device's check between its daily
        full ones); the digest hashes every record of the team."""
        return service.state(dev, digest=digest)

    @app.get("/v1/reference", response_model=ReferencePage)
    def reference(
        since: Annotated[int, Query(ge=0, le=MAX_CURSOR)] = 0,
        limit: Annotated[int, Query(ge=1, le=PULL_PAGE_MAX)] = PULL_PAGE_DEFAULT,
        dev: Device = Depends(device),  # noqa: B008
    ) -> ReferencePage:
        return service.reference(dev, since, limit)
