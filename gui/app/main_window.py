"""The Backprop Studio main window: dockable panels around one training session.

The window wires the pieces together and holds no training logic: `TrainingSession`
runs the engine on its own thread, the panels draw snapshots, and the drawing pad is
answered with the network of the snapshot on screen (the loaded model when no run
exists), never with the network being trained. The analysis tabs look at that same
network; their slow computations run on worker threads, and only for tabs on screen.
The timeline bar can put an earlier moment of the run on screen instead of the latest
snapshot: it then becomes the snapshot on screen, for every panel and the drawing pad alike.
"""
from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import numpy as np
from PySide6.QtCore import QByteArray, QSettings, QSize, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QActionGroup, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenuBar,
    QMessageBox,
    QProgressBar,
    QScrollArea,
    QTabWidget,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from engine.analysis import evaluation_report, history_to_csv, html_report
from engine.analysis.inspect import input_saliency
from engine.config import TrainConfig
from engine.data import Dataset
from engine.modelio import ModelFileError, load_model_with_timeline, save_model
from engine.network import Network
from engine.snapshot import Snapshot, model_snapshot

from ..analysis.analysis_tabs import AnalysisTabs
from ..analysis.gradient_flow_panel import GradientFlowPanel
from ..analysis.histograms_panel import HistogramsPanel
from ..panels.accuracy_panel import AccuracyPanel
from ..panels.activations_panel import ActivationsPanel
from ..panels.chunks_panel import ChunksPanel
from ..panels.controls import ControlsPanel
from ..panels.drawing_pad import DrawingPanel
from ..panels.lab_panel import LabPanel
from ..panels.loss_panel import LossPanel
from ..training.live_evaluation import LiveEvaluation
from ..training.session import IDLE, TrainingSession
from ..training.timeline_bar import TimelineBar
from ..widgets.exports import chunk_grid_image, png_bytes, report_figures, write_file
from ..widgets.message_banner import MessageBanner
from ..widgets.plot_export import close_export_dialogs, install_export_menus
from ..widgets.visibility import on_screen
from .dataset_loader import DatasetLoader, dataset_source
from .layouts import DockLayouts
from .settings import (
    load_training_settings,
    open_settings,
    remember_folder,
    remembered_folder,
    save_training_settings,
)

WINDOW_TITLE = "Backprop Studio"
LAYOUT_VERSION = 3
"""Bump when the set of docks changes, so an old saved layout is ignored rather than misapplied."""

TRAINING_LAYOUT, ANALYSIS_LAYOUT = "training", "analysis"

DEFAULT_MODEL_PATH = Path(__file__).resolve().parents[2] / "assets" / "models" / "default.npz"
DEFAULT_SIZE = (1400, 900)
CLOSE_TIMEOUT_S = 1.0

STATE_TEXT = {
    "idle": "Ready", "running": "Training", "paused": "Paused", "diverged": "Diverged (paused)",
    "stopped": "Stopped", "finished": "Finished",
}

DIVERGENCE_ADVICE = ("Lower the learning rate α in the controls (for example to {suggested:g}) and press "
                     "Resume to continue from the last finite weights, or press Reset to start again.")

OPEN_DATASET_TIP = ("Train and test on other digit images: a folder of MNIST IDX files (pick any file in it), "
                    "a Keras-style .npz, or an mnist-in-csv file. Only while no run is active: a run keeps "
                    "the images it started with, so stop or reset it first.")
