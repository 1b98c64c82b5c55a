r"""The machine policy on Windows (``HKLM\Software\Policies\KIMdesk``, docs/deployment.md
"Machine policy"), read on Linux through a fake registry with winreg's functions
(``tests/winreg_fake.py``, set as ``config.POLICY_REGISTRY``): every value gives what the INI
file's key gives, wins over the user's choice and ``KIMDESK_*`` as the file does, and a value
of another type, out of range, unknown, a subkey or a key that cannot be read fails closed with
one translated line naming the key. No key, or values only under HKCU: no policy."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kimdesk import config, i18n
from kimdesk.policy import PolicyRefused, idle_minutes, language, require_demo_allowed
from tests.sync.helpers import sqlite_server  # noqa: F401  (fixture)
from tests.test_policy import write_policy
from tests.winreg_fake import (
    HKEY_CURRENT_USER,
    HKEY_LOCAL_MACHINE,
    KEY_READ,
    KEY_WOW64_64KEY,
    POLICY_KEY,
    REG_BINARY,
    REG_DWORD,
    REG_EXPAND_SZ,
    REG_MULTI_SZ,
    REG_QWORD,
    REG_SZ,
    FakeRegistry,
)

KEY_SHOWN = r"HKLM\Software\Policies\KIMdesk"
FINGERPRINT = "3f9a" * 16


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeRegistry:
    """An empty fake registry in force; the policy file points nowhere, so that nothing but
    the registry can set a value."""
    fake = FakeRegistry()
    monkeypatch.setattr(config, "POLICY_REGISTRY", fake)
    monkeypatch.setattr(config, "POLICY_FILE", tmp_path / "missing.ini")
    return fake


def test_no_key_is_no_policy(registry: FakeRegistry) -> None:
    registry.make_key(r"Software\Policies")  # other vendors' policies: not ours
    registry.set("Demo", 0, REG_DWORD, hive=HKEY_CURRENT_USER)  # a user's own hive: never read
    registry.set("Server", "https://other.example", REG_SZ, hive=HKEY_CURRENT_USER)
    policy = config.policy()
    assert not policy.present and not policy.broken and policy.demo_allowed
    assert policy.longest_idle() is None and idle_minutes(30) == 30
    require_demo_allowed()
    assert set(registry.opened) == {(HKEY_LOCAL_MACHINE, POLICY_KEY, KEY_READ | KEY_WOW64_64KEY)}
    registry.make_key(POLICY_KEY)  # an empty key: present, sets nothing
    policy = config.policy()
    assert policy.present and not policy.broken and policy.keys == ()
    assert policy.demo_allowed and policy.longest_idle() is None


def test_every_value_as_the_file_gives_it(registry: FakeRegistry, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    registry.set("Server", "https://kim.kreis.example/", REG_SZ)
    registry.set("Fingerprint", FINGERPRINT, REG_SZ)
    registry.set("Demo", 0, REG_DWORD)
    registry.set("IdleLockMinutes", 7, REG_DWORD)
    registry.set("language", "tr", REG_SZ)  # value names are case-insensitive on Windows
    from_registry = config.policy()
    assert not from_registry.broken and str(from_registry.path) == KEY_SHOWN
    assert from_registry.keys == ("Server", "Fingerprint", "Demo", "IdleLockMinutes", "Language")
    file = write_policy(tmp_path / "etc", f"[sync]\nserver = https://kim.kreis.example/\n"
                        f"fingerprint = {FINGERPRINT}\n[app]\ndemo = false\n"
                        "idle_lock_minutes = 7\nlanguage = tr\n")
    from_file = config.read_policy(file)

    def settings(policy: config.Policy) -> dict[str, object]:
        return {k: v for k, v in dataclasses.asdict(policy).items() if k not in ("path", "keys")}

    assert settings(from_registry) == settings(from_file)
    assert from_registry.fingerprint.startswith("3F:9A:3F") and not from_registry.demo_allowed
    with pytest.raises(PolicyRefused) as refused:
        require_demo_allowed()
    with i18n.language("en"):  # the policy's Turkish otherwise
        line = refused.value.translated()
    assert "switched off" in line and KEY_SHOWN in line
    registry.set("Demo", 1, REG_DWORD)
    assert config.policy().demo is True
    require_demo_allowed()


def test_policy_beats_the_environment_and_the_users_choice(
        registry: FakeRegistry, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIMDESK_LANG", "ar")
    assert config.load().language == "ar" and i18n.default_language() == "ar"
    registry.set("Language", "uk", REG_SZ).set("IdleLockMinutes", 3, REG_DWORD)
    assert config.load().language == "uk"
    assert i18n.default_language() == "uk"  # gettext's language without an active one
    assert language("de") == "uk"  # the counselor's choice in Settings
    assert idle_minutes(30) == 3 and idle_minutes(2) == 2  # shorter yes, longer never


@pytest.mark.parametrize(("name", "data", "kind", "reason"), [
    ("Demo", "0", REG_SZ, "Demo is REG_SZ, not REG_DWORD"),
    ("Demo", 2, REG_DWORD, "Demo cannot be \"2\""),
    ("IdleLockMinutes", "5", REG_SZ, "IdleLockMinutes is REG_SZ, not REG_DWORD"),
    ("IdleLockMinutes", 5, REG_QWORD, "IdleLockMinutes is REG_QWORD, not REG_DWORD"),
    ("IdleLockMinutes", 0, REG_DWORD, "IdleLockMinutes cannot be \"0\""),
    ("IdleLockMinutes", 61, REG_DWORD, "IdleLockMinutes cannot be \"61\""),
    ("IdleLockMinutes", 0xFFFFFFFF, REG_DWORD, "IdleLockMinutes cannot be \"4294967295\""),
    ("Server", 1, REG_DWORD, "Server is REG_DWORD, not REG_SZ"),
    ("Server", "https://kim.example.de", REG_EXPAND_SZ, "Server is REG_EXPAND_SZ, not REG_SZ"),
    ("Server", "kim.example.de", REG_SZ, "Server cannot be \"kim.example.de\""),
    ("Server", "", REG_SZ, "Server cannot be \"\""),
    ("Server", "https://" + "k" * 3000, REG_SZ, "Server cannot be \"https://kkk"),
    ("Fingerprint", "AB:CD", REG_SZ, "Fingerprint cannot be \"AB:CD\""),
    ("Fingerprint", b"\x3f" * 32, REG_BINARY, "Fingerprint is REG_BINARY, not REG_SZ"),
    ("Language", "fr", REG_SZ, "Language cannot be \"fr\""),
    ("Language", "DE", REG_SZ, "Language cannot be \"DE\""),  # case-sensitive, as in the file
    ("Language", ["de"], REG_MULTI_SZ, "Language is REG_MULTI_SZ, not REG_SZ"),
    ("Demmo", 0, REG_DWORD, "unknown value Demmo"),
    ("", "x", REG_SZ, "unknown value (Default)"),
])
def test_a_broken_key_fails_closed(registry: FakeRegistry, name: str, data: Any, kind: int,
                                   reason: str) -> None:
    registry.set("Language", "en", REG_SZ)  # a good value beside it is not used either
    registry.set(name, data, kind)
    policy = config.policy()
    assert policy.broken and not policy.demo_allowed and policy.demo is None
    assert policy.language == "" and policy.keys == ()
    assert policy.longest_idle() == config.DEFAULT_IDLE_MINUTES  # not "no limit"
    with pytest.raises(PolicyRefused) as refused:
        require_demo_allowed()
    line = refused.value.translated()
    assert "\n" not in line and KEY_SHOWN in line and reason in line, line
    assert len(line) < 400  # a long value is shown by its start only


def test_a_subkey_or_a_key_denied_fails_closed(registry: FakeRegistry) -> None:
    registry.set("Server", "https://kim.kreis.example", REG_SZ, path=POLICY_KEY + r"\Sync")
    policy = config.policy()
    assert policy.broken and policy.server == ""
    assert "unknown subkey Sync" in PolicyRefused(
        config.POLICY_BROKEN, path=str(policy.path), reason=policy.problem,
        reason_params=dict(policy.params)).translated()
    registry.keys.pop((HKEY_LOCAL_MACHINE, (POLICY_KEY + r"\Sync").lower()))
    registry.set("Demo", 1, REG_DWORD)
    assert config.policy().demo is True
    registry.denied.add((HKEY_LOCAL_MACHINE, POLICY_KEY.lower()))
    assert config.policy().problem == config.REASON_UNREADABLE


def test_the_line_is_translated(registry: FakeRegistry) -> None:
    registry.set("Demo", "false", REG_SZ)
    with i18n.language("de"), pytest.raises(PolicyRefused) as refused:
        require_demo_allowed()
    with i18n.language("de"):
        text = refused.value.translated()
    assert "Geräterichtlinie" in text and "Demo" in text and "REG_DWORD" in text, text
    with i18n.language("ar"):  # the key and the value's name stay left-to-right
        line = refused.value.translated()
    assert f"\u2066{KEY_SHOWN}\u2069" in line and "\u2066REG_SZ\u2069" in line, line


#: ``kimdesk`` with the fake registry of argv[1] (JSON) in force.
_RUNNER = ("import sys\nfrom pathlib import Path\nimport kimdesk.config as c\n"
           "from tests.winreg_fake import from_json\n"
           "c.POLICY_REGISTRY = from_json(sys.argv[1])\nc.POLICY_FILE = Path('/nonexistent')\n"
           "from kimdesk.cli import main\nraise SystemExit(main(sys.argv[2:]))\n")


def kimdesk(registry: FakeRegistry, *args: str, home: Path | None = None,
            lang: str = "en") -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KIMDESK_")}
    environ |= {"KIMDESK_LANG": lang, "KIMDESK_PASSPHRASE": "pw-Kim-2026!x",
                "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    if home is not None:
        environ |= {"XDG_DATA_HOME": str(home / "data"), "XDG_CONFIG_HOME": str(home / "cfg")}
    return subprocess.run([sys.executable, "-c", _RUNNER, registry.to_json(), *args],
                          capture_output=True, text=True, env=environ,
                          stdin=subprocess.DEVNULL, timeout=300)


def test_demo_refused_on_the_command_line(tmp_path: Path) -> None:
    res = kimdesk(FakeRegistry().set("Demo", 0, REG_DWORD), "--demo", home=tmp_path)
    assert res.returncode == 2, res.stderr
    assert res.stderr.strip().count("\n") == 0 and KEY_SHOWN in res.stderr
    assert "Traceback" not in res.stderr and "switched off" in res.stderr
    assert not (tmp_path / "data").exists() or not list((tmp_path / "data").rglob("*.kdb"))
    broken = FakeRegistry().set("IdleLockMinutes", 90, REG_DWORD)
    res = kimdesk(broken, "--demo", home=tmp_path, lang="tr")
    assert res.returncode == 2 and KEY_SHOWN in res.stderr and "IdleLockMinutes" in res.stderr
    assert res.stderr.strip().count("\n") == 0 and "Traceback" not in res.stderr


def test_enrolling_with_another_server_is_refused(tmp_path: Path,
                                                  sqlite_server: Any) -> None:  # noqa: F811
    vault = tmp_path / "v.kdb"
    other = FakeRegistry().set("Server", "https://kim.kreis.example", REG_SZ)
    assert kimdesk(other, "init", "--vault", str(vault)).returncode == 0
    code = sqlite_server.service.create_enroll_code("Team Nord")
    res = kimdesk(other, "enroll", "--vault", str(vault), "--server", sqlite_server.url,
                  "--code", code)
    assert res.returncode == 2, res.stderr
    assert "https://kim.kreis.example" in res.stderr and KEY_SHOWN in res.stderr
    assert sqlite_server.service.list_devices() == []  # the code was never sent
    this = FakeRegistry().set("Server", sqlite_server.url + "/", REG_SZ)
    res = kimdesk(this, "enroll", "--vault", str(vault), "--server", sqlite_server.url,
                  "--code", code)
    assert res.returncode == 0, res.stderr
    assert kimdesk(this, "sync", "--vault", str(vault)).returncode == 0
    res = kimdesk(other, "sync", "--vault", str(vault))
    assert res.returncode == 2 and "https://kim.kreis.example" in res.stderr
