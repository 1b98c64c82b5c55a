"""The Settings dialog's Server page, in every language, at its default size and at the
smallest size it allows: nothing on it is cut (a 1 px clip was reported once for Arabic). The
window is real (style sheet, bundled fonts after unlock, the language applied at start) and the
page names a long sync address, the longest text it shows; screenshots in
``build/screenshots/settings-server-<lang>-<size>.png``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from kimdesk.gui.settings import SettingsDialog
from kimdesk.vault import Vault
from tests.conftest import PASSPHRASE
from tests.gui.conftest import unlock, wait_idle
from tests.gui.fit import broken_across_lines, clipped_widgets, cut_texts

pytestmark = pytest.mark.gui

SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
URL = "https://kim-sync.kreis-guetersloh.de:8443/kimdesk"
# A machine policy's server: longer than URL, as a county's address with its own path can be; at
# 520 px "Sync only with {server}:" broke it in every language (URL alone fitted on the line).
POLICY_URL = "https://kim-sync.rhein-sieg-kreis.de:8443/integrationsmanagement/kimdesk"


@pytest.mark.parametrize("lang", ["de", "en", "ar", "fa", "tr", "uk", "ru"])
def test_the_server_page_is_cut_nowhere(lang: str, make_window: Any, qtbot: Any,
                                        tmp_path: Path) -> None:
    Vault.create(tmp_path / "v.kdb", PASSPHRASE, counselor="anna").close()
    window = make_window(tmp_path / "v.kdb", lang=lang)
    unlock(qtbot, window)
    for server in (URL, "", None):  # enrolled, not enrolled, locked
        dialog = SettingsDialog(window.settings, window.worker, window, unlocked=True,
                                sync_server=server)
        dialog.open()
        qtbot.waitUntil(lambda d=dialog: QApplication.activeModalWidget() is d, timeout=5000)
        wait_idle(qtbot, window)  # the Retention page's plan is in
        default = dialog.size()
        tabs = dialog.ui.tabs
        for page in (dialog.ui.serverTab, dialog.ui.generalTab, dialog.ui.retentionTab):
            tabs.setCurrentWidget(page)
            for size, name in ((default, "default"), (dialog.minimumSize(), "smallest")):
                dialog.resize(size)
                QApplication.processEvents()
                assert dialog.size() == size
                if server and page is dialog.ui.serverTab:
                    SHOTS.mkdir(parents=True, exist_ok=True)
                    dialog.grab().save(str(SHOTS / f"settings-server-{lang}-{name}.png"))
                where = (page.objectName(), name, server)
                assert clipped_widgets(dialog) == [], where
                assert cut_texts(dialog) == [], where
        dialog.reject()


def _server_tab(make_window: Any, qtbot: Any, tmp_path: Path, lang: str, server: str
                ) -> SettingsDialog:
    """Settings of an unlocked new vault enrolled with ``server``, open on its Server page."""
    Vault.create(tmp_path / "v.kdb", PASSPHRASE, counselor="anna").close()
    window = make_window(tmp_path / "v.kdb", lang=lang)
    unlock(qtbot, window)
    dialog = SettingsDialog(window.settings, window.worker, window, unlocked=True,
                            sync_server=server)
    dialog.open()
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is dialog, timeout=5000)
    wait_idle(qtbot, window)
    dialog.ui.tabs.setCurrentWidget(dialog.ui.serverTab)
    return dialog


@pytest.mark.parametrize("lang", ["de", "en", "ar", "fa", "tr", "uk", "ru"])
def test_the_server_address_is_never_broken_and_can_be_copied(
        lang: str, make_window: Any, qtbot: Any, tmp_path: Path) -> None:
    """The address was part of the page's first sentence, a word-wrapped label: Qt broke it
    after a hyphen or a slash ("https://kim-sync.kreis-" / "guetersloh.de:8443/kimdesk)"), and
    in Arabic and Persian the bidirectional algorithm put the parts of the line out of order
    besides (a review, 2026-12-07; German and Russian broke it too at the smallest size). At the
    default and the smallest size, no label breaks the address or its host across lines, and the
    address is one read-only line, left to right in every language, that copies whole."""
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QLineEdit

    from kimdesk.sync.identity import server_host

    dialog = _server_tab(make_window, qtbot, tmp_path, lang, URL)
    default = dialog.size()
    for size, name in ((default, "default"), (dialog.minimumSize(), "smallest")):
        dialog.resize(size)
        QApplication.processEvents()
        assert broken_across_lines(dialog, [URL, server_host(URL)]) == [], (lang, name)
        fields = [f for f in dialog.findChildren(QLineEdit)
                  if f.isVisibleTo(dialog) and f.text() == URL]
        assert len(fields) == 1, (lang, name)
        field = fields[0]
        assert field.isReadOnly() and field.toolTip() == URL
        assert field.layoutDirection() == Qt.LayoutDirection.LeftToRight
        assert field.fontMetrics().horizontalAdvance(URL) < field.contentsRect().width(), name
    field.selectAll()
    field.copy()
    assert QGuiApplication.clipboard().text() == URL
    dialog.reject()


@pytest.mark.parametrize("lang", ["de", "en", "ar", "fa", "tr", "uk", "ru"])
def test_the_policy_server_is_never_broken_and_can_be_copied(
        lang: str, make_window: Any, qtbot: Any, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """With a machine policy's server the Server page said "Sync only with {server}: Set by
    your administrator.", a word-wrapped label that broke the address after a hyphen or a slash
    and in Arabic and Persian reordered its parts (the fault the enrolled address had, left open
    by its fix, 2026-12-07). At the default and the smallest size, no label breaks the address
    or its host, and the policy's address is a read-only line of its own, left to right in every
    language, named for screen readers, that copies whole. The vault is enrolled with the same
    server, as it is on a managed machine: both lines show it."""
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QLabel, QLineEdit

    from kimdesk import config
    from kimdesk.sync.identity import server_host

    policy = tmp_path / "etc" / "policy.ini"
    policy.parent.mkdir()
    policy.parent.chmod(0o755)
    policy.write_text(f"[sync]\nserver = {POLICY_URL}\n", "utf-8")
    policy.chmod(0o644)
    monkeypatch.setattr(config, "POLICY_FILE", policy)
    dialog = _server_tab(make_window, qtbot, tmp_path, lang, POLICY_URL)
    sentence = dialog.findChild(QLabel, "policyServer")
    field = dialog.findChild(QLineEdit, "policyServerAddress")
    assert sentence is not None and sentence.isVisibleTo(dialog)
    default = dialog.size()
    for size, name in ((default, "default"), (dialog.minimumSize(), "smallest")):
        dialog.resize(size)
        QApplication.processEvents()
        SHOTS.mkdir(parents=True, exist_ok=True)
        dialog.grab().save(str(SHOTS / f"settings-policy-server-{lang}-{name}.png"))
        host = server_host(POLICY_URL)
        assert broken_across_lines(dialog, [POLICY_URL, host]) == [], (lang, name)
        assert clipped_widgets(dialog) == [], (lang, name)
        assert field is not None and field.isVisibleTo(dialog), (lang, name)
        assert field.text() == POLICY_URL and field.toolTip() == POLICY_URL
        assert field.isReadOnly()
        assert field.layoutDirection() == Qt.LayoutDirection.LeftToRight
        assert field.accessibleName() and field.accessibleName() != \
            dialog.ui.serverAddress.accessibleName()
        assert sentence.buddy() is field
        assert dialog.ui.serverAddress.nextInFocusChain() is field  # Tab: the next address
        width = field.fontMetrics().horizontalAdvance(POLICY_URL)
        assert width < field.contentsRect().width(), name
    assert field is not None
    field.selectAll()
    field.copy()
    assert QGuiApplication.clipboard().text() == POLICY_URL
    dialog.reject()
