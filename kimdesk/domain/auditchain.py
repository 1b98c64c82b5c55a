"""The hash chain of an audit log, shared by the device and the server.

Each entry's hash is SHA-256 over the previous entry's hash and the sorted, compact JSON of the
entry's chained fields (all text). Deleting or altering an entry breaks the chain from there
on. The device's ``AuditLog`` (:mod:`kimdesk.vault.audit`) and the server's audit trail
(:mod:`kimdesk.server.audit_trail`) both use it, so that a device's log uploaded later
(docs/planned.md, section 3) is checked with the same function it was written with. It lives
in ``kimdesk.domain`` because neither end may import the other (the server knows no vault).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

#: The ``prev_hash`` of a chain's first entry.
GENESIS = "0" * 64


def event_hash(prev_hash: str, event: Mapping[str, str]) -> str:
    """The hash of an entry with the chained fields ``event`` after ``prev_hash``."""
    body = json.dumps(dict(event), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()
