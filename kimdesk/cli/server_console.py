"""``kimdesk server console-user add NAME --role it|dpo|coordination`` and ``kimdesk server
console [--host H] [--port 8780]``: the browser console's accounts and its listener
(:mod:`kimdesk.server.console`; docs/deployment.md, "Browser console (first slice)").

A contract: municipal IT scripts these. ``console-user add`` reads the password without echo
twice from a terminal; from a pipe (a script: stdin is no terminal) it reads one line, the
password (no second line: a script has no typo to catch, and a second read would make
``printf '%s\\n' "$PW" |`` fail). It prints the TOTP secret and its ``otpauth://`` URI once:
they are shown nowhere else. A refused name, role or password is one translated line on stderr
and exit code 2; nothing is changed then.

``console`` listens on its own port (8780), never on the devices' (``server run``'s): the
proxy publishes it on the administration network only. Like ``server run`` it serves plain
HTTP only on loopback unless ``KIMDESK_BEHIND_TLS_PROXY=1`` says a TLS proxy is in front.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

from kimdesk.i18n import N_
from kimdesk.i18n import gettext as _

Command = Callable[[argparse.Namespace], int]
#: The console's default port: not the devices' 8765.
PORT = 8780
#: The roles (:class:`kimdesk.server.console.accounts.Role`'s values; written out so that
#: building the parser imports no server module: a test compares them).
ROLES = ("it", "dpo", "coordination")


def register(ssub: Any, db_option: Callable[[argparse.ArgumentParser], None],
             server: ModuleType) -> None:
    """Called by :func:`kimdesk.cli.server.register` (see :mod:`kimdesk.cli.server_staff`)."""
    faults: Callable[[Command], Command] = server.database_faults
    users = ssub.add_parser("console-user", help=_("accounts of the browser console"))
    usub = users.add_subparsers(dest="console_user_command", metavar="COMMAND", required=True)
    add = usub.add_parser(
        "add", help=_("add a console account; prints its TOTP secret once"),
        description=_("Adds an account of the browser console. The password is read twice "
                      "without echo from a terminal, or as one line from standard input when "
                      "it is no terminal (a script). The TOTP secret and its otpauth:// URI "
                      "are printed once, for the account's authenticator app."))
    db_option(add)
    add.add_argument("name", metavar="NAME", help=_("the account's name (letters, digits, "
                                                    "\".\", \"_\", \"-\")"))
    add.add_argument("--role", required=True, choices=ROLES,
                     help=_("what the account may do: it (devices, enrollment codes), dpo or "
                            "coordination (their pages are not built yet)"))
    add.set_defaults(func=faults(lambda args: cmd_add(args, server)))

    run = ssub.add_parser("console", help=_("start the browser console (its own port)"))
    db_option(run)
    run.add_argument("--host", default="127.0.0.1", help=_("address to listen on"))
    run.add_argument("--port", type=server.port_number, default=PORT,
                     help=_("port to listen on (default: {port}; never the sync server's)")
                     .format(port=PORT))
    run.set_defaults(func=faults(lambda args: cmd_console(args, server)))


def read_password() -> str:
    """The new password: twice without echo from a terminal (refused when the two differ),
    else the first line of standard input."""
    import getpass

    from kimdesk.server.console.accounts import AccountRefused

    if not sys.stdin.isatty():
        line = sys.stdin.readline()
        return line.removesuffix("\n").removesuffix("\r")
    first = getpass.getpass(_("Password: "))
    if getpass.getpass(_("The password again: ")) != first:
        raise AccountRefused(N_("The two passwords differ. Nothing was changed."))
    return first


def cmd_add(args: argparse.Namespace, server: ModuleType) -> int:
    from kimdesk.server.console import accounts

    name = accounts.account_name(args.name)  # refused before a password is asked
    password = accounts.check_password(read_password())
    secret = accounts.add(server._service(args).engine, name, accounts.Role(args.role),
                          password)
    print(_("Console account {name} added (role {role}). Enter this secret in the account's "
            "authenticator app now; it is not shown again:").format(name=name, role=args.role))
    print(secret)
    print(accounts.provisioning_uri(name, secret))
    return 0


def cmd_console(args: argparse.Namespace, server: ModuleType) -> int:
    import uvicorn

    from kimdesk.server import log_setup
    from kimdesk.server.console.app import create_console
    from kimdesk.server.embedded import uvicorn_config

    host = args.host
    if server.plain_http_refused(host):  # the same rule as ``server run``
        return 2
    log_config = log_setup.configure()
    sock = server.bound_socket(host, args.port)
    try:
        app = create_console(server._service(args).engine)
    except BaseException:
        sock.close()
        raise
    print(_("KIMdesk console on http://{host}:{port}").format(host=host, port=args.port),
          flush=True)
    uvicorn.Server(uvicorn_config(app, proxy_headers=host not in server.LOOPBACK,
                                  log_config=log_config)).run(sockets=[sock])
    return 0
