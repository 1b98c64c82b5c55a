# -*- coding: utf-8 -*-

################################################################################
## Form generated from reading UI file 'unlock.ui'
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
from PySide6.QtWidgets import (QApplication, QComboBox, QFrame, QHBoxLayout,
    QLabel, QLineEdit, QProgressBar, QPushButton,
    QSizePolicy, QSpacerItem, QVBoxLayout, QWidget)

from kimdesk.i18n import gettext as _

class Ui_UnlockScreen(object):
    def setupUi(self, UnlockScreen: QWidget) -> None:
        if not UnlockScreen.objectName():
            UnlockScreen.setObjectName(u"UnlockScreen")
        self.outer = QVBoxLayout(UnlockScreen)
        self.outer.setObjectName(u"outer")
        self.outer.setContentsMargins(0, 0, 0, 0)
        self.topSpace = QSpacerItem(0, 0, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Expanding)

        self.outer.addItem(self.topSpace)

        self.centerRow = QHBoxLayout()
        self.centerRow.setObjectName(u"centerRow")
        self.leftSpace = QSpacerItem(0, 0, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

        self.centerRow.addItem(self.leftSpace)

        self.card = QFrame(UnlockScreen)
        self.card.setObjectName(u"card")
        self.card.setMinimumSize(QSize(420, 0))
        self.card.setMaximumSize(QSize(520, 16777215))
        self.cardLayout = QVBoxLayout(self.card)
        self.cardLayout.setObjectName(u"cardLayout")
        self.titleLabel = QLabel(self.card)
        self.titleLabel.setObjectName(u"titleLabel")
        self.titleLabel.setWordWrap(True)

        self.cardLayout.addWidget(self.titleLabel)

        self.vaultLabel = QLabel(self.card)
        self.vaultLabel.setObjectName(u"vaultLabel")
        self.vaultLabel.setText(u"vault.kdb")
        self.vaultLabel.setWordWrap(True)

        self.cardLayout.addWidget(self.vaultLabel)

        self.passphraseLabel = QLabel(self.card)
        self.passphraseLabel.setObjectName(u"passphraseLabel")

        self.cardLayout.addWidget(self.passphraseLabel)

        self.passphraseEdit = QLineEdit(self.card)
        self.passphraseEdit.setObjectName(u"passphraseEdit")
        self.passphraseEdit.setEchoMode(QLineEdit.EchoMode.Password)

        self.cardLayout.addWidget(self.passphraseEdit)

        self.errorLabel = QLabel(self.card)
        self.errorLabel.setObjectName(u"errorLabel")
        self.errorLabel.setText(u"")
        self.errorLabel.setWordWrap(True)

        self.cardLayout.addWidget(self.errorLabel)

        self.busyBar = QProgressBar(self.card)
        self.busyBar.setObjectName(u"busyBar")
        self.busyBar.setMaximum(0)
        self.busyBar.setTextVisible(False)

        self.cardLayout.addWidget(self.busyBar)

        self.unlockButton = QPushButton(self.card)
        self.unlockButton.setObjectName(u"unlockButton")

        self.cardLayout.addWidget(self.unlockButton)

        self.otherRow = QHBoxLayout()
        self.otherRow.setObjectName(u"otherRow")
        self.createButton = QPushButton(self.card)
        self.createButton.setObjectName(u"createButton")

        self.otherRow.addWidget(self.createButton)

        self.chooseButton = QPushButton(self.card)
        self.chooseButton.setObjectName(u"chooseButton")

        self.otherRow.addWidget(self.chooseButton)


        self.cardLayout.addLayout(self.otherRow)

        self.languageRow = QHBoxLayout()
        self.languageRow.setObjectName(u"languageRow")
        self.languageLabel = QLabel(self.card)
        self.languageLabel.setObjectName(u"languageLabel")

        self.languageRow.addWidget(self.languageLabel)

        self.languageCombo = QComboBox(self.card)
        self.languageCombo.setObjectName(u"languageCombo")

        self.languageRow.addWidget(self.languageCombo)


        self.cardLayout.addLayout(self.languageRow)


        self.centerRow.addWidget(self.card)

        self.rightSpace = QSpacerItem(0, 0, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

        self.centerRow.addItem(self.rightSpace)


        self.outer.addLayout(self.centerRow)

        self.bottomSpace = QSpacerItem(0, 0, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Expanding)

        self.outer.addItem(self.bottomSpace)

#if QT_CONFIG(shortcut)
        self.passphraseLabel.setBuddy(self.passphraseEdit)
        self.languageLabel.setBuddy(self.languageCombo)
#endif // QT_CONFIG(shortcut)
        QWidget.setTabOrder(self.passphraseEdit, self.unlockButton)
        QWidget.setTabOrder(self.unlockButton, self.createButton)
        QWidget.setTabOrder(self.createButton, self.chooseButton)
        QWidget.setTabOrder(self.chooseButton, self.languageCombo)

        self.retranslateUi(UnlockScreen)

        self.unlockButton.setDefault(True)

    # setupUi

    def retranslateUi(self, UnlockScreen: QWidget) -> None:
        UnlockScreen.setWindowTitle(_(u"Unlock"))
        self.titleLabel.setText(_(u"Unlock your case vault"))
        self.passphraseLabel.setText(_(u"&Passphrase"))
#if QT_CONFIG(accessibility)
        self.passphraseEdit.setAccessibleName(_(u"Passphrase"))
#endif // QT_CONFIG(accessibility)
#if QT_CONFIG(accessibility)
        self.busyBar.setAccessibleName(_(u"Unlocking"))
#endif // QT_CONFIG(accessibility)
        self.unlockButton.setText(_(u"&Unlock"))
        self.createButton.setText(_(u"&New vault\u2026"))
        self.chooseButton.setText(_(u"&Open another vault\u2026"))
        self.languageLabel.setText(_(u"&Language"))
#if QT_CONFIG(accessibility)
        self.languageCombo.setAccessibleName(_(u"Language"))
#endif // QT_CONFIG(accessibility)
    # retranslateUi

