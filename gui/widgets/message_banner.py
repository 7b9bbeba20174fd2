"""A dismissible strip above the panels for what the user must not miss (e.g. divergence)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget


class MessageBanner(QFrame):
    """Hidden until `show_message`; the user closes it with its × button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("#messageBanner { background: #fff3cd; border: 1px solid #e0b252; }"
                           "#messageBanner QLabel { color: #5c4400; }")
        self.label = QLabel()
        self.label.setObjectName("messageBannerText")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QToolButton()
        close.setObjectName("messageBannerClose")
        close.setText("\u2715")
        close.setAutoRaise(True)
        close.setToolTip("Hide this message.")
        close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(self.label, 1)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    @property
    def text(self) -> str:
        return self.label.text()

    def show_message(self, text: str) -> None:
        self.label.setText(text)
        self.show()
