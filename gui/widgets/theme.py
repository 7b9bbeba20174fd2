"""The studio's look: a light or a dark theme (or the system's), and an optional colour-blind-safe
palette for the series colours and the diverging map (gui.widgets.colormaps reads it).

`appearance()` is the one place that says what is in use (`theme`, `dark`, `colour_blind`) and
announces a change (`changed`). A theme is applied as the application's palette: the platform's
for "system" (a dark one of ours when the platform asks for dark but gives a light palette),
Fusion-like light and dark palettes otherwise; Qt 6.8's colour-scheme request also tells the
platform, so that native parts (title bars, native styles) follow.

Widgets follow with `follow_appearance(widget, restyle)` (a callback) or `themed(widget, item,
apply)` (re-apply colours to one item of the widget). Both run once the widget has its new palette
(Qt delivers an application palette change to widgets on a later pass of the event loop) or when
only the palette choice changed (the colour-blind colours, which leave Qt's palette as it is).
"""
from __future__ import annotations

import weakref
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QGraphicsView, QWidget

SYSTEM, LIGHT, DARK = "system", "light", "dark"
THEMES = (SYSTEM, LIGHT, DARK)
THEME_NAMES = {SYSTEM: "&System", LIGHT: "&Light", DARK: "&Dark"}

_Role, _Group = QPalette.ColorRole, QPalette.ColorGroup


def _palette(window: str, text: str, base: str, alternate: str, button: str, highlight: str, link: str,
             visited: str, tooltip: str, disabled: str, placeholder: str, bright: str) -> QPalette:
    # QPalette(button, window) derives the bevel shades (Light, Midlight, Mid, Dark, Shadow).
    palette = QPalette(QColor(button), QColor(window))
    for role, colour in ((_Role.WindowText, text), (_Role.Text, text), (_Role.ButtonText, text),
                         (_Role.Base, base), (_Role.AlternateBase, alternate), (_Role.ToolTipBase, tooltip),
                         (_Role.ToolTipText, text), (_Role.Highlight, highlight), (_Role.HighlightedText, "#ffffff"),
                         (_Role.Link, link), (_Role.LinkVisited, visited), (_Role.PlaceholderText, placeholder),
                         (_Role.BrightText, bright)):
        palette.setColor(role, QColor(colour))
    for role in (_Role.WindowText, _Role.Text, _Role.ButtonText):
        palette.setColor(_Group.Disabled, role, QColor(disabled))
    palette.setColor(_Group.Disabled, _Role.Highlight, QColor(disabled))
    return palette


def light_palette() -> QPalette:
    """Fusion's light palette."""
    return _palette(window="#efefef", text="#000000", base="#ffffff", alternate="#f7f7f7", button="#efefef",
                    highlight="#308cc6", link="#0000ff", visited="#ff00ff", tooltip="#ffffdc",
                    disabled="#bebebe", placeholder="#7f7f7f", bright="#ffffff")


def dark_palette() -> QPalette:
    """A dark palette in Fusion's manner: light grey text (not white, which glares) on dark grey."""
    return _palette(window="#2d2d2d", text="#e6e6e6", base="#1e1e1e", alternate="#262626", button="#353535",
                    highlight="#2f7fc1", link="#6cb4ff", visited="#c08cf0", tooltip="#3c3c3c",
                    disabled="#7a7a7a", placeholder="#8f8f8f", bright="#ff6b6b")


def is_dark(palette: QPalette) -> bool:
    return palette.color(_Role.Window).lightness() < 128


_SCHEMES = {LIGHT: Qt.ColorScheme.Light, DARK: Qt.ColorScheme.Dark, SYSTEM: None}
_UNSET = object()


