"""Display-ready data made on the training thread (gui.training.prepared): the chunk grid the
worker makes is the one the view drew for itself, only views on screen get any, and the view
uses it only when it was made for what it shows."""
import dataclasses

import numpy as np
import pytest
from PySide6.QtWidgets import QWidget
from qt_support import added_widget, show_panel

from engine.analysis.neuron_order import FIRING, PROBE_IMAGES, order_neurons
from engine.config import PRESETS
from engine.network import Network
from engine.snapshot import model_snapshot
from engine.trainer import Trainer
from gui.panels.chunk_atlas import CHUNK_SIDE, ChunkAtlasRequest, chunk_atlas, chunk_frame
from gui.panels.chunks_panel import CHANGE, ChunksPanel
from gui.studio_state import StudioState
from gui.training.prepared import answers
from gui.training.worker import TrainingWorker
from gui.widgets.colormaps import INDEX_TRANSPARENT, diverging_indices, nice_ceiling, symmetric_scale

WAIT_MS = 10_000
SMALL = (3000, 300)  # the training and test images of the `small` fixture (conftest.py)


def grid_as_drawn_before(values, order=None):
    """The chunk view's picture as the view computed it before the training thread made it: the
    colour indices of the float atlas (gaps, NaN there, in the separator colour), cells after
    the last neuron and the gap before them transparent."""
    scale = nice_ceiling(symmetric_scale(values))
    if order is not None:
        values = np.take(values, order, axis=0).astype(np.float32)
    atlas, rows, cols, separator = chunk_atlas(values)
    display = diverging_indices(atlas, scale)
    cell = CHUNK_SIDE + separator
    full_rows, last = divmod(values.shape[0], cols)
    if last:
        display[full_rows * cell:, last * cell - separator:] = INDEX_TRANSPARENT
    return display, scale


def running_snapshot(network, step=1, **changes):
    return dataclasses.replace(model_snapshot(network), state="running", step=step, **changes)


# -- the picture ---------------------------------------------------------------------------------
@pytest.mark.parametrize("n_neurons", [1, 10, 16, 30, 130])
@pytest.mark.parametrize("view", ["weights", "change", "ordered"])
def test_a_prepared_chunk_frame_is_the_picture_the_view_drew_itself(n_neurons, view):
    network = Network((784, n_neurons, 10), seed=3)
    start = Network((784, n_neurons, 10), seed=4).weights[0]
    reference = start if view == "change" else None
    order = np.random.default_rng(0).permutation(n_neurons) if view == "ordered" else None
    values = network.weights[0] - start if view == "change" else network.weights[0]
    expected, scale = grid_as_drawn_before(values, order)

    frame = ChunkAtlasRequest(reference, order).prepare(network)
    np.testing.assert_array_equal(frame.display, expected)
    assert frame.scale == scale and frame.showing_change == (view == "change")
    np.testing.assert_array_equal(frame.values, values)
    ordered = values if order is None else values[order]
    np.testing.assert_array_equal(frame.indices, diverging_indices(ordered, scale))
    assert frame.display.flags.c_contiguous
    assert not (frame.display.flags.writeable or frame.indices.flags.writeable)


def test_a_request_reuses_its_work_arrays_and_gives_the_same_pictures():
    """The training thread's frames are bit for bit those made from scratch, also the next ones
    (made in the same work arrays)."""
    networks = [Network((784, 40, 10), seed=s) for s in range(3)]
    order = np.arange(40)[::-1].copy()
    request = ChunkAtlasRequest(networks[0].weights[0], order)
    for network in networks[1:] * 2:
        made, fresh = request.prepare(network), chunk_frame(network, networks[0].weights[0], order)
        np.testing.assert_array_equal(made.display, fresh.display)
        np.testing.assert_array_equal(made.indices, fresh.indices)
        assert made.scale == fresh.scale and made.request is request and fresh.request is None
    assert set(request.scratch) == {"change", "sorted", "work"}


