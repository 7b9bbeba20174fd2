"""What keeps a frame cheap for the GUI thread: the frame-cost estimate that paces the snapshots,
widgets that repaint alone, a timeline bar that redraws now and then, the chunk image's colour
table made once, and the benchmark's count of frames that reached the screen."""
import dataclasses
import importlib.util
import time
import types
from pathlib import Path

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMainWindow, QProgressBar, QWidget
from qt_support import added_widget, show_panel

from engine.config import TrainConfig
from engine.network import Network
from engine.snapshot import model_snapshot
from gui.app.keyboard import KeyboardHandling
from gui.app.main_window import MainWindow
from gui.app.status_bar import ProgressBar
from gui.training.session import TrainingSession
from gui.training.timeline_bar import LIVE_INTERVAL_S, TimelineBar
from gui.widgets.colormaps import diverging_index_lut
from gui.widgets.indexed_image import IndexedImageItem
from gui.widgets.labels import SteadyLabel

ROOT = Path(__file__).resolve().parent.parent.parent
WAIT_MS = 10_000
SMALL = (6000, 500)  # the training and test images of the `small` fixture (conftest.py)


class EventCounter(QObject):
    """Counts the events of the types given that reach the objects it is installed on."""

    def __init__(self, *types_):
        super().__init__()
        self.types = types_
        self.seen = []

    def eventFilter(self, watched, event):
        if event.type() in self.types:
            self.seen.append((watched, event.type()))
        return False

    def count(self, watched=None, kind=None):
        return sum(1 for w, t in self.seen if (watched is None or w is watched) and (kind is None or t == kind))


# -- the frame cost ------------------------------------------------------------------------------
def test_what_the_gui_thread_does_during_a_pause_is_not_a_frames_cost(qtbot, small):
    """The snapshots' pace comes from the GUI thread's CPU time between them: time spent while the
    run stands still (here 0.3 s of busy work, four times) must not count as showing a frame."""
    session = TrainingSession()
    shown = []
    session.snapshotReady.connect(shown.append)
    try:
        session.start(TrainConfig(hidden=(32,), batch_size=32, epochs=50, lr=0.05), small)
        for _ in range(4):
            qtbot.waitUntil(lambda: len([s for s in shown if s.state == "running"]) >= 3, timeout=WAIT_MS)
            session.pause()
            qtbot.waitUntil(lambda: shown[-1].state == "paused", timeout=WAIT_MS)
            started = time.thread_time()
            while time.thread_time() - started < 0.3:
                pass
            shown.clear()
            session.resume()
        qtbot.waitUntil(lambda: len([s for s in shown if s.state == "running"]) >= 5, timeout=WAIT_MS)
    finally:
        session.shutdown(5.0)
    # Frames here cost next to nothing (nothing draws them); counted, the pauses would make the
    # estimate (the mean of the last 16 samples without the 2 largest) 20 ms or more.
    assert session.frame_cost_s < 0.02


# -- widgets that repaint alone ------------------------------------------------------------------
def test_a_steady_label_changes_text_without_laying_out_its_parent(qtbot):
    parent = show_panel(qtbot, QWidget(), size=(600, 40))
    layout = QHBoxLayout(parent)
    label, neighbour = SteadyLabel("Step 1,000"), QLabel("neighbour")
    layout.addWidget(label)
    layout.addWidget(neighbour)
    qtbot.wait(50)
    counter = EventCounter(QEvent.Type.LayoutRequest)
    parent.installEventFilter(counter)
    width = label.width()
    for step in range(1001, 1050):
        label.setText(f"Step {step:,}")  # no wider than before
    qtbot.wait(50)
    assert counter.count() == 0 and label.width() == width
    label.setText("Step 1,000,000,000")  # wider: the label grows, once
    qtbot.waitUntil(lambda: label.width() > width, timeout=WAIT_MS)
    grown = label.width()
    assert label.minimumWidth() == label.maximumWidth() == grown
    assert grown >= label.fontMetrics().horizontalAdvance("Step 1,000,000,000")
    label.setText("Step 1")  # narrower: it keeps its width, so the layout stays
    qtbot.wait(50)
    assert label.width() == label.minimumWidth() == label.maximumWidth() == grown


def test_the_progress_bar_is_painted_with_the_window_not_at_once(qtbot):
    parent = show_panel(qtbot, QWidget(), size=(400, 60))
    layout = QHBoxLayout(parent)
    plain, steady = QProgressBar(), ProgressBar()
    for bar in (plain, steady):
        bar.setRange(0, 1000)
        layout.addWidget(bar)
    qtbot.wait(50)
    counter = EventCounter(QEvent.Type.Paint)
    for bar in (plain, steady):
        bar.installEventFilter(counter)
    plain.setValue(500)  # QProgressBar repaints at once: a paint of its own for every value
    steady.show_progress(500, "Epoch 3: 50%")
    assert counter.count(plain) == 1 and counter.count(steady) == 0
    qtbot.waitUntil(lambda: counter.count(steady) == 1, timeout=WAIT_MS)
    assert steady.value() == 500 and steady.text() == "Epoch 3: 50%"
    steady.show_progress(500, "Epoch 3: 50%")
    qtbot.wait(50)
    assert counter.count(steady) == 1  # nothing new, nothing painted


def test_the_window_does_not_paint_inside_python():
    """Qt paints the whole window from inside its event(); an override written in Python would hold
    the GIL for all of it, and the training thread would wait. The keys go through a filter."""
    assert MainWindow.event is QMainWindow.event
    assert "event" not in vars(KeyboardHandling)


