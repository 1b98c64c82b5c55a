"""Load the Qt Designer files in ``ui/`` at run time, translated through gettext.

Picard compiles its ``ui/*.ui`` into Python and swaps Qt's ``_translate`` for gettext; KIMdesk loads
the same kind of files with :class:`QUiLoader` at run time instead, so there is no generated code
that could go stale. The strings are translated by our one gettext catalog (``tools/i18n.py``
extracts them from the ``.ui`` XML), not by Qt's ``.ts`` machinery: after loading, every
translatable ``<string>`` is looked up with :func:`kimdesk.i18n.gettext` and set again, and
:meth:`UiForm.retranslate` repeats that when the language changes at run time.
"""

from __future__ import annotations

import functools
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QFile, QIODevice, QObject
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QTabWidget,
    QTextEdit,
    QWidget,
)

from kimdesk.i18n import gettext


def ui_dir() -> Path:
    """``ui/`` beside the package in a checkout; ``kimdesk/_ui`` in a wheel."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here.parent / "ui", here / "_ui"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("KIMdesk ui folder not found")


@dataclass(frozen=True)
class UiString:
    widget: str  # objectName
    prop: str  # Qt property, or "tab:title" for a tab page's title
    source: str  # English msgid


@functools.cache
def ui_strings(name: str) -> tuple[UiString, ...]:
    """Every translatable string of a .ui file, with the widget and property it belongs to."""
    root = ET.parse(ui_dir() / name).getroot()
    found: list[UiString] = []

    def walk(element: ET.Element, owner: str) -> None:
        for child in element:
            if child.tag in ("widget", "action"):
                walk(child, child.get("name", owner))
            elif child.tag in ("property", "attribute"):
                string = child.find("string")
                if string is not None and string.text and string.get("notr") != "true":
                    prop = child.get("name", "")
                    if child.tag == "attribute":
                        prop = "tab:" + prop
                    found.append(UiString(owner, prop, string.text))
            elif child.tag == "column":
                pass  # tree/table headers: the owning class sets them (see retranslate hooks)
            else:
                walk(child, owner)

    walk(root, "")
    return tuple(found)


class UiForm:
    """A loaded .ui file: ``form.widget`` is the top widget, ``form["name"]`` any child."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        from PySide6.QtUiTools import QUiLoader

        self.name = name
        loader = QUiLoader()
        file = QFile(str(ui_dir() / name))
        if not file.open(QIODevice.OpenModeFlag.ReadOnly):
            raise FileNotFoundError(str(ui_dir() / name))
        try:
            widget = loader.load(file, parent)
        finally:
            file.close()
        if widget is None:
            raise RuntimeError(f"cannot load {name}: {loader.errorString()}")
        self.widget: QWidget = widget
        self.retranslate()

    def __getitem__(self, name: str) -> Any:
        """A child widget by object name (typed ``Any``: the .ui file knows its class)."""
        if self.widget.objectName() == name:
            return self.widget
        found = self.widget.findChild(QObject, name)
        if found is None:
            raise KeyError(name)
        return found

    def retranslate(self) -> None:
        for item in ui_strings(self.name):
            try:
                target = self[item.widget]
            except KeyError:
                continue
            text = gettext(item.source)
            if item.prop.startswith("tab:"):
                tabs = target.parentWidget()
                while tabs is not None and not isinstance(tabs, QTabWidget):
                    tabs = tabs.parentWidget()
                if tabs is not None:
                    tabs.setTabText(tabs.indexOf(target), text)
            else:
                target.setProperty(item.prop, text)
        for tree_name, titles in _tree_columns(self.name).items():
            try:
                tree = self[tree_name]
            except KeyError:
                continue
            if hasattr(tree, "setHeaderLabels"):
                tree.setHeaderLabels([gettext(t) for t in titles])


@functools.cache
def _tree_columns(name: str) -> dict[str, list[str]]:
    root = ET.parse(ui_dir() / name).getroot()
    result = {}
    for element in root.iter("widget"):
        columns = element.findall("column")
        if columns:
            result[element.get("name", "")] = [
                c.findtext("property/string", "") for c in columns
            ]
    return result


INPUT_TYPES = (QLineEdit, QComboBox, QAbstractSpinBox, QTextEdit, QPlainTextEdit)


def inputs_without_names(root: QWidget) -> list[QWidget]:
    """Inputs a screen reader could not name: no accessible name, and not a labelled button."""
    missing: list[QWidget] = []
    for widget in root.findChildren(QWidget):
        parent = widget.parentWidget()
        if widget.objectName().startswith("qt_") or isinstance(
            parent, QAbstractSpinBox | QComboBox | QLineEdit
        ):
            continue  # Qt's own parts: a spin box's editor, a line edit's clear button
        name = widget.accessibleName()
        if isinstance(widget, QAbstractButton):
            name = name or widget.text()
        elif not isinstance(widget, (*INPUT_TYPES, QListWidget)):
            continue
        if not name:
            missing.append(widget)
    return missing


def name_from_buddies(root: QWidget) -> None:
    """Give inputs that have a buddy label the label's text as accessible name (minus '&')."""
    for label in root.findChildren(QLabel):
        buddy = label.buddy()
        if buddy is not None:
            buddy.setAccessibleName(label.text().replace("&", "").rstrip(":"))
