"""Multilingual handouts: printable PDFs in the client's language with German beside it.

Qt-free: the CLI, the GUI's worker thread and tests share this package. The layout engine
(:mod:`.layout`) shapes with HarfBuzz and orders right-to-left text with python-bidi line by line;
templates and their per-language texts live in ``resources/handouts/`` (see docs/handouts.md).
"""
