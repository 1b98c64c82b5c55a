"""Starting the GUI from the command line (``kimdesk`` with no subcommand)."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    """The GUI adds no subcommand yet; ``kimdesk`` alone starts it."""


def start_gui(args: argparse.Namespace) -> int:
    from kimdesk.gui.app import run_app

    return run_app(args)