def test_a_frame_answers_only_its_request_and_network():
    network, other = Network((784, 12, 10), seed=1), Network((784, 12, 10), seed=2)
    request = ChunkAtlasRequest()
    frame = request.prepare(network)
    assert answers(frame, request, network)
    assert not answers(frame, ChunkAtlasRequest(), network)
    assert not answers(frame, request, other)
    assert not answers(None, request, network)


# -- the view ------------------------------------------------------------------------------------
def test_the_view_shows_the_frame_made_for_it(qtbot):
    panel = added_widget(qtbot, ChunksPanel())
    first = Network((784, 20, 10), seed=1)
    panel.show_snapshot(running_snapshot(first))  # the first is drawn at once, by the view itself
    request = panel.request
    assert request is not None and panel.frame.request is None

    snapshot = running_snapshot(Network((784, 20, 10), seed=2), step=2)
    made = request.prepare(snapshot.network)
    snapshot = dataclasses.replace(snapshot, prepared={request.key: made})
    panel.show_snapshot(snapshot)
    qtbot.waitUntil(lambda: panel.frame is made, timeout=WAIT_MS)
    assert np.shares_memory(panel.image_item.image, made.display)  # shown as made, not copied or redone
    assert panel.request is request  # unchanged: the next frames are made for it too


def test_the_view_draws_for_itself_what_was_not_made_for_it(qtbot):
    panel = added_widget(qtbot, ChunksPanel())
    panel.show_snapshot(running_snapshot(Network((784, 20, 10), seed=1)))
    stale = ChunkAtlasRequest()  # made for what the view showed earlier, not for its request now
    snapshot = running_snapshot(Network((784, 20, 10), seed=2), step=2)
    snapshot = dataclasses.replace(snapshot, prepared={stale.key: stale.prepare(snapshot.network)})
    panel.show_snapshot(snapshot)
    qtbot.waitUntil(lambda: panel.frame is not None and panel.frame.network is snapshot.network, timeout=WAIT_MS)
    assert panel.frame is not snapshot.prepared["chunks"]
    np.testing.assert_array_equal(panel.image_item.image, snapshot.prepared["chunks"].display)


def test_a_new_view_or_order_asks_for_new_frames(qtbot, small):
    state = StudioState()
    state.set_dataset(small)
    panel = show_panel(qtbot, ChunksPanel())
    panel.bind(state)
    network = Network((784, 16, 10), seed=1)
    state.set_snapshot(model_snapshot(network))
    panel.refresh()
    first = panel.request
    assert state.display_requests() == (first,)
    assert first.reference is None and first.order is None
    panel.set_reference(Network((784, 16, 10), seed=2))
    panel.set_mode(CHANGE)
    assert panel.request is not first and panel.request.reference is not None
    assert state.display_requests() == (panel.request,)
    changed = panel.request
    panel.set_order(FIRING)
    assert panel.request is not changed and panel.request.reference is changed.reference
    assert panel.request.order is panel.order
    np.testing.assert_array_equal(panel.order, order_neurons(network, FIRING, small.x_test[:PROBE_IMAGES]).order)
    assert state.display_requests() == (panel.request,)


# -- which views get frames ----------------------------------------------------------------------
def test_only_views_on_screen_get_frames_made(qtbot):
    state = StudioState()
    shown, hidden = show_panel(qtbot, QWidget()), added_widget(qtbot, QWidget())
    on_screen, off_screen = ChunkAtlasRequest(), ChunkAtlasRequest()
    state.request_display(shown, on_screen)
    state.request_display(hidden, off_screen)
    assert state.display_requests() == (on_screen,)
    hidden.show()
    qtbot.waitExposed(hidden)
    assert set(state.display_requests()) == {on_screen, off_screen}
    shown.hide()
    assert state.display_requests() == (off_screen,)
    state.request_display(hidden, None)
    assert state.display_requests() == ()


def test_a_deleted_view_is_forgotten(qtbot):
    state = StudioState()
    view = QWidget()
    view.show()
    qtbot.waitExposed(view)
    state.request_display(view, ChunkAtlasRequest())
    assert len(state.display_requests()) == 1
    view.deleteLater()
    qtbot.waitUntil(lambda: state.display_requests() == (), timeout=WAIT_MS)


