"""The GUI's one background worker: three threads ("lanes"), results come back by signal.

Anki's pattern (``CollectionOp(...).success(...).run_in_background()``): the GUI thread never
waits on SQLCipher, so a slow query or the key derivation at unlock never freezes a window, and
the vault has exactly one thread using it (it is not safe for concurrent use). Windows usually
go through :class:`kimdesk.gui.jobs.BackgroundJob`, which adds the error display and the progress
dialog; :meth:`DbWorker.submit` is the plain layer underneath.

The lanes, each one thread running its jobs in submission order:

* ``"vault"`` (thread ``kimdesk-db``): every job that touches the vault. ``worker.vault`` is the
  open vault (``None`` while locked); :meth:`DbWorker.require_vault` hands it over.
* ``"files"`` (thread ``kimdesk-files``): work that does not need the vault, such as laying out a
  handout PDF or writing a statistics export. A PDF export takes a second or more; on the vault
  lane it would hold up every search and every save behind it. Such a job may not use the vault
  (:meth:`DbWorker.require_vault` refuses there): read first on the vault lane, then hand the
  plain data to the files lane.
* ``"sync"`` (thread ``kimdesk-sync``): sync runs, on a second vault object with a connection of
  its own (:meth:`DbWorker.require_sync_vault`, :meth:`kimdesk.vault.Vault.open_sibling`). A first
  sync of a large vault takes minutes; on the vault lane it held every search behind it (issue 18:
  a query waited more than 120 s). WAL lets the vault lane read beside it, and a save waits at
  most for one of sync's short transactions. Before the vault closes (lock, quit),
  :meth:`DbWorker.close_vault` waits for the sync job under way (the controller cancels it first,
  so it ends at its next step) and closes the sync lane's vault with it. A write at the lock (the
  lock draft) waits for it the same way (:meth:`DbWorker.sync_stopped`): a pulled page's
  transaction may hold the write lock longer than a write waits for it.

Why not a thread pool: the vault allows one thread, and file work comes one piece at a time from a
user's click, so one thread per lane keeps the order predictable and shutdown simple
(:meth:`DbWorker.stop` ends both).

A job is a plain function ``job(worker) -> result``. ``on_done(result)`` or ``on_error(exc)``
then runs on the GUI thread. Every job runs under the interface language the GUI had when the job
was submitted (:func:`kimdesk.i18n.carry_language`; a thread does not inherit it). A job may report
progress with :meth:`DbWorker.progress`, which also stops it (raises :class:`Cancelled`) once
:meth:`DbWorker.cancel` was called. Jobs submitted with a ``key`` supersede older queued jobs with
the same key: when the user types "mül", the searches for "m" and "mü" are dropped if they have
not started yet.

Only job ids (ints) travel through the queued signals; jobs and results wait in dictionaries under
a lock. (Python objects in cross-thread ``Signal(object)`` emissions, ``None`` above all, hit a
reference-count bug in this PySide6 build: "none_dealloc" crashes under load.)
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import threading
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from kimdesk.i18n import carry_language

if TYPE_CHECKING:
    from kimdesk.vault.vault import Vault

log = logging.getLogger(__name__)

Job = Callable[["DbWorker"], Any]

#: After this long, once the event loop runs, the vault's modules load on the files lane.
WARM_UP_MS = 300
Lane = Literal["vault", "files", "sync"]
OnDone = Callable[[Any], None]
OnError = Callable[[Exception], None]
OnProgress = Callable[[int, int], None]


class Superseded(Exception):
    """A keyed job that a newer job with the same key replaced before it ran."""


class Cancelled(Exception):
    """A job cancelled before it started, or stopped at its next progress report."""


@dataclass
class _Entry:
    """A submitted job and its state, shared by the GUI thread and a lane (under the lock)."""

    key: object
    job: Job
    lane: Lane
    cancelled: threading.Event = field(default_factory=threading.Event)
    running: bool = False
    stopped: threading.Event = field(default_factory=threading.Event)


class _Executor(QObject):
    """Lives in one lane's thread; runs that lane's jobs in submission order."""

    wanted = Signal(int)  # emitted on the GUI thread, queued to this lane
    done = Signal(int)
    progressed = Signal(int, int, int)  # job id, done, total

    def __init__(self, owner: DbWorker, lane: Lane) -> None:
        super().__init__()
        self._owner = owner
        self.lane = lane
        self.wanted.connect(self.run)

    @Slot(int)
    def run(self, job_id: int) -> None:
        owner = self._owner
        skip: Exception | None = None
        with owner._lock:
            entry = owner._entries[job_id]
            if entry.key is not None and owner._latest.get(entry.key) != job_id:
                skip = Superseded()
            elif entry.cancelled.is_set():
                skip = Cancelled()
            else:
                entry.running = True
        outcome: tuple[Any, Exception | None] = (None, skip)
        if skip is None:
            here = owner._here
            here.job_id, here.executor = job_id, self
            guard = owner._sync_guard if self.lane == "sync" else contextlib.nullcontext()
            try:
                with guard:  # close_vault() waits for a sync job before it closes the vault
                    outcome = (entry.job(owner), None)
            except Exception as exc:  # reported on the GUI thread
                outcome = (None, exc)
            finally:
                here.job_id, here.executor = None, None
        with owner._lock:
            entry.running = False
            owner._results[job_id] = outcome
        entry.stopped.set()
        # The job's closure may hold the last reference to a widget: it must be released where
        # _finished drops the entry, on the GUI thread, never here (Qt objects are destroyed on
        # their own thread; kimdesk/collector.py has what happened when a lane freed a window).
        del entry, outcome
        self.done.emit(job_id)


class _LaneThread:
    """One lane: a named thread and the executor living in it."""

    def __init__(self, owner: DbWorker, lane: Lane, name: str) -> None:
        self.thread = QThread()
        self.thread.setObjectName(name)
        self.executor = _Executor(owner, lane)
        self.executor.moveToThread(self.thread)
        self.executor.done.connect(owner._finished)
        self.executor.progressed.connect(owner._progressed)
        self.thread.start()


#: Loaded on the files lane while the unlock screen waits (no Qt in them: a thread other than the
#: GUI's may import them). After unlock the window needs them at once; loading them then took
#: 1.7 s of the unlock on a loaded machine (PySide6 reads the source of every module imported
#: after it, to look for its ``__feature__`` switches).
WARM_MODULES = ("kimdesk.vault.vault", "kimdesk.vault.caselist", "kimdesk.sync.engine",
                "kimdesk.sync.store", "kimdesk.forms.registry", "kimdesk.forms.engine",
                "kimdesk.vault.retention")


def _load_vault_modules(_worker: DbWorker) -> None:
    import importlib

    for name in WARM_MODULES:
        importlib.import_module(name)


def _end_threads(threads: list[QThread]) -> None:
    """Safety net for a worker dropped without :meth:`DbWorker.stop` (a dialog's own worker):
    Qt aborts the process when a running QThread is destroyed. At interpreter exit Qt may have
    deleted a thread already: nothing is left to end there (before, a traceback each)."""
    for thread in threads:
        try:
            thread.quit()
            thread.wait(5000)
        except RuntimeError:  # "Internal C++ object ... already deleted"
            continue


class DbWorker(QObject):
    """Owns the vault and the threads it and other slow work run on. Create one per application
    (a dialog opened without one makes its own for its file work)."""

    #: Emitted on the GUI thread whenever the vault lane turns busy or idle.
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.vault: Vault | None = None
        self._sync_vault: Vault | None = None  # the sync lane's (require_sync_vault)
        self._sync_guard = threading.Lock()  # held by a running sync-lane job
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._latest: dict[object, int] = {}
        self._entries: dict[int, _Entry] = {}
        self._results: dict[int, tuple[Any, Exception | None]] = {}
        self._callbacks: dict[int, tuple[OnDone | None, OnError | None, OnProgress | None]] = {}
        self._vault_jobs: set[int] = set()
        self._here = threading.local()  # the job a lane thread is running right now
        self._lanes: dict[Lane, _LaneThread] = {
            "vault": _LaneThread(self, "vault", "kimdesk-db"),
            "files": _LaneThread(self, "files", "kimdesk-files"),
            "sync": _LaneThread(self, "sync", "kimdesk-sync"),
        }
        weakref.finalize(self, _end_threads, [lane.thread for lane in self._lanes.values()])
        # The vault's modules (the pydantic models, SQLCipher: a third of a cold start) load on
        # a lane while the unlock screen waits for the passphrase: not before the screen is
        # painted, and not beside the start either (threads share one interpreter lock).
        QTimer.singleShot(WARM_UP_MS, self, lambda: self.submit(_load_vault_modules,
                                                                lane="files"))

    # -- jobs ----------------------------------------------------------------------------------
    def submit(
        self,
        job: Job,
        on_done: OnDone | None = None,
        on_error: OnError | None = None,
        *,
        key: object = None,
        lane: Lane = "vault",
        on_progress: OnProgress | None = None,
    ) -> int:
        """Queue ``job`` on a lane; returns its id (for :meth:`cancel` and :meth:`wait`). Call it
        on the GUI thread: the callbacks are kept, and later called, there."""
        job_id = next(self._ids)
        entry = _Entry(key, carry_language(job), lane)
        self._callbacks[job_id] = (on_done, on_error, on_progress)
        was_idle = not self._vault_jobs
        if lane == "vault":
            self._vault_jobs.add(job_id)
        with self._lock:
            if key is not None:
                self._latest[key] = job_id
            self._entries[job_id] = entry
        if was_idle and self._vault_jobs:
            self.busy_changed.emit(True)
        self._lanes[lane].executor.wanted.emit(job_id)
        return job_id

    @property
    def busy(self) -> bool:
        """Whether vault jobs are queued or running (file work has its own progress display)."""
        return bool(self._vault_jobs)

    @property
    def syncing(self) -> bool:
        """Whether a job is queued or running on the sync lane (closing the vault waits for it:
        :meth:`close_vault`)."""
        with self._lock:
            return any(entry.lane == "sync" for entry in self._entries.values())

    def cancel(self, job_id: int) -> None:
        """Drop the job if it has not started; a running job stops at its next progress report.
        Either way its ``on_error`` receives :class:`Cancelled`."""
        with self._lock:
            entry = self._entries.get(job_id)
        if entry is not None:
            entry.cancelled.set()

    def is_running(self, job_id: int) -> bool:
        """Whether the job's function is running on its lane right now."""
        with self._lock:
            entry = self._entries.get(job_id)
            return entry is not None and entry.running

    def wait(self, job_id: int, timeout_ms: int = 30_000) -> bool:
        """Block until the job's function is not running (at once for a queued or finished job;
        cancel first, or a running job may take its time). True unless the timeout ran out."""
        with self._lock:
            entry = self._entries.get(job_id)
            if entry is None or not entry.running:
                return True
        return entry.stopped.wait(timeout_ms / 1000)

    @Slot(int, int, int)
    def _progressed(self, job_id: int, done: int, total: int) -> None:
        on_progress = self._callbacks.get(job_id, (None, None, None))[2]
        if on_progress is not None:
            self._deliver(on_progress, done, total)

    @Slot(int)
    def _finished(self, job_id: int) -> None:
        with self._lock:
            result, error = self._results.pop(job_id, (None, None))
            self._entries.pop(job_id, None)
        on_done, on_error, _on_progress = self._callbacks.pop(job_id, (None, None, None))
        try:
            if isinstance(error, Superseded):
                return
            if error is not None:
                if on_error is not None:
                    self._deliver(on_error, error)
                elif not isinstance(error, Cancelled):
                    log.error("background job failed: %s", where(error))
            elif on_done is not None:
                self._deliver(on_done, result)
        finally:
            if job_id in self._vault_jobs:
                self._vault_jobs.discard(job_id)
                if not self._vault_jobs:
                    self.busy_changed.emit(False)

    @staticmethod
    def _deliver(callback: Callable[..., None], *args: Any) -> None:
        try:
            callback(*args)
        except RuntimeError as exc:
            # The widget waiting for this answer was deleted meanwhile (a dialog the auto-lock
            # closed): the answer has nowhere to go, which is fine.
            if "already deleted" not in str(exc):
                raise
            log.debug("result for a deleted widget dropped")

    # -- called from jobs, i.e. on a lane's thread -----------------------------------------------
    def progress(self, done: int, total: int) -> None:
        """Report how far the running job is (shown on the GUI thread by its ``on_progress``);
        raises :class:`Cancelled` once the job was cancelled, so the job ends there."""
        job_id = getattr(self._here, "job_id", None)
        if job_id is None:
            return  # called outside a job (the same code run directly, in a test or the CLI)
        with self._lock:
            entry = self._entries[job_id]
        if entry.cancelled.is_set():
            raise Cancelled()
        self._here.executor.progressed.emit(job_id, done, total)

    def require_vault(self) -> Vault:
        """The open vault, for a job on the vault lane; :class:`VaultLocked` while locked."""
        executor = getattr(self._here, "executor", None)
        if executor is not None and executor.lane != "vault":
            raise RuntimeError(f"a job on the {executor.lane} lane may not use the vault")
        if self.vault is None:
            from kimdesk.vault.errors import VaultLocked

            raise VaultLocked()
        return self.vault

    def require_sync_vault(self) -> Vault:
        """For a job on the sync lane: the open vault's sibling (its own connection, opened on
        first use); :class:`VaultLocked` while locked. The sibling is read from ``self.vault``
        under the sync guard, which :meth:`close_vault` takes before it closes anything."""
        executor = getattr(self._here, "executor", None)
        if executor is not None and executor.lane != "sync":
            raise RuntimeError("only a job on the sync lane may use the sync vault")
        vault = self.vault
        if vault is None:
            from kimdesk.vault.errors import VaultLocked

            raise VaultLocked()
        if self._sync_vault is None:
            self._sync_vault = vault.open_sibling()
        return self._sync_vault

    @contextlib.contextmanager
    def sync_stopped(self) -> Iterator[None]:
        """For a vault-lane job that must write while sync is being stopped (the lock's draft):
        wait until the sync lane's job under way has ended, and start none meanwhile. A pulled
        page holds the vault's write lock for its whole transaction, at times longer than a write
        waits for it (``busy_timeout``, 5 s): the write would fail. Only once the run was
        cancelled (it then ends at its next step); a run going on may take minutes."""
        executor = getattr(self._here, "executor", None)
        if executor is not None and executor.lane == "sync":
            raise RuntimeError("a sync-lane job cannot wait for the sync lane")
        with self._sync_guard:
            yield

    def close_vault(self) -> None:
        """Close the vault (on the vault lane): first wait for the sync lane's job under way, if
        any (cancel it first: it then ends at its next step), so its connection closes idle."""
        with self._sync_guard:
            self._sync_vault = None  # closed by the vault's close(), with its other connections
            if self.vault is not None:
                self.vault.close()
                self.vault = None

    # -- shutdown ------------------------------------------------------------------------------
    def stop(self, close_vault: bool = True) -> None:
        """End the lanes' threads, closing the vault on its thread first (blocking; at application
        exit). ``close_vault=False``: the vault was lent by a caller who closes it."""
        vault_lane = self._lanes["vault"].thread
        if not vault_lane.isRunning():
            return
        with self._lock:
            for entry in self._entries.values():
                if entry.lane == "files":
                    entry.cancelled.set()
        done = threading.Event()

        def close(worker: DbWorker) -> None:
            try:
                if close_vault:
                    worker.close_vault()
                else:
                    worker.vault = None
            finally:
                done.set()

        self.submit(close)
        done.wait(30)
        for lane in self._lanes.values():
            lane.thread.quit()
            lane.thread.wait(30_000)


def where(error: BaseException) -> str:
    """The exception's type and the line it came from, never its message: messages (pydantic's
    among them) quote the values they refused, and stderr ends up in the desktop session's log."""
    import traceback

    frames = traceback.extract_tb(error.__traceback__)
    place = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return f"{type(error).__name__}{place}"
