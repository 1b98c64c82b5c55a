"""Background jobs for windows: the one way the GUI runs slow work, after Anki's ``CollectionOp``.

::

    BackgroundJob(self, worker, lambda w: report_for_vault(w.require_vault(), period, k)) \\
        .success(self.set_report) \\
        .run_in_background()

    BackgroundJob(self, worker, lambda w: write(report, path, progress=w.progress),
                  uses_vault=False) \\
        .with_progress_dialog(_("Writing the statistics…")) \\
        .success(self.written).cancelled(self.stopped) \\
        .run_in_background()

The work runs on the application's :class:`~kimdesk.gui.worker.DbWorker`: on its vault lane, or
with ``uses_vault=False`` on its files lane (PDF layout, file writing: work that needs no vault
and should not hold up the searches queued behind it; see that module for why two threads and no
pool). What this adds to :meth:`DbWorker.submit`, so no window has to remember it:

* **Language**: the work runs under the interface language of the moment it was started (the
  worker carries it into the thread).
* **Failures are shown by default**: without :meth:`BackgroundJob.failure`, a message box over the
  parent says what went wrong in the user's language (:func:`failure_message`), never the raw
  exception text, which can quote the very values a case manager typed; the log gets the
  exception's type and line only.
* **Progress**: the work calls ``worker.progress(done, total)``; :meth:`with_progress` receives it
  on the GUI thread, :meth:`with_progress_dialog` shows a progress dialog whose Cancel button
  cancels the job.
* **Cancel**: :meth:`cancel` drops a queued job, or stops a running one at its next progress
  report; :meth:`cancelled` callbacks run instead of success or failure.
* **Results on the GUI thread**, handed over as the worker does it: through its lock-guarded
  dictionary, announced by a job-id signal (no Python object crosses threads in a signal).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Generic, TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from kimdesk.errors import KimdeskError
from kimdesk.gui.worker import Cancelled, DbWorker, where
from kimdesk.i18n import N_, gettext

_ = gettext
log = logging.getLogger(__name__)

T = TypeVar("T")

_FILE_FAILED = N_("The file {path} could not be read or written.")
_SOMETHING_FAILED = N_("Something went wrong ({error}); the log has the details.")
_VAULT_BUSY = N_("The vault was busy (sync was writing to it), so this could not be done. "
                 "Please try again in a moment.")


def _vault_busy(exc: BaseException) -> bool:
    """SQLite's "database is locked": a write waited out the vault's busy timeout (5 s) behind
    another connection's write, sync applying a large pulled page. Told as "Something went wrong
    (OperationalError)" until 2026-12-07, which says nothing a counselor can act on; waiting and
    trying again is what helps. Matched by SQLite's own words: sqlcipher3 has no code for it."""
    import sqlite3

    import sqlcipher3.dbapi2 as sqlcipher

    return isinstance(exc, sqlcipher.OperationalError | sqlite3.OperationalError) and \
        str(exc).startswith(("database is locked", "database table is locked"))


def failure_message(exc: BaseException) -> str:
    """What to tell the user about a failed job, translated; never the exception's own text.

    KIMdesk's own errors carry a message written for users; a file error names the file (the
    user chose it); anything else is named by its type, which the log places in the code."""
    if isinstance(exc, KimdeskError):
        return exc.translated()
    if isinstance(exc, OSError) and exc.filename:
        return _(_FILE_FAILED).format(path=exc.filename)
    if _vault_busy(exc):
        return _(_VAULT_BUSY)
    return _(_SOMETHING_FAILED).format(error=type(exc).__name__)


def show_failure(parent: QWidget | None, exc: Exception) -> None:
    """The default failure display: a message box over the window that started the job."""
    QMessageBox.warning(parent, _("KIMdesk"), failure_message(exc))


