# -*- coding: utf-8 -*-

################################################################################
## Form generated from reading UI file 'settings.ui'
##
## Created by: Qt User Interface Compiler version 6.11 (pyside6-uic),
## post-processed by tools/build_ui.py: gettext instead of Qt's translate, type hints
##
## WARNING! All changes made in this file will be lost when recompiling UI file!
################################################################################

from PySide6.QtCore import (QCoreApplication, QDate, QDateTime, QLocale,
    QMetaObject, QObject, QPoint, QRect,
    QSize, QTime, QUrl, Qt)
from PySide6.QtGui import (QBrush, QColor, QConicalGradient, QCursor,
    QFont, QFontDatabase, QGradient, QIcon,
    QImage, QKeySequence, QLinearGradient, QPainter,
    QPalette, QPixmap, QRadialGradient, QTransform)
from PySide6.QtWidgets import (QAbstractButton, QApplication, QComboBox, QDialog,
    QDialogButtonBox, QFormLayout, QHeaderView, QLabel,
    QLineEdit, QPushButton, QSizePolicy, QSpacerItem,
    QSpinBox, QTabWidget, QTreeWidget, QTreeWidgetItem,
    QVBoxLayout, QWidget)

from kimdesk.gui.datefield import DateField

from kimdesk.i18n import gettext as _

class Ui_SettingsDialog(object):
    def setupUi(self, SettingsDialog: QDialog) -> None:
        if not SettingsDialog.objectName():
            SettingsDialog.setObjectName(u"SettingsDialog")
        SettingsDialog.setMinimumSize(QSize(520, 360))
        self.outer = QVBoxLayout(SettingsDialog)
        self.outer.setObjectName(u"outer")
        self.tabs = QTabWidget(SettingsDialog)
        self.tabs.setObjectName(u"tabs")
        self.generalTab = QWidget()
        self.generalTab.setObjectName(u"generalTab")
        self.generalForm = QFormLayout(self.generalTab)
        self.generalForm.setObjectName(u"generalForm")
        self.generalForm.setContentsMargins(11, 11, 11, 11)
        self.languageLabel = QLabel(self.generalTab)
        self.languageLabel.setObjectName(u"languageLabel")

        self.generalForm.setWidget(0, QFormLayout.ItemRole.LabelRole, self.languageLabel)

        self.languageCombo = QComboBox(self.generalTab)
        self.languageCombo.setObjectName(u"languageCombo")

        self.generalForm.setWidget(0, QFormLayout.ItemRole.FieldRole, self.languageCombo)

        self.idleLabel = QLabel(self.generalTab)
        self.idleLabel.setObjectName(u"idleLabel")

        self.generalForm.setWidget(1, QFormLayout.ItemRole.LabelRole, self.idleLabel)

        self.idleSpin = QSpinBox(self.generalTab)
        self.idleSpin.setObjectName(u"idleSpin")
        self.idleSpin.setMinimum(1)
        self.idleSpin.setMaximum(60)
        self.idleSpin.setValue(5)

        self.generalForm.setWidget(1, QFormLayout.ItemRole.FieldRole, self.idleSpin)

        self.tabs.addTab(self.generalTab, "")
        self.serverTab = QWidget()
        self.serverTab.setObjectName(u"serverTab")
        self.serverLayout = QVBoxLayout(self.serverTab)
        self.serverLayout.setObjectName(u"serverLayout")
        self.serverLayout.setContentsMargins(11, 11, 11, 11)
        self.serverStatus = QLabel(self.serverTab)
        self.serverStatus.setObjectName(u"serverStatus")
        self.serverStatus.setText(u"")
        self.serverStatus.setWordWrap(True)

        self.serverLayout.addWidget(self.serverStatus)

        self.serverAddress = QLineEdit(self.serverTab)
        self.serverAddress.setObjectName(u"serverAddress")
        self.serverAddress.setReadOnly(True)

        self.serverLayout.addWidget(self.serverAddress)

        self.serverHint = QLabel(self.serverTab)
        self.serverHint.setObjectName(u"serverHint")
        self.serverHint.setWordWrap(True)

        self.serverLayout.addWidget(self.serverHint)

        self.serverSpacer = QSpacerItem(0, 0, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Expanding)

        self.serverLayout.addItem(self.serverSpacer)

        self.tabs.addTab(self.serverTab, "")
        self.retentionTab = QWidget()
        self.retentionTab.setObjectName(u"retentionTab")
        self.retentionLayout = QVBoxLayout(self.retentionTab)
        self.retentionLayout.setObjectName(u"retentionLayout")
        self.retentionLayout.setContentsMargins(11, 11, 11, 11)
        self.retentionPolicy = QLabel(self.retentionTab)
        self.retentionPolicy.setObjectName(u"retentionPolicy")
        self.retentionPolicy.setText(u"")
        self.retentionPolicy.setWordWrap(True)

        self.retentionLayout.addWidget(self.retentionPolicy)

        self.retentionForm = QFormLayout()
        self.retentionForm.setObjectName(u"retentionForm")
        self.retentionDateLabel = QLabel(self.retentionTab)
        self.retentionDateLabel.setObjectName(u"retentionDateLabel")

        self.retentionForm.setWidget(0, QFormLayout.ItemRole.LabelRole, self.retentionDateLabel)

        self.retentionDate = DateField(self.retentionTab)
        self.retentionDate.setObjectName(u"retentionDate")

        self.retentionForm.setWidget(0, QFormLayout.ItemRole.FieldRole, self.retentionDate)


        self.retentionLayout.addLayout(self.retentionForm)

        self.retentionSummary = QLabel(self.retentionTab)
        self.retentionSummary.setObjectName(u"retentionSummary")
        self.retentionSummary.setText(u"")
        self.retentionSummary.setWordWrap(True)

        self.retentionLayout.addWidget(self.retentionSummary)

        self.retentionTree = QTreeWidget(self.retentionTab)
        self.retentionTree.setObjectName(u"retentionTree")
        self.retentionTree.setRootIsDecorated(False)

        self.retentionLayout.addWidget(self.retentionTree)

        self.retentionApply = QPushButton(self.retentionTab)
        self.retentionApply.setObjectName(u"retentionApply")
        self.retentionApply.setEnabled(False)

        self.retentionLayout.addWidget(self.retentionApply)

        self.tabs.addTab(self.retentionTab, "")

        self.outer.addWidget(self.tabs)

        self.buttons = QDialogButtonBox(SettingsDialog)
        self.buttons.setObjectName(u"buttons")
        self.buttons.setStandardButtons(QDialogButtonBox.StandardButton.Cancel|QDialogButtonBox.StandardButton.Ok)

        self.outer.addWidget(self.buttons)

