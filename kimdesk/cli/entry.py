"""The ``kimdesk`` command's top: the parser, the interface language, and one line per error.

Each area's subcommands are in their own module of this package; :data:`REGISTRARS` lists them in
the order ``kimdesk --help`` shows them. Those modules import their heavy dependencies inside the
command functions, so ``kimdesk --help`` and the GUI start stay fast.

A user mistake prints one translated line to stderr and exits non-zero; never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from collections.abc import Callable, Sequence
from functools import partial

from kimdesk.cli import (
    appointments,
    argparse_words,
    demo,
    doctor,
    forms,
    gui,
    handouts,
    privacy,
    server,
    server_audit,
    server_console,
    server_staff,
    serverstats,
    stats,
    sync,
    vault,
)
from kimdesk.cli.common import Subcommands, UsageError, add_vault_option, vault_path
from kimdesk.errors import FileError, KimdeskError, ValidationError, validation_text
from kimdesk.i18n import N_, UI_LANGUAGES, current_language, gettext, set_language

_ = gettext

_STOPPED = N_("Stopped.")
_NOT_UTF8 = N_("An argument is not UTF-8 text; nothing was done with it.")

#: Who adds which subcommands, in the order of ``kimdesk --help`` (part of the contract: the
#: usage error lists the commands in this order).
REGISTRARS: tuple[Callable[[Subcommands], None], ...] = (
    vault.register_setup,  # init, passwd
    demo.register,  # demo
    vault.register_reading,  # search, show, check
    forms.register,  # forms ...
    partial(server.register,  # server ..., stats, audit, staff, console
            extra=(serverstats.register, server_audit.register, server_staff.register,
                   server_console.register)),
    sync.register,  # enroll, sync
    handouts.register,  # handout
    appointments.register,  # appointments list, appointments export
    stats.register,  # stats, gaps
    privacy.register,  # retention, subject-export
    gui.register,  # screenshots
    doctor.register,  # doctor
)


def build_parser() -> argparse.ArgumentParser:
    argparse_words.install()  # argparse's own words ("usage:", "invalid choice") translated
    parser = argparse.ArgumentParser(
        prog="kimdesk",
        description=_("KIMdesk: offline case management for KIM NRW."),
    )
    parser.add_argument("--lang", help=_("user interface language (de, en, ar, fa, tr, uk, ru)"))
    add_vault_option(parser, top_level=True)
    parser.add_argument(
        "--demo",
        action="store_true",
        help=_("open the demo vault (its own file, passphrase 'demo'; created on first use)"),
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for register in REGISTRARS:
        register(sub)
    return parser


def _language_argument(argv: Sequence[str]) -> str | None:
    """``--lang`` must take effect before the parser is built: its help texts are translated.
    Only the global one, before the command: after it, ``handout --lang ar`` and
    ``subject-export --lang tr`` name the document's language. Read anywhere (until 2026-12-06),
    they switched the command's own messages and errors to that language too."""
    i = 0
    while i < len(argv) and argv[i].startswith("-") and argv[i] != "--":
        arg = argv[i]
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
        i += 2 if arg == "--vault" else 1  # the global options that take a value
    return None


