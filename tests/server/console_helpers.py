"""The browser console's test harness: a real uvicorn on 127.0.0.1 serving
:func:`kimdesk.server.console.app.create_console` on a migrated database, a clock the test sets
(never a sleep), an account per role, and a browser that signs in through the real form.

The browser keeps the session cookie itself: httpx (like the standard library's cookie jar)
sends a ``Secure`` cookie over HTTPS only, and the console's cookies are all ``Secure``
(browsers send them to http://127.0.0.1 and http://localhost too: those count as secure)."""

from __future__ import annotations

import html.parser
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pyotp
from sqlalchemy import Engine, text

from kimdesk.server.console import accounts
from kimdesk.server.console.app import LOGIN_COOKIE, SESSION_COOKIE, create_console
from kimdesk.server.embedded import listen_socket, uvicorn_config

PASSWORD = "Korrekt-Pferd-Batterie-7"
ROLES = ("it", "dpo", "coordination")


class Clock:
    """The console's now(): set by the test."""

    def __init__(self) -> None:
        self.at = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **kw: float) -> None:
        self.at += timedelta(**kw)


@dataclass
class ConsoleServer:
    engine: Engine
    clock: Clock
    url: str = ""
    secrets: dict[str, str] = field(default_factory=dict)
    _server: Any = None
    _thread: threading.Thread | None = None

    def start(self) -> ConsoleServer:
        import uvicorn

        app = create_console(self.engine, now=self.clock)
        sock = listen_socket("127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        self._server = uvicorn.Server(uvicorn_config(app, timeout_graceful_shutdown=2))
        self._server.install_signal_handlers = lambda: None
        self._thread = threading.Thread(target=lambda: self._server.run(sockets=[sock]),
                                        daemon=True)
        self._thread.start()
        for _ in range(2000):
            if self._server.started:
                break
            time.sleep(0.01)
        assert self._server.started
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)

    def code(self, name: str) -> str:
        """The account's TOTP code now (a new step each time: a code is used once)."""
        self.clock.advance(seconds=30)
        if name not in self.secrets:  # no such account: any code
            return "123456"
        return pyotp.TOTP(self.secrets[name]).at(self.clock())

    def rows(self, sql: str) -> list[Any]:
        with self.engine.connect() as conn:
            return list(conn.execute(text(sql)))


def with_accounts(engine: Engine, clock: Clock) -> Iterator[ConsoleServer]:
    server = ConsoleServer(engine, clock)
    for role in ROLES:
        server.secrets[role] = accounts.add(engine, role, accounts.Role(role), PASSWORD,
                                            actor="test")
    server.start()
    try:
        yield server
    finally:
        server.stop()


class _Forms(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tokens: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "input" and a.get("name") == "csrf_token":
            self.tokens.append(a.get("value") or "")
        for key in ("href", "action", "src"):
            if a.get(key):
                self.links.append(str(a[key]))


def parse(page: str) -> _Forms:
    forms = _Forms()
    forms.feed(page)
    return forms


def set_cookies(response: httpx.Response) -> dict[str, str]:
    """Each ``Set-Cookie`` of the answer by name: the whole header line."""
    return {line.split("=", 1)[0]: line for line in response.headers.get_list("set-cookie")}


def cookie_value(line: str) -> str:
    return line.split("=", 1)[1].split(";", 1)[0]


class Browser:
    """One browser: its cookies, every answer it got (for the scans)."""

    def __init__(self, server: ConsoleServer, lang: str = "en") -> None:
        self.server = server
        self.http = httpx.Client(base_url=server.url, follow_redirects=False, timeout=30,
                                 headers={"Accept-Language": lang})
        self.cookies: dict[str, str] = {}
        self.seen: list[httpx.Response] = []

    def _send(self, method: str, path: str, data: dict[str, str] | None = None
              ) -> httpx.Response:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        r = self.http.request(method, path, data=data,
                              headers={"Cookie": cookie} if cookie else {})
        for name, line in set_cookies(r).items():
            value = cookie_value(line)
            if value and "max-age=0" not in line.lower():
                self.cookies[name] = value
            else:
                self.cookies.pop(name, None)
        self.seen.append(r)
        return r

    def get(self, path: str) -> httpx.Response:
        return self._send("GET", path)

    def post(self, path: str, data: dict[str, str]) -> httpx.Response:
        return self._send("POST", path, data)

    def token(self, path: str = "/devices") -> str:
        """The CSRF token of the forms of the page at ``path``."""
        tokens = set(parse(self.get(path).text).tokens)
        assert len(tokens) == 1, tokens
        return tokens.pop()

    def sign_in(self, name: str, *, password: str = PASSWORD, code: str | None = None
                ) -> httpx.Response:
        token = self.token("/login")
        return self.post("/login", {"name": name, "password": password,
                                    "totp": code or self.server.code(name),
                                    "csrf_token": token})

    @property
    def session(self) -> str:
        return self.cookies.get(SESSION_COOKIE, "")

    def close(self) -> None:
        self.http.close()


def words(page: str) -> str:
    """A page's text without tags, blanks collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


__all__ = ["LOGIN_COOKIE", "SESSION_COOKIE", "Browser", "Clock", "ConsoleServer", "parse",
           "set_cookies", "with_accounts", "words"]