#if QT_CONFIG(shortcut)
        self.languageLabel.setBuddy(self.languageCombo)
        self.idleLabel.setBuddy(self.idleSpin)
        self.retentionDateLabel.setBuddy(self.retentionDate)
#endif // QT_CONFIG(shortcut)

        self.retranslateUi(SettingsDialog)
    # setupUi

    def retranslateUi(self, SettingsDialog: QDialog) -> None:
        SettingsDialog.setWindowTitle(_(u"Settings"))
        self.languageLabel.setText(_(u"&Language"))
#if QT_CONFIG(accessibility)
        self.languageCombo.setAccessibleName(_(u"Language"))
#endif // QT_CONFIG(accessibility)
        self.idleLabel.setText(_(u"Lock after &idle minutes"))
#if QT_CONFIG(accessibility)
        self.idleSpin.setAccessibleName(_(u"Lock after idle minutes"))
#endif // QT_CONFIG(accessibility)
        self.tabs.setTabText(self.tabs.indexOf(self.generalTab), _(u"General"))
        self.serverHint.setText(_(u"A vault syncs only with the server it is enrolled with. To connect it to a server, or to move it to another one, use Tools \u2192 Connect to server\u2026 with a one-time code from your administrator. The server keeps the only copy that survives a forgotten passphrase."))
        self.tabs.setTabText(self.tabs.indexOf(self.serverTab), _(u"Server"))
        self.retentionDateLabel.setText(_(u"Plan for &date"))
#if QT_CONFIG(accessibility)
        self.retentionDate.setAccessibleName(_(u"Plan for date"))
#endif // QT_CONFIG(accessibility)
        ___qtreewidgetitem = self.retentionTree.headerItem()
        ___qtreewidgetitem.setText(4, _(u"Reason"))
        ___qtreewidgetitem.setText(3, _(u"Action"))
        ___qtreewidgetitem.setText(2, _(u"Due on"))
        ___qtreewidgetitem.setText(1, _(u"Municipality"))
        ___qtreewidgetitem.setText(0, _(u"Case number"))
#if QT_CONFIG(accessibility)
        self.retentionTree.setAccessibleName(_(u"Cases due for deletion"))
#endif // QT_CONFIG(accessibility)
        self.retentionApply.setText(_(u"&Delete due cases\u2026"))
        self.tabs.setTabText(self.tabs.indexOf(self.retentionTab), _(u"Retention"))
    # retranslateUi

