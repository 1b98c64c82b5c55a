"""The statistics' projection (kimdesk/vault/statsprojection.py): records as JSON in a vault
database in memory count as the vault counts them, whatever order they arrive in; the cell-key
method keys a person the same in every projection; names and free text are not projected."""

from __future__ import annotations

from datetime import date
from typing import Any

from kimdesk.demo.generator import fill
from kimdesk.stats import Period, build_report, report_for_vault
from kimdesk.sync.store import SyncStore
from kimdesk.vault.statsprojection import KINDS, StatsProjection

SECRET = bytes(range(32))


def _records(vault: Any) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {kind: [] for kind in KINDS}
    for kind, _id, data in SyncStore(vault).iter_records():
        if kind in out:
            out[kind].append(data)
    return out


def _projected(records: dict[str, list[dict[str, Any]]], *, backwards: bool = False
               ) -> StatsProjection:
    projection = StatsProjection()
    for kind in reversed(KINDS) if backwards else KINDS:
        projection.add(kind, reversed(records[kind]) if backwards else records[kind])
    return projection


def test_a_projection_counts_as_the_vault_and_keys_persons_by_their_id(make_vault: Any) -> None:
    vault = make_vault()
    fill(vault, 40, seed=5)
    records = _records(vault)
    period = Period.year(date.today().year)
    with _projected(records) as forward, _projected(records, backwards=True) as backward:
        assert forward.counts == backward.counts
        assert forward.counts["persons"] == 40
        ours = build_report(forward.queries(), period, 3)
        theirs = report_for_vault(vault, period, 3)
        for a, b in zip(ours.tables, theirs.tables, strict=True):
            assert a.cells == b.cells, a.id
        assert ours.protection.suppressed == theirs.protection.suppressed
        keyed = [build_report(p.queries(), period, method="cell-key", secret=SECRET)
                 for p in (forward, backward)]
        assert keyed[0].protection.perturbed == keyed[1].protection.perturbed


def test_names_contacts_and_free_text_are_not_projected(make_vault: Any) -> None:
    vault = make_vault()
    fill(vault, 20, seed=6)
    records = _records(vault)
    assert any(g["description"] for g in records["structural_gaps"])
    with _projected(records) as projection:
        entries = list(projection.queries().gap_entries(date(1900, 1, 1), date(2999, 1, 1)))
        assert entries
        for row in entries:
            # description, names, birth date stays (the age bands), phone, email, address
            assert row[5] == "" and set(row[6:10]) <= {"", None}
            assert set(row[11:14]) <= {"", None}


def test_records_as_json_text_project_as_parsed_ones(make_vault: Any) -> None:
    """The server's path (:meth:`StatsProjection.add_texts`, SQLite's JSON functions) writes
    the rows :meth:`~StatsProjection.add` writes; a record of another app version that lacks a
    field the table needs (``place``: the model's default is "office") goes through the model,
    with its batch."""
    import json

    vault = make_vault()
    fill(vault, 30, seed=7)
    records = _records(vault)
    older = dict(records["consultations"][0])
    del older["place"], older["interpreter_used"]
    records["consultations"][0] = older
    period = Period.year(date.today().year)
    with _projected(records) as parsed, StatsProjection() as texts:
        for kind in KINDS:
            texts.add_texts(kind, (json.dumps(d) for d in records[kind]))
        assert texts.counts == parsed.counts
        a, b = (build_report(p.queries(), period, 3) for p in (texts, parsed))
        for x, y in zip(a.tables, b.tables, strict=True):
            assert x.cells == y.cells, x.id
        keyed = [build_report(p.queries(), period, method="cell-key", secret=SECRET)
                 for p in (texts, parsed)]
        assert keyed[0].protection.perturbed == keyed[1].protection.perturbed
