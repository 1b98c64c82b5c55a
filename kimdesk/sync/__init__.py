"""Synchronisation with the municipal server: the shared protocol, the field-level merge and the
Qt-free client engine. See ``docs/sync-protocol.md``."""
