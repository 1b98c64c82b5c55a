"""Opening SQLCipher connections with a raw key, the pragmas every connection needs, and the
translation of SQLCipher's error codes into :mod:`kimdesk.vault.errors`.

Pragmas, and why:
- ``cipher_log_level = NONE``: SQLCipher otherwise prints HMAC failures to stderr, which would
  reach a user's terminal on a wrong passphrase.
- ``journal_mode = WAL`` + ``synchronous = FULL``: a commit that returned survives a crash *and* a
  power cut (NORMAL would survive only a process crash).
- ``foreign_keys = ON``; ``busy_timeout`` so a reader thread waits for the writer briefly.
- ``cache_size``: decrypted pages are cached; a large cache brings scans and aggregates to
  unencrypted speed (measured in ``benchmarks/vault_bench.py``).
- ``temp_store = MEMORY``: temporary b-trees (sorts) never reach the disk unencrypted... SQLCipher
  encrypts temp files too, but memory is faster and leaves nothing behind.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlcipher3
from sqlcipher3 import Connection, DatabaseError

from kimdesk.vault.errors import (
    NotAVault,
    VaultCorrupted,
    VaultError,
    VaultFull,
    WrongPassphrase,
)
from kimdesk.vault.kdf import raw_key_pragma

#: Page cache per connection in KiB. 64 MiB for long-lived connections (the GUI with 200,000 cases
#: must stay within ~250 MB); 256 MiB while bulk writes or full scans run, because a working set
#: larger than the cache makes SQLCipher decrypt the same pages again and again (benchmark: the
#: encrypted/plain ratio of a join over 200,000 cases drops from ~2.7 to ~1 with the larger cache).
DEFAULT_CACHE_KIB = 65_536
BULK_CACHE_KIB = 262_144

#: Page size of a new vault. A case row is about a kilobyte, so a 4 KiB page (SQLCipher's default,
#: every vault made before) held three: a pull of 10k cases wrote ~4,700 pages, and every page
#: written costs its own IV, HMAC, log frame and system call (a commit of 10k rows: 91 ms at 4 KiB,
#: 52 ms at 16 KiB). Replaying the same pull into both: 10k new cases 0.461 -> 0.414 s, 10k changed
#: 0.355 -> 0.317 s. The size is not written in the file (SQLCipher encrypts the header), so an
#: unlock finds it (:func:`page_sizes`) and every connection of a vault then uses it.
PAGE_BYTES = 16384
#: SQLCipher's default page size: vaults made before :data:`PAGE_BYTES` keep it until a passphrase
#: change rewrites them.
LEGACY_PAGE_BYTES = 4096
_WAL_MAGIC = (0x377F0682, 0x377F0683)
#: Log size after which a commit copies the log into the file: SQLite's default of 1,000 pages,
#: in bytes of its 4 KiB pages, so a 16 KiB vault checkpoints as often as before (1,000 pages
#: of 16 KiB let the log grow to 16 MiB and moved the copy into later, other commits).
AUTOCHECKPOINT_BYTES = 1000 * 4096

SQLITE_IOERR = 10
SQLITE_CORRUPT = 11
SQLITE_FULL = 13
#: Free bytes below which an I/O error of the vault is taken for a full disk: SQLite reports
#: a disk too full for the shared-memory file of the log as SQLITE_IOERR when it opens.
NEARLY_FULL_BYTES = 1 << 20
SQLITE_NOTADB = 26


def _null(value: None) -> None:
    return None


def _register_fast_adapters() -> None:
    """Bind ``None``, ``bool`` and ``bytes`` through the adapter registry's first step.

    sqlcipher3 binds only exact ``int``, ``float``, ``str`` and ``bytearray`` directly. Any other
    value (``None``, ``True``, ``bytes``) is first offered to the adapter registry, and when no
    adapter is registered, to ``PrepareProtocol.__adapt__`` and ``value.__conform__`` through
    ``PyObject_HasAttrString``, which builds and discards an ``AttributeError`` each time: about
    0.95 µs per such parameter against 0.035 µs for an ``int`` (measured, 10,000 rows of 20
    parameters). A pulled case row has many empty columns, so a 10k pull paid ~60 ms for it.
    With these adapters the registry answers at once (0.14 µs); what is stored is the same
    (``NULL``, integer 0/1, BLOB: tests/vault/test_connection_adapters.py). The registry is the
    module's own (only the vault uses sqlcipher3), and none of these types is one of the base
    types whose adaptation would switch the fast path off for every value."""
    sqlcipher3.register_adapter(type(None), _null)
    sqlcipher3.register_adapter(bool, int)
    sqlcipher3.register_adapter(bytes, bytes)


_register_fast_adapters()


def connect(
    path: Path,
    key: bytes,
    salt: bytes,
    *,
    create: bool = False,
    readonly: bool = False,
    cache_kib: int = DEFAULT_CACHE_KIB,
    page_bytes: int = PAGE_BYTES,
) -> Connection:
    """Open ``path`` with a raw key and its page size; raises :class:`WrongPassphrase` when the
    key (or the page size) does not fit.

    ``mode=rw`` (not ``rwc``) unless creating: opening never creates a stray empty file."""
    mode = "rwc" if create else ("ro" if readonly else "rw")
    conn = sqlcipher3.connect(
        f"file:{path.as_posix()}?mode={mode}",
        uri=True,
        isolation_level=None,  # explicit BEGIN/COMMIT only: transactions are ours to delimit
        check_same_thread=False,
        timeout=5.0,
    )
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        # The attachments' merge-base trigger gives their BLOB to JSON as base64 (step 12).
        conn.create_function("kd_base64", 1, _base64, deterministic=True)
        conn.execute(raw_key_pragma(key, salt))
        conn.execute(f"PRAGMA cipher_page_size = {int(page_bytes)}")
        # The first read of page 1 verifies the key (HMAC); a wrong key fails here.
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        conn.execute(f"PRAGMA cache_size = -{int(cache_kib)}")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 5000")
        if not readonly:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute(f"PRAGMA wal_autocheckpoint = {AUTOCHECKPOINT_BYTES // int(page_bytes)}")
    except DatabaseError as exc:
        conn.close()
        raise translate_error(exc, path) from None
    return conn


def page_sizes(path: Path) -> tuple[int, ...]:
    """The page sizes to try when unlocking ``path``, most likely first.

    A write-ahead log names its page size in its plaintext header: a vault with one (a crash
    before its last checkpoint) is tried with that size first (the header's checksum is not
    verified here, so the other size follows). A wrong size fails at the first page's HMAC,
    like a wrong key, and SQLite refuses to copy a log whose pages have another size than the
    connection's: the attempt changes nothing."""
    try:
        with path.with_name(path.name + "-wal").open("rb") as fh:
            head = fh.read(12)
    except OSError:
        head = b""
    logged = int.from_bytes(head[8:12], "big") if len(head) == 12 else 0
    if int.from_bytes(head[:4], "big") in _WAL_MAGIC and logged == LEGACY_PAGE_BYTES:
        return (LEGACY_PAGE_BYTES, PAGE_BYTES)
    return (PAGE_BYTES, LEGACY_PAGE_BYTES)


def _base64(value: bytes | None) -> str | None:
    import base64

    return None if value is None else base64.b64encode(value).decode("ascii")


def error_code(exc: BaseException) -> int | None:
    code: Any = getattr(exc, "sqlite_errorcode", None)
    return int(code) & 0xFF if isinstance(code, int) else None


def _nearly_full(path: Path) -> bool:
    import shutil

    try:
        return shutil.disk_usage(path.absolute().parent).free < NEARLY_FULL_BYTES
    except OSError:
        return False


def translate_error(exc: BaseException, path: Path) -> VaultError:
    code = error_code(exc)
    text = str(exc).lower()
    if code == SQLITE_FULL or "disk is full" in text or (
            code == SQLITE_IOERR and _nearly_full(path)):
        return VaultFull(str(path))
    if code == SQLITE_NOTADB or "not a database" in text:
        return WrongPassphrase(str(path))
    if code == SQLITE_CORRUPT or "malformed" in text or "hmac" in text:
        return VaultCorrupted(str(path))
    return NotAVault(str(path), reason=str(exc))
