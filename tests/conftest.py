"""Shared fixtures: real SQLCipher vault files in a temporary folder; Qt runs offscreen."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("KIMDESK_LANG", "en")

PASSPHRASE = "correct horse battery staple"


def pytest_configure(config: pytest.Config) -> None:
    """The cyclic collector runs on the main thread only, as in the desktop client: GUI tests
    leave closed windows behind, and a collection on a lane or server thread would destroy them
    there (kimdesk/collector.py). :func:`pytest_runtest_logfinish` collects between tests."""
    from kimdesk.collector import collect_on_this_thread_only

    collect_on_this_thread_only()


def pytest_runtest_logfinish(nodeid: str, location: tuple[str, int | None, str]) -> None:
    from kimdesk.collector import collect_due

    collect_due()


@pytest.fixture(autouse=True)
def _collections_stay_on_the_main_thread() -> Iterator[None]:
    """Fails a test during which the collector ran on another thread (a stray ``gc.enable()``
    or an explicit ``gc.collect()`` on a lane): the crash of kimdesk/collector.py."""
    from kimdesk.collector import off_thread_collections

    before = len(off_thread_collections)
    yield
    assert not off_thread_collections[before:], off_thread_collections[before:]


@pytest.fixture(autouse=True)
def _language_stays_in_its_test() -> Iterator[None]:
    """A test that sets the interface language (``set_language``, a CLI run with ``--lang``)
    leaves it set for the tests after it: an English assertion then failed only in some orders
    (the attachment size refusal after the handout tests, 2026-12-07)."""
    from kimdesk import i18n

    before = i18n._active.get()  # "" when none was chosen: the machine's default then
    yield
    i18n._active.set(before)


@pytest.fixture
def make_vault(tmp_path: Path) -> Iterator[Callable[..., object]]:
    """Create vaults (closed for you at the end): ``make_vault(name="v.kdb", **meta)``."""
    from kimdesk.vault import Vault

    opened: list[Vault] = []

    def factory(name: str = "v.kdb", passphrase: str = PASSPHRASE, **meta: str) -> Vault:
        meta.setdefault("counselor", "tester")
        meta.setdefault("team", "Team Nord")
        vault = Vault.create(tmp_path / name, passphrase, **meta)
        opened.append(vault)
        return vault

    yield factory
    for vault in opened:
        vault.close()


@pytest.fixture
def vault(make_vault: Callable[..., object]) -> object:
    return make_vault()


@pytest.fixture(scope="session")
def demo_vault_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A closed vault with 300 demo cases (seed 7), created once per test session; copy it before
    writing to it."""
    from kimdesk.demo.generator import fill
    from kimdesk.vault import Vault

    path = tmp_path_factory.mktemp("demo") / "demo.kdb"
    with Vault.create(path, PASSPHRASE, counselor="a.becker", team="Team Nord") as v:
        fill(v, 300, seed=7)
    return path


@pytest.fixture
def demo_vault(demo_vault_file: Path, tmp_path: Path) -> Iterator[object]:
    """An open copy of the session's demo vault, free to modify."""
    import shutil

    from kimdesk.vault import Vault

    copy = tmp_path / "demo.kdb"
    shutil.copy(demo_vault_file, copy)
    vault = Vault.open(copy, PASSPHRASE)
    yield vault
    vault.close()


@pytest.fixture
def desktop_umask() -> Iterator[None]:
    """The usual desktop umask (022) for the test: files come out 0644 unless the code under
    test makes them private itself (the test process may run under 077 after ``harden_process``)."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)
