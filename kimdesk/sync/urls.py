"""The one rule for a sync server address, used by the engine and by the settings dialog.

Case data must never cross a network in the clear: the address must use ``https://`` (a TLS
proxy in front of the server), and plain ``http://`` is allowed only to this computer (loopback),
where nothing leaves the machine (tests, an SSH tunnel).
"""

from __future__ import annotations

import httpx

from kimdesk.i18n import N_
from kimdesk.sync.errors import SyncError

_LOOPBACK_NAMES = ("localhost", "::1")


def _is_loopback(host: str) -> bool:
    return host in _LOOPBACK_NAMES or host.startswith("127.")


#: The protocol's own path prefix: an address handed out with it ("https://kim.example/v1",
#: as the endpoints are written) made every request go to ``/v1/v1/...``, answered 404 and shown
#: as a refusal (an administrator's review, 2026-12-06). It is dropped from the end.
_PROTOCOL_PREFIX = "/v1"


def check_server_url(url: str) -> str:
    """The address without a trailing slash or :data:`_PROTOCOL_PREFIX`, or :class:`SyncError`
    when the rule refuses it: ``https://`` with a host anywhere, ``http://`` only to loopback,
    and a port from 1 to 65535 (99999 was tried and refused as "Connection refused")."""
    try:
        parsed = httpx.URL(url.strip())
    except httpx.InvalidURL:
        parsed = None
    if parsed is not None and parsed.port is not None and not 0 < parsed.port < 65536:
        raise SyncError(N_("The server address has no valid port (1 to 65535): {url}"),
                        url=url)
    host = (parsed.host or "").lower() if parsed is not None else ""
    if parsed is not None and host and (
            parsed.scheme == "https" or (parsed.scheme == "http" and _is_loopback(host))):
        path = parsed.path.rstrip("/")
        if path.endswith(_PROTOCOL_PREFIX):
            parsed = parsed.copy_with(path=path[:-len(_PROTOCOL_PREFIX)] or "/")
        return str(parsed).rstrip("/")
    raise SyncError(N_("The server address must use https:// (plain http only on this "
                       "computer): {url}"), url=url)


def server_url_allowed(url: str) -> bool:
    """True when :func:`check_server_url` accepts ``url`` (for forms that only need a yes/no)."""
    try:
        check_server_url(url)
    except SyncError:
        return False
    return True
