"""Light, dark and system themes and the colour-blind palette (View -> Theme, View -> Colour-blind
safe colours): the plots recolour when the choice changes (checked on their pixels), train and test
never differ by colour alone, and the choice is remembered."""
import colorsys

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QColor, QImage, QPalette
from PySide6.QtWidgets import QApplication
from qt_support import added_widget, open_window, settings_file, show_panel

from engine.config import TrainConfig
from engine.snapshot import Snapshot
from gui.analysis.transfer_panel import TransferPanel
from gui.panels.accuracy_panel import AccuracyPanel
from gui.panels.chunk_detail_dialog import ChunkDetailDialog
from gui.panels.loss_panel import LossPanel
from gui.widgets.colormaps import (
    INDEX_HALF_RANGE,
    INDEX_ZERO,
    SERIES,
    TEST_LINE,
    TEST_SYMBOL,
    TRAIN_LINE,
    TRAIN_SYMBOL,
    contrast_ratio,
    diverging_colormap_name,
    diverging_index_lut,
    relative_luminance,
    series_colours,
)
from gui.widgets.theme import DARK, LIGHT, SYSTEM, appearance, dark_palette, is_dark, light_palette

SMALL = (1000, 300)
WAIT_MS = 20_000


@pytest.fixture(autouse=True)
def default_appearance(qtbot):
    """Every test starts and ends with the system theme and the usual palette."""
    appearance().set(theme=SYSTEM, colour_blind=False)
    settle(qtbot)
    yield
    appearance().set(theme=SYSTEM, colour_blind=False)
    settle(qtbot)


def settle(qtbot, ms: int = 60) -> None:
    """Let Qt deliver the palette events it posted, then the views redraw."""
    for _ in range(3):
        QApplication.processEvents()
        qtbot.wait(ms // 3)


def pixels(widget) -> np.ndarray:
    """What `widget` shows, as an (h, w, 3) uint8 RGB array."""
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    rows = np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes()).reshape(image.height(), -1)
    return rows[:, : 3 * image.width()].reshape(image.height(), image.width(), 3).copy()


def luminance(rgb: np.ndarray) -> np.ndarray:
    return (0.2126 * rgb[..., 0] + 0.7152 * rgb[..., 1] + 0.0722 * rgb[..., 2]) / 255.0


def area(plot_widget, item) -> tuple[slice, slice]:
    """The rows and columns of `plot_widget`'s picture that `item` (of its scene) covers."""
    rect = plot_widget.mapFromScene(item.sceneBoundingRect()).boundingRect()
    return slice(max(rect.top(), 0), rect.bottom()), slice(max(rect.left(), 0), rect.right())


def hue_degrees(rgb) -> float:
    return 360.0 * colorsys.rgb_to_hsv(*(channel / 255.0 for channel in rgb[:3]))[0]


def reddish(hue: float) -> bool:
    return hue < 14 or hue > 345


def orangeish(hue: float) -> bool:
    return 18 <= hue <= 45


def near(rgb: np.ndarray, colour: QColor, tolerance: int = 24) -> np.ndarray:
    """Pixels within `tolerance` of `colour` in every channel."""
    target = np.array([colour.red(), colour.green(), colour.blue()])
    return np.all(np.abs(rgb.astype(int) - target) <= tolerance, axis=-1)


def history_snapshot(network, n_epochs: int = 4) -> Snapshot:
    batch_x = np.linspace(0.0, n_epochs, 801)[1:]
    epoch = np.arange(1.0, n_epochs + 1.0)
    epochs = {"epoch": epoch, "train_loss": 1.5 * np.exp(-epoch + 0.5), "test_loss": 1.6 * np.exp(-epoch),
              "train_accuracy": np.linspace(0.80, 0.98, n_epochs), "test_accuracy": np.linspace(0.75, 0.95, n_epochs),
              "seconds": np.full(n_epochs, 1.0)}
    return Snapshot(network=network.copy(), config=TrainConfig(), state="paused", step=800, epoch=n_epochs,
                    epoch_progress=float(n_epochs), batch_x=batch_x, batch_loss=2.0 * np.exp(-batch_x) + 0.1,
                    epochs=epochs)


