"""The ``ui/`` folder (Qt Designer files and the style sheet) and accessibility checks on screens.

The Designer files ``ui/*.ui`` are no longer loaded at run time: ``tools/build_ui.py`` compiles them
(pyside6-uic) into typed classes in :mod:`kimdesk.gui.forms_generated`, so each screen reaches its
widgets as attributes (``self.ui.passphraseEdit``) that mypy checks, instead of by object-name
strings. Their strings still go through the one gettext catalog, not Qt's ``.ts`` files:
``tools/i18n.py update`` extracts them from the ``.ui`` XML, the generated ``retranslateUi`` calls
:func:`kimdesk.i18n.gettext` for each of them, and each screen calls ``retranslateUi`` again when
the language changes at run time.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)


def ui_dir() -> Path:
    """``ui/`` beside the package in a checkout; ``kimdesk/_ui`` in a wheel."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here.parent / "ui", here / "_ui"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("KIMdesk ui folder not found")


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
