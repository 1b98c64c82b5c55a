"""What every area's commands share: the ``--vault`` option, the passphrase, JSON output.

Command modules import this module, never the CLI's top (:mod:`kimdesk.cli.entry`), so the
imports run one way: the top imports the areas, the areas import this.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from kimdesk import config
from kimdesk.errors import KimdeskError
from kimdesk.i18n import N_, gettext

if TYPE_CHECKING:  # the vault loads pydantic and SQLCipher: only when a command opens one
    from kimdesk.stats.period import Period
    from kimdesk.vault import Vault

_ = gettext

#: What ``parser.add_subparsers()`` returns: each area's ``register`` adds its commands to it.
Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


class UsageError(KimdeskError):
    """A mistake in how the command was called (exit code 2, like argparse's own errors)."""

    exit_code = 2


def add_vault_option(parser: argparse.ArgumentParser, *, top_level: bool = False) -> None:
    """``--vault`` both before and after the subcommand; a subcommand's unset option must not
    overwrite the value given before it (hence SUPPRESS there)."""
    parser.add_argument(
        "--vault",
        type=Path,
        default=None if top_level else argparse.SUPPRESS,
        help=_("vault file (default: $KIMDESK_VAULT or the user data folder)"),
    )


def iso_date(text: str) -> date:
    """An argparse type: a day written YYYY-MM-DD, else a translated usage error."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("not a date (YYYY-MM-DD): {text}").format(text=text)) from None


def output_path(text: str) -> Path:
    """An argparse type for ``-o``/``--ics``: a path, not empty. An empty one is what a script
    passes when its variable is unset (``-o "$OUT"``): ``subject-export`` then wrote the
    Auskunft into the working folder and ``stats`` failed with a traceback (2026-12-07)."""
    if not text.strip():
        raise argparse.ArgumentTypeError(_("an output path must not be empty"))
    return Path(text)


def output_text(text: str) -> str:
    """:func:`output_path` as typed: a trailing "/" says a folder was meant, which a ``Path``
    drops (``handout -o handouts/`` wrote a file named ``handouts``)."""
    output_path(text)
    return text


def whole_number(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high``, else a translated usage
    error. argparse's own ``int`` said "invalid int value" in English, and took numbers of any
    size: ``search --limit 99999999999999999999`` overflowed SQLite and was reported as a
    damaged vault, ``stats --min-cell`` of that size computed for hours (2026-12-07)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(
                _("not a whole number from {low} to {high}: {text}").format(
                    low=low, high=high, text=text))
        return value

    parse.__name__ = "whole number"  # what argparse names in its own messages
    return parse


def vault_path(args: argparse.Namespace) -> Path:
    """``--vault``, else ``KIMDESK_VAULT``, else the data folder's vault."""
    vault = getattr(args, "vault", None)
    return Path(vault) if vault else config.default_vault_path()


def read_passphrase(*, new: bool = False, prompt: str = "", confirm: bool = False) -> str:
    """``KIMDESK_PASSPHRASE`` (``KIMDESK_NEW_PASSPHRASE`` when ``new``), else an interactive
    prompt (twice when ``confirm``). Without a terminal there is no one to ask: a usage error."""
    settings = config.load()
    value, env = ((settings.new_passphrase, config.ENV_NEW_PASSPHRASE) if new
                  else (settings.passphrase, config.ENV_PASSPHRASE))
    if value is not None:
        return value
    if not sys.stdin.isatty():
        raise UsageError(N_("No passphrase: set {env} or run in a terminal."), env=env)
    first = getpass.getpass(prompt or _("Passphrase: "))
    if confirm and getpass.getpass(_("Repeat passphrase: ")) != first:
        raise UsageError(N_("The passphrases differ."))
    return first


def open_vault(args: argparse.Namespace) -> Vault:
    """The vault named by ``--vault`` (or the default), unlocked with the passphrase. A missing
    or foreign file is reported before a passphrase is asked for."""
    from kimdesk.vault.vault import check_vault_file

    path = vault_path(args)
    check_vault_file(path.absolute())
    from kimdesk.vault import Vault

    vault = Vault.open(path, read_passphrase())
    if vault.public:  # any vault the demo passphrase opens is a demo vault, as in the app
        try:
            refuse_demo_passphrase(config.DEMO_PASSPHRASE)
        except BaseException:
            vault.close()
            raise
    return vault


def refuse_demo_passphrase(passphrase: str) -> None:
    """:class:`kimdesk.policy.PolicyRefused` (exit code 2) for the demo's public passphrase
    when the machine policy switches the demo off: the app refused such a vault at unlock, but
    ``kimdesk init`` made one, ``passwd`` gave a real vault that passphrase and every command
    opened it (a review, 2026-12-07)."""
    if passphrase == config.DEMO_PASSPHRASE:
        from kimdesk.policy import require_demo_allowed

        require_demo_allowed()


def print_json(data: Any) -> None:
    """Indented JSON on stdout, non-ASCII kept (names in Arabic script stay readable)."""
    json.dump(data, sys.stdout, ensure_ascii=False, indent=1, default=str)
    sys.stdout.write("\n")


# -- the statistics' period and output, shared by ``stats``, ``gaps`` and ``server stats`` -------
#: ``--min-cell`` at most: 1,000 takes 5 s on 20,000 cases; the protection runs once per level
#: up to it, and a number of 20 digits ran for hours (2026-12-07). Far above any office's rule.
MOST_MIN_CELL = 1000


def period_options(p: argparse.ArgumentParser) -> None:
    """``--from DATE --to DATE``, both required."""
    p.add_argument("--from", dest="date_from", type=iso_date, required=True, metavar="DATE",
                   help=_("first day of the period (YYYY-MM-DD)"))
    p.add_argument("--to", dest="date_to", type=iso_date, required=True, metavar="DATE",
                   help=_("last day of the period (YYYY-MM-DD)"))


def period_and_format(args: argparse.Namespace, formats: tuple[str, ...]) -> Period:
    """The period of ``--from``/``--to`` (one that ends before it starts is refused) and the
    output format (``--format``, else the file's suffix; set on ``args``)."""
    from kimdesk.stats.period import Period

    if args.date_to < args.date_from:
        raise UsageError(N_("The period ends before it starts."))
    fmt = args.format or str(args.output).rsplit(".", 1)[-1].lower()
    if fmt not in formats:
        raise UsageError(N_("Unknown output format; use --format {formats}."),
                         formats="|".join(formats))
    args.format = fmt
    return Period(args.date_from, args.date_to)


def statistics_period(args: argparse.Namespace, formats: tuple[str, ...]) -> Period:
    """:func:`period_and_format` for a statistics export (``kimdesk stats``, ``kimdesk server
    stats``): ``--min-cell`` only with suppression (3 where not given), and a span that is no
    month, quarter or year only with ``--internal``. One rule for both commands, so the device
    and the server refuse alike."""
    if args.method == "cell-key" and args.min_cell is not None:
        raise UsageError(N_("--min-cell applies to suppression only; the cell-key method "
                            "publishes no 1 or 2 by itself."))
    if args.min_cell is None:
        args.min_cell = 3
    period = period_and_format(args, formats)
    if period.kind is None and not args.internal:
        raise UsageError(N_("Only a month, a quarter or a year can be exported for publication. "
                            "For another span add --internal: the export is then marked for "
                            "internal use only, because exports of overlapping spans, "
                            "subtracted, single out people."))
    return period


def statistics_options(p: argparse.ArgumentParser) -> None:
    """``--format``, ``-o``, ``--min-cell``, ``--method`` and ``--internal`` of a statistics
    export, alike for ``kimdesk stats`` and ``kimdesk server stats`` (read by
    :func:`statistics_period`)."""
    p.add_argument("--format", choices=("csv", "json", "xlsx", "pdf"), default=None,
                   help=_("output format (default: from the file name)"))
    p.add_argument("-o", "--output", required=True, type=output_path, metavar="PATH",
                   help=_("output file"))
    p.add_argument("--min-cell", type=whole_number(1, MOST_MIN_CELL), default=None,
                   metavar="N",
                   help=_("smallest number of people a published count may rest on (default 3)"))
    p.add_argument("--method", choices=("suppression", "cell-key"), default="suppression",
                   help=_("how small counts are protected: suppressed as \".\" (default) or "
                          "perturbed by the cell-key method"))
    p.add_argument("--internal", action="store_true",
                   help=_("allow a period that is not a month, quarter or year; the export is "
                          "marked for internal use only, not for publication"))