def action(window, name: str) -> QAction:
    found = window.findChild(QAction, name)
    assert found is not None, f"no action named {name!r}"
    return found


# ----------------------------------------------------------------------------- the theme


def test_dark_theme_from_the_view_menu_recolours_the_plots(qtbot, window):
    window.show_snapshot(history_snapshot(window.state.network))
    action(window, "themeLight").trigger()
    settle(qtbot, 300)
    loss, accuracy = window.loss_panel, window.accuracy_panel
    views = {"loss": loss.plot, "accuracy": accuracy.plot}
    before = {name: pixels(view) for name, view in views.items()}

    action(window, "themeDark").trigger()
    assert appearance().theme == DARK and appearance().dark
    settle(qtbot, 300)
    after = {name: pixels(view) for name, view in views.items()}

    text = loss.palette().color(QPalette.ColorRole.WindowText)
    assert text.lightness() > 200 and loss.palette().color(QPalette.ColorRole.Window).lightness() < 60
    for name, view in views.items():
        plot_item = view.getPlotItem()
        # The plot area's background follows the window: bright before, dark after.
        rows, cols = area(view, plot_item.vb)
        assert luminance(before[name][rows, cols]).mean() > 0.75, name
        assert luminance(after[name][rows, cols]).mean() < 0.3, name
        for side in ("left", "bottom"):
            axis = plot_item.getAxis(side)
            assert axis.pen().color().rgb() == text.rgb(), (name, side)
            assert axis.textPen().color().rgb() == text.rgb(), (name, side)
            # Tick labels: dark ink on the light theme, light ink on the dark one.
            rows, cols = area(view, axis)
            assert luminance(before[name][rows, cols]).min() < 0.25, (name, side)
            assert luminance(after[name][rows, cols]).max() > 0.75, (name, side)
            assert luminance(after[name][rows, cols]).mean() < 0.35, (name, side)
    # The curves take the dark theme's series colours, and the latest values too.
    train = series_colours().train
    assert loss.smooth_curve.opts["pen"].color().rgb() == train.rgb()
    assert near(after["loss"], train).sum() > 200 and near(before["loss"], train).sum() < 20
    assert accuracy.train_label.palette().color(QPalette.ColorRole.WindowText).rgb() == train.rgb()
    legend = accuracy.legend
    rows, cols = area(accuracy.plot, legend.items[0][1])  # the "train" label's text
    assert luminance(before["accuracy"][rows, cols]).min() < 0.25  # black on the light theme
    assert luminance(after["accuracy"][rows, cols]).max() > 0.75  # light grey on the dark one

    action(window, "themeLight").trigger()
    settle(qtbot, 300)
    back = pixels(loss.plot)
    rows, cols = area(loss.plot, loss.plot.getPlotItem().vb)
    assert luminance(back[rows, cols]).mean() > 0.75