class Appearance(QObject):
    """The theme and palette choice in use; `changed` is emitted after either has changed."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._theme = SYSTEM
        self._colour_blind = False
        self._dark = False
        self._system_scheme = Qt.ColorScheme.Unknown
        self._requested = _UNSET  # the colour scheme last asked of the platform
        self._requesting = False
        self._watching = False
        self._announced = (SYSTEM, False, False)

    @property
    def theme(self) -> str:
        """"system", "light" or "dark": what was chosen."""
        return self._theme

    @property
    def dark(self) -> bool:
        """True when the palette in use is dark (whichever theme chose it)."""
        return self._dark

    @property
    def colour_blind(self) -> bool:
        """True for the colour-blind-safe series colours and blue-white-orange diverging map."""
        return self._colour_blind

    def set_theme(self, theme: str) -> None:
        self.set(theme=theme)

    def set_colour_blind(self, colour_blind: bool) -> None:
        self.set(colour_blind=colour_blind)

    def set(self, theme: str | None = None, colour_blind: bool | None = None) -> None:
        """Use `theme` and/or the colour-blind palette (None keeps what is in use) and apply them."""
        if theme is not None:
            if theme not in THEMES:
                raise ValueError(f"theme must be one of {', '.join(THEMES)}, got {theme!r}")
            self._theme = theme
        if colour_blind is not None:
            self._colour_blind = bool(colour_blind)
        self.apply()

    def system_scheme_changed(self, scheme: Qt.ColorScheme) -> None:
        """The platform's colour scheme changed (QStyleHints.colorSchemeChanged): the "system"
        theme follows it."""
        if self._requesting:
            return  # the echo of our own request, not the system's choice
        self._system_scheme = Qt.ColorScheme(scheme)
        if self._theme == SYSTEM:
            self.apply()

    def apply(self) -> None:
        """Put the chosen theme's palette on the application; announce what changed."""
        if isinstance(QCoreApplication.instance(), QGuiApplication):
            self._request_scheme()
            palette = self._palette()
            if palette is not None and QGuiApplication.palette() != palette:
                QGuiApplication.setPalette(palette)
            self._dark = is_dark(QGuiApplication.palette())
        else:
            self._dark = self._theme == DARK
        state = (self._theme, self._dark, self._colour_blind)
        if state != self._announced:
            self._announced = state
            self.changed.emit()

    def _request_scheme(self) -> None:
        hints = QGuiApplication.styleHints()
        if not self._watching:
            self._watching = True
            self._system_scheme = hints.colorScheme()
            hints.colorSchemeChanged.connect(self.system_scheme_changed)
        wanted = _SCHEMES[self._theme]
        if wanted == self._requested:
            return
        self._requested = wanted
        self._requesting = True
        try:
            if wanted is None:
                hints.unsetColorScheme()
            else:
                hints.setColorScheme(wanted)
        finally:
            self._requesting = False
        if wanted is None:
            self._system_scheme = hints.colorScheme()

    def _palette(self) -> QPalette | None:
        """The palette to set, or None when the platform's (already in place) is the one."""
        if self._theme == LIGHT:
            return light_palette()
        if self._theme == DARK:
            return dark_palette()
        if QCoreApplication.testAttribute(Qt.ApplicationAttribute.AA_SetPalette):
            QGuiApplication.setPalette(QPalette())  # back to the platform's own
        platform = QGuiApplication.palette()
        scheme = self._system_scheme
        # Some platforms report a dark scheme yet give Qt a light palette: ours then.
        if scheme == Qt.ColorScheme.Dark and not is_dark(platform):
            return dark_palette()
        return None


_APPEARANCE = Appearance()


def appearance() -> Appearance:
    """The application's Appearance (one for the whole process)."""
    return _APPEARANCE


def appearance_key(widget: QWidget) -> tuple:
    """What a widget's colours depend on: its palette's main colours and the palette choice."""
    palette = widget.palette()
    return (tuple(palette.color(role).rgba() for role in (_Role.Window, _Role.WindowText, _Role.Base, _Role.Text)),
            _APPEARANCE.colour_blind)


class _Follower(QObject):
    """Restyles one widget (its registered items, then its callbacks) when its look changes."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self.widget = widget
        self.items: list[tuple[weakref.ref, Callable]] = []
        self.callbacks: list[Callable[[], None]] = []
        self.key = appearance_key(widget)
        self.restyling = False
        widget.installEventFilter(self)
        # Queued: a theme's new palette reaches widgets through events Qt has already posted, so
        # by the time this runs the widget has it (and the palette event has done the work).
        _APPEARANCE.changed.connect(self.check, Qt.ConnectionType.QueuedConnection)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.PaletteChange:
            self.check()
        return False

    def check(self) -> None:
        if self.restyling or appearance_key(self.widget) == self.key:
            return
        self.restyling = True
        try:
            self.restyle()
        finally:
            self.restyling = False
        # Taken after: what the restyling itself changed (a muted text colour) is no new look.
        self.key = appearance_key(self.widget)

    def restyle(self) -> None:
        live = []
        for reference, apply in self.items:
            item = reference()
            if item is not None and shiboken6.isValid(item):
                apply(item)
                live.append((reference, apply))
        self.items = live
        for callback in self.callbacks:
            callback()


def _follower(widget: QWidget) -> _Follower:
    follower = getattr(widget, "_appearance_follower", None)
    if follower is None or not shiboken6.isValid(follower):
        follower = _Follower(widget)
        widget._appearance_follower = follower
    return follower


def follow_appearance(widget: QWidget, restyle: Callable[[], None]) -> None:
    """Call `restyle()` whenever `widget`'s palette or the palette choice has changed. `widget`
    should be one whose palette `restyle` does not set (a style sheet's colour would count as
    a new look): a panel rather than the label it colours."""
    _follower(widget).callbacks.append(restyle)


def themed(widget: QWidget, item, apply: Callable) -> None:
    """Call `apply(item)` now, and again whenever `widget`'s look changes, for as long as `item`
    lives (it is held weakly: items replaced later are simply dropped)."""
    apply(item)
    _follower(widget).items.append((weakref.ref(item), apply))


def follow_window_colour(view: QGraphicsView) -> QGraphicsView:
    """Keep a view on a transparent background (the window's colour) right after a theme change:
    pyqtgraph's views cache their background, filled with the palette's colour when the cache was
    made, and Qt makes it again only on a resize."""
    follow_appearance(view, view.resetCachedContent)
    return view
