"""The "Math" tab's panel: its grids are checked against the steps of engine.analysis.stepthrough, and those
against the engine (tests/stepthrough_checks.py). The panel is rendered to /tmp/analysis_panels/math_*.png
at 900x600 for inspection. The step-through itself: tests/engine/test_math_stepthrough.py."""
from pathlib import Path

import numpy as np
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QWidget
from qt_support import open_window, show_panel
from stepthrough_checks import SEED_001_W1, T, check_every_number, engine_values, expected_equations

from engine.analysis.stepthrough import format_value, seed_001_example
from engine.losses import one_hot
from engine.snapshot import model_snapshot
from gui.analysis.analysis_tabs import TABS, AnalysisTabs
from gui.analysis.math_panel import DEPENDENT, HOVERED, MODE_IMAGE, SOURCE, MathPanel

RENDER_DIR = Path("/tmp/analysis_panels")


# --------------------------------------------------------------------------- the panel

def render(panel, name):
    QApplication.processEvents()  # let pending layout requests run, as they would on screen
    RENDER_DIR.mkdir(parents=True, exist_ok=True)
    path = RENDER_DIR / f"{name}.png"
    assert panel.grab().save(str(path))
    return path


def grid_values_match(panel):
    step = panel.current_step
    assert [grid.matrix for grid in panel.grids] == list(step.matrices)
    for grid, matrix in zip(panel.grids, step.matrices):
        for r in matrix.row_window:
            for c in matrix.col_window:
                assert grid.value_at(r, c) == float(matrix.values[r, c])
                assert grid.text_at(r, c) == format_value(matrix.values[r, c])


def test_math_tab_is_appended_to_the_analysis_tabs(qtbot):
    tabs = AnalysisTabs()
    qtbot.addWidget(tabs)
    titles = [title for _, title, _ in TABS]
    assert titles[:7] == ["Evaluation", "Mistakes", "Large chunks", "Embedding", "Robustness", "Dataset",
                          "Histograms"]
    index = titles.index("Math")
    assert index > titles.index("Histograms") and tabs.tabText(index) == "Math"  # appended
    panel = tabs.math_panel
    assert isinstance(panel, MathPanel) and panel.objectName() == "mathPanel"
    assert tabs.panel(index) is panel and panel.takes_dataset and panel in tabs.snapshot_panels
    for name in ("mathPreviousButton", "mathNextButton", "mathStepLabel", "mathEquation", "mathGrids"):
        assert any(w.objectName() == name for w in panel.findChildren(QWidget)), name


def test_next_and_previous_walk_through_every_step(qtbot):
    panel = show_panel(qtbot, MathPanel())
    assert panel.step_label.text() == "Step 1 of 32"
    assert panel.equation_label.text() == "Z[1] = W[1] X + b[1]"
    assert not panel.previous_button.isEnabled() and panel.next_button.isEnabled()
    equations = expected_equations(4)
    for i in range(1, 32):
        qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
        assert panel.step_label.text() == f"Step {i + 1} of 32"
        assert panel.equation_label.text() == equations[i]
        grid_values_match(panel)
    assert not panel.next_button.isEnabled()
    qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)  # disabled: nothing happens
    assert panel.current_index == 31
    render(panel, "math_update")
    qtbot.mouseClick(panel.previous_button, Qt.MouseButton.LeftButton)
    assert panel.current_index == 30 and panel.equation_label.text() == equations[30]
    panel.step_combo.activated.emit(9)
    assert panel.current_index == 9 and panel.equation_label.text() == "dZ[4] = A[4] \u2212 Y"


def test_grids_show_the_engine_numbers(qtbot):
    panel = show_panel(qtbot, MathPanel())
    example = seed_001_example()
    expected = engine_values(example.network(), example.X, example.Y, example.alpha)
    for index in range(len(panel.step_through)):
        panel.go_to(index)
        grid_values_match(panel)
        for grid in panel.grids:
            np.testing.assert_allclose(
                [[grid.value_at(r, c) for c in range(grid.matrix.shape[1])] for r in range(grid.matrix.shape[0])],
                expected[grid.matrix.name], rtol=1e-12, atol=1e-15)


