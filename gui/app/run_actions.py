"""What the training controls and the timeline do: start, pause, step, stop, reset, live settings,
and looking back at (or resuming from) a recorded moment. A mixin of MainWindow."""
from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QMessageBox

from engine.config import TrainConfig
from engine.snapshot import RunState, Snapshot

CLOSE_TIMEOUT_S = 1.0

DIVERGENCE_ADVICE = ("Lower the learning rate α in the controls (for example to {suggested:g}) and press "
                     "Resume to continue from the last finite weights, or press Reset to start again.")


class RunActions:
    # -- training commands ---------------------------------------------------------------------------
    def start_training(self, paused: bool = False) -> bool:
        """Start a run with the form's settings on the current dataset. False, and nothing starts,
        when the settings are invalid or the training images are not ready (none yet, or another
        dataset being read: the run would train on the previous one)."""
        if self._refuse_while_data_not_ready():
            return False
        config = self.controls.config()
        if config is None:
            return False
        try:
            self.session.start(config, self.dataset, paused=paused)
        except ValueError as e:
            self.controls.show_error(str(e))
            return False
        self._began_run(config)
        self._save_training_settings()
        return True

    def _refuse_while_data_not_ready(self) -> bool:
        reason = self.data_wait_reason()
        if reason:
            self.statusBar().showMessage(reason, 5000)
        return bool(reason)

    def _began_run(self, config: TrainConfig) -> None:
        self.controls.mark_started(config)
        self.state.begin_run()
        self._leave_timeline()  # the new run's snapshots show as they come
        self.banner.hide()

    def resume_training(self) -> None:
        self.banner.hide()
        self.session.resume()

    def step_training(self) -> None:
        if self.session.is_active:
            self.session.step()
        elif self.start_training(paused=True):
            self.session.step()

    def reset_training(self) -> None:
        self.record_run()  # a run that is reset is kept first (run_records.py)
        self.session.reset()
        self.banner.hide()
        self.state.forget_run()
        self._show_idle()

    def toggle_running(self) -> None:
        """Space: start when no run is active, otherwise pause or resume."""
        state = self.session.state
        if state == RunState.RUNNING:
            self.session.pause()
        elif state in (RunState.PAUSED, RunState.DIVERGED):
            self.resume_training()
        elif self.controls.start_button.isEnabled():
            self.start_training()

    @Slot(dict)
    def _apply_live_settings(self, changes: dict) -> None:
        try:
            self.session.update_settings(**changes)
        except ValueError as e:
            self.controls.show_error(str(e))

    @Slot(object)
    def _on_state_changed(self, state: RunState) -> None:
        self.state.set_run_state(state)
        self.controls.set_run_state(state)
        self._update_actions()
        self._update_status()

    @Slot(str)
    def _on_diverged(self, message: str) -> None:
        lr = self.session.trainer.config.lr if self.session.trainer is not None else 0.1
        suggested = float(f"{lr / 10:.1g}")
        self.banner.show_message(f"{message}\n{DIVERGENCE_ADVICE.format(suggested=suggested)}")

    def _update_actions(self) -> None:
        self.load_action.setEnabled(self.session.state == RunState.IDLE)

    # -- timeline ------------------------------------------------------------------------------------
    @Slot(object)
    def _on_run_snapshot(self, snapshot: Snapshot) -> None:
        """A new snapshot of the run: shown at Live; while an earlier moment is on screen it only
        extends the timeline (and the status bar), so the view is never pulled away from it."""
        self.timeline_bar.set_stops(snapshot.timeline, running=snapshot.state == RunState.RUNNING)
        if self.timeline_bar.is_live:
            self.show_snapshot(snapshot)
        else:
            self._update_status()

    def _live_snapshot(self) -> Snapshot | None:
        """What Live shows: the run's latest snapshot, or the loaded model when there is no run."""
        latest = self.session.latest_snapshot
        if self.session.state != RunState.IDLE and latest is not None:
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
        state = RunState.PAUSED if live.state != RunState.IDLE else RunState.STOPPED
        snapshot = replace(live, network=stop.network(), state=state, step=stop.step, epoch=stop.epoch,
                           epoch_progress=stop.epoch_progress, batch=stop.batch,
                           batches_per_epoch=stop.batches_per_epoch, message="", gradient_flow=None)
        self.state.set_moment(stop)
        self.show_snapshot(snapshot)

    @Slot()
    def show_live(self) -> None:
        """Back to the network as it is now."""
        self._leave_timeline()
        live = self._live_snapshot()
        if live is not None:
            self.show_snapshot(live)

    def _leave_timeline(self) -> None:
        self.timeline_bar.go_live(notify=False)
        self.state.set_moment(None)

    @Slot(object)
    def resume_from_timeline_stop(self, stop=None) -> bool:
        """Stop the current run, if any, and start a new one from the weights of `stop` (the
        stop on screen by default) with the settings of its run. The new run counts epochs and
        its learning-rate schedule from zero; momentum and Adam start from zero as well."""
        stop = stop if stop is not None else self.timeline_bar.selected_stop
        if stop is None or self._refuse_while_data_not_ready():
            return False
        config = self._timeline_config(stop)
        if config is None:
            return False
        if self.session.is_active:
            self.session.shutdown(CLOSE_TIMEOUT_S)  # without `finished`: the run is kept here
            self.record_run()
        try:
            self.session.start(config, self.dataset, network=stop.network())
        except ValueError as e:
            self.show_message("Could not resume", f"The run could not start from this moment: {e}",
                              QMessageBox.Icon.Warning)
            return False
        self._began_run(config)
        self.statusBar().showMessage(f"A new run started from step {stop.step:,} (epoch {stop.epoch_progress:.2f}) "
                                     "of the timeline.", 8000)
        return True

    def _timeline_config(self, stop) -> TrainConfig | None:
        """The settings of the run `stop` belongs to (the form's when they are unknown), made to
        describe the stop's network."""
        live = self._live_snapshot()
        known = live is not None and (live.state != RunState.IDLE
                                      or isinstance(self.model_metadata.get("config"), dict))
        config = live.config if known else self.controls.config()
        if config is None:
            return None
        shape = stop.shape
        return config.with_changes(hidden=tuple(shape.layer_sizes[1:-1]), activation=shape.hidden_activation,
                                   output_activation=shape.output_activation, loss=shape.loss, dtype=shape.dtype)
