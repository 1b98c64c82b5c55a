# -*- coding: utf-8 -*-

################################################################################
## Form generated from reading UI file 'create.ui'
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
from PySide6.QtWidgets import (QApplication, QCheckBox, QFormLayout, QFrame,
    QHBoxLayout, QLabel, QLineEdit, QProgressBar,
    QPushButton, QSizePolicy, QSpacerItem, QToolButton,
    QVBoxLayout, QWidget)

from kimdesk.i18n import gettext as _

class Ui_CreateScreen(object):
    def setupUi(self, CreateScreen: QWidget) -> None:
        if not CreateScreen.objectName():
            CreateScreen.setObjectName(u"CreateScreen")
        self.outer = QVBoxLayout(CreateScreen)
        self.outer.setObjectName(u"outer")
        self.outer.setContentsMargins(0, 0, 0, 0)
        self.topSpace = QSpacerItem(0, 0, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Expanding)

        self.outer.addItem(self.topSpace)

        self.centerRow = QHBoxLayout()
        self.centerRow.setObjectName(u"centerRow")
        self.leftSpace = QSpacerItem(0, 0, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

        self.centerRow.addItem(self.leftSpace)

        self.card = QFrame(CreateScreen)
        self.card.setObjectName(u"card")
        self.card.setMinimumSize(QSize(480, 0))
        self.card.setMaximumSize(QSize(600, 16777215))
        self.cardLayout = QVBoxLayout(self.card)
        self.cardLayout.setObjectName(u"cardLayout")
        self.titleLabel = QLabel(self.card)
        self.titleLabel.setObjectName(u"titleLabel")

        self.cardLayout.addWidget(self.titleLabel)

        self.warningLabel = QLabel(self.card)
        self.warningLabel.setObjectName(u"warningLabel")
        self.warningLabel.setWordWrap(True)

        self.cardLayout.addWidget(self.warningLabel)

        self.form = QFormLayout()
        self.form.setObjectName(u"form")
        self.pathLabel = QLabel(self.card)
        self.pathLabel.setObjectName(u"pathLabel")

        self.form.setWidget(0, QFormLayout.ItemRole.LabelRole, self.pathLabel)

        self.pathRow = QHBoxLayout()
        self.pathRow.setObjectName(u"pathRow")
        self.pathEdit = QLineEdit(self.card)
        self.pathEdit.setObjectName(u"pathEdit")

        self.pathRow.addWidget(self.pathEdit)

        self.pathButton = QToolButton(self.card)
        self.pathButton.setObjectName(u"pathButton")

        self.pathRow.addWidget(self.pathButton)


        self.form.setLayout(0, QFormLayout.ItemRole.FieldRole, self.pathRow)

        self.counselorLabel = QLabel(self.card)
        self.counselorLabel.setObjectName(u"counselorLabel")

        self.form.setWidget(1, QFormLayout.ItemRole.LabelRole, self.counselorLabel)

        self.counselorEdit = QLineEdit(self.card)
        self.counselorEdit.setObjectName(u"counselorEdit")

        self.form.setWidget(1, QFormLayout.ItemRole.FieldRole, self.counselorEdit)

        self.teamLabel = QLabel(self.card)
        self.teamLabel.setObjectName(u"teamLabel")

        self.form.setWidget(2, QFormLayout.ItemRole.LabelRole, self.teamLabel)

        self.teamEdit = QLineEdit(self.card)
        self.teamEdit.setObjectName(u"teamEdit")

        self.form.setWidget(2, QFormLayout.ItemRole.FieldRole, self.teamEdit)

        self.municipalityLabel = QLabel(self.card)
        self.municipalityLabel.setObjectName(u"municipalityLabel")

        self.form.setWidget(3, QFormLayout.ItemRole.LabelRole, self.municipalityLabel)

        self.municipalityEdit = QLineEdit(self.card)
        self.municipalityEdit.setObjectName(u"municipalityEdit")

        self.form.setWidget(3, QFormLayout.ItemRole.FieldRole, self.municipalityEdit)

        self.passphraseLabel = QLabel(self.card)
        self.passphraseLabel.setObjectName(u"passphraseLabel")

        self.form.setWidget(4, QFormLayout.ItemRole.LabelRole, self.passphraseLabel)

        self.passphraseEdit = QLineEdit(self.card)
        self.passphraseEdit.setObjectName(u"passphraseEdit")
        self.passphraseEdit.setEchoMode(QLineEdit.EchoMode.Password)

        self.form.setWidget(4, QFormLayout.ItemRole.FieldRole, self.passphraseEdit)

        self.strengthCaption = QLabel(self.card)
        self.strengthCaption.setObjectName(u"strengthCaption")

        self.form.setWidget(5, QFormLayout.ItemRole.LabelRole, self.strengthCaption)

        self.strengthRow = QHBoxLayout()
        self.strengthRow.setObjectName(u"strengthRow")
        self.strengthBar = QProgressBar(self.card)
        self.strengthBar.setObjectName(u"strengthBar")
        self.strengthBar.setMaximum(4)
        self.strengthBar.setTextVisible(False)

        self.strengthRow.addWidget(self.strengthBar)

        self.strengthLabel = QLabel(self.card)
        self.strengthLabel.setObjectName(u"strengthLabel")
        self.strengthLabel.setText(u"")

        self.strengthRow.addWidget(self.strengthLabel)


        self.form.setLayout(5, QFormLayout.ItemRole.FieldRole, self.strengthRow)

        self.repeatLabel = QLabel(self.card)
        self.repeatLabel.setObjectName(u"repeatLabel")

        self.form.setWidget(6, QFormLayout.ItemRole.LabelRole, self.repeatLabel)

        self.repeatEdit = QLineEdit(self.card)
        self.repeatEdit.setObjectName(u"repeatEdit")
        self.repeatEdit.setEchoMode(QLineEdit.EchoMode.Password)

        self.form.setWidget(6, QFormLayout.ItemRole.FieldRole, self.repeatEdit)


        self.cardLayout.addLayout(self.form)

        self.errorLabel = QLabel(self.card)
        self.errorLabel.setObjectName(u"errorLabel")
        self.errorLabel.setText(u"")
        self.errorLabel.setWordWrap(True)

        self.cardLayout.addWidget(self.errorLabel)

        self.understoodRow = QHBoxLayout()
        self.understoodRow.setObjectName(u"understoodRow")
        self.understoodCheck = QCheckBox(self.card)
        self.understoodCheck.setObjectName(u"understoodCheck")
        sizePolicy = QSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        sizePolicy.setHorizontalStretch(0)
        sizePolicy.setVerticalStretch(0)
        sizePolicy.setHeightForWidth(self.understoodCheck.sizePolicy().hasHeightForWidth())
        self.understoodCheck.setSizePolicy(sizePolicy)

        self.understoodRow.addWidget(self.understoodCheck, 0, Qt.AlignmentFlag.AlignTop)

        self.understoodLabel = QLabel(self.card)
        self.understoodLabel.setObjectName(u"understoodLabel")
        self.understoodLabel.setWordWrap(True)

        self.understoodRow.addWidget(self.understoodLabel)


        self.cardLayout.addLayout(self.understoodRow)

        self.busyBar = QProgressBar(self.card)
        self.busyBar.setObjectName(u"busyBar")
        self.busyBar.setMaximum(0)
        self.busyBar.setTextVisible(False)

        self.cardLayout.addWidget(self.busyBar)

        self.buttonRow = QHBoxLayout()
        self.buttonRow.setObjectName(u"buttonRow")
        self.backButton = QPushButton(self.card)
        self.backButton.setObjectName(u"backButton")

        self.buttonRow.addWidget(self.backButton)

        self.createButton = QPushButton(self.card)
        self.createButton.setObjectName(u"createButton")

        self.buttonRow.addWidget(self.createButton)


        self.cardLayout.addLayout(self.buttonRow)


        self.centerRow.addWidget(self.card)

        self.rightSpace = QSpacerItem(0, 0, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

        self.centerRow.addItem(self.rightSpace)


        self.outer.addLayout(self.centerRow)

        self.bottomSpace = QSpacerItem(0, 0, QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Expanding)

        self.outer.addItem(self.bottomSpace)

#if QT_CONFIG(shortcut)
        self.pathLabel.setBuddy(self.pathEdit)
        self.counselorLabel.setBuddy(self.counselorEdit)
        self.teamLabel.setBuddy(self.teamEdit)
        self.municipalityLabel.setBuddy(self.municipalityEdit)
        self.passphraseLabel.setBuddy(self.passphraseEdit)
        self.repeatLabel.setBuddy(self.repeatEdit)
        self.understoodLabel.setBuddy(self.understoodCheck)
#endif // QT_CONFIG(shortcut)
        QWidget.setTabOrder(self.counselorEdit, self.teamEdit)
        QWidget.setTabOrder(self.teamEdit, self.municipalityEdit)
        QWidget.setTabOrder(self.municipalityEdit, self.passphraseEdit)
        QWidget.setTabOrder(self.passphraseEdit, self.repeatEdit)
        QWidget.setTabOrder(self.repeatEdit, self.understoodCheck)
        QWidget.setTabOrder(self.understoodCheck, self.createButton)
        QWidget.setTabOrder(self.createButton, self.backButton)
        QWidget.setTabOrder(self.backButton, self.pathEdit)
        QWidget.setTabOrder(self.pathEdit, self.pathButton)

        self.retranslateUi(CreateScreen)

        self.createButton.setDefault(True)

    # setupUi

    def retranslateUi(self, CreateScreen: QWidget) -> None:
        CreateScreen.setWindowTitle(_(u"New vault"))
        self.titleLabel.setText(_(u"Create a new case vault"))
        self.warningLabel.setText(_(u"Your passphrase encrypts every case on this computer. If you forget it, nobody can recover the data here \u2014 only the copy on your municipality's server remains. Write it down and keep it safe."))
        self.pathLabel.setText(_(u"Vault file"))
#if QT_CONFIG(accessibility)
        self.pathEdit.setAccessibleName(_(u"Vault file"))
#endif // QT_CONFIG(accessibility)
        self.pathButton.setText(_(u"Choose\u2026"))
        self.counselorLabel.setText(_(u"&Your name"))
#if QT_CONFIG(accessibility)
        self.counselorEdit.setAccessibleName(_(u"Your name"))
#endif // QT_CONFIG(accessibility)
        self.teamLabel.setText(_(u"T&eam"))
#if QT_CONFIG(accessibility)
        self.teamEdit.setAccessibleName(_(u"Team"))
#endif // QT_CONFIG(accessibility)
        self.municipalityLabel.setText(_(u"&Municipality"))
#if QT_CONFIG(accessibility)
        self.municipalityEdit.setAccessibleName(_(u"Municipality"))
#endif // QT_CONFIG(accessibility)
        self.passphraseLabel.setText(_(u"&Passphrase"))
#if QT_CONFIG(accessibility)
        self.passphraseEdit.setAccessibleName(_(u"Passphrase"))
#endif // QT_CONFIG(accessibility)
        self.strengthCaption.setText(_(u"Strength"))
#if QT_CONFIG(accessibility)
        self.strengthBar.setAccessibleName(_(u"Passphrase strength"))
#endif // QT_CONFIG(accessibility)
        self.repeatLabel.setText(_(u"&Repeat passphrase"))
#if QT_CONFIG(accessibility)
        self.repeatEdit.setAccessibleName(_(u"Repeat passphrase"))
#endif // QT_CONFIG(accessibility)
#if QT_CONFIG(accessibility)
        self.understoodCheck.setAccessibleName(_(u"I understand that a forgotten passphrase cannot be recovered on this computer."))
#endif // QT_CONFIG(accessibility)
        self.understoodLabel.setText(_(u"I understand that a forgotten passphrase cannot be recovered on this computer."))
#if QT_CONFIG(accessibility)
        self.busyBar.setAccessibleName(_(u"Creating the vault"))
#endif // QT_CONFIG(accessibility)
        self.backButton.setText(_(u"&Back"))
        self.createButton.setText(_(u"Create va&ult"))
    # retranslateUi

