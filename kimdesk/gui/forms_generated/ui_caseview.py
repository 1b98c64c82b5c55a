# -*- coding: utf-8 -*-

################################################################################
## Form generated from reading UI file 'caseview.ui'
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
from PySide6.QtWidgets import (QApplication, QHBoxLayout, QHeaderView, QLabel,
    QPushButton, QScrollArea, QSizePolicy, QSpacerItem,
    QTabWidget, QToolButton, QTreeWidget, QTreeWidgetItem,
    QVBoxLayout, QWidget)

from kimdesk.i18n import gettext as _

class Ui_CaseView(object):
    def setupUi(self, CaseView: QWidget) -> None:
        if not CaseView.objectName():
            CaseView.setObjectName(u"CaseView")
        self.outer = QVBoxLayout(CaseView)
        self.outer.setObjectName(u"outer")
        self.outer.setContentsMargins(0, 0, 0, 0)
        self.headerRow = QHBoxLayout()
        self.headerRow.setObjectName(u"headerRow")
        self.titleColumn = QVBoxLayout()
        self.titleColumn.setObjectName(u"titleColumn")
        self.nameLabel = QLabel(CaseView)
        self.nameLabel.setObjectName(u"nameLabel")
        self.nameLabel.setText(u"")
        self.nameLabel.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.titleColumn.addWidget(self.nameLabel)

        self.subtitleLabel = QLabel(CaseView)
        self.subtitleLabel.setObjectName(u"subtitleLabel")
        self.subtitleLabel.setText(u"")

        self.titleColumn.addWidget(self.subtitleLabel)


        self.headerRow.addLayout(self.titleColumn)

        self.headerSpace = QSpacerItem(0, 0, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

        self.headerRow.addItem(self.headerSpace)

        self.phaseCaption = QLabel(CaseView)
        self.phaseCaption.setObjectName(u"phaseCaption")

        self.headerRow.addWidget(self.phaseCaption)

        self.phaseLabel = QLabel(CaseView)
        self.phaseLabel.setObjectName(u"phaseLabel")
        self.phaseLabel.setText(u"")

        self.headerRow.addWidget(self.phaseLabel)

        self.phaseButton = QToolButton(CaseView)
        self.phaseButton.setObjectName(u"phaseButton")
        self.phaseButton.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)

        self.headerRow.addWidget(self.phaseButton)


        self.outer.addLayout(self.headerRow)

        self.tabs = QTabWidget(CaseView)
        self.tabs.setObjectName(u"tabs")
        self.personTab = QWidget()
        self.personTab.setObjectName(u"personTab")
        self.personTabLayout = QVBoxLayout(self.personTab)
        self.personTabLayout.setObjectName(u"personTabLayout")
        self.personTabLayout.setContentsMargins(11, 11, 11, 11)
        self.personScroll = QScrollArea(self.personTab)
        self.personScroll.setObjectName(u"personScroll")
        self.personScroll.setWidgetResizable(True)
        self.personHost = QWidget()
        self.personHost.setObjectName(u"personHost")
        self.personHostLayout = QHBoxLayout(self.personHost)
        self.personHostLayout.setObjectName(u"personHostLayout")
        self.personScroll.setWidget(self.personHost)

        self.personTabLayout.addWidget(self.personScroll)

        self.saveRow = QHBoxLayout()
        self.saveRow.setObjectName(u"saveRow")
        self.formError = QLabel(self.personTab)
        self.formError.setObjectName(u"formError")
        self.formError.setText(u"")
        self.formError.setWordWrap(True)

        self.saveRow.addWidget(self.formError)

        self.saveSpace = QSpacerItem(0, 0, QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)

        self.saveRow.addItem(self.saveSpace)

        self.revertButton = QPushButton(self.personTab)
        self.revertButton.setObjectName(u"revertButton")

        self.saveRow.addWidget(self.revertButton)

        self.saveButton = QPushButton(self.personTab)
        self.saveButton.setObjectName(u"saveButton")

        self.saveRow.addWidget(self.saveButton)


        self.personTabLayout.addLayout(self.saveRow)

        self.tabs.addTab(self.personTab, "")
        self.historyTab = QWidget()
        self.historyTab.setObjectName(u"historyTab")
        self.historyLayout = QVBoxLayout(self.historyTab)
        self.historyLayout.setObjectName(u"historyLayout")
        self.historyLayout.setContentsMargins(11, 11, 11, 11)
        self.historyTree = QTreeWidget(self.historyTab)
        self.historyTree.setObjectName(u"historyTree")
        self.historyTree.setRootIsDecorated(False)

        self.historyLayout.addWidget(self.historyTree)

        self.tabs.addTab(self.historyTab, "")

        self.outer.addWidget(self.tabs)


        self.retranslateUi(CaseView)

        self.tabs.setCurrentIndex(0)

    # setupUi

    def retranslateUi(self, CaseView: QWidget) -> None:
        self.phaseCaption.setText(_(u"Phase:"))
        self.phaseButton.setText(_(u"Change &phase"))
#if QT_CONFIG(accessibility)
        self.phaseButton.setAccessibleName(_(u"Change phase"))
#endif // QT_CONFIG(accessibility)
        self.revertButton.setText(_(u"&Revert"))
        self.saveButton.setText(_(u"&Save"))
        self.tabs.setTabText(self.tabs.indexOf(self.personTab), _(u"Person and case"))
        ___qtreewidgetitem = self.historyTree.headerItem()
        ___qtreewidgetitem.setText(2, _(u"What"))
        ___qtreewidgetitem.setText(1, _(u"Who"))
        ___qtreewidgetitem.setText(0, _(u"When"))
#if QT_CONFIG(accessibility)
        self.historyTree.setAccessibleName(_(u"History of this case"))
#endif // QT_CONFIG(accessibility)
        self.tabs.setTabText(self.tabs.indexOf(self.historyTab), _(u"History"))
        pass
    # retranslateUi

