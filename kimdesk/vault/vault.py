"""The vault: one SQLCipher 4 file per counselor, holding every record of their cases.

One :class:`Vault` object owns the connection and hands out a repository per record type
(``vault.people``, ``vault.cases``, ...), the way Anki's ``Collection`` hands out managers. It is
used from one thread at a time (the GUI's database worker); other threads get their own
connections from :meth:`Vault.open_reader`, which reuse the derived key and skip the KDF, or a
whole second :class:`Vault` on its own connection from :meth:`Vault.open_sibling` (the GUI's sync).

Decisions (see docs/vault.md): the passphrase is stretched once per unlock (:mod:`.kdf`); a
passphrase change writes a re-keyed copy and swaps it in with one atomic rename, so a crash leaves
either the old or the new passphrase working; the vault file is locked against a second process.
"""

from __future__ import annotations

import contextlib
import functools
import hmac
import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from kimdesk.config import DEMO_PASSPHRASE
from kimdesk.domain.models import (
    Agency,
    Case,
    Consent,
    Consultation,
    Deletion,
    Goal,
    Note,
    Person,
    PhaseTransition,
    Referral,
    StructuralGap,
)
from kimdesk.vault import kdf
from kimdesk.vault.attachments_store import AttachmentRepository, ConsultationRepository
from kimdesk.vault.audit import AuditLog
from kimdesk.vault.connection import (
    BULK_CACHE_KIB,
    DEFAULT_CACHE_KIB,
    PAGE_BYTES,
    Connection,
    DatabaseError,
    connect,
    page_sizes,
    translate_error,
)
from kimdesk.vault.creation import create_vault_file, drop_second_name
from kimdesk.vault.errors import (
    KdfOutOfMemory,
    NotAVault,
    VaultCorrupted,
    VaultExists,
    VaultInUse,
    VaultMissing,
    VaultTooNew,
    VaultWiped,
    WrongPassphrase,
)
from kimdesk.vault.files import make_private, private_dir, remove_stale_rekey
from kimdesk.vault.health import integrity_problems
from kimdesk.vault.lock import ProcessLock
from kimdesk.vault.memory import forget as forget_cached_data
from kimdesk.vault.migrations import LATEST, migrate, schema_version
from kimdesk.vault.purge import merge_search_if_due
from kimdesk.vault.rekey import put_copy_in_place, write_rekeyed_copy
from kimdesk.vault.repositories import CaseRepository, NoteRepository, PersonRepository
from kimdesk.vault.repository import Repository, now_iso
from kimdesk.vault.searchentries import rebuild_index, reindex_case
from kimdesk.vault.summary import CaseSummary, count_matches, search_cases
from kimdesk.vault.wipe import finish_interrupted_wipe

PAGE_SIZE = 4096
SQLITE_MAGIC = b"SQLite format 3\x00"


@dataclass
class VaultMeta:
    vault_id: str
    counselor: str
    team: str
    municipality: str
    device_tag: str
    kdf_profile: int
    created_at: str


def check_vault_file(path: Path) -> None:
    """Reject what cannot be a vault before any SQLite code touches the file."""
    if not path.is_file():
        raise VaultMissing(str(path))
    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(16)
    if head == SQLITE_MAGIC:
        raise NotAVault(str(path), reason="unencrypted SQLite database")
    if size < PAGE_SIZE or size % PAGE_SIZE:
        raise NotAVault(str(path), reason="size is not a whole number of pages")


