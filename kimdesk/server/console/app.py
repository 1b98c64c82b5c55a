"""The console's routes: sign-in and sign-out, and municipal IT's pages (devices, revoking
one, an enrollment code). The DPO's and the coordination office's pages are not built yet:
their accounts sign in and see a page that says so; every IT page answers them 403.

Every answer carries the headers of :mod:`.pages`. A page asked without a session redirects to
the sign-in (303); a POST without one is answered 401, and a POST without its form's CSRF token
403, before anything is done. The session id travels in the cookie only (``HttpOnly``,
``Secure``, ``SameSite=Strict``, ``__Host-``: sent only to this host, over HTTPS, never
readable by a script), never in a URL: every redirect goes to a fixed path.

The actions call the functions the ``kimdesk server`` commands call
(:func:`kimdesk.server.devices.list_devices`, :func:`~kimdesk.server.devices.revoke`,
:func:`~kimdesk.server.devices.create_enroll_code`), with the console account as the audit
row's actor (``console``). Sign-ins, failed ones too, and sign-outs have rows of their own in
the server's chain: the account's name (only of an account that exists) and the browser's
address, never what was typed as a password or code, nor a session id.
"""

from __future__ import annotations

import logging
import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Form, Request
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import FileResponse, RedirectResponse, Response

from kimdesk import i18n
from kimdesk.errors import KimdeskError
from kimdesk.server import LAST_SEEN_MINUTES, audit_trail, db, devices, log_privacy
from kimdesk.server.console import accounts, csrf, pages, sessions
from kimdesk.server.console.accounts import Account, Role
from kimdesk.server.console.throttle import Throttle

#: The session cookie; ``__Host-``: the browser takes it only with ``Secure``, ``Path=/`` and
#: no ``Domain``, so no other host (a sibling under the same domain) can set or read it.
SESSION_COOKIE = "__Host-kimdesk-console"
#: The sign-in form's own secret (its CSRF token is derived from it), before a session exists.
LOGIN_COOKIE = "__Host-kimdesk-console-login"
Clock = Callable[[], datetime]

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Console:
    """What the routes share: the database, the clock (the tests set it, never sleep) and the
    failed sign-ins."""

    engine: Any
    now: Clock
    throttle: Throttle


@dataclass(frozen=True)
class Visit:
    """A request of a signed-in browser: its account and session id (never shown: the forms
    carry the token derived from it)."""

    account: Account
    session_id: str

    @property
    def csrf_token(self) -> str:
        return csrf.token(self.session_id)


def _cookie(response: Response, name: str, value: str, max_age: int | None) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/", secure=True, httponly=True,
                        samesite="strict")


