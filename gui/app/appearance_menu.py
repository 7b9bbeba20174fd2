"""View -> Theme (System, Light, Dark) and View -> Colour-blind safe colours: the window's actions
for gui.widgets.theme.appearance(), and the choice remembered in the settings."""
from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu

from ..widgets.theme import THEME_NAMES, THEMES, appearance
from .settings import load_appearance, save_appearance

THEME_TIPS = {
    "system": "Light or dark as the system is set, and change with it.",
    "light": "Dark text on light backgrounds, whatever the system is set to.",
    "dark": "Light text on dark backgrounds, whatever the system is set to.",
}
COLOUR_BLIND_TIP = ("Series colours from a palette colour-blind readers can tell apart (Okabe\u2013Ito blue, "
                    "orange, vermillion) and a blue\u2013white\u2013orange map for weights instead of blue\u2013"
                    "white\u2013red. Train and test curves also differ in dash and marker in every palette.")


def restore_appearance(settings) -> None:
    """Put the theme and palette choice remembered in `settings` in use."""
    theme, colour_blind = load_appearance(settings)
    appearance().set(theme=theme, colour_blind=colour_blind)


class AppearanceActions(QObject):
    """The Theme submenu and the colour-blind toggle in a window's View menu: a choice is applied at
    once and saved in the window's settings; the actions show the choice in use."""

    def __init__(self, window, view_menu: QMenu) -> None:
        super().__init__(window)
        self.settings = window.settings
        self.theme_menu = view_menu.addMenu("T&heme")
        self.theme_menu.setToolTipsVisible(True)
        group = QActionGroup(self)
        self.theme_actions: dict[str, QAction] = {}
        for theme in THEMES:
            made = QAction(THEME_NAMES[theme], window)
            made.setObjectName(f"theme{theme.capitalize()}")
            made.setCheckable(True)
            made.setStatusTip(THEME_TIPS[theme])
            made.setToolTip(THEME_TIPS[theme])
            made.triggered.connect(lambda _=False, t=theme: self.choose(theme=t))
            group.addAction(made)
            self.theme_menu.addAction(made)
            self.theme_actions[theme] = made
        self.colour_blind_action = QAction("&Colour-blind safe colours", window)
        self.colour_blind_action.setObjectName("colourBlindPalette")
        self.colour_blind_action.setCheckable(True)
        self.colour_blind_action.setStatusTip(COLOUR_BLIND_TIP)
        self.colour_blind_action.setToolTip(COLOUR_BLIND_TIP)
        self.colour_blind_action.triggered.connect(lambda checked: self.choose(colour_blind=checked))
        view_menu.addAction(self.colour_blind_action)
        appearance().changed.connect(self.sync)
        self.sync()

    def choose(self, theme: str | None = None, colour_blind: bool | None = None) -> None:
        """Use `theme` and/or the colour-blind palette (None keeps what is in use), and remember it."""
        current = appearance()
        current.set(theme=theme, colour_blind=colour_blind)
        save_appearance(self.settings, current.theme, current.colour_blind)

    def sync(self) -> None:
        """Check the actions of the theme and palette choice in use."""
        current = appearance()
        self.theme_actions[current.theme].setChecked(True)
        self.colour_blind_action.setChecked(current.colour_blind)