def run(argv: Sequence[str] | None = None) -> int:
    """Parse and run one command; errors propagate (:func:`main` turns them into exit codes)."""
    from kimdesk.policy import language  # a language the machine policy sets wins

    early = _language_argument(list(sys.argv[1:] if argv is None else argv))
    if early in UI_LANGUAGES:
        set_language(language(early))
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.lang:
        if args.lang not in UI_LANGUAGES:
            raise UsageError(N_("Unknown language {lang}."), lang=args.lang)
        set_language(language(args.lang))
    else:  # fixed for the command: gettext asked the policy file at every message otherwise
        set_language(current_language())
    func: Callable[[argparse.Namespace], int | None] | None = getattr(args, "func", None)
    if func is None:
        if args.demo:
            if args.vault:
                raise UsageError(N_("--demo opens the demo vault; leave out --vault."))
            from kimdesk.policy import require_demo_allowed

            require_demo_allowed()  # the machine policy (docs/deployment.md): exit code 2
            demo.ensure_demo_vault()
        return gui.start_gui(args)
    stop_on_signals()
    return func(args) or 0


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP arrived (a script's ``timeout``, ``kill``, systemd, a closed terminal):
    unwound like Ctrl-C, so a half-written export's temporary file is removed and an open vault
    transaction rolls back. Python's default for SIGTERM ends the process on the spot: a killed
    ``stats``, ``gaps --with-descriptions`` or ``subject-export`` left its ``.part`` file with
    the data beside the output, and ``subject-export`` its finished JSON (2026-12-07)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _terminate(signum: int, _frame: object) -> None:
    raise Terminated(signum)


def stop_on_signals() -> None:
    """Turn SIGTERM and SIGHUP into :class:`Terminated` for a command (not for the desktop app:
    Python runs a handler only between bytecodes, and an idle Qt event loop runs none, so the app
    would no longer end on a logout's SIGTERM). A signal someone set to be ignored (``nohup``)
    stays ignored."""
    for name in ("SIGTERM", "SIGHUP"):
        signum = getattr(signal, name, None)
        if signum is not None and signal.getsignal(signum) is signal.SIG_DFL:
            signal.signal(signum, _terminate)


def main(argv: Sequence[str] | None = None) -> int:
    """The console script ``kimdesk`` and ``python -m kimdesk.cli``: the exit code."""
    from kimdesk.config import secure_folders, temp_base
    from kimdesk.vault.files import harden_process
    from kimdesk.vault.privatetemp import use_private_temp

    harden_process()
    sys.unraisablehook = _quiet_failed_close
    try:  # a HOME or XDG folder that is a file: one line too (a traceback until 2026-12-07)
        secure_folders()
        use_private_temp(temp_base())  # a killed export's sheet files never stay in /tmp
        return run(argv)
    except KimdeskError as exc:
        print(f"kimdesk: {exc.translated()}", file=sys.stderr)
        return exc.exit_code
    except Terminated as exc:
        print(f"\nkimdesk: {_(_STOPPED)}", file=sys.stderr)
        return 128 + exc.signum
    except KeyboardInterrupt:
        print(f"\nkimdesk: {_(_STOPPED)}", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into head & co.: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except UnicodeError:  # an argument of bytes that are not UTF-8 (a file name on Linux)
        print(f"kimdesk: {_(_NOT_UTF8)}",
              file=sys.stderr)
        return 2
    except OSError as exc:  # a file or folder the user named: one line, in their language
        print(f"kimdesk: {FileError.unexpected(exc).translated()}", file=sys.stderr)
        return 1
    except Exception as exc:  # pydantic's ValidationError and the like: one line, no traceback
        return _unexpected(exc, argv)


def _quiet_failed_close(unraisable: sys.UnraisableHookArgs) -> None:
    """An ``OSError`` in a finalizer is a file closed by the garbage collector after its write
    failed (openpyxl's zip archive on a full disk): the command has already said so in one
    line, and Python's "Exception ignored in ..." traceback followed it (2026-12-07). Anything
    else goes to Python's own hook."""
    if not isinstance(unraisable.exc_value, OSError):
        sys.__unraisablehook__(unraisable)


def _unexpected(exc: Exception, argv: Sequence[str] | None) -> int:
    """Errors from libraries that still have a clear meaning for the user; anything else is a
    bug and keeps its traceback."""
    from pydantic import ValidationError as PydanticError

    if isinstance(exc, PydanticError):
        print(f"kimdesk: {validation_text(exc.errors()[0])}", file=sys.stderr)
        return ValidationError.exit_code
    from kimdesk.vault.connection import SQLITE_FULL, DatabaseError, error_code
    from kimdesk.vault.errors import VaultCorrupted, VaultFull

    if isinstance(exc, DatabaseError):  # a damaged page met while reading, or a full disk
        path = ""
        with contextlib.suppress(Exception):
            path = str(vault_path(build_parser().parse_known_args(argv)[0]))
        error = VaultFull(path) if error_code(exc) == SQLITE_FULL or "disk is full" in str(exc) \
            else VaultCorrupted(path)
        print(f"kimdesk: {error.translated()}", file=sys.stderr)
        return error.exit_code
    raise exc
