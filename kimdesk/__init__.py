"""KIMdesk: offline-first case management for NRW KIM."""

__version__ = "0.1.0"
