"""Right-click "Export…" on every plot and picture, through pyqtgraph's own export dialog.

The panels switch pyqtgraph's view menus off: its axis, transform and mouse-mode options
would let a plot be changed into something the panel never meant to show. What remains
useful is exporting, so a right click that no item claimed opens a one-entry menu whose
action shows pyqtgraph's export dialog (PNG and other images, SVG, CSV of the curves,
printing). A right drag still zooms where a view allows it: the menu appears on a click only.
"""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QTransform
from PySide6.QtWidgets import QMenu, QWidget

from . import svg_export_compat

MENU_OBJECT_NAME = "plotExportMenu"
EXPORT_TEXT = "Export\u2026"
EXPORT_TIP = "Save this plot as an image (PNG, JPG, ...) or as SVG, or its data as CSV."


def install_export_menu(view: pg.GraphicsView) -> QMenu:
    """Give `view` the right-click export menu (once; later calls return the same menu)."""
    existing = export_menu(view)
    if existing is not None:
        return existing
    svg_export_compat.install()
    menu = QMenu(view)
    menu.setObjectName(MENU_OBJECT_NAME)
    action = menu.addAction(EXPORT_TEXT)
    action.setStatusTip(EXPORT_TIP)
    action.setToolTip(EXPORT_TIP)
    scene = view.scene()
    if not hasattr(scene, "contextMenuItem"):
        scene.contextMenuItem = None  # pyqtgraph sets it only when its own menu opens
    action.triggered.connect(scene.showExportDialog)

    def on_click(event) -> None:
        if event.button() != Qt.MouseButton.RightButton or event.isAccepted():
            return  # a panel's own right-click handling comes first
        items = scene.items(event.scenePos(), Qt.ItemSelectionMode.IntersectsItemShape,
                            Qt.SortOrder.DescendingOrder, QTransform())
        # The dialog preselects the plot around this item ("Entire scene" when there is none).
        scene.contextMenuItem = items[0] if items else None
        menu.popup(event.screenPos().toPoint())

    scene.sigMouseClicked.connect(on_click)
    return menu


def install_export_menus(root: QWidget) -> int:
    """Install the export menu on every pyqtgraph view inside `root`; returns how many views have one."""
    views = root.findChildren(pg.GraphicsView)
    if isinstance(root, pg.GraphicsView):
        views.append(root)
    for view in views:
        install_export_menu(view)
    return len(views)


def export_menu(view: pg.GraphicsView) -> QMenu | None:
    return view.findChild(QMenu, MENU_OBJECT_NAME, Qt.FindChildOption.FindDirectChildrenOnly)


def close_export_dialogs(root: QWidget) -> None:
    """Close the export dialogs opened from views inside `root`: they are separate windows."""
    for view in root.findChildren(pg.GraphicsView):
        dialog = getattr(view.scene(), "exportDialog", None)
        if dialog is not None:
            dialog.close()