DATASET_FILTER = "Digit datasets (*.npz *.csv *ubyte *ubyte.gz *.idx *.gz);;All files (*)"


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
        self.model_timeline: tuple = ()  # the loaded model's timeline stops, if saved with one
        self.message_box: QMessageBox | None = None
        self._displayed: Snapshot | None = None
        self._idle_snapshot: Snapshot | None = None  # the loaded model's, reused while it stays loaded
        self._idle_snapshot_of: Network | None = None
        self._drawing_input: np.ndarray | None = None
        self._loader: DatasetLoader | None = None    # the bundled MNIST, at start-up
        self._opening: DatasetLoader | None = None   # a dataset the user chose
        self._awaiting_run_start = False              # the next run snapshot is the run's initial network
        self._run_start_network: Network | None = None  # the histograms' reference during a run
        self._histograms_reference: Network | None = None  # the reference the histograms were given
        # The start of the run for the chunks' change view, given again after a timeline move:
        # a snapshot of an earlier step makes the panel forget it (it looks like a new run).
        self._chunks_reference_due: Network | None = None
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
        self._build_timeline()
        self._connect()
        self._restore_layout()
        self._restore_training_settings()
        install_export_menus(self)

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
        self.lab_panel = LabPanel()
        self.timeline_bar = TimelineBar()
        self.analysis = AnalysisTabs()
        self.live_evaluation = LiveEvaluation(self.analysis.report_watched, self)
        self.live_panels = (self.loss_panel, self.accuracy_panel, self.chunks_panel, self.activations_panel)

    @property
    def panels(self) -> tuple[QWidget, ...]:
        """The panels drawn from each snapshot: the live ones and the analysis panels built so far."""
        return self.live_panels + self.analysis.snapshot_panels

    def _build_menus_and_banner(self) -> None:
        menu_bar = QMenuBar()
        file_menu = menu_bar.addMenu("&File")
        self.open_dataset_action = _action(self, "Open &dataset\u2026", "Ctrl+Shift+O", OPEN_DATASET_TIP)
        self.save_action = _action(self, "&Save model\u2026", "Ctrl+S",
                                   "Save the network on screen (W[l] and b[l] of every layer) to an .npz file.")
        self.save_timeline_action = _action(
            self, "Save model with &timeline\u2026", "Ctrl+Shift+S",
            "Save the network on screen together with the run's timeline (float16 weights of every "
            "recorded moment), so that loading it lets you scrub through the training again.")
        self.load_action = _action(self, "&Load model\u2026", "Ctrl+O",
                                   "Load a saved network to try on the drawing pad (Reset a run first).")
        self.export_chunks_action = _action(
            self, "Export chunk grid as &PNG\u2026", None,
            "Save the first-layer weights, one 28\u00d728 tile per neuron, as one PNG picture.")
        self.export_history_action = _action(
            self, "Export training &history (CSV)\u2026", None,
            "Save the loss of every mini-batch and the metrics of every epoch as a CSV table.")
        self.export_report_action = _action(
            self, "Export HTML &report\u2026", None,
            "Save one self-contained web page: settings, curves, confusion matrix and chunk grid.")
        self.quit_action = _action(self, "&Quit", "Ctrl+Q", "Close Backprop Studio.")
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        file_menu.addAction(self.open_dataset_action)
        file_menu.addSeparator()
        file_menu.addAction(self.save_action)
        file_menu.addAction(self.save_timeline_action)
        file_menu.addAction(self.load_action)
        file_menu.addSeparator()
        for action in (self.export_chunks_action, self.export_history_action, self.export_report_action):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        self.view_menu = menu_bar.addMenu("&View")
        self.layout_actions = {
            TRAINING_LAYOUT: _action(self, "&Training layout", "Ctrl+1",
                                     "Every live training panel in view; the analysis tabs share the loss plot's "
                                     "place."),
            ANALYSIS_LAYOUT: _action(self, "&Analysis layout", "Ctrl+2",
                                     "The analysis tabs large, with the activations view beside them."),
        }
        layout_group = QActionGroup(self)
        for name, action in self.layout_actions.items():
            action.setCheckable(True)
            action.setIconText(name.capitalize())
            layout_group.addAction(action)
            self.view_menu.addAction(action)
        self.restore_layout_action = _action(self, "Restore default layout", None,
                                             "Put the panels of the current layout back where they started.")
        self.view_menu.addAction(self.restore_layout_action)
        self.view_menu.addSeparator()

        analysis_menu = menu_bar.addMenu("&Analysis")
        self.evaluate_action = _action(self, "&Evaluate now", "F5", "Score the network on screen on every test image.")
        analysis_menu.addAction(self.evaluate_action)
        analysis_menu.addSeparator()
        for index in range(self.analysis.count()):
            action = analysis_menu.addAction(self.analysis.tabText(index))
            action.setStatusTip(self.analysis.tabToolTip(index))
            action.triggered.connect(lambda _=False, i=index: self.show_analysis(i))

        for action in (self.open_dataset_action, self.save_action, self.load_action, self.quit_action,
                       self.evaluate_action, *self.layout_actions.values()):
            self.addAction(action)  # shortcuts work even when the menu bar is native

        # Training and analysis layouts, one click apart at the top right. Held here: the menu
        # bar does not take ownership of its corner widget.
        self.layout_switch = switch = QWidget()
        switch_layout = QHBoxLayout(switch)
        switch_layout.setContentsMargins(0, 0, 6, 0)
        switch_layout.setSpacing(2)
        for name, action in self.layout_actions.items():
            button = QToolButton()
            button.setObjectName(f"{name}LayoutButton")
            button.setDefaultAction(action)
            button.setAutoRaise(True)
            switch_layout.addWidget(button)
        menu_bar.setCornerWidget(switch, Qt.Corner.TopRightCorner)

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
        self.dataset_label = _status_label("currentDatasetLabel", "")
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
        for label in (self.dataset_label, self.state_label, self.epoch_label, self.step_label, self.speed_label,
                      self.elapsed_label, self.accuracy_label):
            status.addPermanentWidget(label)
        status.addPermanentWidget(self.progress)

    def _build_docks(self) -> None:
        self.setDockNestingEnabled(True)
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowNestedDocks
                            | QMainWindow.DockOption.AllowTabbedDocks)
        # Tabs above their panels, where they read as "pick a view" rather than as a footer.
        self.setTabPosition(Qt.DockWidgetArea.AllDockWidgetAreas, QTabWidget.TabPosition.North)
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
            "lab": _dock("Lab", "labDock", _scrollable(self.lab_panel, "labScroll")),
            "analysis": _dock("Analysis", "analysisDock", self.analysis),
        }
        for dock in self.docks.values():
            self.view_menu.addAction(dock.toggleViewAction())
            if dock.widget() in self.live_panels:
                dock.visibilityChanged.connect(self._on_dock_visibility_changed)
        self.docks["analysis"].visibilityChanged.connect(self._on_analysis_visibility_changed)
        self.docks["lab"].visibilityChanged.connect(lambda visible: self.lab_panel.refresh() if visible else None)
        self.layouts = DockLayouts(self, {TRAINING_LAYOUT: self._arrange_training,
                                          ANALYSIS_LAYOUT: self._arrange_analysis}, LAYOUT_VERSION, self)

    def _build_timeline(self) -> None:
        """The timeline runs along the bottom of the window, under every dock, like a video's scrubber."""
        toolbar = QToolBar("Timeline")
        toolbar.setObjectName("timelineToolBar")
        toolbar.setMovable(False)
        toolbar.setFloatable(False)
        toolbar.addWidget(self.timeline_bar)
        self.addToolBar(Qt.ToolBarArea.BottomToolBarArea, toolbar)
        self.timeline_toolbar = toolbar
        self.view_menu.addAction(toolbar.toggleViewAction())

    def _place_all_docks(self) -> None:
        for dock in self.docks.values():
            dock.setFloating(False)
            self.removeDockWidget(dock)

    def _arrange_training(self) -> None:
        """Controls on the left; weight chunks, accuracy and activations in the middle; the loss
        (sharing its place with the analysis tabs, the widest place free) above the drawing pad
        on the right (the pad has a fixed size)."""
        d = self.docks
        self._place_all_docks()
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, d["controls"])
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, d["chunks"])
        self.splitDockWidget(d["chunks"], d["loss"], Qt.Orientation.Horizontal)
        self.splitDockWidget(d["chunks"], d["accuracy"], Qt.Orientation.Vertical)
        self.splitDockWidget(d["accuracy"], d["activations"], Qt.Orientation.Vertical)
        self.splitDockWidget(d["loss"], d["drawing"], Qt.Orientation.Vertical)
        self.tabifyDockWidget(d["loss"], d["analysis"])
        self.tabifyDockWidget(d["drawing"], d["lab"])
        for dock in d.values():
            dock.show()
        d["loss"].raise_()
        d["drawing"].raise_()
        # The pad needs a little more than its empty minimum once a prediction is shown;
        # the middle column gets the rest, which at 1400 px fits the chunk panel's captions.
        pad = self.drawing_panel.minimumSizeHint()
        self.resizeDocks([d["controls"], d["chunks"], d["loss"]],
                         [self.controls.minimumSizeHint().width(), 445, pad.width() + 14],
                         Qt.Orientation.Horizontal)
        self.resizeDocks([d["chunks"], d["accuracy"], d["activations"]], [420, 190, 250], Qt.Orientation.Vertical)
        self.resizeDocks([d["loss"], d["drawing"]], [340, pad.height() + 60], Qt.Orientation.Vertical)

    def _arrange_analysis(self) -> None:
        """The analysis tabs large on the left; on the right the activations view, where probed
        images appear, above the training panels as tabs (the weight chunks, which any network
        has, in front)."""
        d = self.docks
        self._place_all_docks()
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, d["analysis"])
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, d["activations"])
        self.splitDockWidget(d["activations"], d["chunks"], Qt.Orientation.Vertical)
        for name in ("accuracy", "loss", "drawing", "lab", "controls"):
            self.tabifyDockWidget(d["chunks"], d[name])
        for dock in d.values():
            dock.show()
        d["chunks"].raise_()
        width = max(self.width(), DEFAULT_SIZE[0])
        side = max(self.activations_panel.minimumSizeHint().width() + 20, int(0.38 * width))
        self.resizeDocks([d["analysis"], d["activations"]], [width - side, side], Qt.Orientation.Horizontal)
        self.resizeDocks([d["activations"], d["chunks"]], [330, 420], Qt.Orientation.Vertical)

    @Slot(bool)
    def _on_dock_visibility_changed(self, visible: bool) -> None:
        if visible:
            self._render_panel(self.sender().widget())

    @Slot(bool)
    def _on_analysis_visibility_changed(self, visible: bool) -> None:
        if visible:
            self._refresh_analysis_view()

    def _connect(self) -> None:
        c = self.controls
        c.startRequested.connect(self.start_training)
        c.pauseRequested.connect(self.session.pause)
        c.resumeRequested.connect(self.resume_training)
        c.stepRequested.connect(self.step_training)
        c.stopRequested.connect(self.session.stop)
        c.resetRequested.connect(self.reset_training)
        c.liveSettingsChanged.connect(self._apply_live_settings)
        self.session.snapshotReady.connect(self._on_run_snapshot)
        self.timeline_bar.stopSelected.connect(self.show_timeline_stop)
        self.timeline_bar.liveSelected.connect(self.show_live)
        self.timeline_bar.resumeRequested.connect(self.resume_from_timeline_stop)
        self.save_timeline_action.triggered.connect(self._save_model_with_timeline_dialog)
        self.session.stateChanged.connect(self._on_state_changed)
        self.session.diverged.connect(self._on_diverged)
        self.drawing_panel.inputChanged.connect(self._on_drawing_input)
        self.drawing_panel.saliencyRequestChanged.connect(self._predict_drawing)
        self.open_dataset_action.triggered.connect(self._open_dataset_dialog)
        self.save_action.triggered.connect(self._save_model_dialog)
        self.load_action.triggered.connect(self._load_model_dialog)
        self.export_chunks_action.triggered.connect(
            lambda: self._export_dialog("Export chunk grid", "chunk-grid.png", "PNG images (*.png)",
                                        self.export_chunk_grid))
        self.export_history_action.triggered.connect(
            lambda: self._export_dialog("Export training history", "training-history.csv", "CSV tables (*.csv)",
                                        self.export_history_csv))
        self.export_report_action.triggered.connect(
            lambda: self._export_dialog("Export HTML report", "backprop-studio-report.html", "Web pages (*.html)",
                                        self.export_html_report))
        self.quit_action.triggered.connect(self.close)
        for name, action in self.layout_actions.items():
            action.triggered.connect(lambda _=False, n=name: self.layouts.switch(n))
        self.layouts.changed.connect(self._on_layout_changed)
        self.restore_layout_action.triggered.connect(self.layouts.reset)
        self.evaluate_action.triggered.connect(self.evaluate_now)
        self.analysis.evaluateRequested.connect(self.evaluate_now)
        self.analysis.currentChanged.connect(lambda _: self._refresh_analysis_view())
        self.analysis.probeRequested.connect(self._on_probe_requested)
        self.analysis.panelCreated.connect(self._on_analysis_panel_created)
        self.live_evaluation.reportReady.connect(self._on_report_ready)
        self.live_evaluation.busyChanged.connect(self.analysis.set_evaluating)
        self.live_evaluation.failed.connect(
            lambda message: self.statusBar().showMessage(f"Evaluation failed: {message}", 8000))
        self.chunks_panel.chunkClicked.connect(self._on_chunk_clicked)
        self.chunks_panel.chunkClicked.connect(self.lab_panel.select_first_layer_neuron)
        self.lab_panel.editsChanged.connect(lambda _: self._predict_drawing())
        self.drawing_panel.inputChanged.connect(self.lab_panel.set_drawing_input)
        # Window-wide; text fields take Space for themselves (ShortcutOverride), so typing
        # "256, 128" never starts training.
        self.space_shortcut = QShortcut(QKeySequence(Qt.Key.Key_Space), self)
        self.space_shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        self.space_shortcut.activated.connect(self.toggle_running)

    # -- data and models ---------------------------------------------------------------------
    def _load_bundled_dataset(self) -> None:
        self.controls.set_data_ready(False)
        self.state_label.setText("Loading MNIST\u2026")
        self._loader = DatasetLoader(parent=self)
        self._loader.finished.connect(self._on_dataset_loaded)
        self._loader.start()
        self._update_dataset_label()

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
        self.live_evaluation.set_dataset(dataset)
        self.lab_panel.set_dataset(dataset)
        self._refresh_analysis_view()
        self._update_dataset_label()
        self._update_actions()
        self._update_status()

    def _on_dataset_failed(self, message: str) -> None:
        self.banner.show_message(f"The training images could not be loaded, so training is unavailable: {message}")
        self._update_dataset_label()
        self._update_status()

    def open_dataset(self, path) -> bool:
        """Start reading the dataset at `path` (a folder of IDX files or any file in it, an .npz,
        or an mnist-in-csv file) on a worker thread; it replaces the current one when read.
        Problems are reported in a message box and change nothing. False if refused at once."""
        if self.session.is_active:
            self._refuse_dataset_change()
            return False
        if self._opening is not None and self._opening.isRunning():
            self.statusBar().showMessage("Still reading the previous dataset; try again when it is open.", 5000)
            return False
        source = dataset_source(path)
        loader = DatasetLoader(source, self)
        loader.finished.connect(self._on_dataset_opened)
        self._opening = loader
        self.open_dataset_action.setEnabled(False)
        loader.start()
        self._update_dataset_label()
        return True

    @property
    def is_opening_dataset(self) -> bool:
        return self._opening is not None and self._opening.isRunning()

    @Slot()
    def _on_dataset_opened(self) -> None:
        loader = self._opening
        self.open_dataset_action.setEnabled(True)
        self._update_dataset_label()
        current = f"{self.dataset.name} stays in use" if self.dataset is not None else "nothing was changed"
        if loader.dataset is None:
            self.show_message("Could not open dataset",
                              f"The dataset was not opened; {current}.\n\n{loader.error}", QMessageBox.Icon.Warning)
            return
        if self.session.is_active:  # a run was started while the files were read
            self._refuse_dataset_change()
            return
        remember_folder(self.settings, "datasets", loader.source)
        self._set_dataset(loader.dataset)
        self.statusBar().showMessage(f"Opened {loader.dataset.name}: {loader.dataset.n_train:,} training and "
                                     f"{loader.dataset.n_test:,} test images", 8000)

    def _refuse_dataset_change(self) -> None:
        self.show_message("Training is running",
                          "Stop or reset the run before opening another dataset: a run keeps the images it "
                          "started with.", QMessageBox.Icon.Information)

    def load_model_file(self, path, quiet: bool = False) -> bool:
        """Load a model for the drawing pad and panels. On any problem, report it and keep the
        current model. `quiet` reports in the banner instead of a dialog (used at start-up)."""
        path = Path(path)
        try:
            network, metadata, timeline = load_model_with_timeline(path)
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
        self.model_timeline = timeline
        if self.session.state == IDLE:
            self._show_idle()
        self.statusBar().showMessage(f"Loaded {path.name}: {network.describe()}", 5000)
        return True

    def save_model_file(self, path, with_timeline: bool = False) -> bool:
        """Save the network on screen (`with_timeline`: and the timeline of its run); reports
        problems in a message box."""
        snapshot = self._displayed
        if snapshot is None:
            self._report_no_network()
            return False
        metadata = dict(self.model_metadata) if snapshot.state == IDLE else {
            "config": snapshot.config.to_dict(), "epochs": snapshot.epoch, "steps": snapshot.step,
            "dataset": snapshot.dataset_name, "test_accuracy": snapshot.latest_test_accuracy,
            "training_seconds": snapshot.elapsed_s}
        stop = self.timeline_bar.selected_stop if not self.timeline_bar.is_live else None
        if stop is not None and snapshot.state != IDLE:
            # The network of an earlier moment: its accuracy is known only if it was evaluated then.
            metadata["test_accuracy"] = stop.test_accuracy if stop.evaluated else None
        timeline = snapshot.timeline if with_timeline else None
        try:
            save_model(path, snapshot.network, metadata, timeline=timeline)
        except (OSError, ValueError) as e:
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

    def ask_dataset_path(self) -> str:
        folder = remembered_folder(self.settings, "datasets", str(Path.home()))
        path, _ = QFileDialog.getOpenFileName(
            self, "Open dataset: an .npz, a CSV file, or any file of an IDX folder", folder, DATASET_FILTER)
        return path

    def ask_export_path(self, title: str, file_name: str, file_filter: str) -> str:
        folder = remembered_folder(self.settings, "exports", str(Path.home()))
        path, _ = QFileDialog.getSaveFileName(self, title, str(Path(folder) / file_name), file_filter)
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

    def _open_dataset_dialog(self) -> None:
        if self.session.is_active:  # say so before the user picks a file in vain
            self._refuse_dataset_change()
            return
        path = self.ask_dataset_path()
        if path:
            self.open_dataset(path)

    # -- exports -------------------------------------------------------------------------------
    def export_chunk_grid(self, path) -> bool:
        """Write the chunk grid, as the chunks panel shows it, as one PNG picture."""
        if self._displayed is None:
            self._report_no_network()
            return False
        self._render_panel(self.chunks_panel, force=True)  # a hidden panel may lag behind
        image = chunk_grid_image(self.chunks_panel)
        return self._write_export(path, "chunk grid", lambda: write_file(path, png_bytes(image)))

    def export_history_csv(self, path) -> bool:
        """Write the loss of every mini-batch and every epoch's metrics of the run as CSV."""
        snapshot = self._displayed
        if snapshot is None or not _has_history(snapshot):
            self.show_message("No training history", "There is no training history to export yet: the curves "
                              "fill as a network trains. Press Start to train one.", QMessageBox.Icon.Information)
            return False
        return self._write_export(path, "training history", lambda: history_to_csv(snapshot, path))

    def export_html_report(self, path) -> bool:
        """Write a self-contained web page about the network on screen: summary, settings, curves,
        confusion matrix and chunk grid. The network is evaluated first if it has not been."""
        snapshot = self._displayed
        if snapshot is None:
            self._report_no_network()
            return False
        evaluation = self._current_report(snapshot)
        figures = report_figures(snapshot, evaluation, self.dataset)
        title = f"Backprop Studio report: {snapshot.network.describe()}"
        return self._write_export(path, "HTML report",
                                  lambda: html_report(path, snapshot, evaluation, figures, title=title))

    def _current_report(self, snapshot: Snapshot):
        """The evaluation report of `snapshot`'s network on the current dataset (computed now if needed)."""
        if self.dataset is None:
            return None
        if not self.live_evaluation.is_current(snapshot, self.dataset):
            QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
            try:
                report = evaluation_report(snapshot.network, self.dataset)
            finally:
                QGuiApplication.restoreOverrideCursor()
            self.live_evaluation.accept_report(snapshot, self.dataset, report)
        return self.live_evaluation.report

    def _write_export(self, path, what: str, write) -> bool:
        try:
            write()
        except (OSError, ValueError) as e:
            reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
            self.show_message(f"Could not export the {what}",
                              f"{path}: {reason}\n\nNothing was written; any earlier file of that name is "
                              "unchanged.", QMessageBox.Icon.Warning)
            return False
        remember_folder(self.settings, "exports", path)
        self.statusBar().showMessage(f"Exported the {what} to {path}", 8000)
        return True

    def _export_dialog(self, title: str, file_name: str, file_filter: str, export) -> None:
        path = self.ask_export_path(title, file_name, file_filter)
        if path:
            export(path)

    def _report_no_network(self) -> None:
        self.show_message("Nothing to save", "There is no network yet: train one or load a model.",
                          QMessageBox.Icon.Information)

    # -- analysis ------------------------------------------------------------------------------
    def show_analysis(self, panel_or_index) -> None:
        """Bring an analysis tab (given by its panel or index) to the front."""
        dock = self.docks["analysis"]
        dock.show()
        dock.raise_()
        self.analysis.show_panel(panel_or_index)
        self._refresh_analysis_view()

    def evaluate_now(self) -> bool:
        """Evaluate the network on screen on the test set (on a worker thread)."""
        if self.dataset is None or self._displayed is None:
            self.statusBar().showMessage("Nothing to evaluate yet: it needs a network and the test images.", 5000)
            return False
        if not self.analysis.report_watched():
            self.show_analysis(self.analysis.index_of(self.analysis.evaluation_panel))
        return self.live_evaluation.evaluate_now()

    def _refresh_analysis_view(self) -> None:
        """Bring the analysis tab on screen up to date (hidden tabs wait until they are shown)."""
        if not on_screen(self.analysis):
            self._track_gradient_flow_while_shown()
            return
        panel = self.analysis.current_panel()  # built now if this is its first appearance
        self._track_gradient_flow_while_shown()
        if self.analysis.takes_dataset(panel) and self.dataset is not None and panel.dataset is not self.dataset:
            panel.set_dataset(self.dataset)
        if panel in self.analysis.snapshot_panels:
            self._render_panel(panel)
        if self.analysis.shows_report(panel):
            self._render_report(panel)
            self.live_evaluation.refresh()

    def _track_gradient_flow_while_shown(self) -> None:
        """The trainer keeps gradient-flow statistics (a small cost per batch) only while their
        panel is on screen."""
        panel = next((p for p in self.analysis.snapshot_panels if isinstance(p, GradientFlowPanel)), None)
        self.session.set_gradient_flow_tracking(panel is not None and on_screen(panel))

    @Slot(QWidget)
    def _on_analysis_panel_created(self, panel: QWidget) -> None:
        install_export_menus(panel)

    def _render_report(self, panel: QWidget, force: bool = False) -> None:
        """Show the latest evaluation report in `panel` if it is on screen (or `force`) and does
        not show it yet."""
        report = self.live_evaluation.report
        if report is None or self._panel_content.get(panel) is report or not (force or on_screen(panel)):
            return
        self._panel_content[panel] = report
        self.analysis.show_report(panel, report, self.live_evaluation.report_dataset)

    @Slot(object)
    def _on_report_ready(self, report) -> None:
        for panel in self.analysis.report_panels:
            self._render_report(panel)
        snapshot = self.live_evaluation.report_snapshot
        self.analysis.set_report_source(f"Scores: {_network_name(snapshot, short=True)}")
        self.statusBar().showMessage(f"Evaluated {_network_name(snapshot)}: test accuracy "
                                     f"{100 * report.test_accuracy:.2f} %", 6000)

    @Slot(str, int, object)
    def _on_probe_requested(self, split: str, index: int, dataset) -> None:
        if dataset is None or dataset is not self.dataset:
            self.statusBar().showMessage("That view still shows the previous dataset; wait for it to update.", 5000)
            return
        self.probe_test_image(index, split)

    def probe_test_image(self, index: int, split: str = "test") -> None:
        """Feed image `index` of the test (or training) split through the network in the activations view."""
        self.activations_panel.set_probe_index(index, split)
        dock = self.docks["activations"]
        if not on_screen(self.activations_panel):
            dock.show()
            dock.raise_()
        name = "Test" if split == "test" else "Training"
        self.statusBar().showMessage(f"{name} image {index} is now the input of the activations view.", 5000)

    @Slot(int)
    def _on_chunk_clicked(self, _neuron: int) -> None:
        # The detail window is made on the first click (the panel's own slot runs first);
        # its plots get the export menu then.
        if self.chunks_panel.detail_dialog is not None:
            install_export_menus(self.chunks_panel.detail_dialog)

    @Slot(str)
    def _on_layout_changed(self, name: str) -> None:
        self.layout_actions[name].setChecked(True)

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
        self._awaiting_run_start = True
        self._leave_timeline()  # the new run's snapshots show as they come
        self._save_training_settings()
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
        self._run_start_network = None
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

    # -- timeline ------------------------------------------------------------------------------
    @Slot(object)
    def _on_run_snapshot(self, snapshot: Snapshot) -> None:
        """A new snapshot of the run: shown at Live; while an earlier moment is on screen it only
        extends the timeline (and the status bar), so the view is never pulled away from it."""
        self.timeline_bar.set_stops(snapshot.timeline)
        if self.timeline_bar.is_live:
            self.show_snapshot(snapshot)
        else:
            self._update_status()

    def _live_snapshot(self) -> Snapshot | None:
        """What Live shows: the run's latest snapshot, or the loaded model when there is no run."""
        latest = self.session.latest_snapshot
        if self.session.state != IDLE and latest is not None:
            return latest
        return self._model_snapshot() if self.model_network is not None else None

    @Slot(object)
    def show_timeline_stop(self, stop) -> None:
        """Show the network of a timeline stop everywhere (the drawing pad answers with it) and
        mark its moment on the loss and accuracy plots."""
        live = self._live_snapshot()
        if live is None:
            return
        # The curves stay those of the whole run; the network and position are the stop's.
        snapshot = replace(live, network=stop.network(), state="paused" if live.state != "idle" else "stopped",
                           step=stop.step, epoch=stop.epoch, epoch_progress=stop.epoch_progress, batch=stop.batch,
                           batches_per_epoch=stop.batches_per_epoch, message="", gradient_flow=None)
        self.loss_panel.set_cursor(stop.epoch_progress)
        self.accuracy_panel.set_cursor(stop.epoch_progress)
        self._chunks_reference_due = self._timeline_start_network()
        self.show_snapshot(snapshot)

    @Slot()
    def show_live(self) -> None:
        """Back to the network as it is now."""
        self._leave_timeline()
        live = self._live_snapshot()
        if live is not None:
            if live.state != IDLE:
                self._chunks_reference_due = self._timeline_start_network()
            self.show_snapshot(live)

    def _timeline_start_network(self) -> Network | None:
        """The weights the timeline's run started from: the run's own, or a loaded timeline's first stop."""
        if self.session.state != IDLE:
            return self._run_start_network
        stops = self.timeline_bar.stops
        return stops[0].network() if stops else None

    def _leave_timeline(self) -> None:
        self.timeline_bar.go_live(notify=False)
        self.loss_panel.set_cursor(None)
        self.accuracy_panel.set_cursor(None)

    @Slot(object)
    def resume_from_timeline_stop(self, stop=None) -> bool:
        """Stop the current run, if any, and start a new one from the weights of `stop` (the
        stop on screen by default) with the settings of its run. The new run counts epochs and
        its learning-rate schedule from zero; momentum and Adam start from zero as well."""
        stop = stop if stop is not None else self.timeline_bar.selected_stop
        if stop is None:
            return False
        if self.dataset is None:
            self.statusBar().showMessage("The training images are not loaded yet.", 5000)
            return False
        config = self._timeline_config(stop)
        if config is None:
            return False
        if self.session.is_active:
            self.session.shutdown(CLOSE_TIMEOUT_S)
        try:
            self.session.start(config, self.dataset, network=stop.network())
        except ValueError as e:
            self.show_message("Could not resume", f"The run could not start from this moment: {e}",
                              QMessageBox.Icon.Warning)
            return False
        self.controls.mark_started(config)
        self._awaiting_run_start = True
        self._leave_timeline()
        self.banner.hide()
        self.statusBar().showMessage(f"A new run started from step {stop.step:,} (epoch {stop.epoch_progress:.2f}) "
                                     "of the timeline.", 8000)
        return True

    def _timeline_config(self, stop) -> TrainConfig | None:
        """The settings of the run `stop` belongs to (the form's when they are unknown), made to
        describe the stop's network."""
        live = self._live_snapshot()
        known = live is not None and (live.state != IDLE or isinstance(self.model_metadata.get("config"), dict))
        config = live.config if known else self.controls.config()
        if config is None:
            return None
        shape = stop.shape
        return config.with_changes(hidden=tuple(shape.layer_sizes[1:-1]), activation=shape.hidden_activation,
                                   output_activation=shape.output_activation, loss=shape.loss, dtype=shape.dtype)

    def _save_model_with_timeline_dialog(self) -> None:
        snapshot = self._displayed
        if snapshot is not None and not snapshot.timeline:
            self.show_message("No timeline", "There is no timeline to save yet: moments are recorded while a "
                              "network trains. Save model\u2026 saves the network alone.",
                              QMessageBox.Icon.Information)
            return
        path = self.ask_save_path()
        if path:
            self.save_model_file(path, with_timeline=True)

    # -- display ---------------------------------------------------------------------------------
    @Slot(object)
    def show_snapshot(self, snapshot: Snapshot) -> None:
        """Draw a snapshot in every panel and answer the drawing pad with its network."""
        self._displayed = snapshot
        self.timeline_bar.set_stops(snapshot.timeline)
        if self._awaiting_run_start and snapshot.state != IDLE:
            self._awaiting_run_start = False
            self._run_start_network = snapshot.network
        self.lab_panel.show_snapshot(snapshot)
        self._predict_drawing()
        self._update_status()
        self.live_evaluation.show_snapshot(snapshot)
        self._track_gradient_flow_while_shown()  # the tab may have been hidden or shown meanwhile
        # Panels the previous snapshot had not reached yet go first: when snapshots come
        # faster than panels are drawn, every panel still gets its turn.
        waiting = self._stale_panels
        self._stale_panels = waiting + [panel for panel in self.panels if panel not in waiting]
        self._render_next_panel()

    def _render_next_panel(self) -> None:
        # One panel per pass of the event loop: each is then painted on its own, and the window
        # keeps answering input between panels instead of freezing for a whole frame.
        while self._stale_panels:
            if self._render_panel(self._stale_panels.pop(0)):
                break
        if self._stale_panels:
            self._render_timer.start()

    def _render_panel(self, panel: QWidget, force: bool = False) -> bool:
        """Show the displayed snapshot in `panel` if it is on screen (or `force`) and its content
        changed; True if it did. Hidden panels (closed, or behind another tab) catch up when
        they reappear."""
        snapshot = self._displayed
        if snapshot is None or not (force or on_screen(panel)):
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
        if self.analysis.takes_dataset(panel) and self.dataset is not None and panel.dataset is not self.dataset:
            panel.set_dataset(self.dataset)
        self._panel_content[panel] = key
        panel.show_snapshot(snapshot)
        if isinstance(panel, HistogramsPanel):
            self._compare_histograms_with_run_start(panel, snapshot)
        if panel is self.chunks_panel and self._chunks_reference_due is not None:
            panel.set_reference(self._chunks_reference_due)
            self._chunks_reference_due = None
        return True

    def _compare_histograms_with_run_start(self, panel: HistogramsPanel, snapshot: Snapshot) -> None:
        """The dashed histograms show the run's initial weights, even if the panel was hidden when
        the run began; a loaded model is compared with itself. Set after the snapshot is shown,
        when the panel already draws a network of the reference's architecture."""
        start = self._run_start_network
        reference = start if snapshot.state != IDLE and start is not None else snapshot.network
        if self._histograms_reference is not reference and reference.layer_sizes == snapshot.network.layer_sizes:
            panel.set_reference(reference)
            self._histograms_reference = reference

    @property
    def displayed_snapshot(self) -> Snapshot | None:
        return self._displayed

    def _show_idle(self) -> None:
        self._leave_timeline()
        if self.model_network is not None:
            self.show_snapshot(self._model_snapshot())
        else:
            self._displayed = None
            self.timeline_bar.set_stops(())
            self.lab_panel.show_snapshot(None)
            self._predict_drawing()
            self._update_status()

    def _model_snapshot(self) -> Snapshot:
        """The loaded model as a snapshot; the same object while the model stays loaded, so
        showing it again redraws and re-evaluates nothing that already shows it."""
        if self._idle_snapshot is None or self._idle_snapshot_of is not self.model_network:
            config = self.model_metadata.get("config")
            try:
                config = TrainConfig.from_dict(config) if isinstance(config, dict) else None
            except (TypeError, ValueError):
                config = None
            name = self.model_metadata.get("dataset", "") if isinstance(self.model_metadata, dict) else ""
            self._idle_snapshot = replace(model_snapshot(self.model_network, config, dataset_name=str(name)),
                                          timeline=self.model_timeline)
            self._idle_snapshot_of = self.model_network
        return self._idle_snapshot

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
        # With lab edits active, the edited copy of the displayed network answers.
        network = self.lab_panel.network_for(self._displayed.network)
        probabilities = network.predict_proba(np.asarray(image, dtype=network.dtype).reshape(-1, 1))
        self.drawing_panel.show_prediction(probabilities[:, 0])
        saliency_request = self.drawing_panel.saliency_request
        if saliency_request is not None:  # one more forward and backward pass of one image: about 2 ms
            self.drawing_panel.show_saliency(input_saliency(network, image, **saliency_request))

    def _update_dataset_label(self) -> None:
        dataset = self.dataset
        if dataset is not None:
            text = f"Dataset: {dataset.name}"
            tip = (f"{dataset.name}: {dataset.n_train:,} training and {dataset.n_test:,} test images. "
                   "File \u2192 Open dataset\u2026 uses another.")
        elif self._loader is not None and self._loader.isRunning():
            text, tip = "Dataset: loading MNIST\u2026", "The bundled MNIST images are being read."
        else:
            text, tip = "No dataset", "No images are loaded: File \u2192 Open dataset\u2026 reads some."
        if self.is_opening_dataset:
            text += f"  (reading {self._opening.source.name}\u2026)"
        self.dataset_label.setText(text)
        self.dataset_label.setToolTip(tip)

    def _update_status(self) -> None:
        state = self.session.state
        # The run's progress, also while the timeline shows an earlier moment.
        snapshot = (self.session.latest_snapshot or self._displayed) if state != IDLE else None
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

    # -- what is remembered, and closing ---------------------------------------------------------------
    def _restore_layout(self) -> None:
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(*DEFAULT_SIZE)
        self.layouts.restore(self.settings)

    def _restore_training_settings(self) -> None:
        saved = load_training_settings(self.settings)
        if saved is not None:
            self.controls.restore_settings(*saved)

    def _save_training_settings(self) -> None:
        config = self.controls.config()
        if config is not None:  # half-typed values are not worth remembering
            save_training_settings(self.settings, self.controls.preset, config)

    def save_layout(self) -> None:
        """Remember the window's geometry, dock layouts and training settings."""
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.layouts.save(self.settings)
        self._save_training_settings()
        self.settings.sync()

    def closeEvent(self, event) -> None:
        self.save_layout()
        close_export_dialogs(self)
        self.session.shutdown(CLOSE_TIMEOUT_S)
        for loader in (self._loader, self._opening):
            if loader is not None:
                loader.wait()
        super().closeEvent(event)

    def sizeHint(self) -> QSize:
        return QSize(*DEFAULT_SIZE)


