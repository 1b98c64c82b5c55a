"""Checks of an attachment's bytes, shared by the vault, the sync client and the server.

An attachment travels as base64 inside the record's JSON; whoever receives it checks that the
bytes are what the record says (size and SHA-256), so a truncated upload or a tampered copy is
refused instead of stored. A removed attachment (tombstone) carries no bytes at all.
"""

from __future__ import annotations

import base64
import binascii
import hashlib


def encode(content: bytes) -> str:
    return base64.b64encode(content).decode("ascii")


def decode(text: str) -> bytes:
    """The bytes of base64 ``text``; ValueError when it is not base64."""
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("attachment content is not base64") from None


def digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def check_content(text: str, size: int, sha256: str, *, removed: bool) -> None:
    """ValueError unless ``text`` holds exactly ``size`` bytes hashing to ``sha256``. A removed
    attachment may hold none (its bytes are dropped when it is removed: only its name and size
    are left)."""
    if removed and not text:
        return
    data = decode(text)
    if len(data) != size:
        raise ValueError(f"attachment content has {len(data)} bytes, not {size}")
    if digest(data) != sha256:
        raise ValueError("attachment content does not match its sha256")
