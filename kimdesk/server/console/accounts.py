"""Console accounts (revision 0013): a name, its roles, an Argon2id password hash and a TOTP
secret; created by ``kimdesk server console-user add``.

Why a TOTP code beside the password: the console revokes devices and hands out enrollment codes,
and the administration network is shared with everything else the municipality runs; a
password caught there (or reused elsewhere) alone does not sign in. A code is accepted once:
the account keeps the last time step used (``totp_last_step``), so a code read over a shoulder
or from a proxy's log is no second sign-in.

What is stored is enough to check, not to sign in: the password as argon2-cffi's
:class:`~argon2.PasswordHasher` hash. The TOTP secret has to be stored as it is (the server
computes the codes), so a copy of the database gives the second factor but not the first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Connection, Engine, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from kimdesk.errors import KimdeskError
from kimdesk.i18n import N_
from kimdesk.server import audit_trail, db
from kimdesk.server.common import now_iso

#: A name: what an administrator types at the sign-in and what the audit trail names.
#: ASCII letters, digits, ``.``, ``_`` and ``-``: it is shown in pages, log lines and audit
#: rows, where a control or bidirectional character would hide what it says.
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
#: The shortest password: the console is reachable from the administration network.
MIN_PASSWORD = 12
#: The longest: Argon2 hashes any length, but a megabyte "password" costs a request's memory.
MAX_PASSWORD = 1024
#: TOTP: 30-second steps, 6 digits (what every authenticator app does); one step either side
#: accepted for a clock a little off.
STEP_SECONDS = 30
ISSUER = "KIMdesk console"


class Role(StrEnum):
    IT = "it"  # municipal IT: devices, enrollment codes, revocation
    DPO = "dpo"  # the data-protection officer (Datenschutzbeauftragte): not built yet
    COORDINATION = "coordination"  # the coordination office: not built yet


class AccountRefused(KimdeskError):
    """An account that cannot be created as asked: one translated line, exit code 2; nothing
    was changed."""

    exit_code = 2


@dataclass(frozen=True)
class Account:
    name: str
    roles: frozenset[Role]


def account_name(text: str) -> str:
    if not NAME.fullmatch(text):
        raise AccountRefused(N_("Not a console account name: {name}. Use 1 to 64 letters "
                                "(A-Z, a-z), digits, \".\", \"_\" or \"-\", starting with a "
                                "letter or digit."), name=text[:80])
    return text


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountRefused(N_("The password is too short: at least {n} characters."),
                             n=MIN_PASSWORD)
    if len(password) > MAX_PASSWORD:
        raise AccountRefused(N_("The password is too long: at most {n} characters."),
                             n=MAX_PASSWORD)
    return password


def add(engine: Engine, name: str, role: Role, password: str, *, actor: str | None = None
        ) -> str:
    """A new account; its TOTP secret (base32), which is shown once. Refused: a name that is
    taken, a password too short."""
    import pyotp
    from argon2 import PasswordHasher

    account_name(name)
    check_password(password)
    secret = pyotp.random_base32()
    try:
        with engine.begin() as conn:
            conn.execute(insert(db.console_accounts).values(
                name=name, roles=role.value, password_hash=PasswordHasher().hash(password),
                totp_secret=secret, totp_last_step=None, created_at=now_iso(),
                disabled_at=None))
            audit_trail.append(conn, audit_trail.Actor.ADMIN, actor or audit_trail.admin(),
                               audit_trail.Action.CONSOLE_ACCOUNT_ADD, audit_trail.SERVER_CHAIN,
                               {"console_accounts": [name]}, detail={"roles": [role.value]})
    except IntegrityError:
        raise AccountRefused(N_("A console account {name} exists already."),
                             name=name) from None
    return secret


def provisioning_uri(name: str, secret: str) -> str:
    """The ``otpauth://`` URI an authenticator app reads (as a QR code or typed)."""
    import pyotp

    return pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name=ISSUER)


class Refusal(StrEnum):
    """Why a sign-in was refused (the audit row's ``detail``; the page says one thing for all,
    so that it tells an attacker nothing)."""

    UNKNOWN = "unknown_account"
    DISABLED = "disabled"
    PASSWORD = "password"
    TOTP = "totp"


def sign_in(engine: Engine, name: str, password: str, code: str, now: datetime
            ) -> Account | Refusal:
    """The account, when ``password`` and the TOTP ``code`` are right (the code's step is
    stored: never accepted again); else why not.

    The password is checked outside any transaction (Argon2 takes a tenth of a second on
    purpose; on SQLite a write transaction would hold the lock the devices' pushes wait for),
    and for an unknown name too, against a dummy hash, so that the time taken does not tell
    which names exist. The step is then written only if it is newer than the stored one and
    the account is still enabled: of two sign-ins with the same code, one wins."""
    from argon2 import PasswordHasher
    from argon2.exceptions import InvalidHashError, VerificationError

    a = db.console_accounts.c
    with db.reading(engine) as conn:
        row = conn.execute(select(db.console_accounts).where(a.name == name)).first()
    try:
        PasswordHasher().verify(row.password_hash if row is not None else _dummy_hash(),
                                password[:MAX_PASSWORD])
        password_ok = True
    except (VerificationError, InvalidHashError):
        password_ok = False
    if row is None:
        return Refusal.UNKNOWN
    if row.disabled_at is not None:
        return Refusal.DISABLED
    if not password_ok:
        return Refusal.PASSWORD
    step = totp_step(row.totp_secret, code, now)
    if step is None:
        return Refusal.TOTP
    with engine.begin() as conn:
        used = conn.execute(update(db.console_accounts).where(
            a.name == name, a.disabled_at.is_(None),
            or_(a.totp_last_step.is_(None), a.totp_last_step < step))
            .values(totp_last_step=step))
    if used.rowcount != 1:  # this code (or a later one) was used already
        return Refusal.TOTP
    return Account(row.name, roles(row.roles))


def exists(conn: Connection, name: str) -> bool:
    """Whether an account of this name exists (an audit row names only such a name: what an
    attacker types as a name may be someone's password)."""
    a = db.console_accounts.c
    return conn.execute(select(a.name).where(a.name == name)).first() is not None


def totp_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step whose code ``code`` is (now, one before or one after), else None."""
    import hmac

    import pyotp

    code = code.strip().replace(" ", "")
    if not (code.isascii() and code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // STEP_SECONDS
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def roles(text: str) -> frozenset[Role]:
    """The stored roles (comma-separated); an unknown one is left out (a later release's)."""
    known = {r.value for r in Role}
    return frozenset(Role(r) for r in text.split(",") if r in known)


def active(conn: Connection, name: str) -> Account | None:
    """The account of a session, when it still exists and is not disabled."""
    a = db.console_accounts.c
    row = conn.execute(select(a.name, a.roles).where(
        a.name == name, a.disabled_at.is_(None))).first()
    return Account(row.name, roles(row.roles)) if row is not None else None


_DUMMY: list[str] = []


def _dummy_hash() -> str:
    from argon2 import PasswordHasher

    if not _DUMMY:
        _DUMMY.append(PasswordHasher().hash("not a password of any account"))
    return _DUMMY[0]