def test_the_confusion_matrix_and_analysis_tabs_follow_the_theme(qtbot, window):
    panel = window.analysis.evaluation_panel
    window.show_analysis(panel)
    with qtbot.waitSignal(window.state.reportChanged, timeout=WAIT_MS):
        window.evaluate_now()
    histograms = window.analysis.histograms_panel
    action(window, "themeDark").trigger()
    settle(qtbot, 300)

    window_colour = panel.palette().color(QPalette.ColorRole.Window)
    picture = pixels(panel.confusion_plot)
    matrix = panel.matrix_item
    rows, cols = area(panel.confusion_plot, matrix.getAxis("left"))
    assert luminance(picture[rows, cols]).max() > 0.75  # the digits beside the matrix are light
    text = panel.palette().color(QPalette.ColorRole.WindowText)
    assert matrix.getAxis("left").textPen().color().rgb() == text.rgb()
    assert panel.colour_bar.axis.textPen().color().rgb() == text.rgb()
    # Every number in the matrix stands out from its own cell, whatever the cell's colour.
    lut = panel.matrix_image.lut if not callable(panel.matrix_image.lut) else None
    assert lut is not None
    top = float(np.nanmax(np.where(np.eye(10, dtype=bool), np.nan, panel.values)))
    for t in range(10):
        for p in range(10):
            item = panel._cell_texts[t * 10 + p]
            if t == p:
                cell = window_colour  # the translucent green diagonal lies on the window's colour
            else:
                fraction = panel.values[t, p] / top if top > 0 else 0.0
                cell = QColor(*lut[min(int(fraction * (len(lut) - 1)), len(lut) - 1)][:3])
            assert contrast_ratio(item.color, cell) > 3.0, (t, p, item.color.name(), cell.name())

    # An analysis tab built only now, in the dark theme, and one built before it.
    window.show_analysis(histograms)
    settle(qtbot, 300)
    for plot_item in (histograms._plots[0][0], window.analysis.evaluation_panel.class_plot.getPlotItem()):
        assert plot_item.getAxis("left").textPen().color().rgb() == text.rgb()
        assert plot_item.titleLabel.opts["color"].rgb() == text.rgb()
    view = histograms.view
    rows, cols = area(view, histograms._plots[0][0].vb)
    assert luminance(pixels(view)[rows, cols]).mean() < 0.35


def test_system_theme_follows_the_platform_colour_scheme(qtbot, window):
    action(window, "themeSystem").trigger()
    settle(qtbot)
    assert not appearance().dark  # the offscreen platform's palette is light
    plot_item = window.loss_panel.plot.getPlotItem()

    appearance().system_scheme_changed(Qt.ColorScheme.Dark)
    settle(qtbot, 200)
    assert appearance().theme == SYSTEM and appearance().dark
    assert is_dark(QApplication.palette())
    text = window.loss_panel.palette().color(QPalette.ColorRole.WindowText)
    assert text.lightness() > 200
    assert plot_item.getAxis("left").pen().color().rgb() == text.rgb()
    assert action(window, "themeSystem").isChecked()

    appearance().system_scheme_changed(Qt.ColorScheme.Light)
    settle(qtbot, 200)
    assert not appearance().dark and not is_dark(QApplication.palette())
    assert plot_item.getAxis("left").pen().color().lightness() < 60

    # A theme chosen in the menu stays, whatever the system does.
    action(window, "themeLight").trigger()
    appearance().system_scheme_changed(Qt.ColorScheme.Dark)
    settle(qtbot)
    assert appearance().theme == LIGHT and not appearance().dark


def test_the_palettes_read_well(qtbot):
    for palette in (light_palette(), dark_palette()):
        window = palette.color(QPalette.ColorRole.Window)
        for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
            assert contrast_ratio(palette.color(role), window) > 7.0
        assert contrast_ratio(palette.color(QPalette.ColorRole.Text), palette.color(QPalette.ColorRole.Base)) > 7.0
    assert is_dark(dark_palette()) and not is_dark(light_palette())
    # Curve colours stand out from their theme's window (3:1, WCAG's contrast for graphics; highlighted
    # bars and markers are outlined in the text colour besides).
    for (dark, _colour_blind), colours in SERIES.items():
        window = (dark_palette() if dark else light_palette()).color(QPalette.ColorRole.Window)
        for colour in (colours.train, colours.train_epoch, colours.test):
            assert contrast_ratio(colour, window) >= 3.0, (dark, _colour_blind, colour.name())


# ----------------------------------------------------------------------------- colour-blind palette


