"""Who can read the files KIMdesk writes, and how a file that held personal data is removed.

Case data is social data (§§ 67 ff. SGB X); on a shared or stolen laptop the file system is the
last line. So every file the app creates is private to the user (0600, folders 0700), whatever
umask the desktop session set, and a file that once held data in plaintext is overwritten
before it is unlinked.

What overwriting can and cannot promise: on a classic disk with an ordinary file system it
destroys the bytes in place. On SSDs (wear levelling) and on copy-on-write or journaling file
systems (btrfs, ZFS, ext4 with ``data=journal``) older copies of the blocks may survive where no
program can reach them any more. For the encrypted vault that is harmless once the key is gone
(it lives only in the unlocking process); for a plaintext file it is why KIMdesk never writes one
in the first place (docs/vault.md, "Files on disk").

Every file the app writes whole (an export, a handout, a synced form) goes through
:func:`atomic_file` / :func:`atomic_write`: a reader, or the user after a crash or power cut,
sees either the old file or the complete new one, never half of it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from kimdesk.errors import FileError
from kimdesk.i18n import N_

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700

#: The re-key copy of a passphrase change (:mod:`kimdesk.vault.rekey`) is the vault's name plus
#: this; SQLite writes it as an attached database with a rollback journal of its own, the same
#: name plus ``-journal``.
REKEY_SUFFIX = ".rekey"
REKEY_JOURNAL_SUFFIX = REKEY_SUFFIX + "-journal"
#: SQLite's companions of a database file, and the vault's re-key copy with its journal (a
#: passphrase change killed while it wrote the copy leaves both: a review found the journal left
#: behind by the unlock and by the revoked device's wipe).
DATABASE_SUFFIXES = ("", "-wal", "-shm", "-journal", REKEY_SUFFIX, REKEY_JOURNAL_SUFFIX)

_CHUNK = 1 << 20


#: The core size limit that stops every core dump, also one piped to a crash reporter.
NO_CORE = 1


def harden_process() -> None:
    """Run once at the start of ``kimdesk``: new files private to the user, no core dumps.

    The umask covers files written by libraries we do not control (Qt's settings and file dialog
    state, SQLite's WAL and SHM, reportlab's output); a core dump would hold the decrypted pages
    and the vault key, so the process asks the kernel for none.

    The limit is 1 byte, not 0: a limit of 0 stops a core *file*, but where the kernel hands
    cores to a crash reporter (``core_pattern`` starting with ``|``: Apport on Ubuntu desktops,
    ABRT) it pipes the whole core all the same, and Apport writes it into its crash report in
    ``/var/crash`` whatever the limit says (its own tests expect a ``CoreDump`` there). The
    kernel treats a limit of exactly 1 as "no core, not even to a pipe", and a file of 1 byte is
    below the smallest core, so neither is written (found by a review, 2026-12-06). Where the
    hard limit is already 0 (an administrator's choice) the process keeps 0."""
    os.umask(0o077)
    with contextlib.suppress(ImportError):
        import resource

        for limit in (NO_CORE, 0):
            with contextlib.suppress(ValueError, OSError):
                resource.setrlimit(resource.RLIMIT_CORE, (limit, limit))
                return


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) as 0700 folders; an existing folder is left alone
    unless :func:`make_private` is asked for it (a vault may lie in the user's own Documents)."""
    missing: list[Path] = []
    current = path
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=PRIVATE_DIR)
        os.chmod(folder, PRIVATE_DIR)  # mkdir's mode is filtered by the umask
    return path


@contextlib.contextmanager
def new_private_dir(folder: Path) -> Iterator[Path]:
    """``folder``, created as by :func:`private_dir` if it is not there; if the block fails, the
    folders created here are removed again (those still empty): a failed export leaves no empty
    folder named after nothing. A folder that cannot be made (``-o`` naming a file, or a path
    under one) is a :class:`FileError`."""
    missing = [p for p in (folder, *folder.parents) if not os.path.lexists(p)]
    try:
        private_dir(folder)
    except OSError as exc:
        raise FileError.of(exc, folder) from None
    try:
        yield folder
    except BaseException:
        for made in missing:
            with contextlib.suppress(OSError):
                made.rmdir()
        raise


