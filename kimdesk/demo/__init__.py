"""Synthetic demo data (no real person\x27s data ever enters the repository)."""