def create_console(engine: Any, *, now: Clock = utc_now) -> FastAPI:
    """The console's ASGI app on ``engine`` (at the newest schema: the caller migrates)."""
    log_privacy.install()
    console = Console(engine, now, Throttle())
    app = FastAPI(title="KIMdesk console", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.console = console

    @app.middleware("http")
    async def _headers(request: Request, call_next: Any) -> Response:
        # the page's language for everything the request translates (the route runs in a copy
        # of this context: on a worker thread too)
        with i18n.language(pages.language(request)):
            if request.method == "POST" and not _small_form(request):
                response: Response = pages.render(request, "notice.html", 413, account=None,
                                                  message=pages.t("bad_form"), error=True,
                                                  back=False)
            else:
                response = await call_next(request)
        for key, value in pages.HEADERS.items():
            response.headers.setdefault(key, value)
        return response

    _add_outage_handler(app)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return pages.render(request, "notice.html", exc.status_code, account=None,
                            message=pages.t("not_found") if exc.status_code == 404 else
                            str(exc.detail), error=True, back=False)

    _add_sign_in(app, console)
    _add_it_pages(app, console)
    return app


#: The largest form body read: the console's forms are a few hundred bytes. A POST without a
#: length (chunked), or with a larger one, is refused before it is read (a browser sends a
#: form's length; the proxy caps bodies too, but the console's port may be reached directly).
MAX_FORM_BYTES = 16 * 1024


def _small_form(request: Request) -> bool:
    try:
        return 0 <= int(request.headers.get("content-length", "")) <= MAX_FORM_BYTES
    except ValueError:
        return False


def _add_outage_handler(app: FastAPI) -> None:
    """A database that is down, full or locked (:mod:`kimdesk.server.outage`): a page saying
    so, 503, and one log line, as the sync server answers a device; anything else is a bug
    (500, with its traceback but without its text: :mod:`kimdesk.server.log_privacy`)."""
    from kimdesk.server.outage import diagnosis, outage_types

    async def outage(request: Request, exc: Exception) -> Response:
        what = diagnosis(exc)
        if what is None:
            raise exc
        log.warning("database unavailable: %s; console %s %s answered 503", what,
                    request.method, request.url.path)
        return pages.render(request, "notice.html", 503, account=None,
                            message=pages.t("unavailable"), error=True, back=False)

    for kind in outage_types():
        app.add_exception_handler(kind, outage)


def _visit(request: Request, console: Console) -> Visit | None:
    """The signed-in account of this request, or None (no, an unknown or an ended session; a
    disabled account)."""
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id:
        return None
    with console.engine.begin() as conn:
        name = sessions.current(conn, session_id, console.now())
        account = accounts.active(conn, name) if name is not None else None
        if name is not None and account is None:  # disabled meanwhile: the session ends
            sessions.end(conn, session_id)
    return Visit(account, session_id) if account is not None else None


def _address(request: Request) -> str:
    return request.client.host if request.client else ""


def _notice(request: Request, status: int, message: str, visit: Visit | None = None, *,
            back: bool = False) -> Response:
    return pages.render(request, "notice.html", status, account=visit and visit.account,
                        csrf_token=visit.csrf_token if visit else "", message=message,
                        error=status >= 400, back=back)


def _add_sign_in(app: FastAPI, console: Console) -> None:
    def login_page(request: Request, message: str = "", status: int = 200) -> Response:
        secret = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(32)
        response = pages.render(request, "login.html", status, account=None, message=message,
                                csrf_token=csrf.token(secret))
        _cookie(response, LOGIN_COOKIE, secret, None)
        return response

    @app.get("/login")
    def login_form(request: Request) -> Response:
        return login_page(request)

    @app.post("/login")
    def login(request: Request, name: str = Form(""), password: str = Form(""),
              totp: str = Form(""), csrf_token: str = Form("")) -> Response:
        if not csrf.valid(request.cookies.get(LOGIN_COOKIE), csrf_token):
            return login_page(request, pages.t("bad_form"), 403)
        now, address = console.now(), _address(request)
        keys = ("name:" + name[:64], "address:" + address)
        wait = console.throttle.wait(keys, now)
        outcome: Account | accounts.Refusal | str
        outcome = "throttled" if wait is not None else accounts.sign_in(
            console.engine, name, password, totp, now)
        if not isinstance(outcome, Account):
            if wait is None:  # a try refused unchecked does not lengthen the wait
                console.throttle.failed(keys, now)
            with console.engine.begin() as conn:
                known = accounts.exists(conn, name)
                audit_trail.append(conn, audit_trail.Actor.CONSOLE, name if known else "",
                                   audit_trail.Action.CONSOLE_LOGIN_FAILED,
                                   audit_trail.SERVER_CHAIN, None,
                                   detail={"reason": str(outcome), "address": address})
            if wait is not None:
                return login_page(request, pages.t(
                    "throttled", seconds=math.ceil(wait.total_seconds())), 429)
            return login_page(request, pages.t("refused"), 401)
        console.throttle.succeeded("name:" + outcome.name)
        with console.engine.begin() as conn:
            earlier = request.cookies.get(SESSION_COOKIE)
            if earlier:  # a browser signing in again leaves no session of its own behind
                sessions.end(conn, earlier)
            session_id = sessions.create(conn, outcome.name, now)
            audit_trail.append(conn, audit_trail.Actor.CONSOLE, outcome.name,
                               audit_trail.Action.CONSOLE_LOGIN, audit_trail.SERVER_CHAIN,
                               None, detail={"address": address})
        response = RedirectResponse("/", status_code=303)
        _cookie(response, SESSION_COOKIE, session_id, int(sessions.LONGEST.total_seconds()))
        response.delete_cookie(LOGIN_COOKIE, path="/", secure=True, httponly=True,
                               samesite="strict")
        return response

    @app.post("/logout")
    def logout(request: Request, csrf_token: str = Form("")) -> Response:
        visit = _visit(request, console)
        if visit is None:
            return _notice(request, 401, pages.t("bad_form"))
        if not csrf.valid(visit.session_id, csrf_token):
            return _notice(request, 403, pages.t("bad_form"), visit)
        with console.engine.begin() as conn:
            sessions.end(conn, visit.session_id)
            audit_trail.append(conn, audit_trail.Actor.CONSOLE, visit.account.name,
                               audit_trail.Action.CONSOLE_LOGOUT, audit_trail.SERVER_CHAIN,
                               None, detail={"address": _address(request)})
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/", secure=True, httponly=True,
                               samesite="strict")
        return response

    @app.get("/console.css")
    def stylesheet() -> Response:
        return FileResponse(Path(pages.TEMPLATES) / "console.css", media_type="text/css")


