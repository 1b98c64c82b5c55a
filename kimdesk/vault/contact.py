"""The counselor's own contact details for handouts: her name as printed, her phone number, her
office hours.

The contact card ("Ihr Case Management") and the appointment confirmation print who the client
can reach. Until 2026-12-07 the card printed the case owner's login name ("k.nowak") and the
handout dialog asked for the phone number and the office hours anew for every sheet: a
counselor printing three sheets a day typed them three times or handed out blank lines.
What she types there is now kept and offered the next time, and the command line's ``handout``
prints it too.

Where: the vault's ``vault_meta`` (keys ``contact:name``, ``contact:phone``, ``contact:hours``),
encrypted like everything in the vault and never synced: ``vault_meta`` is the one table the
sync leaves alone, and these are the details of the person using this device, not of a case.
The interface's settings file (an INI file in the clear) would have been the other place; a
counselor's name and work phone are personal data too (of an employee), so they stay in the
vault. They go with the vault: a wipe, a new vault or a passphrase change (the copy keeps them).

Values are plain one-line text, cut to :data:`MAX_CHARS` characters, control characters made
spaces; an empty value typed in the dialog does not erase a kept one (a sheet printed with a
line to fill in by hand leaves the details as they were)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from kimdesk.vault.sync.refusals import one_line

if TYPE_CHECKING:
    from kimdesk.vault.vault import Vault

#: The handout value each detail fills (kimdesk/handouts/templates.py) -> its ``vault_meta`` key.
KEYS: dict[str, str] = {
    "counselor": "contact:name",
    "counselor_phone": "contact:phone",
    "office_hours": "contact:hours",
}
MAX_CHARS = 200


def clean(text: str) -> str:
    """One line of at most :data:`MAX_CHARS` characters, without control characters (as a
    refusal's reason is kept: :func:`kimdesk.vault.sync.refusals.one_line`)."""
    return one_line(text, MAX_CHARS)


def kept_contact(vault: Vault) -> dict[str, str]:
    """The kept details by handout value name; only those that are set."""
    kept = {name: vault.get_meta(key) for name, key in KEYS.items()}
    return {name: value for name, value in kept.items() if value}


def keep_contact(vault: Vault, values: Mapping[str, str]) -> dict[str, str]:
    """Keep the details among ``values`` that are not empty (other names are ignored), in one
    transaction; returns what was written."""
    written = {name: clean(values[name]) for name in KEYS if clean(values.get(name, ""))}
    if written:
        with vault.transaction():
            for name, value in written.items():
                vault.set_meta(KEYS[name], value)
    return written
