"""ruff and mypy stay clean (the brief's style rule), checked where CI can see it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_clean() -> None:
    res = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout[-4000:]


@pytest.mark.slow
def test_mypy_clean() -> None:
    """The whole repository (kimdesk/, tools/, benchmarks/, tests/), as pyproject's
    [tool.mypy] lists it: code no check reads is where type errors hide."""
    res = subprocess.run([sys.executable, "-m", "mypy", "."], cwd=ROOT,
                         capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stdout[-4000:]


def test_no_module_over_500_lines() -> None:
    """One module, one idea (issue 15): a module that grows past 500 lines is split along its
    seams. Generated Designer classes are not written by hand and are left out."""
    too_long = {
        str(path.relative_to(ROOT)): n
        for path in (ROOT / "kimdesk").rglob("*.py")
        if "forms_generated" not in path.parts
        and (n := len(path.read_text("utf-8").splitlines())) > 500
    }
    assert too_long == {}


def test_only_the_vault_touches_its_connection() -> None:
    """The vault is the one road to the data (the brief): no module outside kimdesk/vault/ uses
    a vault's connection. Two GUI modules asked it directly whether a case still exists (a
    review, 2026-12-06); they ask ``vault.cases.exists`` now. The server's SQLAlchemy
    connections are its own database's, not a vault's."""
    import re

    uses = re.compile(r"\b(?:vault|v|w\.vault|self\._vault)\.conn\b")
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in (ROOT / "kimdesk").rglob("*.py")
        if "vault" not in path.relative_to(ROOT / "kimdesk").parts[:1]
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if uses.search(line)
    ]
    assert found == []
