"""The training timeline: float16 stops that restore the weights of their moment, a memory cap that
thins evenly and keeps the whole run, model files with a timeline, and scrubbing in the window."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import math  # noqa: E402
from types import SimpleNamespace  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtCore import QSettings, Qt  # noqa: E402

from engine.config import TrainConfig  # noqa: E402
from engine.data import load_mnist  # noqa: E402
from engine.modelio import ModelFileError, load_model, load_model_with_timeline, save_model  # noqa: E402
from engine.network import Network  # noqa: E402
from engine.timeline import FLOAT16_MAX, MAX_TIMELINE_BYTES, STOPS_PER_EPOCH, Timeline, make_stop  # noqa: E402
from engine.trainer import BatchEvent, EpochEvent, FinishedEvent, Trainer  # noqa: E402

WAIT_MS = 20_000
HALF_EPS = float(np.finfo(np.float16).eps)
HALF_TINY = 2.0 ** -25  # half the smallest float16 subnormal: the rounding error of tiny weights


@pytest.fixture(scope="module")
def small():
    return load_mnist().subset(2000, 500)


def small_config(**changes):
    return TrainConfig(hidden=(32, 16), batch_size=100, epochs=3, lr=0.1, optimizer="momentum").with_changes(**changes)


def train_with_timeline(data, config, timeline):
    """Drive a real run the way the worker does; returns {step: float32 copies of (W, b)} of every
    moment a stop was recorded, and the epoch events."""
    trainer = Trainer(config, data)
    originals, evaluations, loss = {}, [], math.nan

    def note(stop):
        if stop is not None:
            originals[stop.step] = ([w.copy() for w in trainer.network.weights],
                                    [b.copy() for b in trainer.network.biases])

    note(timeline.observe(trainer, loss))
    for event in trainer.run():
        if isinstance(event, BatchEvent):
            loss = event.loss
            note(timeline.observe(trainer, loss))
        elif isinstance(event, EpochEvent):
            evaluations.append(event)
            note(timeline.observe(trainer, loss))
        elif isinstance(event, FinishedEvent):
            note(timeline.record_latest(trainer, loss))
    return trainer, originals, evaluations


def assert_within_half_precision(restored, original):
    assert restored.dtype == np.float32
    error = np.abs(restored.astype(np.float64) - original.astype(np.float64))
    assert np.all(error <= HALF_EPS * np.abs(original) + HALF_TINY)


# -- the engine ------------------------------------------------------------------------------------
def test_every_stop_restores_the_weights_of_its_moment(small):
    timeline = Timeline()
    trainer, originals, _ = train_with_timeline(small, small_config(), timeline)
    stops = timeline.stops
    assert [stop.step for stop in stops] == sorted(originals)
    assert stops[0].step == 0 and stops[-1].step == trainer.step
    for stop in stops:
        network = stop.network()
        assert network.dtype == np.float32
        weights, biases = originals[stop.step]
        for restored, stored, original in zip(network.weights + network.biases, stop.weights + stop.biases,
                                              weights + biases):
            assert stored.dtype == np.float16
            assert np.array_equal(restored, stored.astype(np.float32))  # exactly the stored values
            assert_within_half_precision(restored, original)
        assert network.weights[0] is not stop.network().weights[0]  # a fresh network every time


def test_stops_sit_at_every_evaluation_and_evenly_within_epochs(small):
    timeline = Timeline()
    trainer, _, evaluations = train_with_timeline(small, small_config(), timeline)
    evaluated = [stop for stop in timeline.stops if stop.evaluated]
    assert [stop.epoch for stop in evaluated] == [event.epoch for event in evaluations]
    assert [stop.test_accuracy for stop in evaluated] == [event.test_accuracy for event in evaluations]
    assert all(stop.batch == 0 and stop.epoch_progress == stop.epoch for stop in evaluated)
    per_epoch = [sum(1 for stop in timeline.stops if stop.epoch == e and stop.batch) for e in range(3)]
    assert per_epoch == [STOPS_PER_EPOCH - 1] * 3  # 20 batches per epoch: the 7 points within each
    assert all(math.isnan(stop.test_accuracy) for stop in timeline.stops if stop.epoch == 0)
    assert timeline.nbytes == sum(stop.nbytes for stop in timeline.stops)


def test_stops_are_immutable():
    stop = make_stop(Network((784, 8, 10), seed=1), 0, 0, 0, 1)
    for array in stop.weights + stop.biases:
        with pytest.raises(ValueError):
            array[0, 0] = 1.0
    with pytest.raises(AttributeError):
        stop.step = 5


def test_weights_beyond_float16_range_are_clipped_not_infinite():
    network = Network((784, 4, 10), seed=0)
    network.weights[0][0, :3] = (1e6, -1e6, 70000.0)
    stop = make_stop(network, 0, 0, 0, 1)
    assert np.isfinite(stop.weights[0]).all()
    assert tuple(stop.weights[0][0, :3]) == (FLOAT16_MAX, -FLOAT16_MAX, FLOAT16_MAX)


class FakeTrainer(SimpleNamespace):
    """What Timeline reads from a Trainer, moved along by hand (no training needed)."""

    def advance(self, timeline):
        self.step += 1
        self.batch_in_epoch += 1
        timeline.observe(self, 0.5)
        if self.batch_in_epoch == self.batches_per_epoch:
            self.epoch += 1
            self.batch_in_epoch = 0
            self.last_epoch_event = SimpleNamespace(epoch=self.epoch, train_accuracy=0.9, test_accuracy=0.8)
            timeline.observe(self, 0.5)


def test_the_memory_cap_holds_and_thinning_keeps_the_whole_run_evenly():
    network = Network((784, 16, 10), seed=0)
    stop_bytes = make_stop(network, 0, 0, 0, 1).nbytes
    timeline = Timeline(max_bytes=20 * stop_bytes)
    trainer = FakeTrainer(network=network, step=0, epoch=0, batch_in_epoch=0, batches_per_epoch=40,
                          last_epoch_event=None)
    timeline.observe(trainer)
    most = 0
    for _ in range(40 * 30):
        trainer.advance(timeline)
        assert timeline.nbytes <= timeline.max_bytes
        most = max(most, len(timeline))
    timeline.record_latest(trainer)
    stops = timeline.stops
    assert most == 20 and 10 <= len(stops) <= 20
    assert stops[0].step == 0 and stops[-1].step == trainer.step == 1200  # spans the whole run
    gaps = np.diff([stop.step for stop in stops])
    assert gaps.max() == gaps.min()  # evenly spaced (30 epochs thinned to every other epoch's end)
    assert timeline.stride > STOPS_PER_EPOCH and all(stop.evaluated for stop in stops[1:])


def test_thinning_keeps_the_first_and_the_last_stop():
    network = Network((784, 16, 10), seed=0)
    stop_bytes = make_stop(network, 0, 0, 0, 1).nbytes
    timeline = Timeline(max_bytes=5 * stop_bytes)
    trainer = FakeTrainer(network=network, step=0, epoch=0, batch_in_epoch=0, batches_per_epoch=7,
                          last_epoch_event=None)
    timeline.observe(trainer)
    for n in range(7 * 9 + 3):
        trainer.advance(timeline)
        if n % 5 == 0:
            latest = timeline.record_latest(trainer)  # off the grid, as when a run is stopped
            if latest is not None:
                assert timeline.stops[-1] is latest
        assert timeline.stops[0].step == 0
        assert timeline.nbytes <= 5 * stop_bytes


def test_a_network_too_large_for_two_stops_gets_no_timeline():
    network = Network((784, 16, 10), seed=0)
    timeline = Timeline(max_bytes=make_stop(network, 0, 0, 0, 1).nbytes + 10)
    trainer = FakeTrainer(network=network, step=0, epoch=0, batch_in_epoch=0, batches_per_epoch=4,
                          last_epoch_event=None)
    assert timeline.observe(trainer) is None
    assert timeline.too_large and timeline.stops == () and timeline.nbytes == 0


def test_the_default_network_fits_a_long_run_in_the_cap():
    shape_bytes = 2 * (784 * 400 + 400 + 400 * 200 + 200 + 200 * 10 + 10)
    assert MAX_TIMELINE_BYTES // shape_bytes >= 5 * (STOPS_PER_EPOCH + 1)  # the default preset, unthinned


# -- model files -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def trained(small):
    timeline = Timeline()
    trainer, _, _ = train_with_timeline(small, small_config(epochs=2), timeline)
    return trainer.network, timeline.stops


def test_a_model_file_round_trips_its_timeline(tmp_path, trained):
    network, stops = trained
    path = tmp_path / "model.npz"
    save_model(path, network, {"note": "with timeline"}, timeline=stops)
    loaded, metadata, loaded_stops = load_model_with_timeline(path)
    assert metadata == {"note": "with timeline"}
    assert all(np.array_equal(a, b) for a, b in zip(loaded.weights, network.weights))
    assert len(loaded_stops) == len(stops)
    for original, restored in zip(stops, loaded_stops):
        for name in ("step", "epoch", "batch", "batches_per_epoch", "grid_index", "evaluated"):
            assert getattr(restored, name) == getattr(original, name)
        for name in ("loss", "train_accuracy", "test_accuracy"):
            assert np.array_equal(getattr(restored, name), getattr(original, name), equal_nan=True)
        assert restored.shape == original.shape
        for a, b in zip(restored.weights + restored.biases, original.weights + original.biases):
            assert a.dtype == np.float16 and a.shape == b.shape and np.array_equal(a, b)
            assert not a.flags.writeable
        assert all(np.array_equal(a, b) for a, b in zip(restored.network().weights, original.network().weights))
    assert load_model(path)[1] == metadata  # the old function reads it too


def test_a_file_without_a_timeline_loads_with_an_empty_one(tmp_path, trained):
    network, _ = trained
    path = tmp_path / "plain.npz"
    save_model(path, network)
    loaded, _, stops = load_model_with_timeline(path)
    assert stops == ()
    assert all(np.array_equal(a, b) for a, b in zip(loaded.weights, network.weights))


def test_the_shipped_model_still_loads():
    from gui.app.main_window import DEFAULT_MODEL_PATH
    network, _, stops = load_model_with_timeline(DEFAULT_MODEL_PATH)
    assert network.layer_sizes[0] == 784 and stops == ()


def test_a_timeline_of_another_network_is_refused_and_nothing_is_written(tmp_path, trained):
    _, stops = trained
    path = tmp_path / "model.npz"
    with pytest.raises(ValueError, match="layer sizes"):
        save_model(path, Network((784, 5, 10)), timeline=stops)
    assert not path.exists() and list(tmp_path.iterdir()) == []


def _damaged_copy(source, target, change):
    with np.load(source, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    change(arrays)
    np.savez(target, **arrays)
    return target


def _set(name, value):
    return lambda arrays: arrays.__setitem__(name, value(arrays[name]))


DAMAGES = {
    "missing": (lambda arrays: arrays.pop("timeline/b2"), "missing timeline/b2"),
    "unexpected": (lambda arrays: arrays.__setitem__("timeline/extra", np.zeros(3)), "unexpected timeline/extra"),
    "float32": (_set("timeline/W1", lambda a: a.astype(np.float32)), "timeline/W1 has shape .* dtype float32"),
    "shape": (_set("timeline/W2", lambda a: a[:, :, :-1]), "timeline/W2 has shape"),
    "count": (_set("timeline/b1", lambda a: a[:-1]), "timeline/b1 has shape"),
    "nan": (_set("timeline/W2", lambda a: np.where(np.arange(a.size).reshape(a.shape) == 7, np.nan, a)
                 .astype(np.float16)), "timeline/W2 contains NaN"),
    "negative": (_set("timeline/step", lambda a: a - 5), "negative"),
    "order": (_set("timeline/step", lambda a: a[::-1].copy()), "not in order"),
    "text": (_set("timeline/test_accuracy", lambda a: a.astype(str)), "timeline/test_accuracy"),
    "no epochs": (_set("timeline/batches_per_epoch", lambda a: a * 0), "no batches"),
    "empty": (lambda arrays: arrays.update({k: v[:0] for k, v in arrays.items() if k.startswith("timeline/")}),
              "not a list of steps"),
}


@pytest.mark.parametrize("damage", sorted(DAMAGES))
def test_a_damaged_timeline_is_refused_with_a_clear_message(tmp_path, trained, damage):
    network, stops = trained
    good = tmp_path / "good.npz"
    save_model(good, network, timeline=stops)
    change, problem = DAMAGES[damage]
    bad = _damaged_copy(good, tmp_path / "bad.npz", change)
    for load in (load_model, load_model_with_timeline):
        with pytest.raises(ModelFileError, match=problem) as info:
            load(bad)
        assert str(info.value).startswith(str(bad))


# -- the window --------------------------------------------------------------------------------------
@pytest.fixture
def window(qtbot, small, tmp_path):
    from gui.app.main_window import MainWindow
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(dataset=small, settings=settings)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()


def use_small_run(win, epochs=2):
    from PySide6.QtWidgets import QSpinBox
    win.controls.hidden_edit.setText("32")
    win.findChild(QSpinBox, "batchSizeSpin").setValue(100)
    win.findChild(QSpinBox, "epochsSpin").setValue(epochs)
    assert win.controls.is_valid, win.controls.error_text


def finished_run(qtbot, win, epochs=2):
    use_small_run(win, epochs)
    assert win.start_training()
    qtbot.waitUntil(lambda: win.session.state == "finished" and win.displayed_snapshot.state == "finished",
                    timeout=WAIT_MS)
    return win.displayed_snapshot.timeline


def bar_parts(win):
    from PySide6.QtWidgets import QSlider, QToolButton, QWidget
    return (win.findChild(QWidget, "timelineBar"), win.findChild(QSlider, "timelineSlider"),
            win.findChild(QToolButton, "timelineLiveButton"), win.findChild(QToolButton, "timelineResumeButton"))


def test_scrubbing_shows_the_stop_in_every_view_and_live_returns(qtbot, window):
    from gui.panels.drawing_pad import STROKES_SEVEN, draw_strokes
    stops = finished_run(qtbot, window)
    bar, slider, live_button, resume_button = bar_parts(window)
    assert bar is window.timeline_bar and bar.isVisible()
    assert slider.maximum() == len(stops) and slider.value() == len(stops) and bar.is_live
    assert not resume_button.isEnabled() and live_button.isChecked()
    latest = window.displayed_snapshot
    draw_strokes(window.drawing_panel.pad, STROKES_SEVEN)
    image = window.drawing_panel.update_input_now()
    qtbot.waitUntil(lambda: window.drawing_panel.current_probabilities is not None, timeout=WAIT_MS)

    index = next(i for i, stop in enumerate(stops) if stop.epoch == 0 and stop.batch > 0)
    stop = stops[index]
    slider.setValue(index)
    assert bar.selected_stop is stop and resume_button.isEnabled() and not live_button.isChecked()
    shown = window.displayed_snapshot
    expected_w1 = stop.weights[0].astype(np.float32)
    assert np.array_equal(shown.network.weights[0], expected_w1) and shown.step == stop.step
    # The chunks panel draws the stop's W[1] (one panel per event-loop pass, so wait for it).
    qtbot.waitUntil(lambda: window.chunks_panel.values is not None
                    and np.array_equal(window.chunks_panel.values, expected_w1), timeout=WAIT_MS)
    # The drawing pad is answered by the stop's network.
    expected = stop.network().predict_proba(np.asarray(image, np.float32).reshape(-1, 1))[:, 0]
    np.testing.assert_allclose(window.drawing_panel.current_probabilities, expected, rtol=1e-5, atol=1e-7)
    assert not np.allclose(expected, latest.network.predict_proba(np.asarray(image, np.float32).reshape(-1, 1))[:, 0])
    # The curves mark the moment.
    assert window.loss_panel.cursor_epoch == pytest.approx(stop.epoch_progress)
    assert window.accuracy_panel.cursor_epoch == pytest.approx(stop.epoch_progress)
    assert "step" in window.timeline_bar.moment_label.text()
    # The status bar keeps reporting the run itself.
    assert window.step_label.text() == f"Step {latest.step:,}"

    qtbot.mouseClick(live_button, Qt.MouseButton.LeftButton)
    assert bar.is_live and slider.value() == len(stops)
    assert window.displayed_snapshot is latest
    assert window.loss_panel.cursor_epoch is None and window.accuracy_panel.cursor_epoch is None
    qtbot.waitUntil(lambda: np.array_equal(window.chunks_panel.values, latest.network.weights[0]), timeout=WAIT_MS)
    np.testing.assert_allclose(window.drawing_panel.current_probabilities,
                               latest.network.predict_proba(np.asarray(image, np.float32).reshape(-1, 1))[:, 0],
                               rtol=1e-5, atol=1e-7)


def test_new_snapshots_extend_the_timeline_without_leaving_the_moment(qtbot, window):
    use_small_run(window, epochs=200)
    assert window.start_training()
    qtbot.waitUntil(lambda: len(window.timeline_bar.stops) >= 3, timeout=WAIT_MS)
    _, slider, _, _ = bar_parts(window)
    slider.setValue(0)  # the first stop: never thinned out, however long the run gets
    stop = window.timeline_bar.selected_stop
    count = len(window.timeline_bar.stops)
    qtbot.waitUntil(lambda: len(window.timeline_bar.stops) > count + 2, timeout=WAIT_MS)
    assert slider.maximum() == len(window.timeline_bar.stops) and slider.value() == 0
    assert window.displayed_snapshot.step == stop.step
    assert window.session.latest_snapshot.step > stop.step
    window.timeline_bar.go_live()
    qtbot.waitUntil(lambda: window.displayed_snapshot.step > stop.step, timeout=WAIT_MS)
    window.session.shutdown(5.0)


def test_resume_from_here_starts_a_run_from_the_stops_weights(qtbot, window):
    stops = finished_run(qtbot, window)
    first_run_config = window.session.latest_snapshot.config
    received = []
    window.session.snapshotReady.connect(received.append)
    _, slider, _, resume_button = bar_parts(window)
    stop = stops[len(stops) // 2]
    slider.setValue(len(stops) // 2)
    qtbot.mouseClick(resume_button, Qt.MouseButton.LeftButton)
    assert window.session.is_active and window.timeline_bar.is_live
    qtbot.waitUntil(lambda: bool(received), timeout=WAIT_MS)
    start = received[0]
    assert start.step == 0
    for restored, stored in zip(start.network.weights + start.network.biases, stop.weights + stop.biases):
        assert np.array_equal(restored, stored.astype(np.float32))
    assert start.config == first_run_config
    assert start.timeline[0].step == 0
    assert all(np.array_equal(a, b) for a, b in zip(start.timeline[0].weights, stop.weights))
    window.session.shutdown(5.0)


def test_a_model_saved_with_its_timeline_scrubs_again_after_loading(qtbot, window, tmp_path):
    stops = finished_run(qtbot, window)
    path = tmp_path / "with-timeline.npz"
    plain = tmp_path / "plain.npz"
    assert window.save_model_file(path, with_timeline=True)
    assert window.save_model_file(plain)
    assert load_model_with_timeline(plain)[2] == ()
    window.reset_training()
    assert window.load_model_file(path)
    _, slider, _, _ = bar_parts(window)
    assert len(window.timeline_bar.stops) == len(stops) and slider.maximum() == len(stops)
    slider.setValue(2)
    assert np.array_equal(window.displayed_snapshot.network.weights[1], stops[2].weights[1].astype(np.float32))
    assert window.loss_panel.cursor_epoch == pytest.approx(stops[2].epoch_progress)

    # A damaged timeline leaves the loaded model and its timeline in place.
    bad = _damaged_copy(path, tmp_path / "bad.npz", DAMAGES["nan"][0])
    shown = window.displayed_snapshot
    assert not window.load_model_file(bad, quiet=True)
    assert window.displayed_snapshot is shown and len(window.timeline_bar.stops) == len(stops)
    assert "timeline/W2" in window.banner.text

    # Loading a plain model empties the timeline.
    assert window.load_model_file(plain)
    assert window.timeline_bar.stops == () and window.timeline_bar.is_live and not slider.isEnabled()


def test_the_chunks_change_view_keeps_the_start_of_the_run_while_scrubbing(qtbot, window):
    stops = finished_run(qtbot, window)
    latest = window.displayed_snapshot
    start = window._run_start_network.weights[0]
    # The panel knows the start only if it drew the run's first snapshot; make sure it does.
    window.chunks_panel.set_reference(window._run_start_network)
    window.chunks_panel.set_mode("change")
    qtbot.waitUntil(lambda: window.chunks_panel.showing_change, timeout=WAIT_MS)
    stop = stops[len(stops) // 2]
    window.timeline_bar.select_index(len(stops) // 2)
    expected = stop.weights[0].astype(np.float32) - start
    qtbot.waitUntil(lambda: window.chunks_panel.showing_change
                    and np.array_equal(window.chunks_panel.values, expected), timeout=WAIT_MS)
    window.timeline_bar.go_live()
    expected = latest.network.weights[0] - start
    qtbot.waitUntil(lambda: window.chunks_panel.showing_change
                    and np.array_equal(window.chunks_panel.values, expected), timeout=WAIT_MS)


def test_saving_while_scrubbed_back_saves_that_moment_with_its_own_accuracy(qtbot, window, tmp_path):
    stops = finished_run(qtbot, window)
    _, slider, _, _ = bar_parts(window)
    evaluated = next(i for i, stop in enumerate(stops) if stop.evaluated)
    between = next(i for i, stop in enumerate(stops) if not stop.evaluated and stop.step > 0)
    for index, expected in ((evaluated, stops[evaluated].test_accuracy), (between, None)):
        slider.setValue(index)
        path = tmp_path / f"stop-{index}.npz"
        assert window.save_model_file(path)
        network, metadata = load_model(path)
        assert np.array_equal(network.weights[0], stops[index].weights[0].astype(np.float32))
        assert metadata["steps"] == stops[index].step
        assert metadata["test_accuracy"] == expected
