"""The Backprop Studio main window: dockable panels around one training session.

The window builds the pieces and wires them; it holds no training logic and no per-panel
drawing logic. `TrainingSession` runs the engine on its own thread; the window puts what is to
be shown (a run's snapshot, a timeline moment or the loaded model) into the `StudioState`, and
each panel subscribes to what it shows and draws it while it is on screen. The drawing pad is
answered with the network on screen, never with the network being trained. What the menus do
lives in file_actions.py, run_actions.py and run_records.py.
"""
from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, QSize, Slot
from PySide6.QtWidgets import QMainWindow, QMessageBox, QWidget

from assets import DEFAULT_MODEL
from engine.config import TrainConfig
from engine.data import Dataset
from engine.network import Network
from engine.snapshot import RunState, Snapshot, model_snapshot

from ..analysis.analysis_tabs import AnalysisTabs, network_name
from ..analysis.gradient_flow_panel import GradientFlowPanel
from ..panels.accuracy_panel import AccuracyPanel
from ..panels.activations_panel import ActivationsPanel
from ..panels.chunks_panel import ChunksPanel
from ..panels.controls import ControlsPanel
from ..panels.drawing_panel import DrawingPanel
from ..panels.lab_panel import LabPanel
from ..panels.loss_panel import LossPanel
from ..studio_state import StudioState
from ..training.live_evaluation import LiveEvaluation
from ..training.session import TrainingSession
from ..training.timeline_bar import TimelineBar
from ..widgets.plot_export import close_export_dialogs, install_export_menus
from ..widgets.visibility import on_screen
from .appearance_menu import restore_appearance
from .file_actions import FileActions
from .keyboard import KeyboardHandling
from .layouts import DEFAULT_SIZE, LAYOUT_VERSION, build_docks
from .menus import ANALYSIS_LAYOUT, TRAINING_LAYOUT, build_menus
from .run_actions import CLOSE_TIMEOUT_S, RunActions
from .run_records import RunRecords
from .settings import load_training_settings, open_settings, save_training_settings
from .status_bar import StudioStatusBar

__all__ = ["ANALYSIS_LAYOUT", "DEFAULT_MODEL_PATH", "LAYOUT_VERSION", "MainWindow", "TRAINING_LAYOUT"]

WINDOW_TITLE = "Backprop Studio"
DEFAULT_MODEL_PATH = DEFAULT_MODEL


