"""Scrubbing the training timeline in the window: the bar, resuming from a stop, and saving a moment
(the timeline itself: tests/engine/test_timeline.py)."""
import numpy as np
import pytest
from file_faults import TIMELINE_DAMAGES, damaged_copy
from PySide6.QtCore import Qt

from engine.modelio import load_model, load_model_with_timeline

WAIT_MS = 20_000
SMALL = (2000, 500)  # the training and test images of the `small` fixture (conftest.py)


# -- the window --------------------------------------------------------------------------------------
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
    from gui.panels.scripted_strokes import STROKES_SEVEN, draw_strokes
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
    bad = damaged_copy(path, tmp_path / "bad.npz", TIMELINE_DAMAGES["nan"][0])
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
    start = window.state.run_start_network.weights[0]
    # The panel knows the start only if it drew the run's first snapshot; make sure it does.
    window.chunks_panel.set_reference(window.state.run_start_network)
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


def test_the_change_view_knows_the_start_of_a_run_that_began_while_it_was_hidden(qtbot, window):
    window.docks["chunks"].close()
    finished_run(qtbot, window, epochs=1)
    start = window.state.run_start_network
    assert start is not None
    window.docks["chunks"].show()
    window.chunks_panel.set_mode("change")
    expected = window.displayed_snapshot.network.weights[0] - start.weights[0]
    qtbot.waitUntil(lambda: window.chunks_panel.showing_change
                    and np.array_equal(window.chunks_panel.values, expected), timeout=WAIT_MS)
    assert np.abs(expected).max() > 0, "the network learned something since its start"


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
