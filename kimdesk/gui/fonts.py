"""The bundled Noto fonts (``resources/fonts``), registered with Qt once per process.

Why: client names come in every script the KIM clientele writes, and a computer without an
Ethiopic font (here: only DejaVu; many Linux desktops) drew Tigrinya names in the case list and
the case view as empty boxes (a GUI review, 2026-12-06). Qt's font fallback finds a registered
application font for a script the default font lacks, so registering the handouts' fonts is
enough; nothing sets them as the widgets' font. Registered when the workspace is built (its
first unlock), not at start-up: it costs about 17 ms here, and the unlock screen shows no names.
The handout dialog registers them too, so its language names (ትግርኛ, پښتو) draw with the faces
of the paper.
"""

from __future__ import annotations

import logging
import threading

from PySide6.QtGui import QFontDatabase

log = logging.getLogger(__name__)
_font_families: list[str] | None = None
_fonts_lock = threading.Lock()


def register_fonts() -> list[str]:
    """Add the bundled fonts to Qt once per process; returns their family names."""
    global _font_families
    from kimdesk.handouts.fonts import font_files

    with _fonts_lock:
        if _font_families is None:
            families: list[str] = []
            for path in font_files():
                font_id = QFontDatabase.addApplicationFont(str(path))
                if font_id < 0:
                    log.warning("Qt could not load the font %s", path)
                    continue
                families += [f for f in QFontDatabase.applicationFontFamilies(font_id)
                             if f not in families]
            _font_families = families
        return list(_font_families)
