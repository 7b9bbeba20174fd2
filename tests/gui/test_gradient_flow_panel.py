"""The live gradient flow panel and the window that tracks gradients only while it is on screen
(the statistics themselves: tests/engine/test_gradient_flow.py)."""
import numpy as np
from PySide6.QtWidgets import QLabel, QSpinBox
from qt_support import open_window
from support import tracked_trainer

from engine.config import TrainConfig
from engine.gradient_flow import EXPLODING, OK
from engine.history import TrainingHistory
from engine.snapshot import model_snapshot, take_snapshot
from engine.trainer import BatchEvent, EpochEvent, Trainer
from gui.analysis.analysis_tabs import TABS, AnalysisTabs
from gui.analysis.gradient_flow_panel import LOG_CEILING, LOG_FLOOR, GradientFlowPanel

WAIT_MS = 15_000


# -- the panel ------------------------------------------------------------------------------------

def training_snapshots(data, every=3, **changes):
    """Snapshots of a short real run with gradient flow tracked, every `every` batches."""
    trainer = tracked_trainer(data, **changes)
    trainer._gradient_flow.dead_refresh_s = 0.0
    history = TrainingHistory()
    snapshots = []
    for event in trainer.run():
        if isinstance(event, BatchEvent):
            history.add_batch(event.epoch_progress, event.loss)
            if trainer.step % every == 0:
                snapshots.append(take_snapshot(trainer, history, "running"))
        elif isinstance(event, EpochEvent):
            history.add_epoch(event)
        else:
            break
    return snapshots


def shown_value(curve):
    """The values a curve was given (getData would give log10 of them on a log axis)."""
    y = curve.yData
    return np.empty(0) if y is None else y


def test_the_tab_is_listed_and_builds_the_panel(qtbot):
    tabs = AnalysisTabs()
    qtbot.addWidget(tabs)
    titles = [title for _, title, _ in TABS]
    index = titles.index("Gradient flow")
    assert tabs.tabText(index) == "Gradient flow" and "gradient" in tabs.tabToolTip(index).lower()
    tabs.show()
    tabs.setCurrentIndex(index)
    panel = tabs.current_panel()
    assert isinstance(panel, GradientFlowPanel) and panel is tabs.gradient_flow_panel
    assert panel.objectName() == "gradientFlowPanel"
    assert panel in tabs.snapshot_panels


def test_curves_hold_the_values_of_the_snapshots(qtbot, small):
    panel = GradientFlowPanel()
    qtbot.addWidget(panel)
    panel.show()
    snapshots = training_snapshots(small)
    assert len(snapshots) > 5
    items_before = None
    for i, snapshot in enumerate(snapshots):
        panel.show_snapshot(snapshot)
        if i == 0:
            items_before = [len(p.items) for p in (panel.grad_plot, panel.ratio_plot, panel.dead_plot)]
    assert [len(p.items) for p in (panel.grad_plot, panel.ratio_plot, panel.dead_plot)] == items_before, \
        "no items made per frame"
    assert panel.pages.currentIndex() == 1
    for l in range(3):
        grads = [s.gradient_flow.grad_norms[l] for s in snapshots]
        ratios = [s.gradient_flow.update_ratios[l] for s in snapshots]
        np.testing.assert_allclose(shown_value(panel.grad_curves[l]), grads)
        np.testing.assert_allclose(shown_value(panel.ratio_curves[l]), np.clip(ratios, LOG_FLOOR, LOG_CEILING))
        np.testing.assert_array_equal(panel.grad_curves[l].getData()[0], [s.epoch_progress for s in snapshots])
    for l in range(2):
        np.testing.assert_allclose(shown_value(panel.dead_curves[l]),
                                   [s.gradient_flow.dead_fractions[l] for s in snapshots])
    assert not any(badge.isVisibleTo(panel) for badge in panel.warning_badges), "a healthy run"
    assert "flow normally" in panel.status_label.text()

    # Shown again (e.g. while paused), a step replaces its point instead of adding one.
    panel.show_snapshot(snapshots[-1])
    assert len(shown_value(panel.grad_curves[0])) == len(snapshots)
    # A new run of the same settings starts the curves again.
    panel.show_snapshot(snapshots[0])
    assert len(shown_value(panel.grad_curves[0])) == 1