# -- the timeline bar ----------------------------------------------------------------------------
def fake_stops(n):
    return tuple(types.SimpleNamespace(step=10 * i, evaluated=i % 5 == 0, epoch_progress=i / 10) for i in range(n))


def test_the_timeline_bar_shows_a_running_runs_new_stops_now_and_then(qtbot):
    bar = show_panel(qtbot, TimelineBar(), size=(900, 40))
    stops = fake_stops(40)
    bar.set_stops(stops[:5], running=True)  # the first ones at once
    assert bar.slider.maximum() == 5
    bar.set_stops(stops[:6], running=True)
    started = time.perf_counter()
    bar.set_stops(stops[:7], running=True)
    assert bar.slider.maximum() == 5 and bar.stops == stops[:7]  # redrawn a little later, with the newest
    qtbot.waitUntil(lambda: bar.slider.maximum() == 7, timeout=WAIT_MS)
    assert time.perf_counter() - started >= 0.5 * LIVE_INTERVAL_S
    bar.set_stops(stops[:9], running=True)
    bar.set_stops(stops[:9], running=False)  # the run stopped there: shown at once
    assert bar.slider.maximum() == 9
    bar.set_stops(stops[:12], running=False)
    assert bar.slider.maximum() == 12
    bar.set_stops(stops[1:12:2], running=True)  # thinned out, not grown: at once
    assert bar.slider.maximum() == 6


# -- the chunk image -----------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(58, 87), (28, 28), (1, 300)])
def test_the_indexed_image_item_shows_what_pyqtgraphs_image_item_shows(qtbot, shape):
    image = np.random.default_rng(1).integers(0, 256, shape, dtype=np.uint8)
    pictures = []
    for kind in (pg.ImageItem, IndexedImageItem):
        view = added_widget(qtbot, pg.GraphicsLayoutWidget())
        view.resize(300, 240)
        box = view.addViewBox(lockAspect=True, invertY=True)
        item = kind(axisOrder="row-major")
        item.setImage(image, autoLevels=False, levels=None, lut=diverging_index_lut())
        box.addItem(item)
        box.autoRange(padding=0)
        view.show()
        qtbot.waitExposed(view)
        screen = view.grab().toImage()
        item.render()
        pictures.append((screen, item.qimage.copy()))
    (screen, qimage), (indexed_screen, indexed_qimage) = pictures
    assert indexed_qimage == qimage and indexed_screen == screen


def test_the_indexed_image_item_draws_other_images_as_pyqtgraph_does(qtbot):
    item = IndexedImageItem(axisOrder="row-major")
    item.setImage(np.linspace(0, 1, 12, dtype=np.float32).reshape(3, 4), autoLevels=False, levels=(0, 1))
    item.render()
    reference = pg.ImageItem(axisOrder="row-major")
    reference.setImage(np.linspace(0, 1, 12, dtype=np.float32).reshape(3, 4), autoLevels=False, levels=(0, 1))
    reference.render()
    assert item.qimage == reference.qimage


# -- the lab behind a tab ------------------------------------------------------------------------
def test_the_lab_behind_a_tab_catches_up_when_shown(qtbot, window):
    from gui.widgets.visibility import on_screen
    lab, dock = window.lab_panel, window.docks["lab"]
    first = model_snapshot(Network((784, 16, 10), seed=1))
    window.show_snapshot(first)
    dock.raise_()
    qtbot.waitUntil(lambda: on_screen(lab), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: lab.network is first.network, timeout=WAIT_MS)
    window.docks["drawing"].raise_()  # the Lab's tab neighbour in front
    qtbot.waitUntil(lambda: not on_screen(lab), timeout=WAIT_MS)
    later = dataclasses.replace(first, network=Network((784, 16, 10), seed=2))
    window.show_snapshot(later)
    assert lab.network is first.network  # nothing done for it while nobody sees it
    dock.raise_()
    qtbot.waitUntil(lambda: lab.network is later.network, timeout=WAIT_MS)


# -- the benchmark's frames ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def bench_gui():
    spec = importlib.util.spec_from_file_location("bench_gui", ROOT / "benchmarks" / "bench_gui.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_benchmark_counts_frames_as_they_reach_the_screen(qtbot, window, bench_gui):
    """A frame is a paint of the loss plot that shows a newer batch than the last one counted: a
    snapshot that never reached the screen, or a paint that showed nothing new, is no frame."""
    counter = bench_gui.PaintCounter(window)
    network = Network((784, 16, 10), seed=1)

    def snapshot(n_points):
        x = np.arange(1, n_points + 1) / 100
        return dataclasses.replace(model_snapshot(network), state="paused", step=n_points,
                                   batch_x=x, batch_loss=np.exp(-x))

    for frames, n in enumerate((10, 20, 30), start=1):
        window.show_snapshot(snapshot(n))
        qtbot.waitUntil(lambda f=frames: len(counter.frames) == f, timeout=WAIT_MS)
    paints = len(counter.paints["loss"])
    window.loss_panel.plot.viewport().repaint()  # painted again, nothing new: no frame
    window.loss_panel.show_snapshot(snapshot(40))  # drawn, but replaced before any paint:
    window.loss_panel.show_snapshot(snapshot(50))  # one frame for the two
    qtbot.waitUntil(lambda: len(counter.frames) == 4, timeout=WAIT_MS)
    qtbot.wait(100)
    assert len(counter.frames) == 4 and len(counter.paints["loss"]) >= paints + 2
    assert list(window.loss_panel.raw_curve.xData[-1:]) == [0.5]
    assert all(name in counter.paints for name in ("loss", "accuracy", "chunks", "activations"))
