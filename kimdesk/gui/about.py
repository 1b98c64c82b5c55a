"""Help → About: program, version, KIMdesk's licence and the third-party components with theirs.

The component list is read from the installed packages' metadata (every package KIMdesk needs at
run time, followed through their own requirements), so it stays true after an update without
anyone editing a list. Metadata names a licence in one of three ways (``License-Expression``, a
short ``License`` field, a ``License ::`` classifier); :data:`KNOWN` fills in the few packages
that say nothing usable. Parts that are no Python package are added by hand: Qt itself (inside
PySide6), SQLCipher and OpenSSL (inside the sqlcipher3 wheel) and the fonts, whose licence is read
from ``resources/fonts/OFL.txt``.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from importlib import metadata
from typing import Any

from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTextBrowser, QVBoxLayout, QWidget

from kimdesk.i18n import gettext, resources_dir

_ = gettext

#: Licences of packages whose metadata names none usable (checked against their repositories).
KNOWN = {"sqlcipher3": "Zlib", "pyxform": "BSD-2-Clause", "python-bidi": "LGPL-3.0-or-later"}
#: Components inside a wheel, not packages of their own: (name, inside, licence).
BUNDLED = (("Qt", "PySide6", "LGPL-3.0-only"), ("SQLCipher", "sqlcipher3", "BSD-3-Clause"),
           ("OpenSSL", "sqlcipher3", "Apache-2.0"),
           # the phc-winner-argon2 C code compiled into the bindings (its LICENSE, checked)
           ("Argon2 reference code", "argon2-cffi-bindings", "CC0-1.0 OR Apache-2.0"))
_CLASSIFIERS = {"MIT License": "MIT", "BSD License": "BSD", "Apache Software License": "Apache-2.0",
                "GNU Library or Lesser General Public License (LGPL)": "LGPL",
                "Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
                "Python Software Foundation License": "PSF-2.0", "ISC License (ISCL)": "ISC"}
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


@dataclass(frozen=True)
class Component:
    name: str
    version: str
    licence: str


def version() -> str:
    try:
        return metadata.version("kimdesk")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "0+unknown"


def licence_of(dist: metadata.Distribution) -> str:
    md: Any = dist.metadata  # an email.message.Message underneath
    expression = md.get("License-Expression")
    if expression:
        return str(expression)
    text = (md.get("License") or "").strip()
    if text and len(text) <= 60 and "\n" not in text:  # a name, not the licence text
        return text
    for classifier in md.get_all("Classifier") or []:
        if classifier.startswith("License ::"):
            last = classifier.rsplit("::", 1)[-1].strip()
            return _CLASSIFIERS.get(last, last)
    return KNOWN.get(md["Name"], KNOWN.get(md["Name"].lower(), "?"))


def _required(dist: metadata.Distribution) -> list[str]:
    """The packages ``dist`` needs at run time (no extras)."""
    names = []
    for requirement in dist.requires or []:
        if "extra ==" in requirement.replace("extra==", "extra =="):
            continue
        found = _NAME.match(requirement)
        if found:
            names.append(found.group(1))
    return names


def components() -> list[Component]:
    """Every installed package KIMdesk needs at run time (transitively), plus the bundled parts
    and the fonts, sorted by name."""
    seen: dict[str, Component] = {}
    todo = ["kimdesk"]
    while todo:
        name = todo.pop()
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # a requirement for another platform or Python version
        seen[key] = Component(dist.metadata["Name"], dist.version, licence_of(dist))
        todo += _required(dist)
    seen.pop("kimdesk", None)
    for name, inside, licence in BUNDLED:
        carrier = seen.get(inside.lower())
        if carrier is not None:
            shown = qVersion() if name == "Qt" else ""
            seen[name.lower()] = Component(name, shown, f"{licence} ({inside})")
    seen["fonts"] = Component(*fonts())
    return sorted(seen.values(), key=lambda c: c.name.casefold())


def fonts() -> tuple[str, str, str]:
    """(font names, "", licence) from the licence file shipped beside the fonts."""
    text = (resources_dir() / "fonts" / "OFL.txt").read_text(encoding="utf-8")
    names = text.splitlines()[0].strip()
    licence = "OFL-1.1" if "Open Font License, Version 1.1" in text else "OFL"
    return names, "", licence


def about_html() -> str:
    rows = "".join(
        f"<tr><td>{html.escape(c.name)}</td><td>{html.escape(c.version)}</td>"
        f"<td>{html.escape(c.licence)}</td></tr>" for c in components())
    own = _("KIMdesk is free software under the licence {licence}.").format(
        licence=kimdesk_licence())
    heads = "".join(f"<th align='left'>{html.escape(text)}</th>"
                    for text in (_("Component"), _("Version"), _("Licence")))
    title = html.escape(_("Third-party components"))
    return (f"<p>{html.escape(own)}</p><p><b>{title}</b></p>"
            f"<table cellpadding='3'><tr>{heads}</tr>{rows}</table>")


def kimdesk_licence() -> str:
    try:
        return licence_of(metadata.distribution("kimdesk"))
    except metadata.PackageNotFoundError:
        return "EUPL-1.2"


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle(_("About KIMdesk"))
        heading = QLabel(f"<h2>KIMdesk {html.escape(version())}</h2>")
        heading.setObjectName("aboutHeading")
        purpose = QLabel(_("Case management for the Kommunales Integrationsmanagement (KIM) "
                           "in North Rhine-Westphalia, offline first."))
        purpose.setWordWrap(True)
        self.browser = QTextBrowser()
        self.browser.setObjectName("aboutComponents")
        self.browser.setAccessibleName(_("Third-party components"))
        self.browser.setOpenLinks(False)
        self.browser.setHtml(about_html())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (heading, purpose, self.browser, buttons):
            layout.addWidget(widget)
        self.resize(560, 560)


def show_about(parent: QWidget) -> AboutDialog:
    dialog = AboutDialog(parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.open()
    return dialog
