"""Demo data: ``kimdesk demo`` fills a vault with synthetic cases; ``kimdesk --demo`` opens the demo
vault, created with synthetic cases on first use, so the app can be tried at once.

The demo vault is its own file (``demo/kimdesk-demo.kdb`` in the data folder,
:meth:`kimdesk.config.Config.demo_vault_path`), never the real vault's path: trying the app can
neither open the counselor's real vault with a hint that "the passphrase is demo" nor count a
wrong "demo" as a failed unlock of it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kimdesk.cli.common import Subcommands, add_vault_option, open_vault, whole_number
from kimdesk.config import DEMO_PASSPHRASE
from kimdesk.errors import ValidationError
from kimdesk.i18n import N_, gettext, ngettext

_ = gettext

DEMO_CASES = 500
#: ``demo --cases`` at most: 200,000 take 5 minutes and 1.2 GB here; a mistyped count of
#: 20 digits filled the disk until killed.
MOST_CASES = 1_000_000


def register(sub: Subcommands) -> None:
    p = sub.add_parser("demo", help=_("fill a vault with synthetic demo cases"))
    add_vault_option(p)
    p.add_argument("--cases", type=whole_number(0, MOST_CASES), default=200,
                   help=_("number of cases"))
    p.add_argument("--seed", type=int, default=None, help=_("random seed (reproducible data)"))
    p.set_defaults(func=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    from kimdesk.demo.generator import fill
    from kimdesk.policy import require_demo_allowed

    require_demo_allowed()  # synthetic cases in a vault that may sync: as --demo
    if args.cases < 0:
        raise ValidationError(N_("The number of cases must not be negative."), field="cases")
    vault = open_vault(args)
    tty = sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        if tty:
            print(f"\r{done}/{total}", end="", file=sys.stderr, flush=True)

    try:
        count = fill(vault, args.cases, args.seed, progress=progress)
    finally:
        vault.close()
    if tty:
        print(file=sys.stderr)
    print(ngettext("Added {n} demo case.", "Added {n} demo cases.", count).format(n=count))
    return 0


def ensure_demo_vault(path: Path | None = None) -> Path:
    """``kimdesk --demo``: the demo vault (default: its own file in the data folder), created with
    demo cases if it does not exist yet. The passphrase is printed: a demo vault holds synthetic
    data only. Returns its path."""
    from kimdesk.config import demo_vault_path
    from kimdesk.vault.files import private_dir

    path = path or demo_vault_path()
    if path.exists():
        return path
    from kimdesk.demo.generator import fill

    private_dir(path.parent)
    from kimdesk.vault import Vault

    with Vault.create(
        path, DEMO_PASSPHRASE, counselor="demo", team="Team Nord", municipality="Gütersloh"
    ) as vault:
        fill(vault, DEMO_CASES, seed=1)
    print(
        _("Created a demo vault at {path} (passphrase: {passphrase}).").format(
            path=path, passphrase=DEMO_PASSPHRASE
        ),
        file=sys.stderr,
    )
    return path
