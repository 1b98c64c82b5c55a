"""Help: F1 opens the manual page of the screen or dialog in front, the Help menu has the manual,
the keyboard shortcuts and About (issue 18).

Which page: :func:`topic_for` looks at the window that has the keyboard (a dialog by its object
name; the main window by the screen its stack shows and, in the workspace, by where the focus is:
the case list or the case view's current tab). The page is shown in a :class:`HelpWindow`, a
``QTextBrowser`` over the Markdown files of :mod:`kimdesk.gui.helpdocs`: offline, links between
pages are followed here and nothing is ever fetched from a network.

F1 reaches the main window through its Help menu action (a window shortcut). A dialog is a window
of its own where that shortcut does not fire (and a modal one blocks the main window), so an
application-wide :class:`HelpKey` filter answers F1 there. The help window of a dialog is that
dialog's child: Qt does not block a modal dialog's own child windows, so the counselor can scroll
the page while the dialog stays open, and the keyboard returns to the dialog when it closes.

An open help window follows a switch of the interface language (the main window's
``LanguageHub``): it reloads its page, at the same section, in the new language. Before, it kept
the old language until reopened, which looked like the switch had not worked.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QUrl
from PySide6.QtGui import QKeyEvent, QTextCursor
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QLabel,
    QMessageBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from kimdesk.gui.helpdocs import HelpPage, load_page
from kimdesk.gui.menus import ActionSpec
from kimdesk.i18n import N_, current_language, gettext

_ = gettext

#: Dialogs (by object name) -> their page.
DIALOG_PAGES = {"newCaseDialog": "newcase", "statistics_dialog": "statistics",
                "handoutDialog": "handouts", "connectDialog": "sync",
                "formAnswersDialog": "forms", "aboutDialog": "index"}


class HelpWindow(QDialog):
    """One manual page; links to other pages open here. Not modal: it may stay open beside the
    screen it explains."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("helpWindow")
        self.setWindowFlag(Qt.WindowType.Window)
        self.page: HelpPage | None = None
        self.section = ""
        self.note = QLabel()
        self.note.setObjectName("noticeLabel")
        self.note.setWordWrap(True)
        self.browser = QTextBrowser()
        self.browser.setObjectName("helpBrowser")
        self.browser.setOpenLinks(False)  # our pages are followed here, nothing else is opened
        self.browser.anchorClicked.connect(self._follow)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.browser)
        self.resize(640, 720)

    def show_page(self, name: str, section: str = "", lang: str | None = None) -> None:
        page = load_page(name, lang or current_language())
        self.page, self.section = page, section
        self.setWindowTitle(_("{title} – KIMdesk manual").format(title=page.title))
        self.note.setText(_("This page is not available in your language yet; it is shown in "
                            "English.") if page.fallback else "")
        self.note.setVisible(page.fallback)
        self.browser.setLayoutDirection(Qt.LayoutDirection.RightToLeft if page.lang in
                                        ("ar", "fa") else Qt.LayoutDirection.LeftToRight)
        self.browser.setMarkdown(page.markdown)
        self.browser.setAccessibleName(page.title)
        self._scroll_to(page.sections.get(section, ""))

    def follow_language(self, hub: Any) -> None:
        """Reload on every switch of ``hub`` (a :class:`kimdesk.gui.lang.LanguageHub`); the
        connection ends with this window (a bound slot of a QObject)."""
        hub.changed.connect(self.relanguage)

    def relanguage(self, _lang: str = "") -> None:
        """The shown page again, at its section, in the current interface language."""
        if self.page is not None:
            self.show_page(self.page.name, self.section)

    def _scroll_to(self, heading: str) -> None:
        doc = self.browser.document()
        block = doc.begin()
        while heading and block.isValid() and block.text().strip() != heading:
            block = block.next()
        if not heading or not block.isValid():
            block = doc.begin()
        self.browser.setTextCursor(QTextCursor(block))
        top = doc.documentLayout().blockBoundingRect(block).top()
        self.browser.verticalScrollBar().setValue(int(top))

    def _follow(self, url: QUrl) -> None:
        """``case.md#goals`` opens that page at that section; any other address is ignored
        (the manual works offline, and a click must not start a browser with a tracking URL)."""
        if url.scheme() or url.host():
            return
        path = url.path()
        if path.endswith(".md"):
            self.show_page(path.rsplit("/", 1)[-1].removesuffix(".md"), url.fragment(),
                           self.page.lang if self.page and not self.page.fallback else None)
        elif url.fragment() and self.page is not None:
            self.section = url.fragment()
            self._scroll_to(self.page.sections.get(url.fragment(), ""))


