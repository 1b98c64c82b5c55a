"""``kimdesk forms preview``: one form in a window, or rendered to a PNG, so that form authors see
both columns (counselor and client language) as the app will show them."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from kimdesk.forms.definition import Form
from kimdesk.gui.forms import FormWidget
from kimdesk.i18n import gettext

_ = gettext


def preview_form(form: Form, ui_language: str, client_language: str | None,
                 screenshot: Path | None = None) -> int:
    """Show ``form``; with ``screenshot`` write the whole form as a PNG instead and return."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    from kimdesk.gui import collector

    collector.install()  # the cyclic collector runs on this thread only (kimdesk/collector.py)
    widget = FormWidget(form, ui_language=ui_language, client_language=client_language)
    widget.setWindowTitle(form.title(ui_language))
    widget.resize(1100, 900)
    if screenshot is not None:
        widget.show()  # laid out by the scroll area at the window's width
        app.processEvents()
        widget.form_body().grab().save(str(screenshot))  # the whole form, scrolled or not
        widget.close()
        print(_("Wrote {path}.").format(path=screenshot))
        return 0
    widget.show()
    return int(app.exec())
