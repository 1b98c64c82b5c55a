"""Drafts glue: save the answers being typed a moment after each edit, restore them on reopen.

A draft is saved ``autosave_ms`` after the last edit and at once on :meth:`DraftAutosave.flush`
(the widget calls it when hidden or closed; callers call it before an auto-lock). The payload
records the form version, so a draft is restored only into the version it was typed in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer

from kimdesk.forms.definition import Form
from kimdesk.forms.drafts import DraftStore, draft_payload
from kimdesk.gui.worker import where

log = logging.getLogger(__name__)

#: What a draft holds besides the form: (answers, client language).
Snapshot = Callable[[], tuple[dict[str, Any], str | None]]


class DraftAutosave:
    """The draft of one form in one store under one key (no store or key: no drafts)."""

    def __init__(self, owner: QObject, form: Form, store: DraftStore | None, key: str | None,
                 autosave_ms: int, snapshot: Snapshot, saved: Callable[[str], None]) -> None:
        self.form = form
        self.store = store
        self.key = key
        self.dirty = False
        self._snapshot = snapshot
        self._saved = saved
        self._timer = QTimer(owner)
        self._timer.setSingleShot(True)
        self._timer.setInterval(autosave_ms)
        self._timer.timeout.connect(self.flush_quietly)

    def active(self) -> bool:
        return self.store is not None and bool(self.key)

    def changed(self) -> None:
        """An edit: the draft is out of date; save it when the user pauses."""
        self.dirty = True
        if self.active():
            self._timer.start()

    def flush(self) -> None:
        """Save the draft now if anything changed since the last save."""
        self._timer.stop()
        if not self.dirty or self.store is None or not self.key:
            return
        answers, client = self._snapshot()
        self.store.save(self.key, draft_payload(self.form, answers, client))
        self.dirty = False
        self._saved(self.key)

    def flush_quietly(self) -> None:
        """Flush from Qt events: an error there (vault already locked) must not escape into
        Qt's event loop; it is logged, and the caller's explicit flush before locking is the
        guarantee."""
        try:
            self.flush()
        except Exception as exc:  # type and line only: a message could quote an answer
            log.error("draft of form %s not saved: %s", self.form.form_id, where(exc))

    def load(self) -> dict[str, Any] | None:
        """The draft saved for this form version, if any."""
        if self.store is None or not self.key:
            return None
        payload = self.store.load(self.key)
        if not payload or payload.get("form_id") != self.form.form_id or payload.get(
                "form_version") != self.form.version:
            return None
        return payload

    def discard(self) -> None:
        self._timer.stop()
        self.dirty = False
        if self.store is not None and self.key:
            self.store.discard(self.key)
