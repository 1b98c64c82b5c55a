"""``[app] demo = false`` on the command line beyond ``--demo`` and ``kimdesk demo``: any vault
the demo's public passphrase opens is a demo vault (the app refuses it at unlock). Before
(a review, 2026-12-07): ``kimdesk init`` made such a vault, ``passwd`` gave a real vault the
public passphrase, and ``search``, ``show``, ``check`` and the others opened one, all exit 0."""

from __future__ import annotations

from pathlib import Path

from kimdesk.config import DEMO_PASSPHRASE
from tests.test_policy import kimdesk, write_policy


def _refused(res: object, policy: Path) -> None:
    stderr = res.stderr  # type: ignore[attr-defined]
    assert res.returncode == 2, stderr  # type: ignore[attr-defined]
    assert stderr.strip().count("\n") == 0 and "Traceback" not in stderr
    assert "switched off" in stderr and str(policy) in stderr


def test_no_vault_with_the_demo_passphrase_while_the_demo_is_off(tmp_path: Path,
                                                                 make_vault: object) -> None:
    from kimdesk.vault import Vault

    policy = write_policy(tmp_path / "etc", "[app]\ndemo = false\n")
    public = {"KIMDESK_PASSPHRASE": DEMO_PASSPHRASE, "KIMDESK_NEW_PASSPHRASE": DEMO_PASSPHRASE}
    made = tmp_path / "new.kdb"
    _refused(kimdesk(policy, "init", "--vault", str(made), env=public), policy)
    assert not made.exists()
    # a demo vault from before the policy: no command opens it
    old = tmp_path / "demo.kdb"
    Vault.create(old, DEMO_PASSPHRASE, counselor="demo", team="Team Nord").close()
    for command in (["check"], ["search", "Ayse"], ["appointments", "list"]):
        _refused(kimdesk(policy, *command, "--vault", str(old), env=public), policy)
    # a real vault is not given the public passphrase
    real = tmp_path / "real.kdb"
    assert kimdesk(policy, "init", "--vault", str(real)).returncode == 0
    res = kimdesk(policy, "passwd", "--vault", str(real),
                  env={"KIMDESK_NEW_PASSPHRASE": DEMO_PASSPHRASE})
    _refused(res, policy)
    assert kimdesk(policy, "check", "--vault", str(real)).returncode == 0  # the old one opens
    # without the policy all of it works as before
    free = write_policy(tmp_path / "etc2", "[app]\ndemo = true\n")
    assert kimdesk(free, "check", "--vault", str(old), env=public).returncode == 0
