"""A photo from the computer's camera for an ``image`` question, kept in memory only.

Offered only where Qt Multimedia loads and lists a camera (``fileeditor.camera_available``). The
picture is taken with ``QImageCapture.capture()`` (not ``captureToFile``: nothing is written to
disk) and encoded as JPEG into a ``QBuffer``; the bytes go the way a chosen file goes. No machine
that runs the tests has a camera, so this dialog is exercised by hand (docs/forms.md).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from kimdesk.i18n import gettext as _


def jpeg_bytes(image: Any) -> bytes:
    """A QImage as JPEG bytes, encoded in memory."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "JPG", 90)  # PySide6 takes the format as str here
    buffer.close()
    return bytes(data.data())


class CameraDialog(QDialog):
    """The camera's picture and "Take photo"; :attr:`photo` holds the JPEG once taken."""

    def __init__(self, parent: QWidget | None = None) -> None:
        from PySide6.QtMultimedia import QCamera, QImageCapture, QMediaCaptureSession
        from PySide6.QtMultimediaWidgets import QVideoWidget

        super().__init__(parent)
        self.setWindowTitle(_("Camera"))
        self.photo: bytes | None = None
        layout = QVBoxLayout(self)
        preview = QVideoWidget()
        preview.setMinimumSize(480, 360)
        layout.addWidget(preview)
        self.status = QLabel("")
        layout.addWidget(self.status)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        take = buttons.addButton(_("Take photo"), QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.camera = QCamera()
        self.capture = QImageCapture()
        self.session = QMediaCaptureSession()
        self.session.setCamera(self.camera)
        self.session.setImageCapture(self.capture)
        self.session.setVideoOutput(preview)
        self.capture.imageCaptured.connect(self._taken)
        self.capture.errorOccurred.connect(
            lambda *_args: self.status.setText(_("The camera did not take a photo.")))
        take.clicked.connect(self.capture.capture)
        self.camera.start()

    def _taken(self, _request: int, image: Any) -> None:
        self.photo = jpeg_bytes(image)
        self.camera.stop()
        self.accept()

    def done(self, result: int) -> None:
        self.camera.stop()
        super().done(result)
