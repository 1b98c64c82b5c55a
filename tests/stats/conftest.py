"""A demo vault shared by the statistics tests of one module (read only), and the periods every
export test covers."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from kimdesk.stats import Period
from tests.conftest import PASSPHRASE

TODAY = date.today()


def periods() -> list[Period]:
    """A year, a quarter, a month and a custom span, relative to today like the demo data."""
    last_q = Period.last_full_quarter(TODAY)
    return [
        Period.year(TODAY.year - 1),
        last_q,
        Period.month(last_q.start.year, last_q.start.month),
        Period(date(TODAY.year - 2, 3, 15), date(TODAY.year - 1, 2, 10)),
    ]


@pytest.fixture(scope="module")
def stats_vault(demo_vault_file: Path,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    from kimdesk.vault import Vault

    copy = tmp_path_factory.mktemp("stats") / "demo.kdb"
    shutil.copy(demo_vault_file, copy)
    vault = Vault.open(copy, PASSPHRASE)
    yield vault
    vault.close()
