"""What the File menu does: datasets, model files and exports, with their dialogs and messages.

A mixin of MainWindow: problems are reported in a message box (or the banner at start-up) and
change nothing; files are written atomically by the engine.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QMessageBox

from engine.analysis import evaluation_report, history_to_csv, html_report
from engine.cli.export import CHECK_IMAGES as ONNX_CHECK_IMAGES
from engine.cli.export import INSTALL_ONNXRUNTIME, check_passed
from engine.cli.export import TOLERANCE as ONNX_TOLERANCE
from engine.data import Dataset
from engine.exports import (
    INSTALL_ONNX,
    ExportError,
    check_onnx,
    export_onnx,
    export_torch_state_dict,
    torch_sequential_code,
)
from engine.modelio import ModelFileError, save_model
from engine.snapshot import RunState, Snapshot

from ..widgets.background import BackgroundTask
from ..widgets.user_folders import is_shipped, user_models_folder
from .dataset_loader import DatasetLoader, dataset_source
from .exports import chunk_grid_image, png_bytes, report_figures, write_file
from .menus import onnx_installed
from .opening import MODEL, path_kind, read_model
from .settings import remember_folder, remembered_folder

DATASET_FILTER = "Digit datasets (*.npz *.csv *ubyte *ubyte.gz *.idx *.gz);;All files (*)"


class FileActions:
    # -- datasets ----------------------------------------------------------------------------------
    def _build_loaders(self) -> None:
        self._loader = DatasetLoader(self)    # the bundled MNIST, at start-up
        self._loader.loaded.connect(self._on_bundled_dataset_loaded)
        self._opening = DatasetLoader(self)   # a dataset the user chose
        self._opening.loaded.connect(self._on_dataset_opened)
        self.onnx_check_task = BackgroundTask(self)  # runs an exported ONNX file next to the engine
        self.onnx_check_task.finished.connect(self._on_onnx_checked)
        self.onnx_check_task.failed.connect(self._on_onnx_check_failed)
        self.onnx_check_result = None  # (path, OnnxCheck or None without onnxruntime) of the latest export

    def _load_bundled_dataset(self) -> None:
        self.status.state_label.setText("Loading MNIST\u2026")
        self._loader.read(None)
        self._update_data_ready()
        self._update_dataset_label()

    def _on_bundled_dataset_loaded(self, _source, dataset: Dataset | None, error: str) -> None:
        if dataset is not None:
            if self.dataset is None:  # not if a dataset the user opened meanwhile came first
                self._set_dataset(dataset)
            else:
                self._update_dataset_label()
                self._update_status()
        else:
            self.banner.show_message(f"The training images could not be loaded, so training is unavailable: {error}")
            self._update_data_ready()
            self._update_dataset_label()
            self._update_status()

    def _set_dataset(self, dataset: Dataset) -> None:
        self.controls.set_training_set_size(dataset.n_train)
        self.state.set_dataset(dataset)
        self._update_data_ready()
        self._update_dataset_label()
        self._update_actions()
        self._update_status()

    @property
    def dataset(self) -> Dataset | None:
        return self.state.dataset

    def open_dataset(self, path) -> bool:
        """Start reading the dataset at `path` (a folder of IDX files or any file in it, an .npz,
        or an mnist-in-csv file) on a worker thread; it replaces the current one when read.
        Problems are reported in a message box and change nothing. False if refused at once."""
        if self.session.is_active:
            self._refuse_dataset_change()
            return False
        if self.is_opening_dataset:
            self.statusBar().showMessage("Still reading the previous dataset; try again when it is open.", 5000)
            return False
        self.open_dataset_action.setEnabled(False)
        self._opening.read(dataset_source(path))
        self._update_data_ready()
        self._update_dataset_label()
        return True

    @property
    def is_opening_dataset(self) -> bool:
        return self._opening.busy

    def data_wait_reason(self) -> str:
        """Why a run cannot start for want of training images ("" when it can): while a dataset is
        read, a run started would train on the previous one while the status bar names the new one."""
        if self.is_opening_dataset:
            return f"Reading {self._opening.source.name}\u2026: Start waits for it."
        if self.dataset is None:
            if self._loader.busy:
                return "Loading MNIST\u2026: Start waits for it."
            return "No training images are loaded: File \u2192 Open dataset\u2026 reads some."
        return ""

    def _update_data_ready(self) -> None:
        reason = self.data_wait_reason()
        self.controls.set_data_ready(not reason, reason)

    def _on_dataset_opened(self, source: Path, dataset: Dataset | None, error: str) -> None:
        self.open_dataset_action.setEnabled(True)
        self._update_data_ready()
        self._update_dataset_label()
        current = f"{self.dataset.name} stays in use" if self.dataset is not None else "nothing was changed"
        if dataset is None:
            self.show_message("Could not open dataset", f"The dataset was not opened; {current}.\n\n{error}",
                              QMessageBox.Icon.Warning)
            return
        if self.session.is_active:  # a run was started while the files were read
            self._refuse_dataset_change()
            return
        remember_folder(self.settings, "datasets", source)
        self._set_dataset(dataset)
        self.statusBar().showMessage(f"Opened {dataset.name}: {dataset.n_train:,} training and "
                                     f"{dataset.n_test:,} test images", 8000)

    def _update_dataset_label(self) -> None:
        opening = self._opening.source.name if self.is_opening_dataset else None
        self.status.show_dataset(self.dataset, self._loader.busy, opening)

    def _refuse_dataset_change(self) -> None:
        self.show_message("Training is running",
                          "Stop or reset the run before opening another dataset: a run keeps the images it "
                          "started with.", QMessageBox.Icon.Information)

    # -- files dropped onto the window ---------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:
        if _local_paths(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        self.dragEnterEvent(event)

    def dropEvent(self, event) -> None:
        paths = _local_paths(event.mimeData())
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self.open_paths(paths)

    def open_paths(self, paths) -> bool:
        """Open files dropped onto the window: a model file (an .npz with a model header) becomes the
        model, anything else (an .npz or CSV dataset, an IDX folder or any file in it) the dataset, as
        `backprop-studio MODEL.npz --data PATH` does. A file that cannot be read is reported in a
        message box and leaves what is loaded as it was. False if any was refused or unreadable
        (a dataset's read goes on in the background and reports its own outcome)."""
        opened = True
        for path in paths:
            if path_kind(path) == MODEL:
                opened = self._load_dropped_model(path) and opened
            else:
                opened = self.open_dataset(path) and opened
        return opened

    def _load_dropped_model(self, path) -> bool:
        if self.session.state != RunState.IDLE:  # as File -> Load model, which is off during a run
            self.show_message("Training is running",
                              f"{Path(path).name} was not loaded: reset the run before loading a model.",
                              QMessageBox.Icon.Information)
            return False
        return self.load_model_file(path)

    def _open_dataset_dialog(self) -> None:
        if self.session.is_active:  # say so before the user picks a file in vain
            self._refuse_dataset_change()
            return
        path = self.ask_dataset_path()
        if path:
            self.open_dataset(path)

    # -- models --------------------------------------------------------------------------------------
    def load_model_file(self, path, quiet: bool = False) -> bool:
        """Load a model for the drawing pad and panels. On any problem, report it and keep the
        current model. `quiet` reports in the banner instead of a dialog (used at start-up)."""
        path = Path(path)
        try:
            network, metadata, timeline = read_model(path)  # the reader `backprop-studio MODEL.npz` checks with
        except ModelFileError as e:
            if quiet:
                self.banner.show_message(f"No ready-trained model: {e}")
            else:
                self.show_message("Could not load model", f"The model was not loaded; the previous one stays in "
                                  f"use.\n\n{e}", QMessageBox.Icon.Warning)
            return False
        self.model_network, self.model_metadata, self.model_path = network, metadata, path
        self.model_timeline = timeline
        if self.session.state == RunState.IDLE:
            self._show_idle()
        self.statusBar().showMessage(f"Loaded {path.name}: {network.describe()}", 5000)
        return True

    def save_model_file(self, path, with_timeline: bool = False) -> bool:
        """Save the network on screen (`with_timeline`: and the timeline of its run); reports
        problems in a message box."""
        snapshot = self.displayed_snapshot
        if snapshot is None:
            self._report_no_network()
            return False
        metadata = dict(self.model_metadata) if snapshot.state == RunState.IDLE else {
            "config": snapshot.config.to_dict(), "epochs": snapshot.epoch, "steps": snapshot.step,
            "dataset": snapshot.dataset_name, "test_accuracy": snapshot.latest_test_accuracy,
            "training_seconds": snapshot.elapsed_s}
        stop = self.state.moment
        if stop is not None and snapshot.state != RunState.IDLE:
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

    def _save_model_dialog(self) -> None:
        path = self.ask_save_path()
        if path:
            self.save_model_file(path)

    def _save_model_with_timeline_dialog(self) -> None:
        snapshot = self.displayed_snapshot
        if snapshot is not None and not snapshot.timeline:
            self.show_message("No timeline", "There is no timeline to save yet: moments are recorded while a "
                              "network trains. Save model\u2026 saves the network alone.",
                              QMessageBox.Icon.Information)
            return
        path = self.ask_save_path()
        if path:
            self.save_model_file(path, with_timeline=True)

    def _load_model_dialog(self) -> None:
        path = self.ask_open_path()
        if path:
            self.load_model_file(path)

    def _report_no_network(self) -> None:
        self.show_message("Nothing to save", "There is no network yet: train one or load a model.",
                          QMessageBox.Icon.Information)

    # -- exports -------------------------------------------------------------------------------------
    def export_chunk_grid(self, path) -> bool:
        """Write the chunk grid, as the chunks panel shows it, as one PNG picture."""
        if self.displayed_snapshot is None:
            self._report_no_network()
            return False
        self.chunks_panel.refresh(force=True)  # a hidden panel may lag behind
        image = chunk_grid_image(self.chunks_panel)
        return self._write_export(path, "chunk grid", lambda: write_file(path, png_bytes(image)))

    def export_history_csv(self, path) -> bool:
        """Write the loss of every mini-batch and every epoch's metrics of the run as CSV."""
        snapshot = self.displayed_snapshot
        if snapshot is None or not (len(snapshot.batch_x) > 0 or len(snapshot.epochs.get("epoch", ())) > 0):
            self.show_message("No training history", "There is no training history to export yet: the curves "
                              "fill as a network trains. Press Start to train one.", QMessageBox.Icon.Information)
            return False
        return self._write_export(path, "training history", lambda: history_to_csv(snapshot, path))

    def export_html_report(self, path) -> bool:
        """Write a self-contained web page about the network on screen: summary, settings, curves,
        confusion matrix and chunk grid. The network is evaluated first if it has not been."""
        snapshot = self.displayed_snapshot
        if snapshot is None:
            self._report_no_network()
            return False
        evaluation = self._current_report(snapshot)
        figures = report_figures(snapshot, evaluation, self.dataset)
        title = f"Backprop Studio report: {snapshot.network.describe()}"
        return self._write_export(path, "HTML report",
                                  lambda: html_report(path, snapshot, evaluation, figures, title=title))

    def export_onnx_file(self, path) -> bool:
        """Write the network on screen as an ONNX file, then check it on up to 1,000 test images of
        the current dataset with onnxruntime on a BackgroundTask; the result goes to the status bar
        and a message."""
        snapshot = self.displayed_snapshot
        if snapshot is None:
            self._report_no_network()
            return False
        network = snapshot.network
        if not self._write_export(path, "ONNX file", lambda: export_onnx(network, path)):
            return False
        self.onnx_check_result = None
        if self.dataset is None:
            self.statusBar().showMessage(f"Exported the ONNX file to {path}; not checked: no test images are "
                                         "loaded", 8000)
            return True
        x_rows = self.dataset.x_test[:ONNX_CHECK_IMAGES]
        self.statusBar().showMessage(f"Exported the ONNX file to {path}; checking it on {len(x_rows):,} test "
                                     "images\u2026")
        self.onnx_check_task.run(lambda: (path, check_onnx(path, network, x_rows)))
        return True

    def export_torch_file(self, path) -> bool:
        """Write the weights on screen as a PyTorch state_dict-shaped .npz and say which
        nn.Sequential loads it."""
        snapshot = self.displayed_snapshot
        if snapshot is None:
            self._report_no_network()
            return False
        network = snapshot.network
        if not self._write_export(path, "PyTorch weights", lambda: export_torch_state_dict(network, path)):
            return False
        self.show_message("PyTorch weights exported",
                          f"{path}\n\nThe arrays are named for this model:\n\n{torch_sequential_code(network)}"
                          "\n\nThe README's \u201cExports for other tools\u201d shows how to load them.")
        return True

    def _on_onnx_checked(self, result) -> None:
        path, check = result
        self.onnx_check_result = result
        if check is None:
            text = f"not checked: onnxruntime is not installed ({INSTALL_ONNXRUNTIME})"
            self.statusBar().showMessage(f"Exported the ONNX file to {path}; {text}", 8000)
            self.show_message("ONNX file exported", f"{path}\n\nThe file was {text}.")
            return
        passed = check_passed(check)
        agreement = "every predicted digit agrees" if check.predictions_agree else "some predicted digits differ"
        figures = (f"largest difference {check.max_abs_difference:.1e} from the engine's probabilities"
                   + ("" if check.max_abs_difference < ONNX_TOLERANCE else f" (must be below {ONNX_TOLERANCE:g})")
                   + f"; {agreement}")
        self.statusBar().showMessage(f"ONNX file {'checked' if passed else 'FAILED its check'} on "
                                     f"{check.images:,} test images: {figures}", 10000)
        self.show_message("ONNX export checked" if passed else "ONNX export does not match the engine",
                          f"{path}\n\nRun with onnxruntime on {check.images:,} test images: {figures}.",
                          QMessageBox.Icon.Information if passed else QMessageBox.Icon.Warning)

    def _on_onnx_check_failed(self, message: str) -> None:
        self.statusBar().showMessage(f"The exported ONNX file could not be checked: {message}", 10000)
        self.show_message("ONNX file not checked", f"The file was written, but onnxruntime could not run it:"
                          f"\n\n{message}", QMessageBox.Icon.Warning)

    def _export_onnx_dialog(self) -> None:
        if self.displayed_snapshot is None:  # said before the user picks a file in vain
            self._report_no_network()
            return
        if not onnx_installed():
            self.show_message("ONNX export needs the onnx package", f"{INSTALL_ONNX}\n\nNothing was written.",
                              QMessageBox.Icon.Information)
            return
        self._export_dialog("Export ONNX", f"{self._export_stem()}.onnx", "ONNX models (*.onnx)",
                            self.export_onnx_file)

    def _export_torch_dialog(self) -> None:
        if self.displayed_snapshot is None:
            self._report_no_network()
            return
        self._export_dialog("Export PyTorch weights", f"{self._export_stem()}-torch.npz",
                            "PyTorch weights (*.npz)", self.export_torch_file)

    def _export_stem(self) -> str:
        """The loaded model's name when it is on screen, else "network"."""
        snapshot = self.displayed_snapshot
        if snapshot is not None and snapshot.state == RunState.IDLE and self.model_path is not None:
            return Path(self.model_path).stem
        return "network"

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
        except (OSError, ValueError, ExportError) as e:
            reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
            where = "" if reason.startswith(str(path)) else f"{path}: "  # an ExportError names the file itself
            self.show_message(f"Could not export the {what}",
                              f"{where}{reason}\n\nNothing was written; any earlier file of that name is "
                              "unchanged.", QMessageBox.Icon.Warning)
            return False
        remember_folder(self.settings, "exports", path)
        self.statusBar().showMessage(f"Exported the {what} to {path}", 8000)
        return True

    def _export_dialog(self, title: str, file_name: str, file_filter: str, export) -> None:
        path = self.ask_export_path(title, file_name, file_filter)
        if path:
            export(path)

    # -- dialogs -------------------------------------------------------------------------------------
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
        """The loaded model's folder, or the user's models folder for the shipped model or none."""
        if self.model_path is not None and not is_shipped(self.model_path):
            return self.model_path.parent
        return user_models_folder()


def _local_paths(mime) -> list[Path]:
    """The local files and folders a drag carries."""
    if mime is None or not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]