def _move_mouse_to(table, row, col):
    rect = table.visualItemRect(table.item(row, col))
    global_position = QPointF(table.viewport().mapToGlobal(rect.center()))
    event = QMouseEvent(QEvent.Type.MouseMove, QPointF(rect.center()), global_position,
                        Qt.MouseButton.NoButton, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(table.viewport(), event)


def test_hovering_a_result_cell_highlights_the_cells_it_comes_from(qtbot):
    panel = show_panel(qtbot, MathPanel())
    panel.go_to(2)  # Z[2] = W[2] A[1] + b[2]
    z_grid = panel.grids[0]
    _move_mouse_to(z_grid.table, 1, 0)
    cells = panel.highlighted_cells()
    assert cells[0] == {(1, 0): HOVERED}
    assert cells[1] == {(1, 0): SOURCE, (1, 1): SOURCE, (1, 2): SOURCE}     # row 2 of W[2]
    assert cells[2] == {(0, 0): SOURCE, (1, 0): SOURCE, (2, 0): SOURCE}     # column 1 of A[1]
    assert cells[3] == {(1, 0): SOURCE}                                     # b[2]_2
    assert panel.formula_label.text().startswith("Z[2][2,1] = 0.4\u00d72.6 + 0.1\u00d70")
    render(panel, "math_hover")

    # an operand cell lights up the results it feeds
    panel.hover(2, 2, 0)  # A[1]_3 feeds every entry of Z[2]
    cells = panel.highlighted_cells()
    assert cells[2] == {(2, 0): HOVERED}
    assert cells[0] == {(0, 0): DEPENDENT, (1, 0): DEPENDENT, (2, 0): DEPENDENT}
    assert cells[1] == {} and cells[3] == {}
    assert "feeds column 1 of Z[2]" in panel.formula_label.text()

    panel.clear_hover()
    assert all(c == {} for c in panel.highlighted_cells())
    panel.go_to(7)  # softmax: a whole column
    panel.hover(0, 2, 0)
    assert panel.highlighted_cells()[1] == {(0, 0): SOURCE, (1, 0): SOURCE, (2, 0): SOURCE}


def test_editing_a_cell_recomputes_every_step(qtbot):
    panel = show_panel(qtbot, MathPanel())
    x_grid = panel.grids[2]  # X in Z[1] = W[1] X + b[1]
    assert x_grid.editable and not panel.grids[0].editable
    x_grid.table.item(1, 0).setText("5")  # what the cell editor does on Enter
    assert panel.example.X[1, 0] == 5.0 and panel.current_index == 0
    np.testing.assert_allclose(panel.grids[0].matrix.values.ravel(), np.array(SEED_001_W1) @ [1.0, 5.0, 7.0])
    assert "every step was recomputed" in panel.message_label.text()
    example = panel.example
    check_every_number(panel.step_through, example.network(), example.X, example.Y, example.alpha)

    # a weight, through its transposed view in dA[3] = W[4]^T dZ[4]
    panel.go_to(12)
    assert panel.grids[1].matrix.name == "W[4]" + T
    assert panel.edit_cell(1, 2, 0, "\u22120.75")
    assert panel.example.weights[3][0, 2] == -0.75
    grid_values_match(panel)
    assert panel.current_index == 12

    # alpha
    panel.alpha_edit.setText("0.5")
    panel.alpha_edit.editingFinished.emit()
    assert panel.step_through.alpha == 0.5
    panel.go_to(24)
    np.testing.assert_allclose(panel.grids[0].matrix.values,
                               panel.grids[1].matrix.values - 0.5 * panel.grids[2].matrix.values, atol=1e-15)
    qtbot.mouseClick(panel.reset_button, Qt.MouseButton.LeftButton)
    assert panel.example.X[1, 0] == 4.0 and panel.step_through.alpha == 0.1


def test_bad_input_is_refused_and_changes_nothing(qtbot):
    panel = show_panel(qtbot, MathPanel())
    panel.go_to(2)
    before_example, before_steps = panel.example, panel.step_through
    w_grid = panel.grids[1]
    w_grid.table.item(0, 1).setText("abc")
    assert panel.example is before_example and panel.step_through is before_steps
    assert "not a number" in panel.message_label.text() and "Nothing was changed" in panel.message_label.text()
    assert w_grid.text_at(0, 1) == format_value(-0.2)
    for text in ("", "nan", "1e300"):
        assert not panel.edit_cell(1, 0, 1, text)
        assert panel.example is before_example
    assert not panel.edit_cell(0, 0, 0, "1")  # a computed result is not an input
    render(panel, "math_refused")
    panel.alpha_edit.setText("zero")
    panel.alpha_edit.editingFinished.emit()
    assert panel.alpha == 0.1 and panel.alpha_edit.text() == "0.1" and "\u03b1" in panel.message_label.text()
    assert not panel.set_alpha_text("-2") and panel.step_through is before_steps


def test_one_test_image_through_the_network_on_screen(qtbot, model, mnist):
    panel = show_panel(qtbot, MathPanel())
    panel.set_mode(MODE_IMAGE)
    assert panel.step_through is None and "No network" in panel.message_label.text()
    snapshot = model_snapshot(model)
    panel.show_snapshot(snapshot)
    panel.set_dataset(mnist)
    assert panel.image_spin.maximum() == mnist.n_test - 1
    panel.image_spin.setValue(3)
    steps = panel.step_through
    assert steps.summary and panel.step_label.text() == f"Step 1 of {len(steps)}"
    X = mnist.x_test[3].reshape(-1, 1)
    Y = one_hot(np.array([int(mnist.y_test[3])]), 10)
    check_every_number(steps, snapshot.network, X, Y, panel.alpha)
    assert f"a {int(mnist.y_test[3])}" in panel.image_caption.text()
    for index in range(len(steps)):
        panel.go_to(index)
        grid_values_match(panel)
        assert all(not grid.editable for grid in panel.grids)
        assert all(grid.stats_label.text().startswith("\u2016\u00b7\u2016F = ") for grid in panel.grids)
    panel.go_to(0)
    panel.hover(0, 2, 0)  # Z[1]_3: the visible part of W[1]'s row 3 and of X
    cells = panel.highlighted_cells()
    w_window = panel.grids[1].matrix.col_window
    assert cells[1] == {(2, c): SOURCE for c in w_window}
    assert cells[2] == {(r, 0): SOURCE for r in w_window}
    render(panel, "math_image")
    # the snapshot's network is only read
    assert steps.network is not snapshot.network
    # a new snapshot is followed; the same one is not recomputed
    panel.show_snapshot(snapshot)
    assert panel.step_through is steps
    panel.show_snapshot(model_snapshot(model))
    assert panel.step_through is not steps


def test_the_window_gives_the_math_tab_its_network_and_dataset(qtbot, mnist, settings):
    from gui.app.main_window import DEFAULT_MODEL_PATH
    from gui.widgets.visibility import on_screen

    small = mnist.subset(200, 100)
    win = open_window(qtbot, small, settings, size=(1400, 900), model_path=DEFAULT_MODEL_PATH)
    panel = win.analysis.math_panel
    win.show_analysis(panel)
    qtbot.waitUntil(lambda: on_screen(panel), timeout=5000)
    qtbot.waitUntil(lambda: panel.network is not None and panel.dataset is small, timeout=5000)
    assert panel.network is win.displayed_snapshot.network
    panel.set_mode(MODE_IMAGE)
    assert panel.step_through is not None and panel.step_through.summary
    assert panel.image_spin.maximum() == small.n_test - 1
    win.close()


def test_typing_into_a_cell_edits_through_the_cell_editor(qtbot):
    from PySide6.QtWidgets import QLineEdit

    panel = show_panel(qtbot, MathPanel())
    for text, accepted in (("0.9", True), ("x1", False)):
        table = panel.grids[1].table  # W[1], rebuilt after every accepted edit
        table.setFocus()
        table.setCurrentItem(table.item(0, 1))
        table.editItem(table.item(0, 1))
        editor = table.findChild(QLineEdit)
        assert editor is not None and editor.text() == format_value(panel.example.weights[0][0, 1])
        editor.selectAll()
        qtbot.keyClicks(editor, text)
        qtbot.keyClick(editor, Qt.Key.Key_Return)
        QApplication.processEvents()  # the delegate commits on Return through a queued call
        assert panel.example.weights[0][0, 1] == 0.9
        assert ("recomputed" if accepted else "not a number") in panel.message_label.text()
        assert panel.grids[1].text_at(0, 1) == format_value(0.9)
    # X edited through its transpose in dW[1] = (1/m) dZ[1] X^T
    panel.go_to(22)
    assert panel.grids[2].matrix.name == "X" + T
    assert panel.edit_cell(2, 0, 1, "6")
    assert panel.example.X[1, 0] == 6.0 and panel.grids[2].value_at(0, 1) == 6.0
