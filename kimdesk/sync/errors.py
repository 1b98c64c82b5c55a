"""The ways a sync run can fail, each saying whether trying again later may help.

The scheduler (:mod:`kimdesk.sync.schedule`) reads only the class and :attr:`SyncError.retry`;
the message (an English msgid plus parameters) is for the person in front of the screen.
"""

from __future__ import annotations

from kimdesk.errors import KimdeskError
from kimdesk.i18n import N_, current_language, is_rtl
from kimdesk.policy import PolicyRefused


class SyncError(KimdeskError):
    """Sync failed; ``retry`` says whether trying again later may help."""

    retry = True


class Offline(SyncError):
    """The server cannot be reached at all (refused, no route, connect timeout)."""


class NotEnrolled(SyncError):
    """The vault has no server and token yet: nothing to sync until it is enrolled."""

    retry = False


class PublicVault(SyncError):
    """The vault opens with the demo vault's public passphrase: it never syncs, or the team's
    cases would land in a file anyone can read (:func:`kimdesk.sync.enrollment.enroll`)."""

    retry = False


class DeviceRevoked(SyncError):
    """The administrator revoked this device; the engine wipes the vault when it sees this.
    After the wipe (:meth:`wiped`): ``left``, the files it could not remove, and ``lost``, the
    deletions that never reached the server (to be carried out again elsewhere)."""

    retry = False
    left: tuple[str, ...] = ()
    lost = 0

    @classmethod
    def wiped(cls, left: list[str] | tuple[str, ...], lost: int) -> DeviceRevoked:
        """How the wipe ended, said in one message (:func:`kimdesk.vault.errors.wipe_message`)."""
        from kimdesk.vault.errors import wipe_message

        exc = cls(wipe_message(left, lost), paths=", ".join(left), count=lost)
        exc.left, exc.lost = tuple(left), lost
        return exc


class SyncCancelled(SyncError):
    """The run stopped at a step boundary because someone asked it to."""

    retry = False


class ServerRefused(SyncError):
    """A 4xx answer: retrying the same request will not help (the reason is in the message)."""

    retry = False

    def translated(self) -> str:
        """The message; in a right-to-left language the server's own words (``detail``:
        English, "422 malformed batch") isolated as left-to-right text, or they read
        "malformed batch 422" (a review)."""
        detail = self.params.get("detail")
        if not detail or not is_rtl(current_language()):
            return super().translated()
        return self.translated_with(self.params | {"detail": f"\u2066{detail}\u2069"})


class InvalidCode(ServerRefused):
    """The server does not know the one-time enrollment code: mistyped, used or expired."""

    def __init__(self) -> None:
        super().__init__(N_("The server did not accept this one-time code: it is mistyped, "
                            "already used or expired. Ask your administrator for a new one."))


class OutOfOrder(SyncError):
    """The server expected another batch number (a vault restored from a backup); the engine
    renumbers the batch and sends it again."""

    def __init__(self, expected: int) -> None:
        super().__init__(N_("The server expected batch {expected}."), expected=expected)
        self.expected = expected


class BatchExpired(SyncError):
    """A batch sent again that the server applied long ago and whose receipt it no longer keeps
    (``409 batch_expired``, :mod:`kimdesk.server.receipts`): the engine drops it from the
    outbox and pulls the team again in full (:meth:`kimdesk.sync.store.SyncStore.drop_expired`).
    Never shown as the end of a run: the run goes on."""

    def __init__(self) -> None:
        super().__init__(N_("The sync server no longer keeps the answer to a batch it took long "
                            "ago; this device pulls everything again."))


class PolicyForbids(SyncError, PolicyRefused):
    """The machine policy (``/etc/kimdesk/policy.ini``, :mod:`kimdesk.policy`) allows no
    connection to this server or certificate, or cannot be used: nothing was sent, and trying
    again will not help until the administrator changes it."""

    retry = False
    exit_code = 2
