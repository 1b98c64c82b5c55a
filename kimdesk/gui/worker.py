"""One database worker thread: every vault call runs there, results come back by signal.

Anki's pattern (``CollectionOp(...).success(...).run_in_background()``): the GUI thread never
waits on SQLCipher, so a slow query or the key derivation at unlock never freezes a window, and
the vault has exactly one thread using it (it is not safe for concurrent use).

A job is a plain function ``job(worker) -> result`` run on the worker thread; ``worker.vault`` is
the open vault (``None`` while locked). ``on_done(result)`` or ``on_error(exc)`` then runs on the
GUI thread. Jobs submitted with a ``key`` supersede older queued jobs with the same key: when the
user types "mül", the searches for "m" and "mü" are dropped if they have not started yet.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

if TYPE_CHECKING:
    from kimdesk.vault.connection import Connection
    from kimdesk.vault.vault import Vault

log = logging.getLogger(__name__)

Job = Callable[["DbWorker"], Any]


class Superseded(Exception):
    """A keyed job that a newer job with the same key replaced before it ran."""


class _Executor(QObject):
    """Lives in the worker thread; runs jobs in submission order.

    Only job ids travel through the queued signals; jobs and results wait in dictionaries. (Python
    objects in cross-thread ``Signal(object)`` emissions, ``None`` above all, hit a reference-count
    bug in this PySide6 build: "none_dealloc" crashes under load.)"""

    done = Signal(int)

    def __init__(self, owner: DbWorker) -> None:
        super().__init__()
        self._owner = owner

    @Slot(int)
    def run(self, job_id: int) -> None:
        owner = self._owner
        with owner._lock:
            key, job = owner._jobs.pop(job_id)
        outcome: tuple[Any, Exception | None]
        if key is not None and owner._latest.get(key) != job_id:
            outcome = (None, Superseded())
        else:
            try:
                outcome = (job(owner), None)
            except Exception as exc:  # reported on the GUI thread
                outcome = (None, exc)
        with owner._lock:
            owner._results[job_id] = outcome
        self.done.emit(job_id)


class DbWorker(QObject):
    """Owns the vault and the thread it is used on. Create one per application."""

    _submit = Signal(int)
    #: Emitted on the GUI thread whenever the number of running/queued jobs changes.
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.vault: Vault | None = None
        self.reader: Connection | None = None
        self._ids = itertools.count(1)
        self._latest: dict[object, int] = {}
        self._callbacks: dict[int, tuple[Callable[[Any], None] | None,
                                         Callable[[Exception], None] | None]] = {}
        self._lock = threading.Lock()
        self._jobs: dict[int, tuple[object, Job]] = {}
        self._results: dict[int, tuple[Any, Exception | None]] = {}
        self._thread = QThread()
        self._thread.setObjectName("kimdesk-db")
        self._executor = _Executor(self)
        self._executor.moveToThread(self._thread)
        self._submit.connect(self._executor.run)
        self._executor.done.connect(self._finished)
        self._thread.start()

    # -- jobs ----------------------------------------------------------------------------------
    def submit(
        self,
        job: Job,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
        *,
        key: object = None,
    ) -> int:
        job_id = next(self._ids)
        if key is not None:
            self._latest[key] = job_id
        was_idle = not self._callbacks
        self._callbacks[job_id] = (on_done, on_error)
        with self._lock:
            self._jobs[job_id] = (key, job)
        if was_idle:
            self.busy_changed.emit(True)
        self._submit.emit(job_id)
        return job_id

    @property
    def busy(self) -> bool:
        return bool(self._callbacks)

    @Slot(int)
    def _finished(self, job_id: int) -> None:
        with self._lock:
            result, error = self._results.pop(job_id, (None, None))
        on_done, on_error = self._callbacks.pop(job_id, (None, None))
        try:
            if isinstance(error, Superseded):
                return
            if error is not None:
                if on_error is not None:
                    on_error(error)
                else:
                    log.error("database job failed: %s", _where(error))
            elif on_done is not None:
                on_done(result)
        except RuntimeError as exc:
            # The widget waiting for this answer was deleted meanwhile (a dialog the auto-lock
            # closed): the answer has nowhere to go, which is fine.
            if "already deleted" not in str(exc):
                raise
            log.debug("result for a deleted widget dropped: %s", exc)
        finally:
            if not self._callbacks:
                self.busy_changed.emit(False)

    # -- vault lifecycle (called from jobs, i.e. on the worker thread) -------------------------
    def read_connection(self) -> Connection:
        """The vault's own connection (jobs run one at a time, so sharing it is safe)."""
        if self.vault is None:
            from kimdesk.vault.errors import VaultLocked

            raise VaultLocked()
        return self.vault.conn

    def require_vault(self) -> Vault:
        if self.vault is None:
            from kimdesk.vault.errors import VaultLocked

            raise VaultLocked()
        return self.vault

    def close_vault(self) -> None:
        if self.vault is not None:
            self.vault.close()
            self.vault = None

    # -- shutdown ------------------------------------------------------------------------------
    def stop(self) -> None:
        """Close the vault on its thread, then end the thread (blocking, at application exit)."""
        if not self._thread.isRunning():
            return
        done = threading.Event()

        def close(worker: DbWorker) -> None:
            try:
                worker.close_vault()
            finally:
                done.set()

        self.submit(close)
        done.wait(30)
        self._thread.quit()
        self._thread.wait(5000)


def _where(error: BaseException) -> str:
    """The exception's type and the line it came from, never its message: messages (pydantic's
    among them) quote the values they refused, and stderr ends up in the desktop session's log."""
    import traceback

    frames = traceback.extract_tb(error.__traceback__)
    place = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return f"{type(error).__name__}{place}"