def test_colour_blind_palette_turns_positive_weights_orange(qtbot, window, model):
    dialog = added_widget(qtbot, ChunkDetailDialog())
    dialog.show()
    qtbot.waitExposed(dialog)
    neuron = 3
    weights = model.weights[0][neuron]
    scale = float(np.abs(weights).max())
    dialog.show_neuron(model, neuron, scale)
    settle(qtbot)
    # The view's pixels of the neuron's strongest positive weight.
    row, col = divmod(int(np.argmax(weights)), 28)
    view_box = dialog.image_item.getViewBox()

    def strongest_pixel():
        point = dialog.view.mapFromScene(view_box.mapViewToScene(view_box.mapFromItemToView(
            dialog.image_item, dialog.image_item.mapFromScene(dialog.image_item.mapToScene(col + 0.5, row + 0.5)))))
        return pixels(dialog.view)[point.y(), point.x()]

    assert reddish(hue_degrees(strongest_pixel())), strongest_pixel()
    lut = diverging_index_lut()
    assert reddish(hue_degrees(lut[INDEX_ZERO + INDEX_HALF_RANGE]))
    positive_bar = dialog.influence_bars.opts["brushes"][int(np.argmax(dialog.influence))].color()

    action(window, "colourBlindPalette").trigger()
    assert appearance().colour_blind
    settle(qtbot, 200)
    assert orangeish(hue_degrees(strongest_pixel())), strongest_pixel()
    assert dialog.color_bar.colorMap().name == diverging_colormap_name() == "blue-white-orange"
    assert "orange" in dialog.view.toolTip()
    assert orangeish(hue_degrees(dialog.influence_bars.opts["brushes"][int(np.argmax(dialog.influence))]
                                 .color().getRgb()))
    assert not orangeish(hue_degrees(positive_bar.getRgb()))

    # The indexed map every weight picture uses: white exactly at zero, blue below, orange above,
    # and as light at -v as at +v.
    lut = diverging_index_lut()
    assert tuple(lut[INDEX_ZERO][:3]) == (255, 255, 255)
    assert orangeish(hue_degrees(lut[INDEX_ZERO + INDEX_HALF_RANGE]))
    assert 190 <= hue_degrees(lut[INDEX_ZERO - INDEX_HALF_RANGE]) <= 230
    for offset in (20, 60, 100, INDEX_HALF_RANGE):
        down = relative_luminance(QColor(*lut[INDEX_ZERO - offset][:3]))
        up = relative_luminance(QColor(*lut[INDEX_ZERO + offset][:3]))
        assert abs(np.log(up / down)) < 0.25, offset


def test_colour_blind_palette_recolours_the_chunk_grid_scale_and_the_curves(qtbot, window):
    window.show_snapshot(history_snapshot(window.state.network))
    settle(qtbot, 300)
    accuracy = window.accuracy_panel
    before_colours = series_colours()
    before = pixels(accuracy.plot)
    bar = window.chunks_panel.color_bar
    top_before = bar.colorMap().map(1.0, mode="qcolor")

    action(window, "colourBlindPalette").trigger()
    settle(qtbot, 300)
    after_colours = series_colours()
    after = pixels(accuracy.plot)
    assert after_colours.train.rgb() != before_colours.train.rgb()
    assert after_colours.test.rgb() != before_colours.test.rgb()
    for curve, colour in ((accuracy.train_curve, after_colours.train), (accuracy.test_curve, after_colours.test)):
        assert curve.opts["pen"].color().rgb() == colour.rgb()
    # The train curve's pixels: the old blue is gone, Okabe and Ito's blue is there.
    assert near(before, before_colours.train, 12).sum() > 100
    assert near(after, before_colours.train, 12).sum() < 10
    assert near(after, after_colours.train, 12).sum() > 100
    # The categorical colours change too: no green beside orange or red for the layers.
    assert [c.name() for c in after_colours.layers[:3]] == ["#0072b2", "#e69f00", "#009e73"]
    # The weights' colour bar takes the blue-white-orange map.
    assert reddish(hue_degrees(top_before.getRgb())) and orangeish(hue_degrees(bar.colorMap().map(1.0, mode="qcolor")
                                                                                .getRgb()))


