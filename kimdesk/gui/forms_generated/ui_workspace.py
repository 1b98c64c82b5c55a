# -*- coding: utf-8 -*-

################################################################################
## Form generated from reading UI file 'workspace.ui'
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
from PySide6.QtWidgets import (QAbstractItemView, QApplication, QCheckBox, QComboBox,
    QGridLayout, QHeaderView, QLabel, QLineEdit,
    QPushButton, QSizePolicy, QSplitter, QStackedWidget,
    QTableView, QVBoxLayout, QWidget)

from kimdesk.i18n import gettext as _

class Ui_Workspace(object):
    def setupUi(self, Workspace: QWidget) -> None:
        if not Workspace.objectName():
            Workspace.setObjectName(u"Workspace")
        self.outer = QVBoxLayout(Workspace)
        self.outer.setObjectName(u"outer")
        self.outer.setContentsMargins(4, 4, 4, 0)
        self.splitter = QSplitter(Workspace)
        self.splitter.setObjectName(u"splitter")
        self.splitter.setOrientation(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.listPane = QWidget(self.splitter)
        self.listPane.setObjectName(u"listPane")
        self.listLayout = QVBoxLayout(self.listPane)
        self.listLayout.setObjectName(u"listLayout")
        self.listLayout.setContentsMargins(0, 0, 0, 0)
        self.searchEdit = QLineEdit(self.listPane)
        self.searchEdit.setObjectName(u"searchEdit")
        self.searchEdit.setClearButtonEnabled(True)

        self.listLayout.addWidget(self.searchEdit)

        self.filterGrid = QGridLayout()
        self.filterGrid.setObjectName(u"filterGrid")
        self.phaseCombo = QComboBox(self.listPane)
        self.phaseCombo.setObjectName(u"phaseCombo")

        self.filterGrid.addWidget(self.phaseCombo, 0, 0, 1, 1)

        self.scopeCombo = QComboBox(self.listPane)
        self.scopeCombo.setObjectName(u"scopeCombo")

        self.filterGrid.addWidget(self.scopeCombo, 0, 1, 1, 1)

        self.rechtskreisCombo = QComboBox(self.listPane)
        self.rechtskreisCombo.setObjectName(u"rechtskreisCombo")

        self.filterGrid.addWidget(self.rechtskreisCombo, 1, 0, 1, 1)

        self.handlungsfeldCombo = QComboBox(self.listPane)
        self.handlungsfeldCombo.setObjectName(u"handlungsfeldCombo")

        self.filterGrid.addWidget(self.handlungsfeldCombo, 1, 1, 1, 1)

        self.reviewCheck = QCheckBox(self.listPane)
        self.reviewCheck.setObjectName(u"reviewCheck")

        self.filterGrid.addWidget(self.reviewCheck, 2, 0, 1, 1)

        self.newCaseButton = QPushButton(self.listPane)
        self.newCaseButton.setObjectName(u"newCaseButton")

        self.filterGrid.addWidget(self.newCaseButton, 2, 1, 1, 1)


        self.listLayout.addLayout(self.filterGrid)

        self.caseTable = QTableView(self.listPane)
        self.caseTable.setObjectName(u"caseTable")
        self.caseTable.setTabKeyNavigation(False)
        self.caseTable.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.caseTable.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.caseTable.setSortingEnabled(True)
        self.caseTable.setAlternatingRowColors(True)
        self.caseTable.setWordWrap(False)

        self.listLayout.addWidget(self.caseTable)

        self.splitter.addWidget(self.listPane)
        self.detailStack = QStackedWidget(self.splitter)
        self.detailStack.setObjectName(u"detailStack")
        self.emptyLabel = QLabel()
        self.emptyLabel.setObjectName(u"emptyLabel")
        self.emptyLabel.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.emptyLabel.setWordWrap(True)
        self.detailStack.addWidget(self.emptyLabel)
        self.splitter.addWidget(self.detailStack)

        self.outer.addWidget(self.splitter)

        QWidget.setTabOrder(self.searchEdit, self.phaseCombo)
        QWidget.setTabOrder(self.phaseCombo, self.scopeCombo)
        QWidget.setTabOrder(self.scopeCombo, self.rechtskreisCombo)
        QWidget.setTabOrder(self.rechtskreisCombo, self.handlungsfeldCombo)
        QWidget.setTabOrder(self.handlungsfeldCombo, self.reviewCheck)
        QWidget.setTabOrder(self.reviewCheck, self.newCaseButton)
        QWidget.setTabOrder(self.newCaseButton, self.caseTable)

        self.retranslateUi(Workspace)
    # setupUi

    def retranslateUi(self, Workspace: QWidget) -> None:
        self.searchEdit.setPlaceholderText(_(u"Search name, case number or note (Ctrl+F)"))
#if QT_CONFIG(accessibility)
        self.searchEdit.setAccessibleName(_(u"Search cases"))
#endif // QT_CONFIG(accessibility)
#if QT_CONFIG(accessibility)
        self.phaseCombo.setAccessibleName(_(u"Filter by phase"))
#endif // QT_CONFIG(accessibility)
#if QT_CONFIG(accessibility)
        self.scopeCombo.setAccessibleName(_(u"Whose cases"))
#endif // QT_CONFIG(accessibility)
#if QT_CONFIG(accessibility)
        self.rechtskreisCombo.setAccessibleName(_(u"Filter by legal domain"))
#endif // QT_CONFIG(accessibility)
#if QT_CONFIG(accessibility)
        self.handlungsfeldCombo.setAccessibleName(_(u"Filter by field of action"))
#endif // QT_CONFIG(accessibility)
        self.reviewCheck.setText(_(u"Review due"))
        self.newCaseButton.setText(_(u"&New case"))
#if QT_CONFIG(accessibility)
        self.caseTable.setAccessibleName(_(u"Cases"))
#endif // QT_CONFIG(accessibility)
        self.emptyLabel.setText(_(u"Select a case in the list or create a new one (Ctrl+N)."))
        pass
    # retranslateUi

