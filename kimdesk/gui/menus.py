"""The main window's menu bar: menus, actions with their keyboard shortcuts, and Alt+1…9 for the
case view's tabs.

The window says which commands exist (:class:`ActionSpec`, with the slot to call); this module
builds, translates and enables them, so the window's own code stays about screens and locking.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QMainWindow, QMenu

from kimdesk.i18n import N_, gettext

_ = gettext

#: Menu key -> title (msgid), in menu bar order.
MENU_TITLES: dict[str, str] = {"file": N_("&File"), "case": N_("&Case"), "view": N_("&View"),
                               "tools": N_("&Tools"), "help": N_("&Help")}
#: A separator follows these actions in their menu.
SEPARATOR_AFTER = frozenset({"note", "close_case", "refresh", "stats", "lock"})
#: Usable while the vault is locked: they show nothing from it.
ALWAYS_ENABLED = frozenset({"quit", "settings", "shortcuts", "about", "help", "manual"})


@dataclass(frozen=True)
class ActionSpec:
    """One command: its name (``action_<name>`` is the object name tests find), the menu it is
    in, its text (a msgid, translated on display), its shortcut and what it calls."""

    name: str
    menu: str
    text: str
    shortcut: str
    slot: Callable[[], Any]


class WindowMenus:
    """Builds the menus and actions into ``window``'s menu bar."""

    def __init__(self, window: QMainWindow, specs: Sequence[ActionSpec],
                 show_tab: Callable[[int], None]) -> None:
        self.menus: dict[str, QMenu] = {}
        self.actions: dict[str, QAction] = {}
        self._texts: dict[str, str] = {}
        for key in MENU_TITLES:
            menu = window.menuBar().addMenu("")
            menu.setObjectName(f"menu_{key}")
            self.menus[key] = menu
        self._window = window
        for spec in specs:
            self.add(spec)
        # Alt+1 ... Alt+9: the case view's tabs (Ctrl+digits are taken by some desktops).
        self.tab_shortcuts: list[QShortcut] = []
        for number in range(1, 10):
            tab_key = QShortcut(QKeySequence(f"Alt+{number}"), window)
            tab_key.activated.connect(lambda n=number: show_tab(n - 1))
            self.tab_shortcuts.append(tab_key)

    def add(self, spec: ActionSpec) -> QAction:
        """One more command at the end of its menu. The window's own commands come in the
        constructor; a part that owns its command (the appointments,
        :mod:`kimdesk.gui.appointments`) adds it here, so the window's module does not grow with
        every such command."""
        action = QAction(self._window)
        action.setObjectName(f"action_{spec.name}")
        action.setShortcut(QKeySequence(spec.shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(lambda _c=False, s=spec.slot: s())
        self.menus[spec.menu].addAction(action)
        self.actions[spec.name] = action
        self._texts[spec.name] = spec.text
        if spec.name in SEPARATOR_AFTER:
            self.menus[spec.menu].addSeparator()
        return action

    def retranslate(self) -> None:
        for key, menu in self.menus.items():
            menu.setTitle(_(MENU_TITLES[key]))
        for name, action in self.actions.items():
            action.setText(_(self._texts[name]))

    def set_unlocked(self, unlocked: bool) -> None:
        """Commands that touch the vault work only while it is open."""
        for name, action in self.actions.items():
            if name not in ALWAYS_ENABLED:
                action.setEnabled(unlocked)

    def shortcut_list(self) -> str:
        """The keyboard shortcuts box (Ctrl+/) as a table of two columns, shortcut and command.
        Lines of "shortcut<TAB>command" left the commands out of line wherever a shortcut was
        wider than a tab ("Strg+Umschalt+N", "Umschalt+F9"), and in Persian, whose shortcuts Qt
        writes with Persian key names, each line took the direction of its first letter: "F5"
        lines stood at the left, the others at the right. In a right-to-left interface the table
        is mirrored (commands at the right) and a shortcut reads as the menus show it."""
        native = QKeySequence.SequenceFormat.NativeText
        rows = "".join(
            f"<tr><td>{escape(action.shortcut().toString(native))}</td>"
            f"<td>{escape(action.text().replace('&', '').rstrip('…'))}</td></tr>"
            for action in self.actions.values() if not action.shortcut().isEmpty()
        )
        return f'<table cellspacing="0" cellpadding="2">{rows}</table>'
