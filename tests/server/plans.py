"""Reading what a lookup of ``records`` cost: the statements it ran and the rows PostgreSQL's
plan read for each (counted rows, not time: tests/server/test_lookup_plans.py,
tests/server/test_record_links.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection

from kimdesk.server import db


def _nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    out = [plan]
    for child in plan.get("Plans", []):
        out.extend(_nodes(child))
    return out


def rows_read(conn: Connection, sql: str, params: Any) -> int:
    """Rows the plan's scans of ``records`` produced or removed by a filter (PostgreSQL)."""
    prefix = "EXPLAIN (ANALYZE, FORMAT JSON) "
    (plan,) = conn.exec_driver_sql(prefix + sql, params).scalar_one()
    plan = plan if isinstance(plan, dict) else json.loads(plan)[0]
    return sum(int(n.get("Actual Rows", 0)) * int(n.get("Actual Loops", 1))
               + int(n.get("Rows Removed by Filter", 0))
               + int(n.get("Rows Removed by Index Recheck", 0))
               for n in _nodes(plan["Plan"]) if n.get("Relation Name") == db.records.name)


@contextmanager
def statements(conn: Connection) -> Iterator[list[tuple[str, Any]]]:
    """The driver-level statements run on ``conn`` inside the block, with their parameters."""
    seen: list[tuple[str, Any]] = []
    original = conn.exec_driver_sql

    def recording(sql: str, params: Any = None, *a: Any, **k: Any) -> Any:
        seen.append((sql, params))
        return original(sql, params, *a, **k)

    conn.exec_driver_sql = recording  # type: ignore[method-assign,assignment]
    try:
        yield seen
    finally:
        conn.exec_driver_sql = original  # type: ignore[method-assign]