class Vault:
    """An unlocked vault. Create with :meth:`create`, open with :meth:`open`; close when done."""

    def __init__(
        self, path: Path, conn: Connection, key: bytes, salt: bytes, lock: ProcessLock | None
    ) -> None:
        self.path = path
        self.conn = conn
        self._key = key
        self._salt = salt
        #: The vault's page size (``connection.PAGE_BYTES`` for new vaults, 4 KiB for older ones):
        #: every further connection must name it.
        self.page_bytes = int(conn.execute("PRAGMA cipher_page_size").fetchone()[0])
        self._lock = lock  # None: a sibling, which borrows its parent's
        self._siblings: list[Vault] = []
        self._depth = 0
        self._rollback_hooks: list[Callable[[], None]] = []
        self._readers: list[Connection] = []
        self.meta = self._load_meta()
        self.audit = AuditLog(self)
        self.people = PersonRepository(self, Person, audited=True)
        self.cases = CaseRepository(self, Case, audited=True)
        self.transitions: Repository[PhaseTransition] = Repository(
            self, PhaseTransition, audited=True
        )
        self.consultations = ConsultationRepository(self, Consultation, audited=True)
        self.goals: Repository[Goal] = Repository(self, Goal, audited=True)
        self.agencies: Repository[Agency] = Repository(self, Agency, audited=False)
        self.referrals: Repository[Referral] = Repository(self, Referral, audited=True)
        self.consents: Repository[Consent] = Repository(self, Consent, audited=True)
        self.gaps: Repository[StructuralGap] = Repository(self, StructuralGap, audited=False)
        self.notes = NoteRepository(self, Note, audited=True)
        self.deletions: Repository[Deletion] = Repository(self, Deletion, audited=False)
        self.attachments = AttachmentRepository(self)  # files of form answers (step 12)

    # -- lifecycle -----------------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        path: str | os.PathLike[str],
        passphrase: str,
        *,
        counselor: str,
        team: str = "",
        municipality: str = "",
    ) -> Vault:
        target = Path(path).absolute()
        if left := finish_interrupted_wipe(target):  # a revoked vault's leftovers first
            raise VaultWiped(str(target), left)
        if target.exists():
            raise VaultExists(str(target))
        if not passphrase:
            from kimdesk.errors import ValidationError
            from kimdesk.i18n import N_

            raise ValidationError(N_("The passphrase must not be empty."), field="passphrase")
        private_dir(target.parent)
        salt = secrets.token_bytes(kdf.SALT_BYTES)
        vault_id = secrets.token_hex(16)
        meta = {"vault_id": vault_id, "counselor": counselor, "team": team,
                "municipality": municipality, "device_tag": vault_id[:4].upper(),
                "kdf_profile": str(kdf.CURRENT.profile_id), "created_at": now_iso(),
                "case_counter": "0"}
        # Built under a scratch name and renamed when whole: a kill leaves no vault or a whole one.
        create_vault_file(target, kdf.CURRENT.derive(passphrase, salt), salt, meta, migrate)
        return cls.open(target, passphrase)

    @classmethod
    def open(cls, path: str | os.PathLike[str], passphrase: str) -> Vault:
        """Unlock: one KDF run; errors leave the file's bytes as they were."""
        target = Path(path).absolute()
        if (left := finish_interrupted_wipe(target)) is not None:  # a revoked device's vault
            raise VaultWiped(str(target), left)
        check_vault_file(target)
        for suffix in ("", "-wal", "-shm"):  # a vault made before files were private
            make_private(target.with_name(target.name + suffix))
        lock = ProcessLock(target)
        if not lock.acquire():
            raise VaultInUse(str(target))
        try:
            with target.open("rb") as fh:
                salt = fh.read(kdf.SALT_BYTES)
            conn, key = cls._unlock(target, passphrase, salt)
            try:
                cls._check_and_migrate(target, conn)
                vault = cls(target, conn, key, salt, lock)  # reads the metadata
                vault.__dict__["public"] = passphrase == DEMO_PASSPHRASE  # no 2nd KDF: .public
            except BaseException:
                conn.close()
                raise
        except BaseException:
            lock.release()  # a second try in this process must not find it "in use"
            raise
        try:
            remove_stale_rekey(target)  # a passphrase change that crashed before its rename
            drop_second_name(target)  # a creation that crashed before dropping its scratch name
            merge_search_if_due(vault)  # a purge run that crashed before its index merge
        except BaseException:
            vault.close()
            raise
        return vault

    @staticmethod
    def _unlock(path: Path, passphrase: str, salt: bytes) -> tuple[Connection, bytes]:
        """One KDF run per profile; each key tried with the page sizes the vault may have
        (``connection.page_sizes``: a failed size costs one page read, not a KDF run)."""
        for key in kdf.candidate_keys(passphrase, salt):  # a profile short of memory: skipped
            for page_bytes in page_sizes(path):
                try:
                    return connect(path, key, salt, page_bytes=page_bytes), key
                except WrongPassphrase:
                    continue
        raise WrongPassphrase(str(path))

    @staticmethod
    def _check_and_migrate(path: Path, conn: Connection) -> None:
        page_bytes = int(conn.execute("PRAGMA cipher_page_size").fetchone()[0])
        wal = path.with_name(path.name + "-wal")
        if path.stat().st_size % page_bytes and not (wal.exists() and wal.stat().st_size):
            # Cut short inside a page (a copy that broke off); check_vault_file could only test
            # whole 4 KiB pages, before the vault's own page size was known. With a log, the
            # missing part may be in it (a checkpoint cut short): SQLite's checks decide then.
            raise VaultCorrupted(str(path))
        try:
            conn.execute("PRAGMA page_count").fetchone()
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            if "vault_meta" not in tables:
                raise NotAVault(str(path), reason="no vault_meta table")
            version = schema_version(conn)
            if version > LATEST:
                raise VaultTooNew(str(path), version)
            migrate(conn)
        except DatabaseError as exc:
            raise translate_error(exc, path) from None

    def close(self) -> None:
        """Close every connection and forget the key (the vault is locked afterwards)."""
        for sibling in self._siblings:
            sibling.close()
        self._siblings.clear()
        for reader in self._readers:
            with contextlib.suppress(Exception):
                reader.close()
        self._readers.clear()
        with contextlib.suppress(Exception):
            self.conn.close()
        self._key = b""
        forget_cached_data()  # caches of names and handout texts (kimdesk.vault.memory)
        if self._lock is not None:
            self._lock.release()

    def __enter__(self) -> Vault:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def set_cache_size(self, kib: int) -> None:
        """The page cache of the vault's own connection, in KiB (the GUI keeps it smaller than
        the bulk commands do: its memory stays low through a long day)."""
        self.conn.execute(f"PRAGMA cache_size = -{int(kib)}")

    def open_reader(self, cache_kib: int | None = None) -> Connection:
        """A further connection (e.g. for a search thread) with the cached key: no KDF run.
        ``cache_kib``: a larger page cache for a statistics run's scans, not the GUI's readers."""
        conn = connect(self.path, self._key, self._salt, cache_kib=cache_kib or DEFAULT_CACHE_KIB,
                       page_bytes=self.page_bytes)
        self._readers.append(conn)
        return conn

    @functools.cached_property
    def public(self) -> bool:
        """Whether the demo vault's public passphrase opens it (a key derivation, unless opened
        by :meth:`open`): anyone can read it, so it never syncs and the GUI marks it. A profile
        this machine cannot derive (:class:`KdfOutOfMemory`) did not open it either."""
        with contextlib.suppress(KdfOutOfMemory):
            return any(hmac.compare_digest(key, self._key)
                       for key in kdf.candidate_keys(DEMO_PASSPHRASE, self._salt))
        return False

    def open_sibling(self) -> Vault:
        """A second :class:`Vault` on a connection of its own (the cached key: no KDF run), for
        work that must not hold up this one's thread: the GUI syncs on it, so a first sync of a
        large vault never keeps a search or a save waiting behind it (WAL lets readers run beside
        the writer; a writer waits at most ``busy_timeout`` for the other's short transaction).

        It borrows this vault's process lock, and this vault's :meth:`close` closes it first:
        the caller makes sure it is not in use then (the GUI's worker waits for its sync lane);
        like any vault, it is used by one thread at a time."""
        sibling = Vault(self.path, connect(self.path, self._key, self._salt,
                                           page_bytes=self.page_bytes),
                        self._key, self._salt, None)
        self._siblings.append(sibling)
        return sibling

    # -- transactions --------------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT``; nested uses join the outer transaction."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self.conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield
        except BaseException:
            self._depth = 0
            self.conn.execute("ROLLBACK")
            hooks, self._rollback_hooks = self._rollback_hooks, []
            for hook in hooks:
                hook()
            raise
        self._depth = 0
        self._rollback_hooks.clear()
        try:
            self.conn.execute("COMMIT")
        except DatabaseError as exc:
            raise translate_error(exc, self.path) from None

    @contextlib.contextmanager
    def bulk(self) -> Iterator[None]:
        """A larger page cache while bulk work runs (demo data, a first sync pull), released
        afterwards so the long-lived connection stays small."""
        self.conn.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
        try:
            yield
        finally:
            self.conn.execute(f"PRAGMA cache_size = -{DEFAULT_CACHE_KIB}")
            self.conn.execute("PRAGMA shrink_memory")

    def on_rollback(self, hook: Callable[[], None]) -> None:
        self._rollback_hooks.append(hook)

    # -- metadata ------------------------------------------------------------------------------
    def get_meta(self, key: str, default: str = "") -> str:
        row = self.conn.execute("SELECT value FROM vault_meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else default

    def set_meta(self, key: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO vault_meta (key, value) VALUES (?, ?)"
            " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def _load_meta(self) -> VaultMeta:
        values = dict(self.conn.execute("SELECT key, value FROM vault_meta").fetchall())
        if "vault_id" not in values or "device_tag" not in values:  # an older creation killed
            raise NotAVault(str(self.path), reason="vault_meta has no vault_id: never finished")
        return VaultMeta(
            vault_id=values["vault_id"],
            counselor=values.get("counselor", ""),
            team=values.get("team", ""),
            municipality=values.get("municipality", ""),
            device_tag=values["device_tag"],
            kdf_profile=int(values.get("kdf_profile", "1")),
            created_at=values.get("created_at", ""),
        )

    # -- search --------------------------------------------------------------------------------
    def reindex_case(self, seq: int) -> None:
        """Rebuild one case's search entry (:func:`~kimdesk.vault.searchentries.reindex_case`)."""
        reindex_case(self, seq)

    def last_case_seq(self) -> int:
        """The highest case row number so far (cases added later index after it)."""
        return int(self.conn.execute("SELECT coalesce(max(seq), 0) FROM cases").fetchone()[0])

    def rebuild_search_index(self, after_seq: int | None = None) -> int:
        """Rebuild the whole index, or add the entries of the cases added after ``after_seq``
        (:func:`~kimdesk.vault.searchentries.rebuild_index`). The caller holds the transaction."""
        return rebuild_index(self.conn, after_seq)

    def search(
        self,
        query: str,
        *,
        limit: int | None = None,
        offset: int = 0,
        conn: Connection | None = None,
    ) -> list[CaseSummary]:
        """Cases matching ``query``, newest first (:func:`~kimdesk.vault.summary.search_cases`).
        ``conn`` lets a reader thread search."""
        return search_cases(conn or self.conn, query, limit=limit, offset=offset)

    def count_matches(self, query: str, conn: Connection | None = None) -> int:
        """How many index entries match ``query`` (:func:`~kimdesk.vault.summary.count_matches`)."""
        return count_matches(conn or self.conn, query)

    # -- passphrase ----------------------------------------------------------------------------
    def change_passphrase(self, new_passphrase: str) -> None:
        """Re-key atomically: write a re-keyed copy beside the vault, fsync it, then rename it over
        the vault. Until the rename the old passphrase opens the vault; after it, the new one.
        An empty passphrase is refused before anything is written (:mod:`.rekey`)."""
        tmp, key, salt = write_rekeyed_copy(self.conn, self.path, new_passphrase)
        self.close()
        put_copy_in_place(self.path, tmp)
        lock = ProcessLock(self.path)
        if not lock.acquire():
            raise VaultInUse(str(self.path))
        try:
            conn = connect(self.path, key, salt, page_bytes=PAGE_BYTES)
        except BaseException:
            lock.release()
            raise
        self.__init__(self.path, conn, key, salt, lock)  # type: ignore[misc]

    # -- health --------------------------------------------------------------------------------
    def integrity_check(self) -> list[str]:
        """Problems found in the file and its search index, [] when healthy
        (:func:`~kimdesk.vault.health.integrity_problems`)."""
        return integrity_problems(self)
