"""The Transfer tab: MNIST against digits from another source, digit by digit."""
import numpy as np

from engine.analysis import evaluation_report, thicken
from engine.data import Dataset

WAIT_MS = 30_000
SMALL = (2000, 500)


def other_handwriting(small) -> Dataset:
    """A stand-in for another source: the test digits drawn with a much thicker pen."""
    x = thicken(np.asarray(small.x_test, dtype=np.float32), 2)
    return Dataset(x_train=x[:10], y_train=small.y_test[:10], x_test=x, y_test=small.y_test, name="thick pens")


def test_transfer_scores_both_sets_per_digit_and_shows_the_worst(qtbot, window, small):
    panel = window.analysis.transfer_panel
    window.show_analysis(panel)
    other = other_handwriting(small)
    panel.set_other(other)
    qtbot.waitUntil(lambda: panel.reports is not None and panel.reports[1].dataset_name == "thick pens",
                    timeout=WAIT_MS)
    mnist_report, other_report = panel.reports
    network = window.displayed_snapshot.network
    assert mnist_report.test_accuracy == evaluation_report(network, small).test_accuracy
    assert other_report.test_accuracy == evaluation_report(network, other).test_accuracy
    assert other_report.test_accuracy < mnist_report.test_accuracy, "thick pens transfer worse"
    assert f"{100 * other_report.test_accuracy:.2f} %" in panel.summary_label.text()
    np.testing.assert_allclose(panel.other_bars.opts["height"], 100 * other_report.per_class_accuracy)
    worst = other_report.mistakes[:panel.worst.n_images]
    assert panel.worst.n_images == min(24, len(other_report.mistakes)) > 0
    np.testing.assert_allclose(panel.worst.images[0], other.x_test[worst[0]].reshape(28, 28))
    assert panel.worst.captions[0] == f"{other_report.labels[worst[0]]}\u2192{other_report.predictions[worst[0]]}"
    assert "default.npz" in panel.status_label.text()
