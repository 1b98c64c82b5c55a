"""Object names for widgets built in code: tests, screenshots and style sheets find a widget by
its name, and a name says what a widget is where a Designer file would have said it."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QAbstractItemView

W = TypeVar("W", bound=QObject)


def named(widget: W, name: str) -> W:
    """``widget`` with its object name set (returned, so a widget is built and named in one)."""
    widget.setObjectName(name)
    return widget


V = TypeVar("V", bound=QAbstractItemView)


def tab_leaves(view: V) -> V:
    """``view`` with Tab moving on to the next input instead of to the next cell (returned).
    Qt's table views take Tab for their cells by default and wrap from the last cell to the
    first, so Tab never left them (docs/gui.md, "Tab leaves a table"); arrow keys move between
    cells."""
    view.setTabKeyNavigation(False)
    return view
