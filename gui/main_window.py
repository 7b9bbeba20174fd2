"""The Backprop Studio main window: dockable panels around one training session.

The window wires the pieces together and holds no training logic: `TrainingSession`
runs the engine on its own thread, the panels draw snapshots, and the drawing pad is
answered with the network of the snapshot on screen (the loaded model when no run
exists), never with the network being trained.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PySide6.QtCore import QByteArray, QSettings, QSize, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QFrame,
    QLabel,
    QMainWindow,
    QMenuBar,
    QMessageBox,
    QProgressBar,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from engine.config import TrainConfig
from engine.data import Dataset
from engine.modelio import ModelFileError, load_model, save_model
from engine.network import Network
from engine.snapshot import Snapshot, model_snapshot

from .accuracy_panel import AccuracyPanel
from .activations_panel import ActivationsPanel
from .app_settings import open_settings
from .chunks_panel import ChunksPanel
from .controls import ControlsPanel
from .dataset_loader import DatasetLoader
from .drawing_pad import DrawingPanel
from .loss_panel import LossPanel
from .message_banner import MessageBanner
from .training_controller import IDLE, TrainingSession

WINDOW_TITLE = "Backprop Studio"
LAYOUT_VERSION = 1
"""Bump when the set of docks changes, so an old saved layout is ignored rather than misapplied."""

DEFAULT_MODEL_PATH = Path(__file__).resolve().parent.parent / "assets" / "models" / "default.npz"
DEFAULT_SIZE = (1400, 900)
CLOSE_TIMEOUT_S = 1.0

STATE_TEXT = {
    "idle": "Ready", "running": "Training", "paused": "Paused", "diverged": "Diverged (paused)",
    "stopped": "Stopped", "finished": "Finished",
}

DIVERGENCE_ADVICE = ("Lower the learning rate α in the controls (for example to {suggested:g}) and press "
                     "Resume to continue from the last finite weights, or press Reset to start again.")


class MainWindow(QMainWindow):
    def __init__(self, dataset: Dataset | None = None, model_path: str | os.PathLike | None = DEFAULT_MODEL_PATH,
                 settings: QSettings | None = None, parent: QWidget | None = None) -> None:
        """`dataset` None loads the bundled MNIST in the background; `model_path` None starts
        without a model; `settings` None uses open_settings()."""
        super().__init__(parent)
        self.setWindowTitle(WINDOW_TITLE)
        self.setObjectName("mainWindow")
        self.settings = settings if settings is not None else open_settings()
        self.dataset: Dataset | None = None
        self.model_network: Network | None = None
        self.model_metadata: dict = {}
        self.model_path: Path | None = None
        self.message_box: QMessageBox | None = None
        self._displayed: Snapshot | None = None
        self._drawing_input: np.ndarray | None = None
        self._loader: DatasetLoader | None = None
        self._panel_content: dict = {}  # panel -> what it currently shows (see _render_panel)
        self._stale_panels: list = []   # panels still to be given the displayed snapshot
        self._render_timer = QTimer(self)
        self._render_timer.setSingleShot(True)
        self._render_timer.setInterval(0)
        self._render_timer.timeout.connect(self._render_next_panel)

        self.session = TrainingSession(self)
        self._build_panels()
        self._build_menus_and_banner()
        self._build_status_bar()
        self._build_docks()
        self._connect()
        self._restore_layout()

        if model_path is not None:
            self.load_model_file(model_path, quiet=True)
        if dataset is not None:
            self._set_dataset(dataset)
        else:
            self._load_bundled_dataset()
        self._show_idle()

    # -- construction ----------------------------------------------------------------------
    def _build_panels(self) -> None:
        self.controls = ControlsPanel()
        self.loss_panel = LossPanel()
        self.accuracy_panel = AccuracyPanel()
        self.chunks_panel = ChunksPanel()
        self.activations_panel = ActivationsPanel()
        self.drawing_panel = DrawingPanel()
        self.panels = (self.loss_panel, self.accuracy_panel, self.chunks_panel, self.activations_panel)

    def _build_menus_and_banner(self) -> None:
        menu_bar = QMenuBar()
        file_menu = menu_bar.addMenu("&File")
        self.save_action = QAction("&Save model\u2026", self)
        self.save_action.setShortcut(QKeySequence("Ctrl+S"))
        self.save_action.setStatusTip("Save the network on screen (W[l] and b[l] of every layer) to an .npz file.")
        self.load_action = QAction("&Load model\u2026", self)
        self.load_action.setShortcut(QKeySequence("Ctrl+O"))
        self.load_action.setStatusTip("Load a saved network to try on the drawing pad (Reset a run first).")
        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        for action in (self.save_action, self.load_action):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        self.view_menu = menu_bar.addMenu("&View")
        for action in (self.save_action, self.load_action, self.quit_action):
            self.addAction(action)  # shortcuts work even when the menu bar is native

        self.banner = MessageBanner()
        # The banner sits under the menu bar, outside the dock layout, so moving docks can
        # never hide it.
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.setSpacing(0)
        top_layout.addWidget(menu_bar)
        banner_row = QVBoxLayout()
        banner_row.setContentsMargins(6, 4, 6, 0)
        banner_row.addWidget(self.banner)
        top_layout.addLayout(banner_row)
        self.setMenuWidget(top)
        self.menu_bar = menu_bar

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        self.state_label = _status_label("statusState", "What the training run is doing.")
        self.epoch_label = _status_label("statusEpoch", "The epoch in progress: one epoch is one pass over "
                                                        "every training image.")
        self.step_label = _status_label("statusStep", "Mini-batch updates of W[l] and b[l] so far.")
        self.speed_label = _status_label("statusSpeed", "Training images processed per second.")
        self.elapsed_label = _status_label("statusElapsed", "Training time, pauses excluded.")
        self.accuracy_label = _status_label("statusAccuracy", "Test accuracy at the last evaluation "
                                                              "(after each epoch).")
        self.progress = QProgressBar()
        self.progress.setObjectName("statusProgress")
        self.progress.setRange(0, 1000)
        self.progress.setFixedWidth(180)
        self.progress.setTextVisible(True)
        self.progress.setToolTip("Progress through the current epoch.")
        for label in (self.state_label, self.epoch_label, self.step_label, self.speed_label,
                      self.elapsed_label, self.accuracy_label):
            status.addPermanentWidget(label)
        status.addPermanentWidget(self.progress)

    def _build_docks(self) -> None:
        self.setDockNestingEnabled(True)
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowNestedDocks
                            | QMainWindow.DockOption.AllowTabbedDocks)
        controls_scroll = _scrollable(self.controls, "controlsScroll")
        controls_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        controls_scroll.setMinimumWidth(self.controls.minimumSizeHint().width())

        self.docks = {
            "controls": _dock("Training controls", "controlsDock", controls_scroll),
            "chunks": _dock("First-layer weights", "chunksDock", self.chunks_panel),
            "loss": _dock("Loss", "lossDock", self.loss_panel),
            "accuracy": _dock("Accuracy", "accuracyDock", self.accuracy_panel),
            "activations": _dock("Activations", "activationsDock", self.activations_panel),
            # Scrollable: the pad has a fixed size, and on a small screen scrolling it beats
            # forcing the whole window wider than the screen.
            "drawing": _dock("Drawing pad", "drawingDock", _scrollable(self.drawing_panel, "drawingScroll")),
        }
        self._arrange_docks()
        for dock in self.docks.values():
            self.view_menu.addAction(dock.toggleViewAction())
            if dock.widget() in self.panels:
                dock.visibilityChanged.connect(self._on_dock_visibility_changed)
        self.view_menu.addSeparator()
        restore = self.view_menu.addAction("Restore default layout")
        restore.triggered.connect(self._arrange_docks)

    def _arrange_docks(self) -> None:
        """The default layout: controls on the left; weight chunks, accuracy and activations in
        the middle; the loss above the drawing pad on the right (the pad has a fixed size)."""
        d = self.docks
        for dock in d.values():
            dock.setFloating(False)
            self.removeDockWidget(dock)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, d["controls"])
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, d["chunks"])
        self.splitDockWidget(d["chunks"], d["loss"], Qt.Orientation.Horizontal)
        self.splitDockWidget(d["chunks"], d["accuracy"], Qt.Orientation.Vertical)
        self.splitDockWidget(d["accuracy"], d["activations"], Qt.Orientation.Vertical)
        self.splitDockWidget(d["loss"], d["drawing"], Qt.Orientation.Vertical)
        for dock in d.values():
            dock.show()
        # The pad needs a little more than its empty minimum once a prediction is shown;
        # the middle column gets the rest, which at 1400 px fits the chunk panel's captions.
        pad = self.drawing_panel.minimumSizeHint()
        self.resizeDocks([d["controls"], d["chunks"], d["loss"]],
                         [self.controls.minimumSizeHint().width(), 445, pad.width() + 14],
                         Qt.Orientation.Horizontal)
        self.resizeDocks([d["chunks"], d["accuracy"], d["activations"]], [420, 190, 250], Qt.Orientation.Vertical)
        self.resizeDocks([d["loss"], d["drawing"]], [390, pad.height() + 30], Qt.Orientation.Vertical)

    @Slot(bool)
    def _on_dock_visibility_changed(self, visible: bool) -> None:
        if visible:
            self._render_panel(self.sender().widget())

    def _connect(self) -> None:
        c = self.controls
        c.startRequested.connect(self.start_training)
        c.pauseRequested.connect(self.session.pause)
        c.resumeRequested.connect(self.resume_training)
        c.stepRequested.connect(self.step_training)
        c.stopRequested.connect(self.session.stop)
        c.resetRequested.connect(self.reset_training)
        c.liveSettingsChanged.connect(self._apply_live_settings)
        self.session.snapshotReady.connect(self.show_snapshot)
        self.session.stateChanged.connect(self._on_state_changed)
        self.session.diverged.connect(self._on_diverged)
        self.drawing_panel.inputChanged.connect(self._on_drawing_input)
        self.save_action.triggered.connect(self._save_model_dialog)
        self.load_action.triggered.connect(self._load_model_dialog)
        self.quit_action.triggered.connect(self.close)
        # Window-wide; text fields take Space for themselves (ShortcutOverride), so typing
        # "256, 128" never starts training.
        self.space_shortcut = QShortcut(QKeySequence(Qt.Key.Key_Space), self)
        self.space_shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        self.space_shortcut.activated.connect(self.toggle_running)

    # -- data and models ---------------------------------------------------------------------
    def _load_bundled_dataset(self) -> None:
        self.controls.set_data_ready(False)
        self.state_label.setText("Loading MNIST\u2026")
        self._loader = DatasetLoader(self)
        self._loader.finished.connect(self._on_dataset_loaded)
        self._loader.start()

    @Slot()
    def _on_dataset_loaded(self) -> None:
        loader = self._loader
        if loader.dataset is not None:
            self._set_dataset(loader.dataset)
        else:
            self._on_dataset_failed(loader.error)

    def _set_dataset(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self.controls.set_training_set_size(dataset.n_train)
        self.controls.set_data_ready(True)
        self.activations_panel.set_dataset(dataset)
        self._update_actions()
        self._update_status()

    def _on_dataset_failed(self, message: str) -> None:
        self.banner.show_message(f"The training images could not be loaded, so training is unavailable: {message}")
        self._update_status()

    def load_model_file(self, path, quiet: bool = False) -> bool:
        """Load a model for the drawing pad and panels. On any problem, report it and keep the
        current model. `quiet` reports in the banner instead of a dialog (used at start-up)."""
        path = Path(path)
        try:
            network, metadata = load_model(path)
            if network.layer_sizes[0] != 784 or network.layer_sizes[-1] != 10:
                raise ModelFileError(f"{path}: the network has {network.layer_sizes[0]} inputs and "
                                     f"{network.layer_sizes[-1]} outputs; Backprop Studio needs 784 and 10")
        except ModelFileError as e:
            text = f"The model was not loaded; the previous one stays in use.\n\n{e}"
            if quiet:
                self.banner.show_message(f"No ready-trained model: {e}")
            else:
                self.show_message("Could not load model", text, QMessageBox.Icon.Warning)
            return False
        self.model_network, self.model_metadata, self.model_path = network, metadata, path
        if self.session.state == IDLE:
            self._show_idle()
        self.statusBar().showMessage(f"Loaded {path.name}: {network.describe()}", 5000)
        return True

    def save_model_file(self, path) -> bool:
        """Save the network on screen; reports problems in a message box."""
        snapshot = self._displayed
        if snapshot is None:
            self.show_message("Nothing to save", "There is no network yet: train one or load a model.",
                              QMessageBox.Icon.Information)
            return False
        metadata = dict(self.model_metadata) if snapshot.state == IDLE else {
            "config": snapshot.config.to_dict(), "epochs": snapshot.epoch, "steps": snapshot.step,
            "dataset": snapshot.dataset_name, "test_accuracy": snapshot.latest_test_accuracy,
            "training_seconds": snapshot.elapsed_s}
        try:
            save_model(path, snapshot.network, metadata)
        except OSError as e:
            self.show_message("Could not save model", f"{path}: {e}", QMessageBox.Icon.Warning)
            return False
        self.statusBar().showMessage(f"Saved {Path(path).name}", 5000)
        return True

    def ask_open_path(self) -> str:
        path, _ = QFileDialog.getOpenFileName(self, "Load model", str(self._model_folder()), "Models (*.npz)")
        return path

    def ask_save_path(self) -> str:
        path, _ = QFileDialog.getSaveFileName(self, "Save model", str(self._model_folder() / "model.npz"),
                                              "Models (*.npz)")
        return path

    def show_message(self, title: str, text: str, icon=QMessageBox.Icon.Information) -> QMessageBox:
        """A window-modal message that does not block the caller (open(), not exec())."""
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self)
        box.setObjectName("messageBox")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.message_box = box
        return box

    def _model_folder(self) -> Path:
        return self.model_path.parent if self.model_path is not None else Path.home()

    def _save_model_dialog(self) -> None:
        path = self.ask_save_path()
        if path:
            self.save_model_file(path)

    def _load_model_dialog(self) -> None:
        path = self.ask_open_path()
        if path:
            self.load_model_file(path)

    # -- training commands -------------------------------------------------------------------
    def start_training(self, paused: bool = False) -> bool:
        config = self.controls.config()
        if config is None or self.dataset is None:
            return False
        try:
            self.session.start(config, self.dataset, paused=paused)
        except ValueError as e:
            self.controls.show_error(str(e))
            return False
        self.controls.mark_started(config)
        self.banner.hide()
        return True

    def resume_training(self) -> None:
        self.banner.hide()
        self.session.resume()

    def step_training(self) -> None:
        if self.session.is_active:
            self.session.step()
        elif self.start_training(paused=True):
            self.session.step()

    def reset_training(self) -> None:
        self.session.reset()
        self.banner.hide()
        self._show_idle()

    def toggle_running(self) -> None:
        """Space: start when no run is active, otherwise pause or resume."""
        state = self.session.state
        if state == "running":
            self.session.pause()
        elif state in ("paused", "diverged"):
            self.resume_training()
        elif self.controls.start_button.isEnabled():
            self.start_training()

    @Slot(dict)
    def _apply_live_settings(self, changes: dict) -> None:
        try:
            self.session.update_settings(**changes)
        except ValueError as e:
            self.controls.show_error(str(e))

    @Slot(str)
    def _on_state_changed(self, state: str) -> None:
        self.controls.set_run_state(state)
        self._update_actions()
        self._update_status()

    @Slot(str)
    def _on_diverged(self, message: str) -> None:
        lr = self.session.trainer.config.lr if self.session.trainer is not None else 0.1
        suggested = float(f"{lr / 10:.1g}")
        self.banner.show_message(f"{message}\n{DIVERGENCE_ADVICE.format(suggested=suggested)}")

    def _update_actions(self) -> None:
        self.load_action.setEnabled(self.session.state == IDLE)

    # -- display ---------------------------------------------------------------------------------
    @Slot(object)
    def show_snapshot(self, snapshot: Snapshot) -> None:
        """Draw a snapshot in every panel and answer the drawing pad with its network."""
        self._displayed = snapshot
        self._predict_drawing()
        self._update_status()
        self._stale_panels = list(self.panels)
        self._render_next_panel()

    def _render_next_panel(self) -> None:
        # One panel per pass of the event loop: each is then painted on its own, and the window
        # keeps answering input between panels instead of freezing for a whole frame.
        while self._stale_panels:
            if self._render_panel(self._stale_panels.pop(0)):
                break
        if self._stale_panels:
            self._render_timer.start()

    def _render_panel(self, panel: QWidget) -> bool:
        """Show the displayed snapshot in `panel` if it is on screen and its content changed;
        True if it did. Hidden panels (closed, or behind another tab) catch up when they reappear."""
        snapshot = self._displayed
        if snapshot is None or not panel.isVisible():
            return False
        if panel is self.accuracy_panel:
            # Accuracies change once per epoch; redrawing the unchanged plot for every
            # snapshot would cost a large share of each frame.
            epochs = snapshot.epochs
            key = (tuple(epochs.get("train_accuracy", ())), tuple(epochs.get("test_accuracy", ())))
            unchanged = self._panel_content.get(panel) == key
        else:
            key = snapshot
            unchanged = self._panel_content.get(panel) is snapshot
        if unchanged:
            return False
        self._panel_content[panel] = key
        panel.show_snapshot(snapshot)
        return True

    @property
    def displayed_snapshot(self) -> Snapshot | None:
        return self._displayed

    def _show_idle(self) -> None:
        if self.model_network is not None:
            config = self.model_metadata.get("config")
            try:
                config = TrainConfig.from_dict(config) if isinstance(config, dict) else None
            except (TypeError, ValueError):
                config = None
            name = self.model_metadata.get("dataset", "") if isinstance(self.model_metadata, dict) else ""
            self.show_snapshot(model_snapshot(self.model_network, config, dataset_name=str(name)))
        else:
            self._displayed = None
            self._predict_drawing()
            self._update_status()

    @Slot(object)
    def _on_drawing_input(self, image: np.ndarray | None) -> None:
        self._drawing_input = image
        self.activations_panel.set_drawing_input(image)
        self._predict_drawing()

    def _predict_drawing(self) -> None:
        image = self._drawing_input
        if image is None or self._displayed is None:
            self.drawing_panel.show_prediction(None)
            return
        network = self._displayed.network
        probabilities = network.predict_proba(np.asarray(image, dtype=network.dtype).reshape(-1, 1))
        self.drawing_panel.show_prediction(probabilities[:, 0])

    def _update_status(self) -> None:
        state = self.session.state
        snapshot = self._displayed if state != IDLE else None
        if self.dataset is None and self._loader is not None and self._loader.isRunning():
            self.state_label.setText("Loading MNIST\u2026")
        else:
            self.state_label.setText(STATE_TEXT.get(state, state))
        if snapshot is None:
            model = (f"Model: {self.model_network.describe()}" if self.model_network is not None
                     else "No model loaded")
            accuracy = self.model_metadata.get("test_accuracy") if self.model_network is not None else None
            self.epoch_label.setText(model)
            self.step_label.setText("")
            self.speed_label.setText("")
            self.elapsed_label.setText("")
            self.accuracy_label.setText(_accuracy_text(accuracy))
            self.progress.setValue(0)
            self.progress.setFormat("Epoch progress")
            return
        epochs = snapshot.config.epochs
        current = min(snapshot.epoch + (0 if snapshot.state == "finished" else 1), epochs)
        self.epoch_label.setText(f"Epoch {current}/{epochs}")
        self.step_label.setText(f"Step {snapshot.step:,}")
        running = state == "running"
        self.speed_label.setText(f"{snapshot.samples_per_s:,.0f} samples/s" if running else "\u2013 samples/s")
        self.elapsed_label.setText(f"Elapsed {_duration(snapshot.elapsed_s)}")
        self.accuracy_label.setText(_accuracy_text(snapshot.latest_test_accuracy))
        fraction = 1.0 if snapshot.state == "finished" else snapshot.batch / max(snapshot.batches_per_epoch, 1)
        self.progress.setValue(round(fraction * 1000))
        self.progress.setFormat(f"Epoch {current}: {fraction:.0%}")

    # -- layout persistence and closing ---------------------------------------------------------------
    def _restore_layout(self) -> None:
        geometry = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(*DEFAULT_SIZE)
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state, LAYOUT_VERSION)

    def save_layout(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState(LAYOUT_VERSION))
        self.settings.sync()

    def closeEvent(self, event) -> None:
        self.save_layout()
        self.session.shutdown(CLOSE_TIMEOUT_S)
        if self._loader is not None:
            self._loader.wait()
        super().closeEvent(event)

    def sizeHint(self) -> QSize:
        return QSize(*DEFAULT_SIZE)


def _dock(title: str, object_name: str, widget: QWidget) -> QDockWidget:
    dock = QDockWidget(title)
    dock.setObjectName(object_name)
    dock.setWidget(widget)
    dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                     | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                     | QDockWidget.DockWidgetFeature.DockWidgetClosable)
    return dock


def _scrollable(widget: QWidget, object_name: str) -> QScrollArea:
    scroll = QScrollArea()
    scroll.setObjectName(object_name)
    scroll.setWidget(widget)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    return scroll


def _status_label(object_name: str, tooltip: str) -> QLabel:
    label = QLabel()
    label.setObjectName(object_name)
    label.setToolTip(tooltip)
    label.setContentsMargins(6, 0, 6, 0)
    return label


def _accuracy_text(accuracy) -> str:
    if accuracy is None or not np.isfinite(accuracy):
        return "Test accuracy \u2013"
    return f"Test accuracy {100 * accuracy:.2f} %"


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