# -- the worker ----------------------------------------------------------------------------------
def short_run(small):
    return Trainer(PRESETS["seed-003"].with_changes(epochs=1, batch_size=500, hidden=(24,)), small)


def test_the_worker_makes_what_is_asked_from_each_snapshots_own_network(qtbot, small):
    worker = TrainingWorker(short_run(small), max_snapshots_per_s=1e9)
    request = ChunkAtlasRequest()
    worker.set_display_requests((request,))
    snapshots = []
    worker.snapshotReady.connect(snapshots.append)
    worker.snapshotReady.connect(lambda _snapshot: worker.acknowledge_snapshot())
    with qtbot.waitSignal(worker.finished, timeout=WAIT_MS):
        worker.run()
    assert len(snapshots) >= 5
    for snapshot in snapshots:
        frame = snapshot.prepared["chunks"]
        assert frame.network is snapshot.network and frame.request is request
        np.testing.assert_array_equal(frame.display, chunk_frame(snapshot.network).display)


def test_without_requests_nothing_is_made(qtbot, small):
    worker = TrainingWorker(short_run(small))
    snapshots = []
    worker.snapshotReady.connect(snapshots.append)
    with qtbot.waitSignal(worker.finished, timeout=WAIT_MS):
        worker.run()
    assert snapshots and all(snapshot.prepared == {} for snapshot in snapshots)


def test_the_requests_change_with_each_acknowledgement(qtbot, small):
    worker = TrainingWorker(short_run(small), max_snapshots_per_s=1e9)  # a snapshot for every batch
    request = ChunkAtlasRequest()
    snapshots = []
    worker.snapshotReady.connect(snapshots.append)
    # Shown once with the view on screen, then with it gone.
    worker.snapshotReady.connect(lambda _s: worker.acknowledge_snapshot(0.0, (request,) if len(snapshots) == 1 else ()))
    with qtbot.waitSignal(worker.finished, timeout=WAIT_MS):
        worker.run()
    assert len(snapshots) >= 3
    assert snapshots[0].prepared == {} and "chunks" in snapshots[1].prepared
    assert all(snapshot.prepared == {} for snapshot in snapshots[2:])


class Failing:
    key = "broken"

    def __init__(self):
        self.calls = 0

    def prepare(self, network):
        self.calls += 1
        raise ValueError("a bug in a view's preparation")


def test_a_failing_request_never_stops_the_run_and_is_not_tried_again(qtbot, small, capsys):
    worker = TrainingWorker(short_run(small), max_snapshots_per_s=1e9)
    failing, working = Failing(), ChunkAtlasRequest()
    worker.set_display_requests((failing, working))
    snapshots = []
    worker.snapshotReady.connect(snapshots.append)
    # The window passes the requests of the views on screen again with every acknowledgement.
    worker.snapshotReady.connect(lambda _snapshot: worker.acknowledge_snapshot(0.0, (failing, working)))
    with qtbot.waitSignal(worker.finished, timeout=WAIT_MS):
        worker.run()
    assert len(snapshots) >= 5 and snapshots[-1].state == "finished"
    assert failing.calls == 1 and "a bug in a view's preparation" in capsys.readouterr().err
    assert all("broken" not in snapshot.prepared and "chunks" in snapshot.prepared for snapshot in snapshots)


# -- in the window -------------------------------------------------------------------------------
def test_while_training_the_chunk_view_shows_frames_made_by_the_training_thread(qtbot, window):
    window.controls.hidden_edit.setText("32")
    window.controls.epochs_spin.setValue(10_000)
    assert window.start_training()
    received = []
    window.session.snapshotReady.connect(received.append)
    panel = window.chunks_panel
    qtbot.waitUntil(lambda: panel.frame is not None and panel.frame.request is not None, timeout=WAIT_MS)
    assert panel.frame.request is panel.request and "chunks" in received[-1].prepared

    window.docks["chunks"].hide()  # off screen: nothing is made for it any more
    received.clear()
    qtbot.waitUntil(lambda: len(received) >= 3, timeout=WAIT_MS)
    assert all("chunks" not in snapshot.prepared for snapshot in received[1:])
    window.session.stop()
