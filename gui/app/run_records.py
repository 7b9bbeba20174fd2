"""The session's runs: every training run is kept when it ends, and File -> Save run… / Open run…
write and read them. A mixin of MainWindow.

A run is recorded as engine.runs.Run.from_snapshot(its last snapshot) on the GUI thread (a snapshot
is the engine's immutable copy, so recording never touches the training network) when the session
says it ended: `finished` (every epoch trained, or stopped) and `diverged`, and before Reset or a
resume from a timeline moment replaces it. A run that trained no batch is not kept. A run kept when
it diverged and then resumed is kept again in its place (under the name it has then) when it ends.
The runs live in StudioState.runs, whose byte budget bounds their memory (engine.runs.RunsList).
"""
from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox

from engine.modelio import ModelFileError
from engine.runs import Run
from engine.snapshot import RunState

from ..analysis.compare_panel import ComparePanel
from ..widgets.user_folders import user_models_folder
from .settings import remember_folder, remembered_folder

RUN_FILTER = "Runs and models (*.npz);;All files (*)"
NO_RUNS_TEXT = ("There is no run to save yet: every training run is kept when it finishes, is stopped or "
                "is reset, and File \u2192 Open run\u2026 adds a saved one.")


def file_stem(name: str) -> str:
    """A file name for a run called `name`: what could upset a file system replaced by "-"."""
    stem = re.sub(r"[^\w .()+-]+", "-", name).strip(" .-")
    return stem or "run"


def trim_note(state) -> str:
    """" Made room: ..." when the last run added made older runs give way, else ""."""
    trimmed = state.runs.last_trim
    return f"  Made room: {'; '.join(trimmed)}." if trimmed else ""


class RunRecords:
    def _build_run_records(self) -> None:
        self._recorded: tuple | None = None  # (the session's run number, the kept run's network, its step)
        self.session.finished.connect(self.record_run)
        self.session.diverged.connect(lambda _message: self.record_run())
        self.save_run_action.triggered.connect(lambda: self._save_run_dialog())
        self.open_run_action.triggered.connect(self._open_run_dialog)
        self.analysis.panelCreated.connect(self._connect_compare_panel)

    # -- keeping runs ------------------------------------------------------------------------------
    def record_run(self) -> Run | None:
        """Keep the session's run as it is now (see the module docstring); the run as kept, or None
        if there is nothing new to keep."""
        snapshot = self.session.latest_snapshot
        if snapshot is None or snapshot.step == 0 or snapshot.state == RunState.IDLE:
            return None
        number, name = self.session.runs_started, ""
        if self._recorded is not None and self._recorded[0] == number:
            if self._recorded[2] == snapshot.step:
                return None  # kept already, as it is
            # Found by its network, which a rename or a dropped timeline keeps.
            earlier = next((run for run in self.state.runs if run.network is self._recorded[1]), None)
            if earlier is not None:
                name = earlier.name
                self.state.delete_run(name)
        run = self.state.add_run(Run.from_snapshot(snapshot, name))
        self._recorded = (number, run.network, snapshot.step)
        self.statusBar().showMessage(f"Kept the run as \u201c{run.name}\u201d: Analysis \u2192 Compare puts it "
                                     f"beside another.{trim_note(self.state)}", 8000)
        return run

    def selected_run_name(self) -> str | None:
        """The run selected in the Compare tab's runs list, else the latest run; None without runs."""
        panel = self._compare_panel()
        name = panel.runs_panel.selected_name() if panel is not None else None
        names = self.state.runs.names()
        return name if name in names else (names[-1] if names else None)

    # -- files -------------------------------------------------------------------------------------
    def save_run_file(self, name: str, path) -> bool:
        """Write the run called `name` to `path` (atomically); problems in a message box."""
        try:
            self.state.save_run(name, path)
        except KeyError:
            self.show_message("Could not save run", f"There is no run called \u201c{name}\u201d any more.",
                              QMessageBox.Icon.Warning)
            return False
        except (OSError, ValueError) as e:
            reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
            self.show_message("Could not save run", f"{path}: {reason}\n\nNothing was written; any earlier file "
                              "of that name is unchanged.", QMessageBox.Icon.Warning)
            return False
        remember_folder(self.settings, "runs", path)
        self.statusBar().showMessage(f"Saved the run \u201c{name}\u201d to {path}", 8000)
        return True

    def open_run_file(self, path) -> Run | None:
        """Add the run file (or model file) at `path` to the runs; a bad file is reported in a
        message box ("PATH: problem") and the runs stay as they were."""
        try:
            run = self.state.open_run(path)
        except (ModelFileError, OSError, ValueError) as e:
            problem = str(e) if str(e).startswith(str(path)) else f"{path}: {e}"
            self.statusBar().showMessage(problem, 10000)
            self.show_message("Could not open run", f"The file was not added; the runs are as they were.\n\n{problem}",
                              QMessageBox.Icon.Warning)
            return None
        remember_folder(self.settings, "runs", path)
        self.statusBar().showMessage(f"Opened the run \u201c{run.name}\u201d from {path}{trim_note(self.state)}", 8000)
        return run

    def _save_run_dialog(self, name: str | None = None) -> None:
        name = name or self.selected_run_name()
        if name is None:
            self.show_message("No runs yet", NO_RUNS_TEXT, QMessageBox.Icon.Information)
            return
        path = self.ask_run_save_path(name)
        if path:
            self.save_run_file(name, path)

    def _open_run_dialog(self) -> None:
        path = self.ask_run_open_path()
        if path and self.open_run_file(path) is not None:
            panel = self._compare_panel(build=True)
            self.show_analysis(panel)
            panel.runs_panel.refresh(force=True)
            panel.runs_panel.select(self.state.runs.names()[-1])

    def ask_run_save_path(self, name: str) -> str:
        saved = self.state.runs.path(name)
        folder = saved.parent if saved is not None else Path(self._runs_folder())
        path, _ = QFileDialog.getSaveFileName(self, f"Save run \u201c{name}\u201d",
                                              str(folder / f"{file_stem(name)}.npz"), RUN_FILTER)
        return path

    def ask_run_open_path(self) -> str:
        path, _ = QFileDialog.getOpenFileName(self, "Open run", self._runs_folder(), RUN_FILTER)
        return path

    def _runs_folder(self) -> str:
        return remembered_folder(self.settings, "runs", str(user_models_folder()))

    # -- the Compare tab's runs list ---------------------------------------------------------------
    def _compare_panel(self, build: bool = False) -> ComparePanel | None:
        if build:
            return self.analysis.compare_panel
        return next((p for p in self.analysis.created_panels if isinstance(p, ComparePanel)), None)

    def _connect_compare_panel(self, panel) -> None:
        if isinstance(panel, ComparePanel):
            panel.runs_panel.saveRequested.connect(self._save_run_dialog)
            panel.runs_panel.openRequested.connect(self._open_run_dialog)
