"""Multilingual consultation forms: XLSForm-compatible definitions and a safe engine (no Qt).

``definition`` (file format, compiled tree), ``expressions`` (XLSForm expression parser and
evaluator), ``engine`` (skip logic, calculations, validation), ``checker`` (``forms check``),
``registry`` (every version, shipped or synced), ``xlsform`` (import via pyxform, export via
openpyxl), ``codelists`` (CLDR countries and languages, KIM code lists), ``drafts`` (autosaved
drafts and saving answers as a consultation), ``answer_tree`` (the answers a form widget edits,
by repeat instance). The Qt renderer is ``kimdesk.gui.forms``.
"""
