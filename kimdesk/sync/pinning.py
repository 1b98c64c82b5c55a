"""The machine policy at the sync connection: which server, which certificate.

``[sync] server`` in the policy (docs/deployment.md, "Machine policy") refuses enrolling with, and
syncing to, any other address; ``[sync] fingerprint`` refuses a server whose TLS certificate has
another SHA-256 fingerprint: right after each TLS handshake, before a byte of a request is
written (:func:`check_handshake`, the hello and every connection of a sync run or an enrolment),
and again on every answer (:func:`check_response`, an httpx response hook, for a policy installed
while a connection stays open). A pin refuses plain http (loopback only, but an SSH tunnel can
lead anywhere) before any connection: it has no certificate to check. A broken policy
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
    policy = config.policy()
    refusal = server_refusal(url, policy, PolicyForbids)
    if refusal is None and policy.fingerprint and url.lower().startswith("http://"):
        refusal = certificate_refusal(httpx.URL(url).netloc.decode("ascii"), "", policy,
                                      PolicyForbids)
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


def check_handshake(host: str, ssl_object: Any) -> None:
    """The pinned certificate right after a TLS handshake, before a byte of the request is
    written (:class:`kimdesk.sync.deadline.GuardedStream`, every connection of a transport and
    of the hello). Before, only the answer was checked: a server with another certificate had
    the run's first request, the device's token in it, and at enrolment the one-time code
    (measured by tests/sync/test_policy_pin_first.py)."""
    if config.policy().fingerprint:
        check_certificate(host, fingerprint_of(ssl_object))


def check_response(response: httpx.Response) -> None:
    """An httpx response hook: the pinned certificate, on every answer (before its body is
    read)."""
    if config.policy().fingerprint:
        check_certificate(response.url.host, fingerprint_of(connection_ssl(response)))
