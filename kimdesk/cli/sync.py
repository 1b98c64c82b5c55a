"""``kimdesk enroll`` and ``kimdesk sync``: the device side on the command line."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from kimdesk.cli.common import Subcommands, add_vault_option, open_vault, whole_number
from kimdesk.i18n import gettext as _

if TYPE_CHECKING:  # the sync store loads the vault: only when a command opens one
    from kimdesk.sync.store import SyncStore
    from kimdesk.vault.sync import Refusal


def register(sub: Subcommands) -> None:
    enroll = sub.add_parser("enroll", help=_("enroll this vault with a sync server"))
    add_vault_option(enroll)
    enroll.add_argument("--server", required=True, help=_("server address (https://...)"))
    enroll.add_argument("--code", required=True, help=_("one-time code from the administrator"))
    enroll.add_argument("--name", default="", help=_("device name shown to the administrator"))
    enroll.set_defaults(func=cmd_enroll)

    sync = sub.add_parser("sync", help=_("synchronise with the server now"))
    add_vault_option(sync)
    sync.add_argument("--retries", type=whole_number(0, 100), default=3,
                      help=_("retries with backoff when the server is unreachable"))
    sync.set_defaults(func=cmd_sync)


def cmd_enroll(args: argparse.Namespace) -> int:
    """With a certificate pinned by the machine policy the server is asked for its hello first
    (:func:`kimdesk.sync.identity.identify` checks the pin), so the one-time code never goes
    to a server presenting another certificate; an address the policy does not allow is
    refused before anything is asked (exit code 2, docs/deployment.md)."""
    from kimdesk import config
    from kimdesk.sync.engine import enroll
    from kimdesk.sync.identity import enroll_with, identify
    from kimdesk.sync.pinning import check_server

    check_server(args.server)
    identity = identify(args.server) if config.policy().fingerprint else None
    with open_vault(args) as vault:
        if identity is not None:
            answer = enroll_with(vault, identity, args.code, args.name)
        else:
            answer = enroll(vault, args.server, args.code, device_name=args.name)
    print(_("Enrolled in team {team} as device {device}.").format(
        team=answer.team, device=answer.device_id))
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    import time

    from kimdesk.sync.engine import Backoff, DeviceRevoked, SyncEngine, SyncError

    vault = open_vault(args)
    engine = SyncEngine(vault)
    backoff = Backoff(base=1.0, cap=30.0)
    try:
        for attempt in range(max(0, args.retries) + 1):
            try:
                report = engine.sync()
                break
            except DeviceRevoked:
                raise
            except SyncError as exc:
                if not exc.retry or attempt >= args.retries:
                    raise
                time.sleep(backoff.next_delay())
        # "sent" counts what the server accepted: a refused change is not on the server
        print(_("Synced: {pushed} sent, {pulled} received, {conflicts} open conflicts "
                "({seconds:.1f} s).").format(pushed=report.accepted, pulled=report.pulled,
                                            conflicts=report.conflicts, seconds=report.seconds))
        print_refused(engine.store, report.refused)
        return 0
    finally:
        engine.close()
        if not engine.wiped:
            vault.close()


def print_refused(store: SyncStore, refused: list[Refusal]) -> None:
    """After a run: how many changes the server refused, and per record its kind, its case
    number (the record id for a record of no case) and the server's reason."""
    from kimdesk.sync.refused_lines import refused_lines

    for line in refused_lines(store, refused):
        print(line)
