"""What the machine policy (``/etc/kimdesk/policy.ini``, on Windows the registry key
``HKLM\\Software\\Policies\\KIMdesk``; read by :mod:`kimdesk.config` alone) allows, in the
words a counselor reads: the demo, the sync server and its certificate, the longest idle time,
the interface language. docs/deployment.md ("Machine policy") is the
contract for municipal IT.

A policy value wins over the per-user settings, over ``KIMDESK_*`` variables and over the
command line where they overlap. A broken policy file fails closed: what it might have guarded
(sync, the demo) is refused with one line naming the file; the vault and everything in it stay
usable, and changes wait in the outbox until the file is corrected.

No Qt here: the command line, the sync engine and the desktop app ask the same functions.
"""

from __future__ import annotations

from kimdesk import config
from kimdesk.errors import KimdeskError
from kimdesk.i18n import N_, gettext


class PolicyRefused(KimdeskError):
    """The machine policy does not allow this (exit code 2: the call was the mistake, as for a
    usage error; nothing was changed)."""

    exit_code = 2

    def translated_with(self, params: dict[str, object]) -> str:
        """A broken file's reason (a msgid with its own parameters) is translated with the
        message, in the language of the moment it is shown; paths and addresses stay
        left-to-right in an Arabic or Persian line."""
        reason = params.get("reason")
        if isinstance(reason, str) and reason:
            words = params.get("reason_params")
            params = params | {"reason": gettext(reason).format(
                **isolated(words if isinstance(words, dict) else {}))}
        return super().translated_with(isolated(params))


#: Parameters that are paths, addresses or fingerprints, or registry names and types:
#: left-to-right text in any line.
_LTR_PARAMS = ("path", "server", "url", "host", "fingerprint", "mode", "section", "key", "value",
               "name", "type", "expected")


def isolated(params: dict[str, object]) -> dict[str, object]:
    """``params`` with each path, address or fingerprint isolated as left-to-right text when
    the interface is right-to-left: "(/etc/kimdesk/policy.ini)" read
    "etc/kimdesk//(policy.ini)" in an Arabic line (seen on the unlock screen, 2026-12-07)."""
    from kimdesk.i18n import current_language, is_rtl

    if not is_rtl(current_language()):
        return params
    return {k: f"\u2066{v}\u2069" if k in _LTR_PARAMS and isinstance(v, str) and v else v
            for k, v in params.items()}


_DEMO_OFF = N_("The demo is switched off on this computer by the administrator ({path}).")
_OTHER_SERVER = N_("This computer may connect only to {server}, as set by the administrator "
                   "({path}); {url} is refused. Nothing was sent.")
_OTHER_CERTIFICATE = N_("The server {host} presented a certificate other than the one the "
                        "administrator set ({path}): fingerprint {fingerprint}. It may not be "
                        "the real server; nothing was sent.")
#: The note beside a field the policy sets (settings dialog, connect dialog).
SET_BY_ADMINISTRATOR = N_("Set by your administrator.")


def broken_line(policy: config.Policy) -> str:
    """The one translated line for a policy file that cannot be used ("" when it can)."""
    if not policy.broken:
        return ""
    return broken_error(policy).translated()


def broken_error(policy: config.Policy, error: type[PolicyRefused] = PolicyRefused
                 ) -> PolicyRefused:
    """:func:`broken_line` as an exception of class ``error`` (translated when shown)."""
    return error(config.POLICY_BROKEN, path=str(policy.path), reason=policy.problem,
                 reason_params=dict(policy.params))


def require_demo_allowed(policy: config.Policy | None = None) -> None:
    """Raise :class:`PolicyRefused` when the policy switches the demo off, or is broken."""
    policy = config.policy() if policy is None else policy
    if policy.broken:
        raise broken_error(policy)
    if policy.demo is False:
        raise PolicyRefused(_DEMO_OFF, path=str(policy.path))


def same_server(url: str, server: str) -> bool:
    """Whether two addresses name the same server (scheme, host and port; case, a trailing
    slash and the protocol's ``/v1`` do not matter, another path does)."""
    import httpx

    from kimdesk.errors import KimdeskError
    from kimdesk.sync.urls import check_server_url  # the one rule for an address

    try:
        a, b = httpx.URL(check_server_url(url)), httpx.URL(check_server_url(server))
    except (httpx.InvalidURL, KimdeskError):
        return False
    return (a.scheme, a.host, a.port, a.path.rstrip("/")) == \
        (b.scheme, b.host, b.port, b.path.rstrip("/"))


def server_refusal(url: str, policy: config.Policy, error: type[PolicyRefused]
                   ) -> PolicyRefused | None:
    """The error for connecting to ``url`` (an exception of class ``error``), None when the
    policy allows it."""
    if policy.broken:
        return broken_error(policy, error)
    if policy.server and not same_server(url, policy.server):
        return error(_OTHER_SERVER, server=policy.server, path=str(policy.path), url=url)
    return None


def certificate_refusal(host: str, fingerprint: str, policy: config.Policy,
                        error: type[PolicyRefused]) -> PolicyRefused | None:
    """The error for a server whose certificate has ``fingerprint`` ("" on plain http), None
    when the policy pins none or this one."""
    if not policy.fingerprint or fingerprint.upper() == policy.fingerprint:
        return None
    return error(_OTHER_CERTIFICATE, host=host, path=str(policy.path),
                 fingerprint=fingerprint or "-")


def longest_idle(policy: config.Policy | None = None) -> int | None:
    """The longest idle time in minutes before the app locks, None when the policy sets none."""
    policy = config.policy() if policy is None else policy
    return policy.longest_idle()


def idle_minutes(chosen: int, policy: config.Policy | None = None) -> int:
    """The idle time in force: the counselor's choice, at most the policy's longest."""
    most = longest_idle(policy)
    return chosen if most is None else min(chosen, most)


def language(chosen: str, policy: config.Policy | None = None) -> str:
    """The interface language in force: the policy's, else ``chosen``."""
    policy = config.policy() if policy is None else policy
    return policy.language or chosen
