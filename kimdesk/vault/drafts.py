"""Documents kept on this device only, in the vault's local key-value table ``vault_meta``:
drafts of forms being filled, drafts of a case's unsaved edits kept when the vault locked, the
entries of saves refused after the counselor had left their case, where the desktop client was at
that lock, and a copy of each form version answers were saved with.

Why ``vault_meta``: drafts must survive a crash or the auto-lock, so they are encrypted in the
vault with everything else, yet they are this device's work in progress and must never sync;
``vault_meta`` is the one table the sync leaves alone. (A dedicated table would be the cleaner
home once a migration adds one; :class:`LocalDocuments` is the seam to swap it in.)
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
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
#: Key prefix of refused saves (``case.refused.<case id>:<when>-<random>``): the entries of a save
#: the vault refused (changed meanwhile by sync, mostly), one document per save, written on the
#: vault lane right after the refusal and deleted once the entries are on screen again
#: (docs/gui.md, "A save refused after she left the case"). One per save, not one per case: each
#: is deleted exactly when its own entries are back, never one that arrived meanwhile.
REFUSED_SAVES = "case.refused."
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


def refused_saves(vault: Vault) -> LocalDocuments:
    """Entries of refused saves, kept until they are on screen again (one document per save)."""
    return LocalDocuments(vault, REFUSED_SAVES)


def keep_refused(vault: Vault, case_id: str, draft: dict[str, Any], *, stale: bool) -> str | None:
    """Keep a refused save's entries (``draft``: a case draft's format) for when its case is
    opened again; ``stale``: refused as changed meanwhile (else another failure). Returns the
    document's key, or None when the case is gone (deleted meanwhile: nothing to come back to).
    Its own transaction: the refused save's was rolled back. The key is the ``vault_meta`` key,
    as :func:`kept_for` names it and :func:`discard_kept` takes it."""
    if not vault.cases.exists(case_id):
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    key = f"{case_id}:{stamp}-{uuid.uuid4().hex[:8]}"  # in the order kept, and never reused
    refused_saves(vault).save(key, {"draft": draft, "stale": stale})
    return REFUSED_SAVES + key


def kept_for(vault: Vault, case_id: str) -> list[tuple[str, dict[str, Any]]]:
    """What is kept of a case's entries, as ``(vault_meta key, document)``, oldest first: the
    refused saves' documents, then the draft kept at the last lock."""
    rows = vault.conn.execute(
        "SELECT key, value FROM vault_meta WHERE key >= ? AND key < ? ORDER BY key",
        (f"{REFUSED_SAVES}{case_id}:", f"{REFUSED_SAVES}{case_id};")).fetchall()
    kept: list[tuple[str, dict[str, Any]]] = [(key, json.loads(text)) for key, text in rows]
    lock = case_drafts(vault).load(case_id)
    if lock is not None:
        kept.append((CASE_DRAFTS + case_id, lock))
    return kept


def discard_kept(vault: Vault, case_id: str, keys: list[str]) -> bool:
    """Delete kept entries by their ``vault_meta`` keys (only those of this case, which are on
    screen again); True when the case has drafts left (its marker in the list stays)."""
    mine = [key for key in keys if key == CASE_DRAFTS + case_id
            or key.startswith(f"{REFUSED_SAVES}{case_id}:")]
    with vault.transaction():
        vault.conn.executemany("DELETE FROM vault_meta WHERE key = ?", [(k,) for k in mine])
    return case_id in cases_with_drafts(vault)


def cases_with_drafts(vault: Vault) -> set[str]:
    """Ids of the cases with a saved draft: a case draft, a refused save's entries or a draft of a
    form of the case (form draft and refused save keys start with the case id). The case list
    marks them."""
    parted = form_drafts(vault).keys() + refused_saves(vault).keys()
    return set(case_drafts(vault).keys()) | {key.split(":", 1)[0] for key in parted}


def forget_case(vault: Vault, case_id: str) -> int:
    """Delete every draft of a case (it is purged); joins the caller's transaction. Returns how
    many documents went."""
    conn = vault.conn
    count = conn.execute("DELETE FROM vault_meta WHERE key >= ? AND key < ?",
                         (f"{FORM_DRAFTS}{case_id}:", f"{FORM_DRAFTS}{case_id};")).rowcount
    count += conn.execute("DELETE FROM vault_meta WHERE key = ?",
                          (CASE_DRAFTS + case_id,)).rowcount
    count += conn.execute("DELETE FROM vault_meta WHERE key >= ? AND key < ?",
                          (f"{REFUSED_SAVES}{case_id}:", f"{REFUSED_SAVES}{case_id};")).rowcount
    resume = gui_state(vault).load("resume")
    if resume and resume.get("case_id") == case_id:
        conn.execute("DELETE FROM vault_meta WHERE key = ?", (GUI_STATE + "resume",))
    return int(count)