def _it_visit(request: Request, console: Console, *, post: bool, csrf_token: str = ""
              ) -> Visit | Response:
    """The visit of an IT account, else the answer: to the sign-in (a page), 401 (a POST),
    403 (a form without its token; another role)."""
    visit = _visit(request, console)
    if visit is None:
        return (_notice(request, 401, pages.t("bad_form")) if post else
                RedirectResponse("/login", status_code=303))
    if post and not csrf.valid(visit.session_id, csrf_token):
        return _notice(request, 403, pages.t("bad_form"), visit)
    if Role.IT not in visit.account.roles:
        return _notice(request, 403, pages.t("forbidden"), visit)
    return visit


def _device_list(request: Request, console: Console, visit: Visit, message: str = "",
                 status: int = 200) -> Response:
    """The devices, as ``kimdesk server devices`` lists them (no record content: ids, team,
    device and staff names, times)."""
    return pages.render(request, "devices.html", status, account=visit.account,
                        csrf_token=visit.csrf_token, minutes=LAST_SEEN_MINUTES,
                        devices=devices.list_devices(console.engine), message=message,
                        error=status >= 400)


def _add_it_pages(app: FastAPI, console: Console) -> None:
    @app.get("/")
    def home(request: Request) -> Response:
        visit = _visit(request, console)
        if visit is None:
            return RedirectResponse("/login", status_code=303)
        if Role.IT in visit.account.roles:
            return RedirectResponse("/devices", status_code=303)
        roles = ", ".join(sorted(r.value for r in visit.account.roles))
        return _notice(request, 200, pages.t("not_built", roles=roles), visit)

    @app.get("/devices")
    def device_page(request: Request) -> Response:
        visit = _it_visit(request, console, post=False)
        return visit if isinstance(visit, Response) else _device_list(request, console, visit)

    @app.post("/devices/revoke")
    def revoke(request: Request, device: str = Form(""), csrf_token: str = Form("")
               ) -> Response:
        visit = _it_visit(request, console, post=True, csrf_token=csrf_token)
        if isinstance(visit, Response):
            return visit
        device = device.strip()[:200]
        if devices.revoke(console.engine, device, actor=visit.account.name,
                          actor_kind=audit_trail.Actor.CONSOLE):
            return _device_list(request, console, visit, pages.t("revoked_done", device=device))
        return _device_list(request, console, visit, pages.t("revoke_none", device=device), 404)

    @app.post("/enroll-code")
    def enroll_code(request: Request, team: str = Form(""), csrf_token: str = Form("")
                    ) -> Response:
        visit = _it_visit(request, console, post=True, csrf_token=csrf_token)
        if isinstance(visit, Response):
            return visit
        team = team.strip()
        try:
            code = devices.create_enroll_code(console.engine, team, actor=visit.account.name,
                                              actor_kind=audit_trail.Actor.CONSOLE)
        except KimdeskError as exc:  # an empty or too long team name
            return _device_list(request, console, visit, exc.translated(), 400)
        return pages.render(request, "enroll_code.html", account=visit.account,
                            csrf_token=visit.csrf_token, team=team, code=code)


def open_console(url: str, *, now: Clock = utc_now) -> FastAPI:
    """The console on the database at ``url``, migrated to the newest schema."""
    from kimdesk.server.migrate import upgrade

    engine = db.make_engine(url)
    upgrade(engine)
    return create_console(engine, now=now)
