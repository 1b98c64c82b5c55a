"""A write that waited out the vault's busy timeout behind sync's write is told in words.

Real vault file, two connections: one holds the write lock (as sync does while it applies a large
pulled page), the other's write gives up (here at once: the busy timeout set to 0 instead of the
app's 5 s, so that the test waits for nothing). The message a counselor sees then was "Something
went wrong (OperationalError)".
"""

from __future__ import annotations

from typing import Any

import pytest

from kimdesk.domain.models import Person
from kimdesk.gui.jobs import failure_message
from kimdesk.i18n import language

pytestmark = pytest.mark.gui


def test_a_write_behind_sync_s_write_says_the_vault_was_busy(make_vault: Any) -> None:
    vault = make_vault()
    person = vault.people.add(Person(given_name="Mira", family_name="Quellbach"))
    other = vault.open_sibling()
    try:
        other.conn.execute("BEGIN IMMEDIATE")  # sync's page, still being written
        vault.conn.execute("PRAGMA busy_timeout = 0")
        with pytest.raises(Exception) as caught:
            vault.people.update(person.model_copy(update={"phone": "0521 111"}))
    finally:
        other.conn.execute("ROLLBACK")
        other.close()
    with language("de"):
        text = failure_message(caught.value)
    assert "OperationalError" not in text
    assert text.startswith("Der Tresor war belegt"), text
    with language("en"):
        assert failure_message(caught.value).startswith("The vault was busy"), text
    with language("en"):  # any other error keeps its type for the log
        assert "RuntimeError" in failure_message(RuntimeError("x"))
