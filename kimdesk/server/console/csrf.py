"""A form's CSRF token: every form carries one, every POST is refused without the right one.

The token is derived from a secret the browser holds only in an ``HttpOnly`` cookie: the
session id once signed in, a random sign-in cookie before (the sign-in form is protected too,
so that another site cannot sign a browser in to an account of its choosing). A page of
another site can make the browser send the cookie (``SameSite=Strict`` already stops that in
current browsers: this is the second lock) but cannot read a page to learn the token.

An HMAC with a key of its own (``csrf``): the token, which stands in the page, tells nothing
about the session id, and is not the hash under which the session is stored.
"""

from __future__ import annotations

import hashlib
import hmac

FIELD = "csrf_token"


def token(secret: str) -> str:
    return hmac.new(b"kimdesk-console-csrf", secret.encode("utf-8", "replace"),
                    hashlib.sha256).hexdigest()


def valid(secret: str | None, given: str | None) -> bool:
    """Whether the form's ``given`` token belongs to the cookie's ``secret``."""
    if not secret or not given:
        return False
    return hmac.compare_digest(token(secret), given)
