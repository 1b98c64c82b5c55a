"""A refusal tells the counselor what to do, in their language; the server's own words (English,
technical) come last, for the administrator. Before (left open by the sync GUI review,
2026-12-06), the message was "The sync server refused the request: 422 malformed ..." alone."""

from __future__ import annotations

import httpx
import pytest

from kimdesk.i18n import language
from kimdesk.sync.errors import ServerRefused
from kimdesk.sync.transport import Transport


def _refused(status: int, code: str, detail: str) -> ServerRefused:
    body = {"error": code, "detail": detail}
    client = httpx.Client(transport=httpx.MockTransport(
        lambda request: httpx.Response(status, json=body)))
    with pytest.raises(ServerRefused) as refused:
        Transport("http://127.0.0.1:9", client=client).whoami()
    return refused.value


@pytest.mark.parametrize(("status", "code", "advice"), [
    (422, "malformed", "If syncing again does not help, tell your administrator."),
    (413, "too_large", "If syncing again does not help, tell your administrator."),
    (401, "unauthorized", "again with a new one-time code from your administrator"),
    (400, "unsupported_protocol", "Ask your administrator for the matching version."),
])
def test_a_refusal_says_what_to_do_and_keeps_the_detail_for_the_administrator(
        status: int, code: str, advice: str) -> None:
    said = str(_refused(status, code, "field 'kind' invalid"))
    assert advice in said, said
    assert "Your changes stay on this device." in said, said
    assert said.index(advice) < said.index("For the administrator:"), said
    assert said.rstrip().endswith("field 'kind' invalid"), said


def test_a_refusal_is_said_in_the_counselors_language() -> None:
    with language("de"):
        said = str(_refused(422, "malformed", "field 'kind' invalid"))
    assert "Ihre Änderungen bleiben auf diesem Gerät." in said, said
    assert "Für die Administration:" in said, said


def test_the_servers_words_keep_their_order_in_a_right_to_left_language() -> None:
    """In Arabic and Persian the administrator's detail read "malformed batch 422": it is
    isolated as left-to-right text (U+2066 ... U+2069) there, and only there."""
    for lang in ("ar", "fa"):
        with language(lang):
            said = str(_refused(422, "malformed", "batch"))
        assert "\u2066422 malformed batch\u2069" in said, (lang, said)
    with language("de"):
        said = str(_refused(422, "malformed", "batch"))
    assert "\u2066" not in said and said.endswith("422 malformed batch"), said
