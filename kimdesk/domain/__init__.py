"""The KIM domain: records, code lists and the rules between them (no storage, no Qt)."""
