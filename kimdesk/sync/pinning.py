"""The machine policy at the sync connection: which server, which certificate.

``[sync] server`` in the policy (docs/deployment.md, "Machine policy") refuses enrolling with, and
syncing to, any other address; ``[sync] fingerprint`` refuses a server whose TLS certificate has
another SHA-256 fingerprint: at the first contact (the hello shown before enrolling,
:func:`kimdesk.sync.identity.identify`, before the one-time code is sent) and on every answer
of a sync run after it (:func:`check_response`, an httpx response hook). The second check sees
the certificate only with the answer: the run's first request (the probe, with the device's
token) has left by then, and the run stops there (docs/deployment.md says so). A broken policy
file refuses both.

The policy is read at each check (a few system calls), so a policy IT installs while the app
runs applies at its next sync run.
"""

from __future__ import annotations

import hashlib
from typing import Any

import httpx

from kimdesk import config
from kimdesk.policy import certificate_refusal, server_refusal
from kimdesk.sync.errors import PolicyForbids


def check_server(url: str) -> None:
    """Raise :class:`PolicyForbids` when the machine policy allows no sync with ``url``."""
    refusal = server_refusal(url, config.policy(), PolicyForbids)
    if refusal is not None:
        raise refusal


def check_certificate(host: str, fingerprint: str) -> None:
    """Raise :class:`PolicyForbids` when the policy pins another certificate (``fingerprint``
    "" for a connection without TLS)."""
    refusal = certificate_refusal(host, fingerprint, config.policy(), PolicyForbids)
    if refusal is not None:
        raise refusal


def fingerprint_of(ssl_object: Any) -> str:
    """The SHA-256 fingerprint of the peer's certificate, ``AB:CD:...``; "" without one."""
    if ssl_object is None or not hasattr(ssl_object, "getpeercert"):  # plain http
        return ""  # (httpcore hands out the socket's inner _ssl object: duck-typed)
    der = ssl_object.getpeercert(True) or b""  # positional: _ssl takes no keywords
    digest = hashlib.sha256(der).hexdigest().upper() if der else ""
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def connection_ssl(response: httpx.Response) -> Any:
    """The TLS object of the connection ``response`` came on, None for plain http."""
    stream = response.extensions.get("network_stream")
    return stream.get_extra_info("ssl_object") if stream is not None else None


def check_response(response: httpx.Response) -> None:
    """An httpx response hook: the pinned certificate, on every answer (before its body is
    read)."""
    if config.policy().fingerprint:
        check_certificate(response.url.host, fingerprint_of(connection_ssl(response)))
