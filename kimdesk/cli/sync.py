"""``kimdesk enroll`` and ``kimdesk sync``: the device side on the command line."""

from __future__ import annotations

import argparse

from kimdesk.cli.common import Subcommands, add_vault_option, open_vault
from kimdesk.i18n import gettext as _


def register(sub: Subcommands) -> None:
    enroll = sub.add_parser("enroll", help=_("enroll this vault with a sync server"))
    add_vault_option(enroll)
    enroll.add_argument("--server", required=True, help=_("server address (https://...)"))
    enroll.add_argument("--code", required=True, help=_("one-time code from the administrator"))
    enroll.add_argument("--name", default="", help=_("device name shown to the administrator"))
    enroll.set_defaults(func=cmd_enroll)

    sync = sub.add_parser("sync", help=_("synchronise with the server now"))
    add_vault_option(sync)
    sync.add_argument("--retries", type=int, default=3,
                      help=_("retries with backoff when the server is unreachable"))
    sync.set_defaults(func=cmd_sync)


def cmd_enroll(args: argparse.Namespace) -> int:
    from kimdesk.sync.engine import enroll

    with open_vault(args) as vault:
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
        print(_("Synced: {pushed} sent, {pulled} received, {conflicts} open conflicts "
                "({seconds:.1f} s).").format(pushed=report.pushed, pulled=report.pulled,
                                            conflicts=report.conflicts, seconds=report.seconds))
        return 0
    finally:
        engine.close()
        if not engine.wiped:
            vault.close()
