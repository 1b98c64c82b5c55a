"""The ``kimdesk`` command. Command names and options are a contract: municipal IT scripts them.

Each capability registers its own subcommands (``kimdesk/<area>/commands.py`` with a
``register(subparsers)`` function), imported here; those modules import their heavy dependencies
inside the command functions, so ``kimdesk --help`` and the GUI start stay fast.

A user mistake prints one translated line to stderr and exits non-zero; never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import importlib
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from kimdesk.errors import KimdeskError, ValidationError
from kimdesk.i18n import N_, gettext

_ = gettext

#: Modules that add subcommands (each has ``register(subparsers)``).
COMMAND_MODULES = (
    "kimdesk.vault.commands",
    "kimdesk.forms.commands",
    "kimdesk.server.commands",
    "kimdesk.sync.commands",
    "kimdesk.handouts.commands",
    "kimdesk.stats.commands",
    "kimdesk.gui.commands",
)


class UsageError(KimdeskError):
    exit_code = 2


def default_vault_path() -> Path:
    from kimdesk.config import default_vault_path as configured

    return configured()


def add_vault_option(parser: argparse.ArgumentParser, *, top_level: bool = False) -> None:
    """``--vault`` both before and after the subcommand; a subcommand's unset option must not
    overwrite the value given before it (hence SUPPRESS there)."""
    parser.add_argument(
        "--vault",
        type=Path,
        default=None if top_level else argparse.SUPPRESS,
        help=_("vault file (default: $KIMDESK_VAULT or the user data folder)"),
    )


def vault_path(args: argparse.Namespace) -> Path:
    return Path(args.vault) if getattr(args, "vault", None) else default_vault_path()


def read_passphrase(
    env: str = "KIMDESK_PASSPHRASE", prompt: str = "", confirm: bool = False
) -> str:
    """From the environment variable, else an interactive prompt (twice when ``confirm``)."""
    value = os.environ.get(env)
    if value is not None:
        return value
    if not sys.stdin.isatty():
        raise UsageError(N_("No passphrase: set {env} or run in a terminal."), env=env)
    first = getpass.getpass(prompt or _("Passphrase: "))
    if confirm and getpass.getpass(_("Repeat passphrase: ")) != first:
        raise UsageError(N_("The passphrases differ."))
    return first


def open_vault(args: argparse.Namespace) -> Any:
    from kimdesk.vault import Vault

    path = vault_path(args)
    from kimdesk.vault.vault import _precheck

    _precheck(path.absolute())  # a missing file is reported before asking for a passphrase
    return Vault.open(path, read_passphrase())


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=1, default=str)
    sys.stdout.write("\n")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kimdesk",
        description=_("KIMdesk: offline case management for KIM NRW."),
    )
    parser.add_argument("--lang", help=_("user interface language (de, en, ar, fa, tr, uk, ru)"))
    add_vault_option(parser, top_level=True)
    parser.add_argument(
        "--demo",
        action="store_true",
        help=_("create a demo vault (passphrase 'demo') where none exists, then start"),
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name in {name, name.rsplit(".", 1)[0]}:
                continue  # that area is not built yet
            raise
        module.register(sub)
    return parser


def _language_argument(argv: Sequence[str]) -> str | None:
    """``--lang`` must take effect before the parser is built: its help texts are translated."""
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


def run(argv: Sequence[str] | None = None) -> int:
    from kimdesk.i18n import UI_LANGUAGES, set_language

    early = _language_argument(list(sys.argv[1:] if argv is None else argv))
    if early in UI_LANGUAGES:
        set_language(early)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.lang:
        if args.lang not in UI_LANGUAGES:
            raise UsageError(N_("Unknown language {lang}."), lang=args.lang)
        set_language(args.lang)
    func: Callable[[argparse.Namespace], int | None] | None = getattr(args, "func", None)
    if func is None:
        if args.demo:
            ensure_demo_vault(vault_path(args))
        from kimdesk.gui.commands import start_gui

        return start_gui(args)
    return func(args) or 0


DEMO_PASSPHRASE = "demo"
DEMO_CASES = 500


def ensure_demo_vault(path: Path) -> None:
    """``kimdesk --demo``: where no vault exists, create one with demo cases so the app can be
    tried at once. The passphrase is printed: a demo vault holds synthetic data only."""
    if path.exists():
        return
    from kimdesk.demo.generator import fill
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


def main(argv: Sequence[str] | None = None) -> int:
    from kimdesk.config import secure_folders
    from kimdesk.vault.files import harden_process

    harden_process()
    secure_folders()
    try:
        return run(argv)
    except KimdeskError as exc:
        print(f"kimdesk: {exc.translated()}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into head & co.: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # pydantic's ValidationError and the like: one line, no traceback
        from pydantic import ValidationError as PydanticError

        if isinstance(exc, PydanticError):
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err.get("loc", ()))
            print(f"kimdesk: {where}: {err.get('msg')}", file=sys.stderr)
            return ValidationError.exit_code
        import sqlcipher3

        if isinstance(exc, sqlcipher3.DatabaseError):  # a damaged page met while reading
            from kimdesk.vault.errors import VaultCorrupted

            path = ""
            with contextlib.suppress(Exception):
                path = str(vault_path(build_parser().parse_known_args(argv)[0]))
            print(f"kimdesk: {VaultCorrupted(path).translated()}", file=sys.stderr)
            return VaultCorrupted.exit_code
        raise


if __name__ == "__main__":
    sys.exit(main())
