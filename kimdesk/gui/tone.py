"""Messages in a status label: an error in red, anything else (saved, restored, locked after the
idle time) in the calm blue of notices. One label often says both in turn (the form's status, the
unlock screen's line); the style sheet colours it by its ``tone`` property (ui/kimdesk.qss), so a
success is never shown in red (issue 18)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel


def say(label: QLabel, text: str, *, error: bool) -> None:
    """Show ``text`` in ``label`` as an error (red) or as information."""
    tone = "error" if error else "info"
    if label.property("tone") != tone:
        label.setProperty("tone", tone)
        label.style().unpolish(label)  # a property change restyles only when polished again
        label.style().polish(label)
    label.setText(text)
