"""Starting the GUI from the command line (``kimdesk`` with no subcommand) and ``screenshots``.

Both import :mod:`kimdesk.gui` (and so Qt) only when they run: every other command works without
PySide6 installed.
"""

from __future__ import annotations

import argparse

from kimdesk.cli.common import Subcommands, whole_number
from kimdesk.i18n import gettext

_ = gettext


def register(sub: Subcommands) -> None:
    p = sub.add_parser("screenshots",
                       help=_("render the main screens offscreen from a demo vault"))
    p.add_argument("directory", help=_("folder for the PNG files"))
    p.add_argument("--langs", default="de,ar,uk", help=_("languages, comma-separated"))
    p.add_argument("--cases", type=whole_number(1, 100_000), default=300,
                   help=_("number of demo cases"))
    p.set_defaults(func=_screenshots)


def _screenshots(args: argparse.Namespace) -> int:
    from kimdesk.gui.screenshots import cmd_screenshots

    return cmd_screenshots(args)


def start_gui(args: argparse.Namespace) -> int:
    from kimdesk.gui.app import run_app

    return run_app(args)