def output_folder(target: Path) -> Path:
    """The folder of the output file ``target``, created (0700) with its missing parents if it
    is not there, as ``stats`` and ``gaps`` always did; a path under a file (``-o
    /etc/passwd/x.csv``) or a folder that cannot be made is a :class:`FileError` (it was a
    traceback until 2026-12-07)."""
    folder = target.parent
    try:
        private_dir(folder)
    except FileExistsError:
        raise FileError(target, N_("a part of the path is a file, not a folder")) from None
    except OSError as exc:
        raise FileError.of(exc, target) from None
    if not folder.is_dir():
        raise FileError(target, N_("a part of the path is a file, not a folder"))
    return folder


def make_private(path: Path) -> None:
    """Take group and other permissions off an existing file or folder of KIMdesk's own."""
    with contextlib.suppress(FileNotFoundError):
        mode = path.stat().st_mode
        wanted = PRIVATE_DIR if stat.S_ISDIR(mode) else PRIVATE_FILE
        if stat.S_IMODE(mode) & 0o077:
            os.chmod(path, stat.S_IMODE(mode) & wanted)


def create_private_file(path: Path) -> None:
    """Create an empty file readable only by its owner; fails if it exists."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    try:
        os.fchmod(fd, PRIVATE_FILE)
    finally:
        os.close(fd)


def remove_stale_rekey(target: Path) -> bool:
    """Remove the re-key copy of the vault ``target`` and the copy's journal; True if either
    existed. Run at unlock and before a passphrase change writes its copy: they are what a
    change killed before its rename left, encrypted under a passphrase that was never adopted
    (so unlinked, not overwritten). The copy goes first: a journal without its database is
    never replayed into anything."""
    found = False
    for suffix in (REKEY_SUFFIX, REKEY_JOURNAL_SUFFIX):
        leftover = target.with_name(target.name + suffix)
        if leftover.exists():
            leftover.unlink()
            found = True
    return found


def overwrite(path: Path) -> bool:
    """Overwrite every byte of the file with random bytes and fsync; True if it existed.

    Random rather than zero bytes: a file system that compresses or deduplicates would store
    zeros as a hole and leave the old blocks where they were."""
    try:
        fd = os.open(path, os.O_WRONLY)
    except (FileNotFoundError, IsADirectoryError):
        return False
    try:
        size = os.fstat(fd).st_size
        done = 0
        while done < size:
            done += os.write(fd, os.urandom(min(_CHUNK, size - done)))
        os.fsync(fd)
    finally:
        os.close(fd)
    return True


def shred(path: Path) -> bool:
    """Overwrite the whole file, then unlink it. True if it existed."""
    found = overwrite(path)
    path.unlink(missing_ok=True)
    return found


def shred_database(path: Path) -> bool:
    """Shred a database file with its WAL, SHM, journal and re-key copy (and the copy's journal).
    True if any existed."""
    found = False
    for suffix in DATABASE_SUFFIXES:
        found = shred(path.with_name(path.name + suffix)) or found
    return found


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike[str], new_mode: int = PRIVATE_FILE,
                before_rename: Callable[[], None] | None = None) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; when the block ends, it becomes ``path``.

    The caller (or a library such as openpyxl or reportlab that wants a file name) writes the
    temporary file; on a normal exit it is flushed to disk (fsync), given the mode of the file it
    replaces (someone chose that; only a plain file of the user's own, :func:`_kept_mode`) or
    ``new_mode`` (0600: the content may be personal data), renamed over ``path`` in one step
    (``os.replace``) and the folder's entry is flushed too, so the rename survives a power cut.
    On any error the temporary file is removed and ``path`` is untouched.

    The temporary file lies in the same folder because a rename is only atomic within one file
    system; its name starts with a dot and holds ``.part`` so a file manager hides it and a person
    recognises it. The folder must exist (whether to create it is the caller's decision).

    ``before_rename`` runs once the temporary file is complete and on disk, just before the
    rename: what must be true before the file appears (a published statistics export's record,
    :func:`kimdesk.stats.published.publish`); if it raises, the file does not appear."""
    target = Path(path)
    folder = target.parent
    plain_target(target)
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise FileError.of(exc, target) from None
    os.close(fd)  # mkstemp created it 0600: private while it is being written
    temp = Path(name)
    try:
        yield temp
        _sync_file(temp)
        os.chmod(temp, _kept_mode(target, new_mode))
        if before_rename is not None:
            before_rename()
        os.replace(temp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        if isinstance(exc, OSError) and not isinstance(exc, FileError) \
                and exc.filename in (None, str(temp), str(target)):
            raise FileError.of(exc, target) from None  # the disk full, the folder gone
        raise
    sync_dir(folder)


#: The signals a command turns into an orderly stop (:mod:`kimdesk.cli.entry`).
_STOP_SIGNALS = {getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
                 if hasattr(signal, name)}


@contextlib.contextmanager
def signals_held() -> Iterator[Callable[[], None]]:
    """Yield ``hold``: once called, Ctrl-C, SIGTERM and SIGHUP wait until the block has ended,
    then arrive as usual. For files that belong together (the Auskunft's PDF and JSON): both are
    written to temporary files first, then ``hold()``, then both are renamed, so a signal never
    falls between the two renames and leaves one without the other. Where signals cannot be
    held (Windows, a thread other than the main one) ``hold`` does nothing."""
    held = False

    def hold() -> None:
        nonlocal held
        if hasattr(signal, "pthread_sigmask") \
                and threading.current_thread() is threading.main_thread():
            signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
            held = True

    try:
        yield hold
    finally:
        if held:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)


def plain_target(target: Path) -> None:
    """Refuse to write ``target`` when it is, or links to, anything but a plain file: a folder,
    a device, a pipe or a socket. Run as root (as municipal IT's scripts are), ``-o /dev/null``
    replaced the system's ``/dev/null`` with a file of statistics (2026-12-07); a folder failed
    only after the whole export was written, with a traceback. A link to a plain file (or to
    nothing) is replaced, never followed (:func:`_kept_mode`)."""
    try:
        found = target.stat()
    except FileNotFoundError:
        return
    except OSError as exc:  # a part of the path is a file, no permission to look
        raise FileError.of(exc, target) from None
    if stat.S_ISDIR(found.st_mode):
        raise FileError(target, N_("it is a folder"))
    if not stat.S_ISREG(found.st_mode):
        raise FileError(target, N_("it is not a plain file (a device, pipe or socket)"))


def _kept_mode(target: Path, new_mode: int) -> int:
    """The mode of the plain file of the user's own that ``target`` names, else ``new_mode``.
    Read without following a link: an export's name is predictable, and a link planted under it
    in a folder others can write to (or a file of theirs) made the export as readable as the
    file the link pointed to (a review, 2026-12-06)."""
    try:
        found = target.lstat()
    except FileNotFoundError:
        return new_mode
    if stat.S_ISREG(found.st_mode) and found.st_uid == os.getuid():
        return stat.S_IMODE(found.st_mode)
    return new_mode


def atomic_write(path: str | os.PathLike[str], data: bytes | str, encoding: str = "utf-8",
                 new_mode: int = PRIVATE_FILE) -> Path:
    """Write ``data`` (text is encoded with ``encoding``) to ``path`` through :func:`atomic_file`;
    returns the path written."""
    payload = data.encode(encoding) if isinstance(data, str) else data
    with atomic_file(path, new_mode) as temp:
        temp.write_bytes(payload)
    return Path(path)


def _sync_file(path: Path) -> None:
    """fsync a file that may have been written and closed by someone else, by name."""
    fd = os.open(path, os.O_RDWR)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sync_dir(folder: Path) -> None:
    """fsync a folder so a rename in it is on disk. Windows cannot open a folder (and NTFS
    journals the rename itself), so there this is a no-op; a file system that refuses (some
    network mounts) is not worth failing a write that did happen."""
    if os.name != "posix":  # pragma: no cover - exercised on Windows only
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def file_stem(text: str, fallback: str) -> str:
    """``text`` as part of a file name the program chooses: any character but ASCII letters,
    digits, ``.``, ``_`` and ``-`` becomes ``_``, no leading or trailing dot. A case number is what
    a device typed or sync brought: ``../`` or ``/`` in it led an Auskunft's files out of the
    folder given with ``-o`` (or failed with a traceback where that path did not exist)."""
    safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._-") else "_"
                   for ch in text).strip(".")
    return safe or fallback
