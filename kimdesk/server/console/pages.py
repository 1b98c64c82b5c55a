"""Rendering: Jinja2 with autoescaping on for every template, the security headers every
answer carries, and the language of a page.

The headers: ``Content-Security-Policy: default-src 'self'`` (no script, style or frame from
anywhere else, and no inline script: the pages have none), ``X-Frame-Options: DENY`` (no page
inside another site's frame), ``Referrer-Policy: no-referrer``, ``Cache-Control: no-store`` (a
shown enrollment code or device list is not kept in a browser's or proxy's cache), and
``X-Content-Type-Options: nosniff``.

The language: German or English, as the browser's ``Accept-Language`` asks first (municipal
IT's languages; the sign-in page too), else the server's (``KIMDESK_LANG``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse

from kimdesk import i18n
from kimdesk.server.console.words import WORDS

HEADERS = {
    "Content-Security-Policy": "default-src 'self'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}
LANGUAGES = ("de", "en")
TEMPLATES = Path(__file__).resolve().parent / "templates"


def _environment() -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    # autoescape for every template, whatever its name: a device's or staff member's name is
    # typed by someone else and shown here
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True,
                       undefined=StrictUndefined)


_ENV: list[Any] = []


def environment() -> Any:
    if not _ENV:
        _ENV.append(_environment())
    return _ENV[0]


def language(request: Request) -> str:
    """``de`` or ``en`` from ``Accept-Language`` (the first of them named), else the server's."""
    for part in request.headers.get("accept-language", "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGUAGES:
            return tag
    default = i18n.default_language()
    return default if default in LANGUAGES else "de"


def t(key: str, **params: Any) -> str:
    text = i18n.gettext(WORDS[key])
    return text.format(**params) if params else text


def render(request: Request, template: str, status: int = 200, **context: Any
           ) -> HTMLResponse:
    lang = language(request)
    with i18n.language(lang):
        html = environment().get_template(template).render(t=t, lang=lang, **context)
    return HTMLResponse(html, status_code=status, headers=HEADERS)