def topic_for(window: QWidget, focus: QWidget | None = None) -> tuple[str, str]:
    """``(page, section)`` for what ``window`` shows with the keyboard at ``focus``."""
    name = window.objectName()
    ui = getattr(window, "ui", None)
    if name == "settingsDialog" and ui is not None:
        on_retention = ui.tabs.currentWidget() is ui.retentionTab
        return ("retention" if on_retention else "settings"), ""
    if name.startswith("dialog_"):  # a record editor of the case view
        return "case", name.removeprefix("dialog_")
    if name in DIALOG_PAGES:
        return DIALOG_PAGES[name], ""
    stack = getattr(window, "stack", None)
    if stack is None:
        return "index", ""
    current = stack.currentWidget()
    if current is getattr(window, "unlock_screen", None):
        return "unlock", ""
    if current is getattr(window, "create_screen", None):
        return "create", ""
    workspace = getattr(window, "_workspace", None)
    if workspace is None or current is not workspace:
        return "index", ""
    view = workspace.case_view
    if view.bundle is None or focus is None or not (focus is view or view.isAncestorOf(focus)):
        return "cases", ""
    return case_tab_topic(view)


def case_tab_topic(view: Any) -> tuple[str, str]:
    """The case view's current tab: the Forms tab has a page, the others a section of "case"."""
    page = view.tabs.currentWidget()
    if page is view.forms_tab:
        return "forms", ""
    if page is view.ui.historyTab:
        return "case", "history"
    for key, tab in view.tab_widgets.items():
        if page is tab:
            return "case", key
    return "case", "person"


def open_help(owner: QWidget, page: str | None = None, section: str = "") -> HelpWindow:
    """Show the page (by default the one for ``owner`` and its focus) in ``owner``'s help
    window, reusing it when it is open already."""
    if page is None:
        page, section = topic_for(owner, QApplication.focusWidget())
    window = owner.findChild(HelpWindow, "helpWindow", Qt.FindChildOption.FindDirectChildrenOnly)
    if window is None:
        window = HelpWindow(owner)
        hub = _hub_of(owner)
        if hub is not None:
            window.follow_language(hub)
    window.show_page(page, section)
    window.show()
    window.raise_()
    window.activateWindow()
    return window


def _hub_of(widget: QWidget | None) -> Any:
    """The main window's LanguageHub, found up ``widget``'s parents (a dialog's help window
    belongs to the dialog, the dialog to the main window); None outside the main window."""
    while widget is not None:
        hub = getattr(widget, "hub", None)
        if hub is not None and hasattr(hub, "changed"):
            return hub
        widget = widget.parentWidget()
    return None


class HelpKey(QObject):
    """F1 in a dialog (installed once on the application, :func:`install`)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent)
                or event.key() != Qt.Key.Key_F1
                or event.modifiers() != Qt.KeyboardModifier.NoModifier
                or not isinstance(watched, QWidget)):
            return False
        window = watched.window()
        if isinstance(window, HelpWindow) or window.objectName() == "mainWindow":
            return False  # the main window's Help action has F1
        open_help(window)
        return True


_INSTALLED: HelpKey | None = None


def install() -> None:
    """Once per process (idempotent)."""
    global _INSTALLED
    app = QApplication.instance()
    if _INSTALLED is None and isinstance(app, QApplication):
        _INSTALLED = HelpKey(app)
        app.installEventFilter(_INSTALLED)


def help_specs(window: Any) -> list[ActionSpec]:
    """The Help menu's commands for the main window (see :class:`ActionSpec`)."""
    from kimdesk.gui.about import show_about

    install()
    return [
        ActionSpec("help", "help", N_("Help for this &screen"), "F1", lambda: open_help(window)),
        ActionSpec("manual", "help", N_("&Manual"), "",
                   lambda: open_help(window, "index")),
        ActionSpec("shortcuts", "help", N_("&Keyboard shortcuts"), "Ctrl+/",
                   lambda: show_shortcuts(window)),
        ActionSpec("about", "help", N_("&About KIMdesk"), "", lambda: show_about(window)),
    ]


def show_shortcuts(window: Any) -> QMessageBox:
    box = QMessageBox(QMessageBox.Icon.Information, _("Keyboard shortcuts"),
                      window.menus.shortcut_list(), QMessageBox.StandardButton.Close, window)
    box.setObjectName("shortcutsBox")
    box.setTextFormat(Qt.TextFormat.RichText)  # a table (Menus.shortcut_list)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # not one more hidden box per F1
    box.open()
    return box