def _action(owner: QWidget, text: str, shortcut: str | None, tip: str) -> QAction:
    action = QAction(text, owner)
    if shortcut:
        action.setShortcut(QKeySequence(shortcut))
    action.setStatusTip(tip)
    action.setToolTip(tip)
    return action


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


def _network_name(snapshot: Snapshot, short: bool = False) -> str:
    """Which network a snapshot holds: "the loaded model", "the network after 3 epochs", ...;
    `short`: "loaded model", "epoch 3", ..."""
    if snapshot.state == IDLE:
        return "loaded model" if short else "the loaded model"
    if snapshot.step == 0:
        return "untrained" if short else "the untrained network"
    if snapshot.batch == 0 or snapshot.state == "finished":
        if short:
            return f"epoch {snapshot.epoch}"
        return f"the network after {snapshot.epoch} epoch{'' if snapshot.epoch == 1 else 's'}"
    return f"step {snapshot.step:,}" if short else f"the network at step {snapshot.step:,}"


def _has_history(snapshot: Snapshot) -> bool:
    return len(snapshot.batch_x) > 0 or len(snapshot.epochs.get("epoch", ())) > 0


def _accuracy_text(accuracy) -> str:
    if accuracy is None or not np.isfinite(accuracy):
        return "Test accuracy \u2013"
    return f"Test accuracy {100 * accuracy:.2f} %"


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
