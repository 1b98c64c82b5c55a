r"""The Group Policy template (``installer/windows/KIMdesk.admx`` with ``en-US`` and ``de-DE``
ADML files) against the reader of ``HKLM\Software\Policies\KIMdesk``
(:mod:`kimdesk.policy_registry`): the template writes exactly the values the reader knows, each
with the type it reads, into the key it reads; every string and presentation the template uses
is in both language files; the files have the schema's structure (policyDefinitions with
policyNamespaces, resources, categories, policies; policyDefinitionResources with stringTable
and presentationTable). And what the template can write, the reader takes without a problem."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from kimdesk import config, policy_registry
from tests.winreg_fake import FakeRegistry

WINDOWS = Path(__file__).resolve().parent.parent / "installer" / "windows"
ADMX = WINDOWS / "KIMdesk.admx"
LANGUAGES = ("en-US", "de-DE")
NS = "{http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions}"
REFERENCE = re.compile(r"\$\((string|presentation)\.([A-Za-z0-9_]+)\)")


def _tag(element: ET.Element) -> str:
    assert element.tag.startswith(NS), element.tag  # every element in the schema's namespace
    return element.tag[len(NS):]


def _admx() -> ET.Element:
    return ET.parse(ADMX).getroot()


def _adml(language: str) -> ET.Element:
    return ET.parse(WINDOWS / language / "KIMdesk.adml").getroot()


def written_values(root: ET.Element) -> dict[str, tuple[int, list[Any]]]:
    """Every value the template writes: its name, its registry type and the data it can take
    (an enum's strings, a decimal's bounds, a boolean policy's two numbers)."""
    found: dict[str, tuple[int, list[Any]]] = {}
    for policy in root.iter(f"{NS}policy"):
        assert policy.get("class") == "Machine", policy.get("name")  # HKLM only, never HKCU
        assert policy.get("key") == policy_registry.KEY
        if policy.get("valueName"):
            numbers = [int(d.get("value", "")) for part in ("enabledValue", "disabledValue")
                       for d in policy.findall(f"{NS}{part}/{NS}decimal")]
            assert len(numbers) == 2, policy.get("name")
            found[policy.get("valueName", "")] = (policy_registry.REG_DWORD, numbers)
        for element in policy.findall(f"{NS}elements/*"):
            name = element.get("valueName", "")
            assert name not in found, name
            assert element.get("key", policy_registry.KEY) == policy_registry.KEY
            kind = _tag(element)
            if kind == "text":
                assert element.get("expandable", "false") == "false"  # REG_EXPAND_SZ otherwise
                found[name] = (policy_registry.REG_SZ, [int(element.get("maxLength", "1023"))])
            elif kind == "decimal":
                assert element.get("storeAsText", "false") == "false"  # REG_SZ otherwise
                bounds = [int(element.get("minValue", "0")), int(element.get("maxValue", "9999"))]
                found[name] = (policy_registry.REG_DWORD, bounds)
            elif kind == "enum":
                items = [s.text for s in element.findall(f"{NS}item/{NS}value/{NS}string")]
                assert len(items) == len(element.findall(f"{NS}item")), name  # strings only
                found[name] = (policy_registry.REG_SZ, list(items))
            else:
                pytest.fail(f"an element the reader has no rule for: {kind} {name}")
    return found


def test_the_template_writes_what_the_reader_reads() -> None:
    written = written_values(_admx())
    assert {name: kind for name, (kind, _) in written.items()} == \
        {name: kind for name, (kind, _) in policy_registry.VALUES.items()}
    assert written["Demo"][1] == [1, 0]  # enabled: allowed, disabled: refused
    assert written["IdleLockMinutes"][1] == list(config.IDLE_LOCK_RANGE)
    assert written["Language"][1] == list(config.POLICY_LANGUAGES)
    assert written["Server"][1][0] <= policy_registry.MOST_CHARS


def test_the_structure_of_the_template() -> None:
    root = _admx()
    assert _tag(root) == "policyDefinitions"
    assert root.get("revision") and root.get("schemaVersion") == "1.0"
    children = [_tag(child) for child in root]
    assert children == ["policyNamespaces", "resources", "supportedOn", "categories", "policies"]
    targets = root.findall(f"{NS}policyNamespaces/{NS}target")
    assert len(targets) == 1 and targets[0].get("prefix") and targets[0].get("namespace")
    assert root.find(f"{NS}resources").get("minRequiredRevision")  # type: ignore[union-attr]
    categories = root.findall(f"{NS}categories/{NS}category")
    assert [c.get("name") for c in categories] == ["KIMdesk"]  # one category
    supported = {d.get("name") for d in root.iter(f"{NS}definition")}
    names = []
    for policy in root.iter(f"{NS}policy"):
        names.append(policy.get("name", ""))
        assert [p.get("ref") for p in policy.findall(f"{NS}parentCategory")] == ["KIMdesk"]
        assert policy.find(f"{NS}supportedOn").get("ref") in supported  # type: ignore[union-attr]
        assert policy.get("displayName") and policy.get("explainText")
        elements = policy.findall(f"{NS}elements/*")
        assert len(elements) <= 1  # one policy, one value
        assert bool(elements) == bool(policy.get("presentation")), policy.get("name")
    assert sorted(names) == sorted(policy_registry.VALUES)  # one policy per value


def _references(root: ET.Element) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {"string": set(), "presentation": set()}
    for element in root.iter():
        for value in element.attrib.values():
            for kind, name in REFERENCE.findall(value):
                found[kind].add(name)
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_the_template_uses_is_in_each_language(language: str) -> None:
    admx, adml = _admx(), _adml(language)
    assert _tag(adml) == "policyDefinitionResources"
    assert [_tag(child) for child in adml] == ["displayName", "description", "resources"]
    assert float(adml.get("revision", "0")) >= float(
        admx.find(f"{NS}resources").get("minRequiredRevision", "9"))  # type: ignore[union-attr]
    strings = {s.get("id"): (s.text or "") for s in adml.iter(f"{NS}string")}
    presentations = {p.get("id"): p for p in adml.iter(f"{NS}presentation")}
    used = _references(admx)
    assert used["string"] <= set(strings), used["string"] - set(strings)
    assert used["presentation"] <= set(presentations)
    assert set(strings) == used["string"] and set(presentations) == used["presentation"]
    assert all(text.strip() for text in strings.values())
    for policy in admx.iter(f"{NS}policy"):  # each control names its policy's element
        reference = REFERENCE.match(policy.get("presentation", ""))
        if reference is None:
            continue
        controls = {c.get("refId") for c in presentations[reference.group(2)]}
        assert controls == {e.get("id") for e in policy.findall(f"{NS}elements/*")}
    explain = strings["Server_Explain"]
    assert "Server" in explain and "REG_SZ" in explain


def test_the_german_file_is_german() -> None:
    english, german = ({s.get("id", ""): s.text for s in _adml(lang).iter(f"{NS}string")}
                       for lang in LANGUAGES)
    for name, text in english.items():
        if name.endswith("_Explain"):
            assert german[name] != text, name
    assert "Geräterichtlinie" in _adml("de-DE").findtext(f"{NS}description", "")


def _choices(kind: int, data: list[Any]) -> list[Any]:
    if kind == policy_registry.REG_DWORD:
        return data  # both ends of the range, both boolean values
    if len(data) > 1:
        return data  # an enum's strings
    return []  # a text: IT's own value


def test_what_the_template_can_write_is_read_without_a_problem(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Group Policy with each policy enabled (every choice of a list, both ends of a range,
    both values of a boolean), as a fake registry the reader reads."""
    monkeypatch.setattr(config, "POLICY_FILE", tmp_path / "missing.ini")
    written = written_values(_admx())
    for name, (kind, data) in written.items():
        for choice in _choices(kind, data):
            fake = FakeRegistry().set(name, choice, kind)
            monkeypatch.setattr(config, "POLICY_REGISTRY", fake)
            policy = config.policy()
            assert not policy.broken and policy.keys == (name,), (name, choice, policy)
    everything = FakeRegistry()
    for name, value, kind in (("Server", "https://kim.kreis.example", 1),
                              ("Fingerprint", "ab" * 32, 1), ("Demo", 0, 4),
                              ("IdleLockMinutes", 5, 4), ("Language", "de", 1)):
        assert written[name][0] == kind
        everything.set(name, value, kind)
    monkeypatch.setattr(config, "POLICY_REGISTRY", everything)
    assert config.policy().keys == tuple(policy_registry.VALUES)