class MainWindow(FileActions, RunActions, RunRecords, KeyboardHandling, QMainWindow):
    def __init__(self, dataset: Dataset | None = None, model_path: str | os.PathLike | None = DEFAULT_MODEL_PATH,
                 settings: QSettings | None = None, parent: QWidget | None = None) -> None:
        """`dataset` None loads the bundled MNIST in the background; `model_path` None starts
        without a model; `settings` None uses open_settings()."""
        settings = settings if settings is not None else open_settings()
        restore_appearance(settings)  # first: every widget then takes the theme's palette when made
        super().__init__(parent)
        self.setWindowTitle(WINDOW_TITLE)
        self.setObjectName("mainWindow")
        self.settings = settings
        self.model_network: Network | None = None
        self.model_metadata: dict = {}
        self.model_path: Path | None = None
        self.model_timeline: tuple = ()  # the loaded model's timeline stops, if saved with one
        self.message_box: QMessageBox | None = None
        self._idle_snapshot: Snapshot | None = None  # the loaded model's, reused while it stays loaded
        self._idle_snapshot_of: Network | None = None

        self.state = StudioState(self)
        self.session = TrainingSession(self)
        self.session.display_requests = self.state.display_requests
        self._build_panels()
        build_menus(self)
        self.status = StudioStatusBar()
        self.setStatusBar(self.status)
        s = self.status
        self.dataset_label, self.state_label, self.epoch_label, self.step_label = (
            s.dataset_label, s.state_label, s.epoch_label, s.step_label)
        self.speed_label, self.elapsed_label, self.accuracy_label, self.progress = (
            s.speed_label, s.elapsed_label, s.accuracy_label, s.progress)
        build_docks(self)
        self._build_loaders()
        self.setAcceptDrops(True)  # model and dataset files (file_actions.py)
        self._connect()
        self._build_run_records()
        self._install_keyboard_handling()
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
        # Subscription order is drawing order: the Lab's view of the network, the drawing's answer,
        # the evaluation, then the panels, one per pass of the event loop.
        for view in (self.lab_panel, self.drawing_panel, self.live_evaluation, *self.live_panels, self.analysis):
            view.bind(self.state)

    @property
    def panels(self) -> tuple[QWidget, ...]:
        """The panels drawn from each snapshot: the live ones and the analysis panels built so far."""
        return self.live_panels + self.analysis.snapshot_panels

    def _connect(self) -> None:
        c, s, state = self.controls, self.session, self.state
        c.startRequested.connect(self.start_training)
        c.pauseRequested.connect(s.pause)
        c.resumeRequested.connect(self.resume_training)
        c.stepRequested.connect(self.step_training)
        c.stopRequested.connect(s.stop)
        c.resetRequested.connect(self.reset_training)
        c.liveSettingsChanged.connect(self._apply_live_settings)
        s.snapshotReady.connect(self._on_run_snapshot)
        s.stateChanged.connect(self._on_state_changed)
        s.diverged.connect(self._on_diverged)
        self.timeline_bar.stopSelected.connect(self.show_timeline_stop)
        self.timeline_bar.liveSelected.connect(self.show_live)
        self.timeline_bar.resumeRequested.connect(self.resume_from_timeline_stop)
        state.snapshotChanged.connect(self._track_gradient_flow_while_shown)
        state.reportChanged.connect(self._on_report_ready)
        state.editedNetworkChanged.connect(self._update_status)
        self.lab_panel.accuracyShown.connect(self._update_status)

        for name, view in (("chunks", self.chunks_panel), ("loss", self.loss_panel),
                           ("accuracy", self.accuracy_panel), ("activations", self.activations_panel)):
            self.docks[name].visibilityChanged.connect(lambda visible, v=view: v.refresh() if visible else None)
        self.docks["analysis"].visibilityChanged.connect(lambda visible: self._refresh_analysis_view()
                                                         if visible else None)
        self.docks["lab"].visibilityChanged.connect(lambda visible: self.lab_panel.refresh() if visible else None)

        self.open_dataset_action.triggered.connect(self._open_dataset_dialog)
        self.save_action.triggered.connect(self._save_model_dialog)
        self.save_timeline_action.triggered.connect(self._save_model_with_timeline_dialog)
        self.load_action.triggered.connect(self._load_model_dialog)
        for made, args in (
                (self.export_chunks_action, ("Export chunk grid", "chunk-grid.png", "PNG images (*.png)",
                                             self.export_chunk_grid)),
                (self.export_history_action, ("Export training history", "training-history.csv",
                                              "CSV tables (*.csv)", self.export_history_csv)),
                (self.export_report_action, ("Export HTML report", "backprop-studio-report.html",
                                             "Web pages (*.html)", self.export_html_report))):
            made.triggered.connect(lambda _=False, a=args: self._export_dialog(*a))
        self.export_onnx_action.triggered.connect(self._export_onnx_dialog)
        self.export_torch_action.triggered.connect(self._export_torch_dialog)
        self.quit_action.triggered.connect(self.close)
        for name, made in self.layout_actions.items():
            made.triggered.connect(lambda _=False, n=name: self.layouts.switch(n))
        self.layouts.changed.connect(lambda name: self.layout_actions[name].setChecked(True))
        self.restore_layout_action.triggered.connect(self.layouts.reset)

        self.evaluate_action.triggered.connect(self.evaluate_now)
        self.analysis.evaluateRequested.connect(self.evaluate_now)
        self.analysis.currentChanged.connect(lambda _: self._refresh_analysis_view())
        self.analysis.probeRequested.connect(self._on_probe_requested)
        self.analysis.panelCreated.connect(install_export_menus)
        self.live_evaluation.busyChanged.connect(self.analysis.set_evaluating)
        self.live_evaluation.failed.connect(
            lambda message: self.statusBar().showMessage(f"Evaluation failed: {message}", 8000))
        self.chunks_panel.chunkClicked.connect(self._on_chunk_clicked)
        self.chunks_panel.chunkClicked.connect(self.lab_panel.select_first_layer_neuron)
        # Window-wide keys; text fields and focused buttons take Space for themselves
        # (ShortcutOverride, see keyboard.py), so typing "256, 128" never starts training.
        self.run_actions["start"].triggered.connect(self.toggle_running)
        for name, pressed in (("step", c.step_button), ("stop", c.stop_button), ("reset", c.reset_button)):
            self.run_actions[name].triggered.connect(lambda _=False, b=pressed: self._press(b))
        self.shortcuts_action.triggered.connect(self.show_shortcuts)

    # -- what is on screen --------------------------------------------------------------------------
    @Slot(object)
    def show_snapshot(self, snapshot: Snapshot) -> None:
        """Put a snapshot on screen: every panel subscribed to the state draws it."""
        self.timeline_bar.set_stops(snapshot.timeline, running=snapshot.state == RunState.RUNNING)
        self.state.set_snapshot(snapshot)
        self._update_status()

    @property
    def displayed_snapshot(self) -> Snapshot | None:
        return self.state.snapshot

    def _show_idle(self) -> None:
        self._leave_timeline()
        if self.model_network is not None:
            self.show_snapshot(self._model_snapshot())
        else:
            self.timeline_bar.set_stops(())
            self.state.set_snapshot(None)
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
            self._idle_snapshot = replace(model_snapshot(self.model_network, config, dataset_name=str(name),
                                                         source=self._model_source()),
                                          timeline=self.model_timeline)
            self._idle_snapshot_of = self.model_network
        return self._idle_snapshot

    def _model_source(self) -> str:
        """The loaded model's file name and training steps, e.g. "default.npz, 2,820 steps"."""
        name = self.model_path.name if self.model_path is not None else "loaded model"
        steps = self.model_metadata.get("steps") if isinstance(self.model_metadata, dict) else None
        return f"{name}, {steps:,} steps" if isinstance(steps, int) and steps >= 0 else name

    def _update_status(self) -> None:
        state = self.session.state
        # The run's progress, also while the timeline shows an earlier moment.
        snapshot = (self.session.latest_snapshot or self.displayed_snapshot) if state != RunState.IDLE else None
        loading = self.dataset is None and self._loader.busy
        self.status.show_run(state, snapshot, loading, self.model_network, self.model_metadata,
                             self._edited_accuracy())

    def _edited_accuracy(self) -> float | None:
        """The Lab-edited network's test accuracy while edits are active (NaN until computed)."""
        lab = self.lab_panel
        if not lab.edits_active:
            return None
        result = lab.shown_result  # (network, dataset, edits, original accuracy, edited accuracy)
        current = result is not None and result[0] is self.state.network and result[2] == lab.edits
        return result[4] if current else float("nan")

    # -- analysis -------------------------------------------------------------------------------------
    def show_analysis(self, panel_or_index) -> None:
        """Bring an analysis tab (given by its panel or index) to the front."""
        dock = self.docks["analysis"]
        dock.show()
        dock.raise_()
        self.analysis.show_panel(panel_or_index)
        self._refresh_analysis_view()

    def evaluate_now(self) -> bool:
        """Evaluate the network on screen on the test set (on a worker thread)."""
        if self.dataset is None or self.displayed_snapshot is None:
            self.statusBar().showMessage("Nothing to evaluate yet: it needs a network and the test images.", 5000)
            return False
        if not self.analysis.report_watched():
            self.show_analysis(self.analysis.index_of(self.analysis.evaluation_panel))
        return self.live_evaluation.evaluate_now()

    def _refresh_analysis_view(self) -> None:
        self.analysis.refresh_current()
        self._track_gradient_flow_while_shown()
        if on_screen(self.analysis) and self.analysis.current_panel() in self.analysis.report_panels:
            self.live_evaluation.refresh()

    def _track_gradient_flow_while_shown(self, *_) -> None:
        """The trainer keeps gradient-flow statistics (a small cost per batch) only while their
        panel is on screen."""
        panel = next((p for p in self.analysis.snapshot_panels if isinstance(p, GradientFlowPanel)), None)
        self.session.set_gradient_flow_tracking(panel is not None and on_screen(panel))

    @Slot(object)
    def _on_report_ready(self, report) -> None:
        self.statusBar().showMessage(f"Evaluated {network_name(self.state.report_snapshot)}: test accuracy "
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

    # -- what is remembered, and closing --------------------------------------------------------------
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
        for task in (self._loader, self._opening, self.onnx_check_task):
            task.wait()
        super().closeEvent(event)

    def sizeHint(self) -> QSize:
        return QSize(*DEFAULT_SIZE)