def test_train_and_test_differ_in_line_and_marker_in_every_palette(qtbot, model):
    loss = show_panel(qtbot, LossPanel(), (600, 300))
    accuracy = show_panel(qtbot, AccuracyPanel(), (600, 300))
    transfer = added_widget(qtbot, TransferPanel())
    loss.show_snapshot(history_snapshot(model))
    accuracy.show_snapshot(history_snapshot(model))
    seen = set()
    for theme in (LIGHT, DARK):
        for colour_blind in (False, True):
            appearance().set(theme=theme, colour_blind=colour_blind)
            settle(qtbot)
            colours = series_colours()
            seen.add((colours.train.name(), colours.test.name()))
            pairs = ((accuracy.train_curve, accuracy.test_curve), (loss.train_epoch_curve, loss.test_epoch_curve))
            for train, test in pairs:
                assert train.opts["pen"].style() == TRAIN_LINE and test.opts["pen"].style() == TEST_LINE
                assert (train.opts["symbol"], test.opts["symbol"]) == (TRAIN_SYMBOL, TEST_SYMBOL)
                assert test.opts["pen"].color().rgb() == colours.test.rgb()
            # The legends show it: the accuracy legend draws each curve's own pen and marker, the
            # loss legend a dashed sample with a square for test.
            samples = {label.text: sample.item for sample, label in accuracy.legend.items}
            assert samples == {"train": accuracy.train_curve, "test": accuracy.test_curve}
            legend = loss.legend.text()
            assert f'color:{colours.test.name()}; font-weight:bold">\u254c\u25a0\u254c' in legend
            assert f'color:{colours.train_epoch.name()}; font-weight:bold">\u2500\u25cf\u2500' in legend
            # The other handwriting's bars are hatched, MNIST's solid.
            assert transfer.mnist_bars.opts["brush"].style() == Qt.BrushStyle.SolidPattern
            assert transfer.other_bars.opts["brush"].style() == Qt.BrushStyle.BDiagPattern
            assert "\u25a8 other handwriting" in transfer.plot.getPlotItem().titleLabel.text
    assert len(seen) == 4  # every theme and palette has colours of its own


# ----------------------------------------------------------------------------- remembered


def test_theme_and_palette_are_remembered_in_a_new_window(qtbot, small, tmp_path):
    settings = settings_file(tmp_path)
    first = open_window(qtbot, small, settings)
    assert action(first, "themeSystem").isChecked() and not action(first, "colourBlindPalette").isChecked()
    action(first, "themeDark").trigger()
    action(first, "colourBlindPalette").trigger()
    first.close()

    appearance().set(theme=SYSTEM, colour_blind=False)  # as a new start of the app finds it
    settle(qtbot)
    second = open_window(qtbot, small, settings_file(tmp_path))
    settle(qtbot)
    assert (appearance().theme, appearance().colour_blind) == (DARK, True)
    assert action(second, "themeDark").isChecked() and action(second, "colourBlindPalette").isChecked()
    assert is_dark(second.palette())
    axis = second.loss_panel.plot.getPlotItem().getAxis("left")
    assert axis.pen().color().rgb() == second.palette().color(QPalette.ColorRole.WindowText).rgb()
    second.close()

    # A settings file with nonsense in it starts with the system theme.
    broken = settings_file(tmp_path, "broken.ini")
    broken.setValue("appearance/theme", "purple")
    broken.setValue("appearance/colourBlind", "perhaps")
    broken.sync()
    third = open_window(qtbot, small, settings_file(tmp_path, "broken.ini"))
    assert (appearance().theme, appearance().colour_blind) == (SYSTEM, False)
    third.close()
