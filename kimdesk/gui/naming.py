"""Object names for widgets built in code: tests, screenshots and style sheets find a widget by
its name, and a name says what a widget is where a Designer file would have said it."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QObject

W = TypeVar("W", bound=QObject)


def named(widget: W, name: str) -> W:
    """``widget`` with its object name set (returned, so a widget is built and named in one)."""
    widget.setObjectName(name)
    return widget
