"""The chunks view's order setting: sorted neurons, and hover, click and magnifier still name the
neuron under the pointer."""
import dataclasses

import numpy as np
from PySide6.QtCore import QPointF
from qt_support import added_widget, show_panel

from engine.analysis.neuron_order import CLASS, FIRING, INDEX, NORM, order_neurons
from engine.network import Network
from engine.snapshot import RunState, model_snapshot
from gui.panels.chunks_panel import CHUNK_SIDE, ChunksPanel
from gui.studio_state import StudioState

SMALL = (1000, 300)


def bound_panel(qtbot, small):
    state = StudioState()
    panel = show_panel(qtbot, ChunksPanel(), (500, 500))  # a bound panel draws only when on screen
    panel.bind(state)
    state.set_dataset(small)
    return panel, state


def cell_at(panel, position):
    """The 28x28 weights drawn in the `position`-th cell of the atlas (row by row)."""
    _, cols = panel.grid
    row, col = divmod(position, cols)
    cell = CHUNK_SIDE + panel.separator
    return panel.atlas[row * cell: row * cell + CHUNK_SIDE, col * cell: col * cell + CHUNK_SIDE]


def hover(panel, neuron):
    top, left = panel.chunk_origin(neuron)
    panel.view.scene().sigMouseMoved.emit(panel.view_box.mapViewToScene(QPointF(left + 14, top + 14)))


def test_ordering_by_weight_size_draws_the_largest_row_of_w1_first(qtbot, small):
    panel, state = bound_panel(qtbot, small)
    network = Network((784, 30, 10), seed=2)
    network.weights[0][17] *= 5  # one neuron clearly larger than the rest
    state.set_snapshot(model_snapshot(network))
    assert panel.order_by == INDEX
    np.testing.assert_array_equal(cell_at(panel, 0), network.weights[0][0].reshape(28, 28))

    panel.set_order(NORM)
    assert panel.order[0] == 17
    np.testing.assert_array_equal(cell_at(panel, 0), network.weights[0][17].reshape(28, 28))
    expected = order_neurons(network, NORM).order
    np.testing.assert_array_equal(panel.order, expected)
    # The pointer over the first cell names neuron 17, and a click there opens neuron 17.
    assert panel.chunk_origin(17) == (0, 0)
    assert panel.chunk_at(5.0, 5.0) == 17
    hover(panel, 17)
    assert panel.hover_label.text().startswith("Neuron 17:") and "weight size" in panel.hover_label.text()
    assert panel.open_detail(panel.chunk_at(5.0, 5.0)).neuron == 17


def test_orders_by_firing_and_class_use_the_dataset_and_wait_while_training(qtbot, small, model):
    panel, state = bound_panel(qtbot, small)
    snapshot = model_snapshot(model)
    state.set_snapshot(snapshot)
    panel.set_order(FIRING)
    firing = order_neurons(model, FIRING, small.x_test[:256])
    np.testing.assert_array_equal(panel.order, firing.order)
    hover(panel, int(firing.order[0]))
    assert "fires on" in panel.hover_label.text()

    panel.set_order(CLASS)
    by_class = order_neurons(model, CLASS, small.x_test[:256])
    np.testing.assert_array_equal(panel.order, by_class.order)
    first = int(by_class.order[0])
    np.testing.assert_array_equal(cell_at(panel, 0), model.weights[0][first].reshape(28, 28))

    # New weights while running keep the order (chunks that jump every frame cannot be followed) ...
    changed = model.copy()
    changed.weights[0][:] = changed.weights[0][::-1]
    state.set_snapshot(dataclasses.replace(model_snapshot(changed), state=RunState.RUNNING, step=10))
    qtbot.waitUntil(lambda: panel.values is not None and panel.values[0, 0] == changed.weights[0][0, 0],
                    timeout=2000)
    np.testing.assert_array_equal(panel.order, by_class.order)
    # ... and a pause sorts them again.
    state.set_snapshot(dataclasses.replace(model_snapshot(changed), state=RunState.PAUSED, step=11))
    np.testing.assert_array_equal(panel.order, order_neurons(changed, CLASS, small.x_test[:256]).order)


def test_orders_that_need_images_are_offered_only_with_a_dataset(qtbot):
    panel = added_widget(qtbot, ChunksPanel())
    panel.show_snapshot(model_snapshot(Network((784, 12, 10), seed=0)))
    items = panel.order_combo.model()
    enabled = {panel.order_combo.itemData(row): items.item(row).isEnabled() for row in range(items.rowCount())}
    assert enabled == {INDEX: True, NORM: True, FIRING: False, CLASS: False}
    panel.set_order(FIRING)  # chosen anyway (from code): the neuron numbers' order, not an error
    assert panel.order.tolist() == list(range(12))
