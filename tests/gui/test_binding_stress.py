"""Sustained live updates of every panel must not crash the Qt binding.

PySide6 6.12.0 dies with "Fatal Python error: none_dealloc" after a few thousand plot
updates (see /work/shared/qt/README.md). Such a crash kills the interpreter, so the
updates run in a subprocess and the test checks that it exits normally.
"""
import os
import subprocess
import sys
import textwrap

from support import ROOT

UPDATES = 2000
"""The loss curve and the prediction bars are redrawn every time, as during training; the
heavier panels take turns, so each still gets hundreds of updates and the test stays short."""

STRESS_SCRIPT = textwrap.dedent("""
    import dataclasses
    import sys

    import numpy as np
    from PySide6.QtWidgets import QApplication, QGridLayout, QWidget

    from engine.data import load_mnist
    from engine.history import TrainingHistory
    from engine.network import Network
    from engine.snapshot import take_snapshot
    from engine.trainer import EpochEvent
    from gui.panels.accuracy_panel import AccuracyPanel
    from gui.panels.activations_panel import ActivationsPanel
    from gui.panels.chunks_panel import ChunksPanel
    from gui.panels.drawing_panel import DrawingPanel
    from gui.panels.loss_panel import LossPanel

    updates = int(sys.argv[1])
    app = QApplication([])
    data = load_mnist().subset(200, 50)
    loss, accuracy, chunks = LossPanel(), AccuracyPanel(), ChunksPanel()
    activations, drawing = ActivationsPanel(data), DrawingPanel()
    window = QWidget()
    grid = QGridLayout(window)
    for i, panel in enumerate((loss, accuracy, chunks, activations, drawing)):
        grid.addWidget(panel, i // 3, i % 3)
    window.resize(720, 420)  # as small as the panels allow: painting cost grows with area
    window.show()
    activations.set_drawing_input(data.x_test[0].reshape(28, 28))

    class FakeTrainer:  # what take_snapshot reads from a trainer
        def __init__(self, network):
            self.network, self.config, self.data = network, None, data
            self.step = self.epoch = self.batch_in_epoch = 0
            self.batches_per_epoch = 100
        def current_lr(self):
            return 0.1

    from engine.config import TrainConfig
    rng = np.random.default_rng(0)
    trainer = FakeTrainer(Network((784, 16, 10), seed=0))
    trainer.config = TrainConfig(hidden=(16,))
    history = TrainingHistory(max_points=500)
    for i in range(updates):
        trainer.step += 1
        trainer.batch_in_epoch = trainer.step % 100
        for w in trainer.network.weights:
            w += rng.normal(0, 0.01, w.shape).astype(w.dtype)
        history.add_batch(trainer.step / 100, 2.0 * np.exp(-trainer.step / 500) + 0.1 * rng.random())
        if trainer.step % 100 == 0:
            trainer.epoch += 1
            history.add_epoch(EpochEvent(trainer.epoch, 0.5, 0.9, 0.5, 0.9, 1.0, 0.1))
        snapshot = take_snapshot(trainer, history, "running")
        loss.show_snapshot(snapshot)
        (accuracy, chunks, activations)[i % 3].show_snapshot(snapshot)
        probabilities = rng.random(10)
        drawing.show_prediction(probabilities / probabilities.sum())
        app.processEvents()
    window.close()
    del window
    print("survived", updates)
""")


def test_every_live_panel_survives_thousands_of_updates():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-c", STRESS_SCRIPT, str(UPDATES)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"exit code {result.returncode}\n{result.stderr[-3000:]}"
    assert f"survived {UPDATES}" in result.stdout