class BackgroundJob(Generic[T]):
    """One piece of slow work started from a window; set it up, then :meth:`run_in_background`.

    ``work(worker)`` runs on a worker thread and must not touch widgets; the callbacks run on the
    GUI thread. The object is also the handle of the running job (:meth:`cancel`,
    :meth:`is_running`, :meth:`wait`)."""

    def __init__(self, parent: QWidget | None, worker: DbWorker, work: Callable[[DbWorker], T],
                 *, uses_vault: bool = True, key: object = None) -> None:
        self.parent = parent
        self.worker = worker
        self._work = work
        self.uses_vault = uses_vault
        self._key = key
        self._on_success: list[Callable[[T], None]] = []
        self._on_failure: list[Callable[[Exception], None]] = []
        self._on_cancel: list[Callable[[], None]] = []
        self._on_progress: list[Callable[[int, int], None]] = []
        self._progress_dialog: tuple[str, str] | None = None
        self.progress_dialog: QProgressDialog | None = None
        self.job_id: int | None = None
        self.finished = False

    # -- setting up ----------------------------------------------------------------------------
    def success(self, callback: Callable[[T], None]) -> BackgroundJob[T]:
        self._on_success.append(callback)
        return self

    def failure(self, callback: Callable[[Exception], None]) -> BackgroundJob[T]:
        """Handle failures here instead of the default message box."""
        self._on_failure.append(callback)
        return self

    def cancelled(self, callback: Callable[[], None]) -> BackgroundJob[T]:
        self._on_cancel.append(callback)
        return self

    def with_progress(self, callback: Callable[[int, int], None]) -> BackgroundJob[T]:
        """``callback(done, total)`` on the GUI thread whenever the work reports progress."""
        self._on_progress.append(callback)
        return self

    def with_progress_dialog(self, label: str, name: str = "job_progress") -> BackgroundJob[T]:
        """A progress dialog over the parent while the job runs (``name``: its object name);
        its Cancel button cancels the job."""
        self._progress_dialog = (label, name)
        return self

    # -- running -------------------------------------------------------------------------------
    def run_in_background(self) -> BackgroundJob[T]:
        if self.job_id is not None:
            raise RuntimeError("this job was started already")
        if self._progress_dialog is not None:
            self._open_progress_dialog(*self._progress_dialog)
        self.job_id = self.worker.submit(
            self._work, self._succeeded, self._failed, key=self._key,
            lane="vault" if self.uses_vault else "files",
            on_progress=self._progressed if self._on_progress else None)
        return self

    def cancel(self) -> None:
        if self.job_id is not None and not self.finished:
            self.worker.cancel(self.job_id)

    def is_running(self) -> bool:
        """Whether the work is running on its thread right now (not queued, not finished)."""
        return self.job_id is not None and self.worker.is_running(self.job_id)

    def wait(self, timeout_ms: int = 30_000) -> bool:
        """Block until the work is not running (cancel first to make that quick)."""
        return self.job_id is None or self.worker.wait(self.job_id, timeout_ms)

    # -- on the GUI thread ---------------------------------------------------------------------
    def _open_progress_dialog(self, label: str, name: str) -> None:
        dialog = QProgressDialog(label, _("Cancel"), 0, 100, self.parent)
        dialog.setObjectName(name)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        dialog.canceled.connect(self.cancel)
        self._on_progress.insert(
            0, lambda done, total: dialog.setValue(int(100 * done / max(total, 1))))
        self.progress_dialog = dialog
        dialog.show()

    def _progressed(self, done: int, total: int) -> None:
        for callback in self._on_progress:
            callback(done, total)

    def _settle(self) -> None:
        self.finished = True
        if self.progress_dialog is not None:
            self.progress_dialog.setValue(100)
            self.progress_dialog.close()

    def _succeeded(self, result: T) -> None:
        self._settle()
        for callback in self._on_success:
            callback(result)

    def _failed(self, exc: Exception) -> None:
        self._settle()
        if isinstance(exc, Cancelled):
            for cancelled in self._on_cancel:
                cancelled()
            return
        log.warning("background job failed: %s", where(exc))
        if self._on_failure:
            for callback in self._on_failure:
                callback(exc)
        else:
            show_failure(self.parent, exc)
