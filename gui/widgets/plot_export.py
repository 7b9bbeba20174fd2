"""Right-click "Export…" on every plot and picture, through pyqtgraph's own export dialog.

The panels switch pyqtgraph's view menus off: its axis, transform and mouse-mode options
would let a plot be changed into something the panel never meant to show. What remains
useful is exporting, so a right click that no item claimed opens a one-entry menu whose
action shows pyqtgraph's export dialog (PNG and other images, SVG, CSV of the curves,
printing). A right drag still zooms where a view allows it: the menu appears on a click only.

`install` adjusts pyqtgraph's exporters to the studio's plots:

* Images (PNG, JPG, ...) get the window's background colour (QPalette Window) instead of a
  transparent one when the view has none (every plot here sits on the window's colour):
  black text on a transparent PNG vanishes in a dark image viewer. SVGs stay transparent, as
  vector pictures placed into documents are expected to be (and pyqtgraph's full-size background
  rectangle is drawn at the wrong size by Qt's own SVG renderer when zoomed).
* "CSV of original plot data" writes a plot's own table where the plot gives one
  (`set_csv_table`: the confusion matrix, bar charts), since only curves are "plot data" to
  pyqtgraph; for a plot with neither, the dialog's CSV entry is disabled instead of writing an
  empty file.
* SVG keeps images crisp (see svg_export_compat).
"""
from __future__ import annotations

import csv
from collections.abc import Callable, Sequence

import pyqtgraph as pg
from pyqtgraph.exporters import CSVExporter, ImageExporter
from pyqtgraph.exporters.Exporter import Exporter
from pyqtgraph.GraphicsScene.exportDialog import ExportDialog
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette, QTransform
from PySide6.QtWidgets import QApplication, QGraphicsScene, QMenu, QWidget

from . import svg_export_compat

MENU_OBJECT_NAME = "plotExportMenu"
EXPORT_TEXT = "Export\u2026"
EXPORT_TIP = "Save this plot as an image (PNG, JPG, ...) or as SVG, or its data as CSV."
NO_CSV_TIP = "This plot has no data to write as CSV: export it as an image or SVG."
CSV_TABLE_ATTRIBUTE = "studio_csv_table"
"""The attribute of a PlotItem that `set_csv_table` sets."""


def set_csv_table(plot_item: pg.PlotItem, table: Callable[[], Sequence[Sequence]]) -> None:
    """Make "CSV of original plot data" on `plot_item` write `table()`: rows of cells, the first
    the header. For plots whose data are not curves (images, bars), which pyqtgraph would
    write as an empty file. `table` returns no rows while there is nothing to write."""
    setattr(plot_item, CSV_TABLE_ATTRIBUTE, table)


def _table(item):
    table = getattr(item, CSV_TABLE_ATTRIBUTE, None)
    return None if table is None else list(table())


def _has_points(data) -> bool:
    x = data[0] if data is not None and len(data) else None
    return x is not None and len(x) > 0


def has_csv_data(item) -> bool:
    """True if "CSV of original plot data" on `item` (what the export dialog selected) writes
    something: a plot with a table (`set_csv_table`) or with curves, scatter points or error bars."""
    if not isinstance(item, pg.PlotItem):
        return False  # pyqtgraph's CSV export takes plots only, not a view box or the whole scene
    if getattr(item, CSV_TABLE_ATTRIBUTE, None) is not None:
        return bool(_table(item))
    for child in item.items:
        if isinstance(child, pg.ErrorBarItem):
            if child.opts.get("x") is not None and child.opts.get("y") is not None:
                return True
        elif hasattr(child, "implements") and child.implements("plotData"):
            data = child.getOriginalDataset() if hasattr(child, "getOriginalDataset") else child.getData()
            if _has_points(data):
                return True
    return False


class TableCSVExporter(CSVExporter):
    """pyqtgraph's CSV export, writing a plot's own table where it has one (`set_csv_table`)."""

    Name = CSVExporter.Name

    def export(self, fileName=None):  # noqa: N803 (pyqtgraph's name)
        rows = _table(self.item)
        if rows is None:
            return super().export(fileName)
        if fileName is None:
            self.fileSaveDialog(filter=["*.csv", "*.tsv"])  # calls export again with the name
            return None
        separator = "," if self.params["separator"] == "comma" else "\t"
        with open(fileName, "w", newline="") as file:
            csv.writer(file, delimiter=separator, quoting=csv.QUOTE_MINIMAL).writerows(rows)
        return None


def window_colour(item) -> QColor:
    """The window colour behind `item` (a graphics item or scene): its view's palette's."""
    scene = item if isinstance(item, QGraphicsScene) else item.scene()
    views = scene.views() if scene is not None else []
    palette = views[0].palette() if views else QApplication.palette()
    return palette.color(QPalette.ColorRole.Window)


def _fill_transparent_background(exporter_class) -> None:
    """Give `exporter_class` the window's colour as its default background where the view has
    none (pyqtgraph then uses transparent)."""
    original = exporter_class.__init__
    if getattr(original, "fills_background", False):
        return

    def __init__(self, item):  # noqa: N807
        original(self, item)
        if self.params["background"].alpha() == 0:
            self.params["background"] = window_colour(item)

    __init__.fills_background = True
    exporter_class.__init__ = __init__


def _disable_csv_without_data() -> None:
    """Disable the export dialog's CSV entry while the selected item has nothing to write."""
    original = ExportDialog.updateFormatList
    if getattr(original, "disables_empty_csv", False):
        return

    def update_format_list(self):
        original(self)
        formats = self.ui.formatList
        selected = self.ui.itemTree.currentItem()
        target = getattr(selected, "gitem", None)
        for row in range(formats.count()):
            entry = formats.item(row)
            if issubclass(getattr(entry, "expClass", object), CSVExporter) and not has_csv_data(target):
                entry.setFlags(entry.flags() & ~Qt.ItemFlag.ItemIsEnabled)
                entry.setToolTip(NO_CSV_TIP)
        current = formats.currentItem()
        if current is not None and not current.flags() & Qt.ItemFlag.ItemIsEnabled:
            enabled = [r for r in range(formats.count()) if formats.item(r).flags() & Qt.ItemFlag.ItemIsEnabled]
            if enabled:
                formats.setCurrentRow(enabled[0])

    update_format_list.disables_empty_csv = True
    ExportDialog.updateFormatList = update_format_list


def install() -> None:
    """Adjust pyqtgraph's exporters as described above (once; later calls do nothing)."""
    svg_export_compat.install()
    _fill_transparent_background(ImageExporter)
    registered = Exporter.Exporters
    for index, exporter in enumerate(registered):
        if exporter is CSVExporter:
            registered[index] = TableCSVExporter
    _disable_csv_without_data()


def install_export_menu(view: pg.GraphicsView) -> QMenu:
    """Give `view` the right-click export menu (once; later calls return the same menu)."""
    existing = export_menu(view)
    if existing is not None:
        return existing
    install()
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
