"""Render the documentation screenshots offscreen:
`python -m gui.app.screenshots [--out docs] [--theme light|dark|system] [--colour-blind] [NAME ...]`.

studio-training.png  the default preset training on the full MNIST, every panel live
studio-drawing.png   the shipped model classifying a scripted hand-drawn 7
studio-analysis.png  the analysis layout: the shipped model's confusion matrix, its most common
                     confusion selected and one of its images probed in the activations view
studio-mistakes.png  the shipped model's most confident mistakes, the first one probed
studio-math.png      the Math tab on the worked 3-3-3-3-3 example, a cell of dW[4] hovered
studio-lab.png       the Lab with first-layer neurons switched off and the weights pruned
studio-gradient-flow.png  the Gradient flow tab while the default preset trains
studio-timeline.png  the timeline dragged back into the first epoch of a run
studio-compare.png   two runs of the default preset, learning rates 0.2 and 0.05, compared
studio-chunks-best.png  the first-layer chunks of a `best` model (--best-model FILE, made by
                     `python main.py train --preset best --save FILE`), largest weights first

The window uses a throw-away settings file, so a saved layout never changes the pictures; the
theme and palette options are written into it, so every window of the run takes them.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402

from ..panels.chunk_atlas import CHUNK_SIDE  # noqa: E402
from ..panels.scripted_strokes import STROKES_SEVEN, draw_strokes  # noqa: E402
from .application import create_application  # noqa: E402
from .exports import most_common_confusion  # noqa: E402
from .main_window import ANALYSIS_LAYOUT, TRAINING_LAYOUT, MainWindow  # noqa: E402
from .settings import SETTINGS_PATH_ENV, open_settings, save_appearance  # noqa: E402

SIZE = (1400, 900)
ZOOMED_CHUNK_COLUMNS = 8
"""Hundreds of 28x28 chunks in one panel are too small to read, so the pictures show a zoomed-in
corner of the grid, as a user would by scrolling over it."""
TRAINING_SECONDS_AFTER_FIRST_EPOCH = 2.0
TIMEOUT_S = 120.0


def wait(seconds: float) -> None:
    """Let the event loop run for `seconds` (snapshots arrive and are drawn meanwhile)."""
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what}")
        wait(0.05)


def new_window() -> MainWindow:
    window = MainWindow()
    window.resize(*SIZE)
    window.show()
    window.layouts.switch(TRAINING_LAYOUT)  # whatever the previous picture left in the settings
    wait_for(lambda: window.dataset is not None, "MNIST to load")
    return window


def zoom_chunks(window: MainWindow | None, columns: int = ZOOMED_CHUNK_COLUMNS, panel=None) -> None:
    """Show the top-left `columns` x `columns` chunks of the weight grid (of `window`, or `panel`)."""
    panel = panel or window.chunks_panel
    rows, cols = panel.grid
    if cols <= columns:
        return
    cell = CHUNK_SIDE + panel.separator
    extent = columns * cell
    panel.view_box.setRange(xRange=(0, extent), yRange=(0, extent), padding=0.01)


def train_until_epoch(window: MainWindow, epochs: int) -> None:
    """Start the default preset and return once `epochs` epochs (and their evaluations) are done."""
    if not window.start_training():
        raise RuntimeError(f"training did not start: {window.controls.error_text}")
    wait_for(lambda: window.displayed_snapshot is not None and window.displayed_snapshot.epoch >= epochs,
             f"epoch {epochs}")


def render_training(path: Path) -> None:
    window = new_window()
    try:
        zoom_chunks(window)
        draw_strokes(window.drawing_panel.pad, STROKES_SEVEN)
        # Mid-training with at least one evaluation, so the accuracy panel has points.
        train_until_epoch(window, 1)
        wait(TRAINING_SECONDS_AFTER_FIRST_EPOCH)
        window.grab().save(str(path))
    finally:
        window.close()


def render_drawing(path: Path) -> None:
    window = new_window()
    try:
        zoom_chunks(window)
        draw_strokes(window.drawing_panel.pad, STROKES_SEVEN)
        window.drawing_panel.update_input_now()
        window.drawing_panel.saliency_toggle.setChecked(True)
        window.activations_panel.use_drawing_check.setChecked(True)
        wait(0.3)
        window.grab().save(str(path))
    finally:
        window.close()


def show_analysis_tab(window: MainWindow, panel) -> None:
    window.layouts.switch(ANALYSIS_LAYOUT)
    window.show_analysis(panel)
    wait_for(lambda: panel.report is not None and not window.live_evaluation.busy,
             "the evaluation of the shipped model")
    wait(0.3)  # let the new layout settle before it is photographed


def render_analysis(path: Path) -> None:
    window = new_window()
    try:
        panel = window.analysis.evaluation_panel
        show_analysis_tab(window, panel)
        panel.select_cell(*most_common_confusion(panel.report.confusion))
        window.probe_test_image(int(panel.selected_indices[0]))
        wait(0.3)
        window.grab().save(str(path))
    finally:
        window.close()


def render_mistakes(path: Path) -> None:
    window = new_window()
    try:
        panel = window.analysis.mistakes_panel
        show_analysis_tab(window, panel)
        panel.click_mistake(0)
        wait(0.3)
        window.grab().save(str(path))
    finally:
        window.close()


def render_math(path: Path) -> None:
    window = new_window()
    try:
        panel = window.analysis.math_panel
        window.layouts.switch(ANALYSIS_LAYOUT)
        window.show_analysis(panel)
        wait(0.3)
        equations = [step.equation for step in panel.step_through.steps]
        panel.go_to(next(i for i, equation in enumerate(equations) if equation.startswith("dW[4] =")))
        wait(0.1)
        panel.hover(0, 0, 1)  # a cell of the result: its row of dZ and column of A[3]^T light up
        wait(0.3)
        window.grab().save(str(path))
    finally:
        window.close()


def render_lab(path: Path) -> None:
    window = new_window()
    try:
        draw_strokes(window.drawing_panel.pad, STROKES_SEVEN)
        window.drawing_panel.update_input_now()
        window.docks["lab"].raise_()
        lab = window.lab_panel
        for neuron in (3, 17, 42):
            lab.set_neuron_off(1, neuron)
        lab.set_prune_percent(60)
        wait_for(lambda: not lab.busy, "the edited network's accuracy")
        wait(0.3)
        window.grab().save(str(path))
    finally:
        window.close()


def render_gradient_flow(path: Path) -> None:
    window = new_window()
    try:
        window.layouts.switch(ANALYSIS_LAYOUT)
        window.show_analysis(window.analysis.gradient_flow_panel)
        train_until_epoch(window, 1)
        wait(TRAINING_SECONDS_AFTER_FIRST_EPOCH)
        window.grab().save(str(path))
    finally:
        window.close()


def render_timeline(path: Path) -> None:
    window = new_window()
    try:
        zoom_chunks(window)
        draw_strokes(window.drawing_panel.pad, STROKES_SEVEN)
        train_until_epoch(window, 2)
        stops = window.timeline_bar.stops
        window.timeline_bar.select_index(next(i for i, stop in enumerate(stops) if stop.epoch_progress >= 0.5))
        wait(0.5)
        window.grab().save(str(path))
    finally:
        window.close()


COMPARED_LEARNING_RATES = (0.2, 0.05)
COMPARED_EPOCHS = 2


def render_compare(path: Path) -> None:
    window = new_window()
    try:
        controls = window.controls
        controls.epochs_spin.setValue(COMPARED_EPOCHS)
        for lr in COMPARED_LEARNING_RATES:
            controls.lr_spin.setValue(lr)
            train_until_epoch(window, COMPARED_EPOCHS)
            wait_for(lambda: not window.session.is_active, "the run to end")
        panel = window.analysis.compare_panel
        window.layouts.switch(ANALYSIS_LAYOUT)
        window.show_analysis(panel)
        names = window.state.runs.names()
        panel.choose(names[-2], names[-1])
        wait_for(lambda: panel.comparison is not None and not panel.task.busy, "the comparison")
        draw_strokes(window.drawing_panel.pad, STROKES_SEVEN)  # both runs answer it
        panel.set_epoch(1.0)
        wait(0.5)
        window.grab().save(str(path))
    finally:
        window.close()


BEST_CHUNKS_SIZE = (1000, 860)
BEST_CHUNK_COLUMNS = 14
best_model_path: Path | None = None
"""The model file of studio-chunks-best.png (--best-model): it is not shipped, so it is trained first."""


def render_best_chunks(path: Path) -> None:
    from engine.analysis.neuron_order import NORM
    from engine.modelio import load_model
    from engine.snapshot import model_snapshot

    from ..panels.chunks_panel import ChunksPanel
    from ..studio_state import StudioState

    if best_model_path is None:
        print(f"{path.name}: skipped, it needs --best-model FILE")
        return
    network, _ = load_model(best_model_path)
    window = new_window()  # for the dataset the order by class is measured on
    panel = ChunksPanel()
    try:
        state = StudioState()
        panel.bind(state)
        panel.resize(*BEST_CHUNKS_SIZE)
        panel.show()
        state.set_dataset(window.dataset)
        state.set_snapshot(model_snapshot(network))
        panel.set_order(NORM)
        wait(0.3)
        zoom_chunks(window=None, columns=BEST_CHUNK_COLUMNS, panel=panel)
        wait(0.3)
        panel.grab().save(str(path))
    finally:
        panel.close()
        window.close()


RENDERERS = {
    "studio-training.png": render_training,
    "studio-drawing.png": render_drawing,
    "studio-analysis.png": render_analysis,
    "studio-mistakes.png": render_mistakes,
    "studio-math.png": render_math,
    "studio-lab.png": render_lab,
    "studio-gradient-flow.png": render_gradient_flow,
    "studio-timeline.png": render_timeline,
    "studio-compare.png": render_compare,
    "studio-chunks-best.png": render_best_chunks,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gui.app.screenshots", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs", help="folder for the PNG files (default: docs)")
    parser.add_argument("--theme", choices=("system", "light", "dark"), default="system",
                        help="the theme of the pictures (default: system)")
    parser.add_argument("--colour-blind", action="store_true", help="with the colour-blind-safe palette")
    parser.add_argument("--best-model", type=Path, help="a model of the best preset, for studio-chunks-best.png")
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"pictures to render (default: all): {', '.join(RENDERERS)}")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in RENDERERS]
    if unknown:
        parser.error(f"unknown picture {', '.join(unknown)}; choose from {', '.join(RENDERERS)}")
    names = args.names or list(RENDERERS)
    global best_model_path
    best_model_path = args.best_model
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as settings_dir:
        os.environ[SETTINGS_PATH_ENV] = str(Path(settings_dir) / "settings.ini")
        create_application([])
        save_appearance(open_settings(), args.theme, args.colour_blind)
        for name in names:
            RENDERERS[name](out / name)
            print(out / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
