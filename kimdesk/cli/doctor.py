"""``kimdesk doctor [--json] [--root DIR]``: what the laptop leaves open, for municipal IT.

A contract for IT's scripts (docs/vault.md, "What the laptop leaves open"): one line per item on
stdout, exit code 0 when nothing is open and 1 when anything is; ``--json`` lists the findings
with stable keys. Read-only: no vault is opened, no file written.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from kimdesk import config
from kimdesk.cli.common import (
    Subcommands,
    UsageError,
    add_vault_option,
    print_json,
    vault_path,
)
from kimdesk.i18n import N_, gettext

_ = gettext


def register(sub: Subcommands) -> None:
    doctor = sub.add_parser(
        "doctor", help=_("what this laptop leaves open (printing, swap, disk, core dumps, "
                         "permissions)"),
        description=_("Reports, one line each with what to do, what this laptop leaves open "
                      "around the vault. Changes nothing. Exit code: 0 when nothing is open, "
                      "1 when anything is (for IT's scripts)."))
    add_vault_option(doctor)
    doctor.add_argument("--json", action="store_true", help=_("machine-readable output"))
    doctor.add_argument("--root", type=folder, default=Path("/"), metavar="DIR",
                        help=_("read the system's files under DIR instead of / (a mounted "
                               "image)"))
    doctor.set_defaults(func=cmd_doctor)


def folder(text: str) -> Path:
    """An argparse type for ``--root``: a folder that exists. A mistyped one left every item
    "unknown" or "ok" and exit code 0, which IT's script reads as nothing open (review of
    2026-12-07)."""
    path = Path(text)
    if not path.is_dir():
        raise argparse.ArgumentTypeError(_("not a folder: {path}").format(path=text))
    return path


def cmd_doctor(args: argparse.Namespace) -> int:
    from kimdesk.doctor import Places, diagnose, exit_code

    if getattr(args, "vault", None) and not Path(args.vault).exists():
        # a mistyped --vault had its permissions reported "ok" (nothing there to be open):
        # exit code 0 for a file that was never looked at (review of 2026-12-07). Without
        # --vault a missing vault is a laptop the app has not been used on yet: it creates it
        # private, so that stays fine.
        raise UsageError(N_("No vault at {path}. Create one with 'kimdesk init'."),
                         path=str(args.vault))
    places = Places(root=args.root, vault=vault_path(args), settings=config.settings_path())
    findings = diagnose(places)
    if args.json:
        print_json([{"item": f.item, "status": f.status, "text": f.text(), **f.params}
                    for f in findings])
    else:
        for finding in findings:
            print(finding.line())
    return exit_code(findings)
