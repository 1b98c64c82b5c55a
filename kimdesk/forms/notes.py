"""Notes (warnings) on XLSForm features KIMdesk keeps but does not use, or uses differently.

Issue 16: a form written for ODK Collect or KoboToolbox must come in, not be refused for a
setting that only matters on a phone or in a web form. What KIMdesk cannot honour is kept in the
definition (export gives it back) and named in a warning, so the form author knows what the
counselor will and will not see. Every note is translated.
"""

from __future__ import annotations

from collections.abc import Callable

from kimdesk.forms.definition import ATTACHMENT_TYPES, UNFILLED_METADATA, Form
from kimdesk.i18n import later as _

Add = Callable[..., None]

#: Appearances the form view honours (``minimal``: a drop-down; ``multiline``: a text box).
HONOURED_APPEARANCES = frozenset({"minimal", "multiline"})


def form_notes(form: Form, add: Add) -> None:
    """Every note for ``form``: kept settings, appearances, geopoints, unfilled metadata."""
    _settings_notes(form, add)
    _choice_notes(form, add)
    for f in form.walk():
        name = f.name or f"row {f.index + 2}"
        unused = [a for a in f.row.appearance.split() if a not in HONOURED_APPEARANCES]
        if unused:
            add(name, _("appearance '{appearance}' is kept but not used by KIMdesk's form view"
                        " (the field is shown in its usual way)").format(
                            appearance=" ".join(unused)), "warning")
        for column in f.row.xlsform:
            if f.kind in {"image", "file"} and column in {"body::accept", "control::accept"}:
                continue  # the media types a file question accepts: used
            add(name, _("the column '{column}' is kept for export; KIMdesk does not use it").format(
                column=column), "warning")
        if f.kind == "geopoint":
            add(name, _("a location: KIMdesk has no GPS, so the coordinates are typed in"
                        " (latitude longitude) and the answer is always optional"), "warning")
        elif f.kind in ATTACHMENT_TYPES:
            add(name, _("'{type}' is an attachment: KIMdesk keeps the question (export gives it"
                        " back) but does not ask it yet").format(type=f.kind), "warning")
        elif f.kind == "hidden":
            add(name, _("a hidden field: kept for export, never shown or filled by KIMdesk"),
                "warning")
        elif f.kind == "barcode":
            add(name, _("a barcode: KIMdesk has no scanner, so the code is typed in"), "warning")
        elif f.kind in UNFILLED_METADATA:
            add(name, _("'{type}' is a phone's metadata: a desktop has none, so the field stays"
                        " empty").format(type=f.kind), "warning")


def _choice_notes(form: Form, add: Add) -> None:
    """Media of choices (``media::image``) are kept in the choice's columns, not shown."""
    for list_name, entry in form.definition.choices.items():
        if not isinstance(entry, list):
            continue
        media = sorted({c for choice in entry for c in choice.columns if c.startswith("media")
                        or c in {"image", "audio", "video"}})
        for column in media:
            add(f"choices.{list_name}", _("the column '{column}' is kept for export; KIMdesk"
                                          " does not use it").format(column=column), "warning")


def _settings_notes(form: Form, add: Add) -> None:
    for key, value in form.definition.settings.xlsform.items():
        if key == "style":
            add("settings.style", _("the web form style '{style}' is kept for export; KIMdesk's"
                                    " form view does not use it").format(style=value), "warning")
        else:
            add(f"settings.{key}", _("the setting '{name}' is kept for export; KIMdesk does not"
                                     " use it").format(name=key), "warning")
