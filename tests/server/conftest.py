from tests.sync.helpers import db_url, make_device, server, sqlite_server  # noqa: F401
