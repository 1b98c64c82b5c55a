"""Subprocess for the crash tests: writes until killed, reporting each commit that returned.

python crash_writer.py write VAULT PASSPHRASE    # prints a case id per returned commit
python crash_writer.py rekey VAULT OLD NEW [gated]  # prints "rekeyed" when change_passphrase
                                                   # returned; gated: starts on a line on stdin
"""

from __future__ import annotations

import sys

from kimdesk.domain.models import Note, Person
from kimdesk.vault import Vault


def write(path: str, passphrase: str) -> None:
    vault = Vault.open(path, passphrase)
    out = sys.stdout
    n = 0
    while True:
        n += 1
        with vault.transaction():
            person = vault.people.add(
                Person(given_name=f"Crash{n}", family_name="Тест", family_name_latin="Test")
            )
            case = vault.cases.open_case(person.id)
            vault.notes.add(Note(case_id=case.id, text=f"note {n} " + "x" * (n % 500)))
        out.write(case.id + "\n")
        out.flush()


def rekey(path: str, old: str, new: str, gated: bool = False) -> None:
    vault = Vault.open(path, old)
    print("opened", flush=True)
    if gated:  # the test says when to start (it may kill the process before)
        sys.stdin.readline()
    vault.change_passphrase(new)
    print("rekeyed", flush=True)
    vault.close()


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(sys.argv[2], sys.argv[3])
    else:
        rekey(sys.argv[2], sys.argv[3], sys.argv[4], gated=sys.argv[5:] == ["gated"])
