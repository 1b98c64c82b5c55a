"""The reference data cursor never passes an item published while a page is read.

A page of reference data was read as its items, then the counter; under PostgreSQL's READ
COMMITTED an item published between the two statements moved the counter past it, and the
device's cursor skipped it for good (the same fault as the pull cursor's, issue 14 point 1).
The publication is placed exactly between the page's statements, not timed."""

from __future__ import annotations

import threading
from typing import Any

from kimdesk.server import db as server_db
from kimdesk.server import reference as server_reference
from kimdesk.server.app import create_app


def test_an_item_published_while_a_page_is_read_comes_with_a_later_page(
        db_url: str, monkeypatch: Any) -> None:
    app = create_app(db_url)
    service, engine = app.state.service, app.state.engine
    try:
        device = service.authenticate(
            service.enroll(service.create_enroll_code("Team Nord")).token)
        service.publish_reference("codelist", "languages", ["de", "ar"])
        reading = server_db.reading
        armed = [True]

        class Publishing:
            """The page's connection; another administrator publishes a form after the page's
            first statement, committed before its second."""

            def __init__(self, engine: Any) -> None:
                self._conn = reading(engine)
                self._statements = 0

            def __enter__(self) -> Publishing:
                self._conn.__enter__()
                return self

            def __exit__(self, *exc: Any) -> Any:
                return self._conn.__exit__(*exc)

            def execute(self, *args: Any, **kw: Any) -> Any:
                self._statements += 1
                if armed[0] and self._statements == 2:
                    armed[0] = False
                    other = threading.Thread(target=service.publish_reference,
                                             args=("form", "intake", {"title": "Erstgespräch"}))
                    other.start()
                    other.join()
                return self._conn.execute(*args, **kw)

        monkeypatch.setattr(server_reference.db, "reading", Publishing)
        first = service.reference(device, 0)
        assert not armed[0]  # the form was published between the page's statements
        monkeypatch.setattr(server_reference.db, "reading", reading)
        seen = {(i.kind, i.key) for i in first.items}
        cursor, more = first.next_cursor, first.more
        while more:
            page = service.reference(device, cursor)
            seen |= {(i.kind, i.key) for i in page.items}
            cursor, more = page.next_cursor, page.more
        later = service.reference(device, cursor)
        seen |= {(i.kind, i.key) for i in later.items}
        assert seen == {("codelist", "languages"), ("form", "intake")}
    finally:
        engine.dispose()
