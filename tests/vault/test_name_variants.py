"""Name variants in search: transliterations of one name find each other, after exact hits."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from kimdesk.domain.models import Person
from kimdesk.vault.caselist import CaseFilter, CaseList
from kimdesk.vault.namevariants import variant_key
from kimdesk.vault.search import fold

GROUPS = [
    ("Muhammad", "Mohammed", "Mohamad", "Muhammed", "Mohammad"),
    ("Hussein", "Husain", "Hüseyin", "Hussain"),
    ("Yusuf", "Youssef", "Jusuf", "Yousef"),
    ("Oleksandr", "Aleksandr", "Alexander", "Олександр", "Александр"),
    ("Ahmad", "Ahmed", "Achmed"),
    ("Shevchenko", "Schewtschenko", "Шевченко"),
    ("Fatima", "Fatemeh", "Fatma"),
    ("Mustafa", "Mostafa", "Moustafa"),
    ("Oleksii", "Oleksiy", "Aleksei", "Alexey", "Олексій"),
]


@pytest.mark.parametrize("names", GROUPS, ids=lambda g: g[0])
def test_the_spellings_of_a_name_share_one_key(names: tuple[str, ...]) -> None:
    keys = {variant_key(fold(n)) for n in names}
    assert len(keys) == 1 and None not in keys


def test_different_names_keep_different_keys() -> None:
    names = ["Muhammad", "Mahmoud", "Mehmet", "Hassan", "Hussein", "Yusuf", "Yasin", "Ahmad",
             "Ahmadi"]
    keys = [variant_key(fold(n)) for n in names]
    assert len(set(keys)) == len(names)


def _add(vault: Any, given: str, family: str = "Test") -> str:
    person = vault.people.add(Person(given_name=given, family_name=family,
                                     given_name_latin=given, family_name_latin=family))
    return str(vault.cases.open_case(person.id).id)


def test_search_finds_the_variants_after_the_exact_hits(make_vault: Any) -> None:
    vault = make_vault()
    mahmoud = _add(vault, "Mahmoud")
    muhammad = _add(vault, "Muhammad")
    karimi = _add(vault, "Mohamad", "Karimi")
    variants = {_add(vault, "Mohammed"), karimi}
    other = _add(vault, "Muhammad", "Weber")

    hits = [h.case_id for h in vault.search("muhammad")]
    assert hits[:2] == [other, muhammad]  # exact hits first, newest first
    assert set(hits[2:]) == variants and mahmoud not in hits
    assert vault.count_matches("muhammad") == 4
    assert [h.case_id for h in vault.search("muhammad", limit=2, offset=2)] == hits[2:]
    # every word must match, as typed or by its variant
    assert [h.case_id for h in vault.search("muhammad karimi")] == [karimi]
    assert vault.search("muh")[0].case_id == other  # short words: prefixes as before

    lists = CaseList(vault)
    seqs = {cid: vault.conn.execute("SELECT seq FROM cases WHERE id = ?", (cid,)).fetchone()[0]
            for cid in (muhammad, other, *variants)}
    for flt in (CaseFilter(text="muhammad"), CaseFilter(text="muhammad", sort_column=1),
                CaseFilter(text="muhammad", phase="open")):
        got = list(lists.matching_seqs(flt))
        assert set(got[:2]) == {seqs[muhammad], seqs[other]}, flt
        assert set(got[2:]) == {seqs[v] for v in variants}, flt


def test_a_version_7_vault_gets_the_variant_keys(tmp_path: Path) -> None:
    from kimdesk.vault import Vault
    from kimdesk.vault.migrations import LATEST, schema_version

    copy = tmp_path / "v7.kdb"
    shutil.copy(Path(__file__).resolve().parent.parent / "fixtures" / "vault_v7.kdb", copy)
    with Vault.open(copy, "fixture-v1") as vault:
        assert schema_version(vault.conn) == LATEST >= 8
        assert [h.family_name for h in vault.search("schewtschenko")] == ["Шевченко"]


def test_locking_the_vault_empties_the_caches_of_personal_data(make_vault: Any) -> None:
    """The search keeps folded names and their variant keys in caches (a first sync indexes
    every case), the handout layout the paragraphs it shaped (a subject-access letter's
    names and address among them). Locking the vault empties them all, so that nothing read
    from the vault stays reachable in the process after it. Before, the variant keys and the
    layout kept every name and paragraph until the process ended (a review found the layout's)."""
    from kimdesk.handouts import layout
    from kimdesk.handouts.auskunft import render_auskunft
    from kimdesk.vault import namevariants, search
    from kimdesk.vault.subject_access import collect

    vault = make_vault()
    person = vault.people.add(Person(given_name="Zoryana", family_name="Шевченко",
                                     family_name_latin="Shevchenko",
                                     address="Geheimweg 7, 12345 Irgendwo"))
    assert render_auskunft(collect(vault, person.id), "de")
    search.index_text("2026-X-1", "Zoryana", "Шевченко", "", "Shevchenko")
    caches = (namevariants.variant_key, namevariants.name_keys_of, search._fold_name,
              layout.shape, layout._layout_one)
    assert all(cache.cache_info().currsize for cache in caches)
    vault.close()
    assert not any(cache.cache_info().currsize for cache in caches)
