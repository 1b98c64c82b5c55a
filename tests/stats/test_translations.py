"""Every string of the statistics code (core and view) is in the catalog and translated into
every UI language; labels of every code a table can show are translated too."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
MINE = ("kimdesk/stats/", "kimdesk/gui/stats/", "kimdesk/cli/stats.py")


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("kimdesk_i18n_tool_stats",
                                                  ROOT / "tools" / "i18n.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_statistics_strings_are_translated() -> None:
    tool = _tool()
    ids = {m.id for m in tool.extract()
           if m.id and any(str(loc[0]).startswith(MINE) for loc in m.locations)}
    assert len(ids) > 80
    for lang in ("de", "ar", "fa", "tr", "uk", "ru"):
        catalog = tool.load(lang)
        missing = sorted(i for i in ids if not (catalog.get(i) and catalog.get(i).string))
        assert missing == [], (lang, missing[:10])


@pytest.mark.parametrize("lang", ["de", "ar", "uk"])
def test_every_column_and_title_has_a_translated_label(lang: str) -> None:
    from kimdesk.i18n import gettext, language
    from kimdesk.stats import Period
    from kimdesk.stats.indicators import compute
    from kimdesk.stats.labels import column_label
    from kimdesk.stats.tables import TOTAL
    from kimdesk.vault.statsqueries import StatsQueries

    class _NoRows:
        def execute(self, *_a: object) -> _NoRows:
            return self

        def fetchall(self) -> list[object]:
            return []

        def __iter__(self) -> object:
            return iter(())

    tables = compute(StatsQueries(_NoRows()), Period.year(2025))
    with language(lang):
        for t in tables:
            assert gettext(t.title) != t.title, t.title
            for c in [*t.columns, TOTAL, *t.derived]:
                assert column_label(c) != c or c in ("18_26", "27_44", "45_64"), (t.id, c)
