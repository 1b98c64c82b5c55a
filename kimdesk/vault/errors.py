"""What can go wrong when opening or using a vault, each a distinct error with a clear message."""

from __future__ import annotations

from kimdesk.errors import KimdeskError
from kimdesk.i18n import N_


class VaultError(KimdeskError):
    """Base for vault problems."""


class WrongPassphrase(VaultError):
    def __init__(self, path: str) -> None:
        super().__init__(N_("Wrong passphrase for vault {path}."), path=path)


class NotAVault(VaultError):
    def __init__(self, path: str, reason: str = "") -> None:
        super().__init__(N_("{path} is not a KIMdesk vault."), path=path)
        self.reason = reason


class VaultCorrupted(VaultError):
    def __init__(self, path: str) -> None:
        super().__init__(
            N_("Vault {path} is damaged (truncated or corrupted). Nothing was changed."), path=path
        )


class VaultFull(VaultError):
    """SQLite found no space for the vault, its log or its re-key copy (SQLITE_FULL). Until
    2026-12-07 a full disk was reported as "not a KIMdesk vault" or "damaged", which sends an
    administrator to the backups; the vault was intact (a transaction that cannot be written
    is rolled back)."""

    def __init__(self, path: str) -> None:
        super().__init__(N_("The disk holding vault {path} is full. The change that needed the "
                            "space was not saved; the vault is intact. Free some space and try "
                            "again."), path=path)


class VaultMissing(VaultError):
    def __init__(self, path: str) -> None:
        super().__init__(N_("No vault at {path}. Create one with 'kimdesk init'."), path=path)


class VaultExists(VaultError):
    def __init__(self, path: str) -> None:
        super().__init__(N_("A file already exists at {path}; it was left untouched."), path=path)


class VaultInUse(VaultError):
    def __init__(self, path: str) -> None:
        super().__init__(N_("Vault {path} is already open in another KIMdesk process."), path=path)


class VaultTooNew(VaultError):
    def __init__(self, path: str, version: int) -> None:
        super().__init__(
            N_("Vault {path} was written by a newer KIMdesk (schema {version}). Please update."),
            path=path,
            version=version,
        )


class KdfOutOfMemory(VaultError):
    """The key derivation could not get its memory (Argon2id, profile 2: 64 MiB while it runs).
    Until 2026-12-07 no derivation needed memory of its own; argon2-cffi raises a bare
    ``HashingError('Memory allocation error')``, which reached the user as a traceback."""

    def __init__(self, mib: int) -> None:
        super().__init__(N_("Not enough free memory to unlock the vault (the key derivation needs "
                            "{mib} MiB). Close other programs and try again."), mib=mib)


class VaultLocked(VaultError):
    def __init__(self) -> None:
        super().__init__(N_("The vault is locked."))


class RecordNotFound(VaultError):
    def __init__(self, kind: str, record_id: str) -> None:
        super().__init__(
            N_("No {kind} record with id {record_id}."), kind=kind, record_id=record_id
        )


class CaseNotFound(RecordNotFound):
    """A case a user named (id or case number: ``kimdesk show``, ``handout --case``) that the
    vault does not hold, or holds deleted. A wrong call, so exit 2; said in words: until
    2026-12-07 "No cases record with id 2026-X-1." (the table's name), exit 1."""

    exit_code = 2

    def __init__(self, ident: str) -> None:
        VaultError.__init__(self, N_("No case with the number or id {ident} in this vault."),
                            ident=ident)


class StaleRecord(VaultError):
    """Optimistic concurrency: the record changed since it was read (another window, a sync)."""

    def __init__(self, kind: str, record_id: str) -> None:
        super().__init__(
            N_("The {kind} record {record_id} was changed meanwhile; reload it and try again."),
            kind=kind,
            record_id=record_id,
        )


#: What a revoked device's counselor reads once its vault is gone (kimdesk.vault.wipe).
WIPED = N_("This device was removed from the server; its vault was deleted, with every change "
           "that had not been synced yet.")
#: ... when deletions carried out on the device (Art. 17 requests, Löschfristen) had not reached
#: the server: the server does not take them from a revoked device (a stolen laptop could then
#: delete the team's cases), so the counselor must carry them out again elsewhere.
WIPED_LOST_DELETIONS = N_("This device was removed from the server; its vault was deleted, with "
                          "every change that had not been synced yet. Among them were deletions "
                          "that had not reached the server (number: {count}): carry them out "
                          "again on another device.")
#: ... and when some of its files could not be removed; every start tries again.
WIPE_INCOMPLETE = N_("This device was removed from the server, but its vault could not be "
                     "deleted completely: {paths}. Close the programs that may hold these files "
                     "(backup, cloud folder, antivirus) and start KIMdesk again; it tries again "
                     "at every start.")
#: ... both: files left and deletions lost (the count was dropped when some file stayed, in the
#: CLI's error and in the window's box alike).
WIPE_INCOMPLETE_LOST_DELETIONS = N_(
    "This device was removed from the server, but its vault could not be deleted completely: "
    "{paths}. Close the programs that may hold these files (backup, cloud folder, antivirus) and "
    "start KIMdesk again; it tries again at every start. Among the changes that had not been "
    "synced were deletions that had not reached the server (number: {count}): carry them out "
    "again on another device.")
#: The status bar's words for a wipe that left files (which ones: behind "Details…"); it said
#: "its vault was deleted" while the box said it could not be.
WIPE_INCOMPLETE_STATE = N_("This device was removed from the server, but its vault could not be "
                           "deleted completely.")


def wipe_message(left: list[str] | tuple[str, ...], lost: int) -> str:
    """The msgid saying how a revocation wipe ended (parameters ``paths`` and ``count``): files
    ``left`` behind, ``lost`` deletions that never reached the server."""
    if left:
        return WIPE_INCOMPLETE_LOST_DELETIONS if lost else WIPE_INCOMPLETE
    return WIPED_LOST_DELETIONS if lost else WIPED


class VaultWiped(VaultError):
    """The vault was being wiped (a revoked device); the open finished the wipe instead.
    ``left``: the files that still could not be removed."""

    def __init__(self, path: str, left: list[str]) -> None:
        super().__init__(WIPE_INCOMPLETE if left else WIPED, path=path, paths=", ".join(left))
        self.left = left
