"""The machine policy (``/etc/kimdesk/policy.ini``, docs/deployment.md "Machine policy"): a
value wins over the user's settings and ``KIMDESK_*`` variables; a broken file fails closed with
one translated line naming it; ``demo = false`` refuses the demo (exit code 2); ``[sync] server``
refuses every other server; ``kimdesk doctor`` lists the policy and reports a file others can
write. The commands run as real processes, with the policy's path set the way a test may: the
module constant, never a variable of the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kimdesk import config, i18n
from kimdesk.policy import PolicyRefused, idle_minutes, require_demo_allowed
from tests.sync.helpers import sqlite_server  # noqa: F401  (fixture)

#: ``kimdesk`` with the policy file at argv[1]: the constant set before the command runs.
_RUNNER = ("import sys\nfrom pathlib import Path\nimport kimdesk.config as c\n"
           "c.POLICY_FILE = Path(sys.argv[1])\nfrom kimdesk.cli import main\n"
           "raise SystemExit(main(sys.argv[2:]))\n")


def write_policy(folder: Path, text: str, mode: int = 0o644) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)
    path = folder / "policy.ini"
    path.write_text(text, "utf-8")
    path.chmod(mode)
    return path


def kimdesk(policy: Path, *args: str, lang: str = "en", home: Path | None = None,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KIMDESK_")}
    environ |= {"KIMDESK_LANG": lang, "KIMDESK_PASSPHRASE": "pw-Kim-2026!x", **(env or {})}
    if home is not None:  # the demo vault and settings in the test's own folders
        environ |= {"XDG_DATA_HOME": str(home / "data"), "XDG_CONFIG_HOME": str(home / "cfg")}
    return subprocess.run([sys.executable, "-c", _RUNNER, str(policy), *args],
                          capture_output=True, text=True, env=environ,
                          stdin=subprocess.DEVNULL, timeout=300)


@pytest.fixture
def use_policy(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    def use(text: str, mode: int = 0o644) -> Path:
        path = write_policy(tmp_path / "etc", text, mode)
        monkeypatch.setattr(config, "POLICY_FILE", path)
        return path

    return use


def test_no_file_is_no_policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(config, "POLICY_FILE", tmp_path / "missing.ini")
    policy = config.policy()
    assert not policy.present and not policy.broken and policy.demo_allowed
    assert policy.longest_idle() is None and idle_minutes(30) == 30


def test_policy_beats_the_environment_and_the_users_choice(
        use_policy: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIMDESK_LANG", "ar")
    assert config.load().language == "ar" and i18n.default_language() == "ar"
    use_policy("[app]\nlanguage = uk\nidle_lock_minutes = 3\n")
    assert config.load().language == "uk"
    assert i18n.default_language() == "uk"  # gettext's language without an active one
    assert idle_minutes(30) == 3 and idle_minutes(2) == 2  # shorter yes, longer never


@pytest.mark.parametrize(("text", "mode", "reason"), [
    ("[app\ndemo = false\n", 0o644, "not an INI file"),
    ("demo = false\n", 0o644, "not an INI file"),  # no section
    ("[app]\ndemo = false\ndemo = true\n", 0o644, "not an INI file"),  # twice
    ("[app]\ndemo = nein\n", 0o644, "[app] demo cannot be \"nein\""),
    ("[app]\nidle_lock_minutes = 90\n", 0o644, "idle_lock_minutes cannot be \"90\""),
    ("[sync]\nfingerprint = AB:CD\n", 0o644, "[sync] fingerprint cannot be"),
    ("[sync]\nserver = kim.example.de\n", 0o644, "[sync] server cannot be"),
    ("[app]\ndemmo = false\n", 0o644, "unknown setting [app] demmo"),
    ("[App]\ndemo = false\n", 0o644, "unknown setting [App] demo"),
    ("[app]\ndemo = false\n", 0o666, "other accounts can change it: mode 0666"),
    ("[app]\ndemo = false\n", 0o664, "other accounts can change it: mode 0664"),
])
def test_a_broken_file_fails_closed(use_policy: Any, text: str, mode: int, reason: str) -> None:
    path = use_policy(text, mode)
    policy = config.policy()
    assert policy.broken and not policy.demo_allowed and policy.demo is None
    assert policy.longest_idle() == config.DEFAULT_IDLE_MINUTES  # not "no limit"
    with pytest.raises(PolicyRefused) as refused:
        require_demo_allowed()
    line = refused.value.translated()
    assert "\n" not in line and str(path) in line and reason in line


def test_a_file_of_another_owner_or_in_an_open_folder_fails_closed(use_policy: Any) -> None:
    path = use_policy("[app]\ndemo = true\n")
    os.chown(path, 1000, 1000)  # the suite runs as root (the file's owner must be root)
    assert config.policy().problem == config.REASON_OWNER
    os.chown(path, 0, 0)
    path.parent.chmod(0o777)  # anyone could put another file there
    assert config.policy().problem == config.REASON_WRITABLE
    path.parent.chmod(0o755)
    assert config.policy().demo is True and not config.policy().broken
    path.chmod(0o000)  # root reads it anyway; a directory in its place cannot be read
    path.unlink()
    path.mkdir()
    assert config.policy().problem == config.REASON_UNREADABLE


def test_the_line_is_translated(use_policy: Any) -> None:
    use_policy("[app]\ndemo = false\nfoo = 1\n")
    with i18n.language("de"), pytest.raises(PolicyRefused) as refused:
        require_demo_allowed()
    with i18n.language("de"):
        text = refused.value.translated()
    assert "Geräterichtlinie" in text and "foo" in text, text
    with i18n.language("ar"):  # the path stays left-to-right in an Arabic line
        assert f"\u2066{config.POLICY_FILE}\u2069" in refused.value.translated()


def test_demo_refused_on_the_command_line(tmp_path: Path) -> None:
    policy = write_policy(tmp_path / "etc", "[app]\ndemo = false\n")
    res = kimdesk(policy, "--demo", home=tmp_path)
    assert res.returncode == 2
    assert res.stderr.strip().count("\n") == 0 and str(policy) in res.stderr
    assert "Traceback" not in res.stderr and "switched off" in res.stderr
    assert not (tmp_path / "data").exists() or not list((tmp_path / "data").rglob("*.kdb"))
    vault = tmp_path / "v.kdb"
    assert kimdesk(policy, "init", "--vault", str(vault)).returncode == 0
    res = kimdesk(policy, "demo", "--vault", str(vault), "--cases", "3")
    assert res.returncode == 2 and "switched off" in res.stderr
    broken = write_policy(tmp_path / "etc2", "[app]\ndemo = false\n", 0o646)
    res = kimdesk(broken, "--demo", home=tmp_path, lang="tr")
    assert res.returncode == 2 and str(broken) in res.stderr and "0646" in res.stderr
    assert res.stderr.strip().count("\n") == 0 and "Traceback" not in res.stderr


def test_enrolling_with_another_server_is_refused(tmp_path: Path,
                                                  sqlite_server: Any) -> None:  # noqa: F811
    vault = tmp_path / "v.kdb"
    other = write_policy(tmp_path / "etc", "[sync]\nserver = https://kim.kreis.example\n")
    assert kimdesk(other, "init", "--vault", str(vault)).returncode == 0
    code = sqlite_server.service.create_enroll_code("Team Nord")
    res = kimdesk(other, "enroll", "--vault", str(vault), "--server", sqlite_server.url,
                  "--code", code)
    assert res.returncode == 2, res.stderr
    assert "https://kim.kreis.example" in res.stderr and str(other) in res.stderr
    assert res.stderr.strip().count("\n") == 0 and "Traceback" not in res.stderr
    assert sqlite_server.service.list_devices() == []  # the code was never sent
    # it still enrolls with the server the policy names
    this = write_policy(tmp_path / "etc2", f"[sync]\nserver = {sqlite_server.url}/\n")
    res = kimdesk(this, "enroll", "--vault", str(vault), "--server", sqlite_server.url,
                  "--code", code)
    assert res.returncode == 0, res.stderr
    assert kimdesk(this, "sync", "--vault", str(vault)).returncode == 0
    # a policy that names another server later: sync refused, nothing lost
    res = kimdesk(other, "sync", "--vault", str(vault))
    assert res.returncode == 2 and "https://kim.kreis.example" in res.stderr
    broken = write_policy(tmp_path / "etc3", "[sync]\nserver = \n")
    res = kimdesk(broken, "sync", "--vault", str(vault), lang="de")
    assert res.returncode == 2 and str(broken) in res.stderr and "Traceback" not in res.stderr


def test_doctor_lists_the_policy_and_reports_one_others_can_write(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    root.chmod(0o755)
    env = {"KIMDESK_VAULT": str(tmp_path / "v.kdb"), "KIMDESK_SETTINGS": str(tmp_path / "s.ini")}
    none = kimdesk(Path("/etc/kimdesk/policy.ini"), "doctor", "--root", str(root), env=env)
    assert "[ok] Machine policy: no machine policy (/etc/kimdesk/policy.ini)" in none.stdout
    policy = write_policy(root / "etc" / "kimdesk",
                          "[app]\ndemo = false\nidle_lock_minutes = 4\n"
                          "[sync]\nserver = https://kim.kreis.example\n")
    res = kimdesk(Path("/etc/kimdesk/policy.ini"), "doctor", "--root", str(root), env=env)
    assert ("[ok] Machine policy: /etc/kimdesk/policy.ini is in force: [app] demo = false; "
            "[app] idle_lock_minutes = 4; [sync] server = https://kim.kreis.example") \
        in res.stdout, res.stdout
    policy.chmod(0o666)
    res = kimdesk(Path("/etc/kimdesk/policy.ini"), "doctor", "--root", str(root), "--json",
                  env=env)
    import json

    found = [f for f in json.loads(res.stdout) if f["item"] == "policy"]
    assert found[0]["status"] == "open" and "mode 0666" in found[0]["text"]
    assert res.returncode == 1


def test_the_same_server_written_otherwise() -> None:
    from kimdesk.policy import same_server

    assert same_server("https://Kim.example.de/v1/", "https://kim.example.de")
    assert same_server("https://kim.example.de:443", "https://kim.example.de")
    assert not same_server("https://kim.example.de:8443", "https://kim.example.de")
    assert not same_server("https://kim.example.de.evil.example", "https://kim.example.de")
    assert not same_server("https://kim.example.de/other", "https://kim.example.de")
    assert not same_server("http://kim.example.de", "https://kim.example.de")
