"""Documents kept on this device only, in the vault's local key-value table ``vault_meta``:
drafts of forms being filled, drafts of a case's unsaved edits kept when the vault locked, where
the desktop client was at that lock, and a copy of each form version answers were saved with.

Why ``vault_meta``: drafts must survive a crash or the auto-lock, so they are encrypted in the
vault with everything else, yet they are this device's work in progress and must never sync;
``vault_meta`` is the one table the sync leaves alone. (A dedicated table would be the cleaner
home once a migration adds one; :class:`LocalDocuments` is the seam to swap it in.)
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kimdesk.vault.vault import Vault

#: Key prefix of form drafts (``forms.draft.<case>:<form>:<consultation or "new">``).
FORM_DRAFTS = "forms.draft."
#: Key prefix of archived form versions (``forms.definition.<form id>@<version>``).
FORM_DEFINITIONS = "forms.definition."
#: Key prefix of case drafts (``case.draft.<case id>``): the unsaved person/case fields and record
#: editor of the case that was open when the vault locked (docs/gui.md, "Locking keeps drafts").
CASE_DRAFTS = "case.draft."
#: Key prefix of the desktop client's own state (``gui.resume``: the case open at the lock).
GUI_STATE = "gui."


class LocalDocuments:
    """JSON documents under one key prefix in ``vault_meta``; each write is its own transaction
    (or joins the caller's)."""

    def __init__(self, vault: Vault, prefix: str) -> None:
        self._vault = vault
        self.prefix = prefix

    def save(self, key: str, document: dict[str, Any]) -> None:
        text = json.dumps(document, ensure_ascii=False, separators=(",", ":"), default=str)
        with self._vault.transaction():
            self._vault.set_meta(self.prefix + key, text)

    def load(self, key: str) -> dict[str, Any] | None:
        text = self._vault.get_meta(self.prefix + key, "")
        return json.loads(text) if text else None

    def exists(self, key: str) -> bool:
        return self._vault.get_meta(self.prefix + key, "") != ""

    def discard(self, key: str) -> None:
        with self._vault.transaction():
            self._vault.conn.execute("DELETE FROM vault_meta WHERE key = ?", (self.prefix + key,))

    def keys(self) -> list[str]:
        """The keys (prefix removed), in key order."""
        rows = self._vault.conn.execute(
            "SELECT key FROM vault_meta WHERE key LIKE ? ORDER BY key", (self.prefix + "%",)
        ).fetchall()
        return [r[0][len(self.prefix):] for r in rows]

    def documents(self) -> list[dict[str, Any]]:
        """Every document, in key order."""
        rows = self._vault.conn.execute(
            "SELECT value FROM vault_meta WHERE key LIKE ? ORDER BY key", (self.prefix + "%",)
        ).fetchall()
        return [json.loads(r[0]) for r in rows]


def form_drafts(vault: Vault) -> LocalDocuments:
    """Drafts of forms being filled."""
    return LocalDocuments(vault, FORM_DRAFTS)


def form_definitions(vault: Vault) -> LocalDocuments:
    """Form versions answers were saved with, kept so those answers always render."""
    return LocalDocuments(vault, FORM_DEFINITIONS)


def case_drafts(vault: Vault) -> LocalDocuments:
    """Unsaved edits of a case, kept when the vault locked (one document per case)."""
    return LocalDocuments(vault, CASE_DRAFTS)


def gui_state(vault: Vault) -> LocalDocuments:
    """The desktop client's state across a lock (``resume``: the case to open again)."""
    return LocalDocuments(vault, GUI_STATE)


def cases_with_drafts(vault: Vault) -> set[str]:
    """Ids of the cases with a saved draft: a case draft or a draft of a form of the case (form
    draft keys start with the case id). The case list marks them."""
    forms = form_drafts(vault).keys()
    return set(case_drafts(vault).keys()) | {key.split(":", 1)[0] for key in forms}


def forget_case(vault: Vault, case_id: str) -> int:
    """Delete every draft of a case (it is purged); joins the caller's transaction. Returns how
    many documents went."""
    conn = vault.conn
    count = conn.execute("DELETE FROM vault_meta WHERE key >= ? AND key < ?",
                         (f"{FORM_DRAFTS}{case_id}:", f"{FORM_DRAFTS}{case_id};")).rowcount
    count += conn.execute("DELETE FROM vault_meta WHERE key = ?",
                          (CASE_DRAFTS + case_id,)).rowcount
    resume = gui_state(vault).load("resume")
    if resume and resume.get("case_id") == case_id:
        conn.execute("DELETE FROM vault_meta WHERE key = ?", (GUI_STATE + "resume",))
    return int(count)