def test_history_is_bounded(qtbot, small):
    panel = GradientFlowPanel(history_points=8)
    qtbot.addWidget(panel)
    snapshots = training_snapshots(small, every=1)
    for snapshot in snapshots:
        panel.show_snapshot(snapshot)
    x = panel.grad_curves[0].getData()[0]
    assert 4 <= len(x) <= 8
    assert x[0] == snapshots[0].epoch_progress and x[-1] == snapshots[-1].epoch_progress, "the whole run in view"
    assert np.all(np.diff(x) > 0)


def test_badge_warns_of_an_exploding_run(qtbot, small):
    panel = GradientFlowPanel()
    qtbot.addWidget(panel)
    panel.show()
    snapshot = training_snapshots(small, every=1, lr=50.0)[0]
    panel.show_snapshot(snapshot)
    flow = snapshot.gradient_flow
    assert len(panel.findChildren(QLabel, "gradientFlowWarning")) == 3, "one badge per layer"
    badges = panel.warning_badges
    for badge, status in zip(badges, flow.statuses):
        assert badge.isVisibleTo(panel) == (status != OK)
    exploding = [b for b, s in zip(badges, flow.statuses) if s == EXPLODING]
    assert exploding
    assert "exploding" in exploding[0].text()
    assert "explode" in exploding[0].toolTip() and "learning rate" in exploding[0].toolTip()
    assert "exploding" in panel.status_label.text()


def test_a_loaded_model_says_it_has_no_gradients(qtbot, small):
    panel = GradientFlowPanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.show_snapshot(training_snapshots(small)[-1])
    panel.show_snapshot(model_snapshot(Trainer(TrainConfig(hidden=(32, 16)), small).network))
    assert panel.pages.currentIndex() == 0
    assert "no gradients yet" in panel.placeholder.text()
    assert len(shown_value(panel.grad_curves[0])) == 0, "the run's curves are gone"


def wait_for_paused_snapshot(qtbot, window, step=None):
    """Until the window shows the paused trainer where it stopped (at `step`, if given)."""
    qtbot.waitUntil(lambda: window.displayed_snapshot.state == "paused"
                    and window.displayed_snapshot.step == window.session.trainer.step
                    and (step is None or window.displayed_snapshot.step == step), timeout=WAIT_MS)


def test_the_window_tracks_gradients_only_while_the_tab_is_on_screen(qtbot, small, settings):
    window = open_window(qtbot, small, settings)
    try:
        panel = window.analysis.gradient_flow_panel
        window.show_analysis(panel)
        # The shipped model is on screen: nothing has been trained.
        assert panel.pages.currentIndex() == 0 and "loaded model" in panel.placeholder.text()

        window.controls.hidden_edit.setText("32")
        window.findChild(QSpinBox, "batchSizeSpin").setValue(50)
        window.findChild(QSpinBox, "epochsSpin").setValue(5000)  # still running when paused below
        assert window.start_training()
        assert window.session.trainer.track_gradient_flow, "the tab is on screen"
        qtbot.waitUntil(lambda: panel.flow is not None and len(shown_value(panel.grad_curves[0])) >= 3,
                        timeout=WAIT_MS)
        shown = window.displayed_snapshot.gradient_flow
        assert shown is not None

        window.session.pause()
        wait_for_paused_snapshot(qtbot, window)
        window.show_analysis(window.analysis.histograms_panel)
        assert not window.session.trainer.track_gradient_flow, "hidden behind another tab"
        paused_at = window.session.trainer.step
        window.step_training()
        wait_for_paused_snapshot(qtbot, window, paused_at + 1)
        assert window.displayed_snapshot.gradient_flow is None, "that batch was not tracked"

        window.show_analysis(panel)
        assert window.session.trainer.track_gradient_flow
        window.step_training()
        wait_for_paused_snapshot(qtbot, window, paused_at + 2)
        assert window.displayed_snapshot.gradient_flow.step == window.session.trainer.step
        # The window draws its panels one per pass of the event loop.
        qtbot.waitUntil(lambda: panel.flow is window.displayed_snapshot.gradient_flow, timeout=WAIT_MS)
        assert shown_value(panel.grad_curves[0])[-1] == panel.flow.grad_norms[0]
    finally:
        window.session.shutdown(5.0)
        window.close()
