"""Placeholder main window until the desktop client lands (issue: desktop client)."""

from __future__ import annotations

import argparse
import sys


def run_app(args: argparse.Namespace) -> int:
    from PySide6.QtWidgets import QApplication, QLabel

    app = QApplication.instance() or QApplication(sys.argv)
    label = QLabel("KIMdesk")
    label.resize(480, 240)
    label.show()
    return int(app.exec())
