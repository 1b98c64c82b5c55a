"""What a sync server says about itself before a device trusts it with a one-time code.

The GUI's "Connect to server…" (``kimdesk/gui/sync/connect.py``) shows this before it enrolls,
so the counselor can compare it with what the administrator handed out with the code. What is
shown is only what can be known honestly at that point:

* the host the address names, and whether the connection is encrypted;
* for ``https://``: the SHA-256 fingerprint of the certificate the server presented on this very
  connection (after the system's certificate check passed), and the certificate's subject and
  issuer. The fingerprint is the one thing a look-alike server cannot copy;
* the server's id from ``/v1/hello`` (random, made when its database was created; it changes
  when the server is replaced by another one) and its protocol version.

``/v1/hello`` names no municipality and no team, and this module does not invent one: the team
comes from the one-time code and is known only after enrolling (:class:`EnrollResponse`).

No Qt here; the errors are :class:`SyncError` with translated messages, never a library's text.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from typing import Any

import httpx

from kimdesk.i18n import N_
from kimdesk.sync.compression import BadGzip, TooLarge, gunzip
from kimdesk.sync.deadline import Guard, install
from kimdesk.sync.errors import Offline, ServerRefused, SyncError
from kimdesk.sync.pinning import check_certificate, check_server, connection_ssl, fingerprint_of
from kimdesk.sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION, EnrollResponse, Hello
from kimdesk.sync.transport import read_capped
from kimdesk.sync.urls import check_server_url

#: Seconds to wait for the server's hello: a person waits in front of the dialog.
IDENTIFY_TIMEOUT = 10.0

#: A hello is a few hundred bytes; an answer past this is some other server's.
MAX_HELLO_BYTES = 64 * 1024
_UNREACHABLE = N_("The server {host} cannot be reached. Check the address and the network "
                  "connection.")


@dataclass(frozen=True)
class ServerIdentity:
    """What the server showed on one connection (see the module docstring)."""

    url: str
    host: str
    server_id: str
    protocol: int
    encrypted: bool
    fingerprint: str = ""
    subject: str = ""
    issuer: str = ""


def server_host(url: str) -> str:
    """``host`` or ``host:port`` of a server address, for the status bar; "" for no address."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return url
    if not parsed.host:
        return url
    return f"{parsed.host}:{parsed.port}" if parsed.port else parsed.host


def _names(cert: dict[str, Any], part: str) -> str:
    """"CN, O" of a certificate's subject or issuer (``ssl.getpeercert()`` form)."""
    fields = {key: value for rdn in cert.get(part, ()) for key, value in rdn}
    return ", ".join(fields[k] for k in ("commonName", "organizationName") if k in fields)


def _certificate(response: httpx.Response) -> tuple[str, str, str]:
    """(fingerprint, subject, issuer) of the TLS connection the response came on."""
    ssl_object = connection_ssl(response)
    fingerprint = fingerprint_of(ssl_object)
    if not fingerprint:  # plain http
        return "", "", ""
    cert = ssl_object.getpeercert() or {}
    return fingerprint, _names(cert, "subject"), _names(cert, "issuer")


def _certificate_refused(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _hello_body(response: httpx.Response) -> bytes:
    """The answer's body as sent, plain or gzip, at most :data:`MAX_HELLO_BYTES` either way
    (empty when it is longer or otherwise encoded: no KIMdesk server). Read raw and inflated
    here: httpx would inflate whatever encoding it knows (zstd, brotli) before any limit, and a
    16 KB zstd answer took the app to 1.1 GB (found by a review)."""
    try:
        raw = read_capped(response.iter_raw(), MAX_HELLO_BYTES, response.request)
        encoding = response.headers.get("content-encoding", "").strip().lower()
        if encoding in ("gzip", "x-gzip"):
            return gunzip(raw, MAX_HELLO_BYTES)
        return raw if encoding in ("", "identity") else b""
    except (httpx.DecodingError, BadGzip, TooLarge):
        return b""


def identify(url: str, *, timeout: float = IDENTIFY_TIMEOUT,
             verify: ssl.SSLContext | bool = True) -> ServerIdentity:
    """Ask ``url`` for its hello and keep what its connection showed. ``verify``: tests pass a
    context that trusts their own certificate authority."""
    base = check_server_url(url.strip())  # https://, plain http only to this computer
    check_server(base)  # the machine policy's server, before any connection
    host = server_host(base)
    # ``timeout`` for the whole exchange, not per read: a server dripping its hello (a byte
    # every 9 s) held the dialog as long as it liked (:mod:`kimdesk.sync.deadline`)
    guard = Guard()
    with httpx.Client(timeout=timeout,
                      transport=install(httpx.HTTPTransport(verify=verify), guard)) as client:
        try:
            with guard.request(timeout), client.stream(
                    "GET", base + "/v1/hello", headers={PROTOCOL_HEADER: str(PROTOCOL_VERSION),
                                                       "Accept-Encoding": "gzip"}) as response:
                fingerprint, subject, issuer = _certificate(response)
                body = _hello_body(response)

        except httpx.ConnectError as exc:
            if _certificate_refused(exc):
                raise SyncError(N_("The certificate of {host} is not trusted by this computer, "
                                   "so its identity cannot be checked. Nothing was sent."),
                                host=host) from None
            raise Offline(_UNREACHABLE, host=host) from None
        except httpx.HTTPError:
            raise Offline(_UNREACHABLE, host=host) from None
    check_certificate(host, fingerprint)  # the policy's pinned certificate, if any
    if response.status_code == 400 and b"unsupported_protocol" in body:
        raise SyncError(N_("The server {host} speaks another version of the sync protocol; "
                           "KIMdesk or the server needs an update."), host=host)
    try:
        hello = Hello.model_validate_json(body) if response.status_code == 200 else None
    except ValueError:  # pydantic's ValidationError: some other web page
        hello = None
    if hello is None:
        raise SyncError(N_("There is no KIMdesk sync server at {url}."), url=base)
    return ServerIdentity(url=base, host=host, server_id=hello.server_id,
                          protocol=hello.protocol, encrypted=base.startswith("https://"),
                          fingerprint=fingerprint, subject=subject, issuer=issuer)


def enroll_with(vault: Any, identity: ServerIdentity, code: str,
                device_name: str = "") -> EnrollResponse:
    """Enroll ``vault`` with the server ``identity`` describes (run where the vault lives).

    A wrong code raises :class:`kimdesk.sync.errors.InvalidCode`; a server that cannot be
    reached any more, or that broke off, raises errors with this module's own messages (the
    transport's name the library's reason)."""
    from kimdesk.sync.engine import enroll

    if not 4 <= len(code.strip()) <= 64:  # the protocol's limits (EnrollRequest)
        raise ServerRefused(N_("Type the one-time code you got from your administrator."))
    try:
        return enroll(vault, identity.url, code, device_name=device_name,
                      expect_server_id=identity.server_id)
    except Offline:
        raise Offline(_UNREACHABLE, host=identity.host) from None
    except ServerRefused:
        raise
    except SyncError as exc:
        if type(exc) is SyncError and "reason" in exc.params:
            raise SyncError(N_("The connection to {host} broke off; nothing was changed. "
                               "Try again."), host=identity.host) from None
        raise
