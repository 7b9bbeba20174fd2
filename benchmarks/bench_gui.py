"""How the studio's window performs while the network trains.

    python benchmarks/bench_gui.py [--seconds 5] [--json]

Runs offscreen (QT_QPA_PLATFORM=offscreen unless set), on the full bundled MNIST with the
`default` preset's settings for MEASURED_EPOCHS epochs (so that neither run ends before the
measurement does), and prints:

  gui_throughput_ratio   training samples/s through the main window, every panel live
                         (a drawn digit on the pad, the activations probing it), divided by
                         headless samples/s of the same settings and BLAS thread limit, measured
                         in this run in slices that alternate with the window's (its run paused
                         meanwhile), so that a change in the machine's load affects both alike
  worst_stall_ms         the longest gap between ticks of a 5 ms timer in the GUI thread while
                         the window trains (--seconds in all, in 1.5 s slices)
  frames_per_s           frames that reached the screen per second in those slices: paints of the
                         loss plot showing a newer batch than its previous paint (it draws every
                         snapshot; a snapshot replaced before it was painted, or a paint that
                         shows nothing new, is no frame). See PaintCounter.
  draw_to_prediction_ms  median time from one stroke segment (a mouse move event on the pad) to
                         the prediction on screen updated: painting the segment, digitizing,
                         the forward pass and the bars (window idle)
  startup_s              median of 3 launches of `python main.py` (a fresh interpreter), from
                         starting the process to the first paint of the main window
  peak_rss_mb            peak resident memory of a fresh app process once the full MNIST is loaded
                         and the default preset has trained for 8 s (past the evaluations
                         after the first epochs), read from the process's VmHWM

Extras: snapshots_per_s (snapshots the session delivered to the window, per second),
view_paints_per_s (paint events per second of each live view), the samples/s of both sides and
the ratio of each pair of slices, the stall count over 30 ms, and draw_to_prediction_training_ms
(the same measurement while training runs).
Samples/s count training only: the time between two batches of the same epoch, so the
evaluation at an epoch's end (which headless training does too) is left out of both sides.

With --json the last line is one JSON object. Timings on a shared machine are noisy: compare
the ratio of one run, and repeat runs.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6.QtCore import QEvent, QEventLoop, QObject, QPointF, QSettings, Qt, QTimer  # noqa: E402
from PySide6.QtGui import QMouseEvent  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from engine.config import PRESETS  # noqa: E402
from engine.data import load_mnist  # noqa: E402
from engine.trainer import Trainer  # noqa: E402
from gui.app.application import STARTUP_PROBE_ENV, create_application  # noqa: E402
from gui.app.main_window import MainWindow  # noqa: E402
from gui.panels.scripted_strokes import STROKES_SEVEN, draw_strokes  # noqa: E402
from gui.training.cpu_share import reserve_core_for_gui  # noqa: E402

PRESET = "default"
MEASURED_EPOCHS = 50
"""Epochs of both runs: the preset's 5 take about 7 s on a fast machine, and slices measured
after a run has ended would count a finished window's frames and stalls as training ones."""
WINDOW_SIZE = (1400, 900)
PROBE_INTERVAL_MS = 5
WARM_UP_S = 1.0
GUI_SLICE_S = 1.5
HEADLESS_SLICE_S = 1.0
SETTLE_S = 0.25
STALL_REPORT_MS = 30.0
DRAW_SEGMENTS = 40


class BatchClock:
    """Records when each batch of a trainer ends (wraps its train_batch), to measure training
    speed without the evaluations between epochs."""

    def __init__(self, trainer: Trainer) -> None:
        self.batch_size = trainer.config.batch_size
        self.marks: list[tuple[float, int]] = []  # (time, epoch) after each batch
        train_batch = trainer.train_batch

        def timed_batch():
            event = train_batch()
            self.marks.append((time.perf_counter(), trainer.epoch))
            return event

        trainer.train_batch = timed_batch

    def work(self, start: float, end: float) -> tuple[float, float]:
        """(samples, seconds) of training between start and end: the time between two
        batches of the same epoch (no evaluation in between), and their samples."""
        marks = [m for m in list(self.marks) if start <= m[0] <= end]
        seconds = samples = 0.0
        for (t0, e0), (t1, e1) in zip(marks, marks[1:]):
            if e0 == e1:
                seconds += t1 - t0
                samples += self.batch_size
        return samples, seconds


class PaintCounter(QObject):
    """Counts what reaches the screen: the paint events of each live view's viewport, and the
    frames, paints of the loss plot showing a newer batch than its previous counted paint (the
    loss plot draws every snapshot, so that is one per snapshot on screen)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__()
        self._loss_curve = window.loss_panel.raw_curve
        self._loss_view = window.loss_panel.plot.viewport()
        self._views = {name: view.viewport() for name, view in (
            ("loss", window.loss_panel.plot), ("accuracy", window.accuracy_panel.plot),
            ("chunks", window.chunks_panel.view), ("activations", window.activations_panel.layers_view))}
        self.paints: dict[str, list[float]] = {name: [] for name in self._views}
        self.frames: list[float] = []
        self._newest_painted = None
        for viewport in self._views.values():
            viewport.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Paint:
            now = time.perf_counter()
            for name, viewport in self._views.items():
                if watched is viewport:
                    self.paints[name].append(now)
            if watched is self._loss_view:
                x = self._loss_curve.xData
                newest = None if x is None or len(x) == 0 else (len(x), float(x[-1]))
                if newest is not None and newest != self._newest_painted:
                    self._newest_painted = newest
                    self.frames.append(now)
        return False


def wait(seconds: float) -> None:
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def new_window(data, settings_dir: str) -> MainWindow:
    settings = QSettings(str(Path(settings_dir) / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(dataset=data, settings=settings)
    window.controls.apply_preset(PRESET)
    window.resize(*WINDOW_SIZE)
    window.show()
    wait(0.3)
    return window


def measure_training(data, seconds: float, settings_dir: str) -> dict:
    """Training through the main window, every panel live, in slices that alternate with
    slices of the same training headless, so that both see the same load of the machine.

    Between the window's slices its run is paused and a headless Trainer (same settings, same
    BLAS limit) trains in this thread; the window's slices are measured after a short settling
    time. A 5 ms timer probes the GUI thread during the window's slices."""
    window = new_window(data, settings_dir)
    try:
        draw_strokes(window.drawing_panel.pad, STROKES_SEVEN)
        window.activations_panel.use_drawing_check.setChecked(True)
        config = replace(PRESETS[PRESET], epochs=MEASURED_EPOCHS)
        window.controls.set_config(config)
        wait(0.1)
        snapshots: list[float] = []
        window.session.snapshotReady.connect(lambda _snapshot: snapshots.append(time.perf_counter()))
        painted = PaintCounter(window)
        if not window.start_training():
            raise RuntimeError(f"training did not start: {window.controls.error_text}")
        if window.session.trainer.config != config:
            raise RuntimeError(f"the window trains {window.session.trainer.config}, not {config}")
        gui_clock = BatchClock(window.session.trainer)
        headless = Trainer(config, data)
        headless_clock = BatchClock(headless)
        headless_events = headless.run()
        wait(WARM_UP_S)
        for _ in headless_events:  # its warm-up
            if len(headless_clock.marks) >= 10:
                break

        ticks: list[list[float]] = []
        probe = QTimer()
        probe.setTimerType(Qt.TimerType.PreciseTimer)
        probe.setInterval(PROBE_INTERVAL_MS)
        probe.timeout.connect(lambda: ticks[-1].append(time.perf_counter()))
        totals = {"gui": [0.0, 0.0], "headless": [0.0, 0.0]}
        pair_ratios, windows = [], []
        slices = max(2, math.ceil(seconds / GUI_SLICE_S))
        for _ in range(slices):
            window.session.pause()
            wait(0.05)
            _wait_for_background_work(window)
            started = time.perf_counter()
            for _ in headless_events:
                if time.perf_counter() - started > HEADLESS_SLICE_S:
                    break
            h_samples, h_seconds = headless_clock.work(started, time.perf_counter())
            window.session.resume()
            wait(SETTLE_S)
            ticks.append([])
            probe.start()
            start = time.perf_counter()
            wait(GUI_SLICE_S)
            end = time.perf_counter()
            probe.stop()
            windows.append((start, end))
            g_samples, g_seconds = gui_clock.work(start, end)
            for key, (n, t) in (("gui", (g_samples, g_seconds)), ("headless", (h_samples, h_seconds))):
                totals[key][0] += n
                totals[key][1] += t
            if g_seconds and h_seconds:
                pair_ratios.append((g_samples / g_seconds) / (h_samples / h_seconds))
        gaps = np.concatenate([np.diff(t) for t in ticks if len(t) > 1])
        measured = sum(end - start for start, end in windows)

        def rate(times: list[float]) -> float:
            return sum(any(a <= t <= b for a, b in windows) for t in times) / measured

        draw_during_training = draw_to_prediction(window, segments=DRAW_SEGMENTS // 2)
        gui_speed = totals["gui"][0] / totals["gui"][1]
        headless_speed = totals["headless"][0] / totals["headless"][1]
        return {
            "gui_samples_per_s": gui_speed,
            "headless_samples_per_s": headless_speed,
            "gui_throughput_ratio": gui_speed / headless_speed,
            "slice_ratios": [round(r, 3) for r in pair_ratios],
            "worst_stall_ms": 1000 * float(gaps.max()),
            "stalls_over_30ms": int((gaps > STALL_REPORT_MS / 1000).sum()),
            "frames_per_s": rate(painted.frames),
            "snapshots_per_s": rate(snapshots),
            "view_paints_per_s": {name: round(rate(times), 2) for name, times in painted.paints.items()},
            "measured_s": measured,
            "draw_to_prediction_training_ms": draw_during_training,
        }
    finally:
        window.close()


def _wait_for_background_work(window: MainWindow, timeout_s: float = 5.0) -> None:
    """Let the window's own background computations (the test-set evaluation after an epoch)
    finish before a headless slice, which must not share the CPU with them."""
    evaluation = getattr(window, "live_evaluation", None)
    deadline = time.perf_counter() + timeout_s
    while evaluation is not None and evaluation.busy and time.perf_counter() < deadline:
        wait(0.02)


def draw_to_prediction(window: MainWindow, segments: int = DRAW_SEGMENTS) -> float:
    """Median ms from a mouse move on the pad to the prediction of the new drawing shown."""
    panel = window.drawing_panel
    pad = panel.pad
    panel.clear()
    done = {}
    loop = QEventLoop()

    def on_input(_image) -> None:
        # Connected after the main window's own slot, so the prediction is already shown.
        done["at"] = time.perf_counter()
        loop.quit()

    panel.inputChanged.connect(on_input)
    try:
        _mouse(pad, QEvent.Type.MouseButtonPress, QPointF(60, 60))
        wait(0.05)
        durations = []
        for i in range(segments):
            # A zig-zag across the pad, 6 px per segment, like a pointer during a fast stroke.
            point = QPointF(60 + 6 * (i % 30), 60 + 4 * i)
            done.clear()
            started = time.perf_counter()
            _mouse(pad, QEvent.Type.MouseMove, point)
            if "at" not in done:
                QTimer.singleShot(1000, loop.quit)
                loop.exec()
            if "at" in done:
                durations.append(done["at"] - started)
        _mouse(pad, QEvent.Type.MouseButtonRelease, QPointF(60 + 6 * ((segments - 1) % 30), 60 + 4 * (segments - 1)))
    finally:
        panel.inputChanged.disconnect(on_input)
    return 1000 * statistics.median(durations) if durations else float("nan")


def _mouse(pad, event_type: QEvent.Type, position: QPointF) -> None:
    button = Qt.MouseButton.LeftButton if event_type != QEvent.Type.MouseMove else Qt.MouseButton.NoButton
    held = Qt.MouseButton.NoButton if event_type == QEvent.Type.MouseButtonRelease else Qt.MouseButton.LeftButton
    event = QMouseEvent(event_type, position, pad.mapToGlobal(position), button, held, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(pad, event)


APP_PROCESS = textwrap.dedent("""
    import sys, time
    from PySide6.QtCore import QEvent, QObject, QTimer
    from gui.app.application import create_application
    from gui.app.main_window import MainWindow

    class FirstPaint(QObject):
        def eventFilter(self, watched, event):
            if event.type() == QEvent.Type.Paint and not hasattr(self, "at"):
                self.at = time.time()
                print("shown", self.at, flush=True)
            return False

    app = create_application([])
    window = MainWindow()
    first_paint = FirstPaint()
    window.installEventFilter(first_paint)
    window.show()
    train_s = float(sys.argv[1])
    deadline = time.monotonic() + 120

    def step():
        if window.dataset is None:
            if time.monotonic() > deadline:
                app.exit(3)
            return
        if window.session.state == "idle":
            window.controls.apply_preset("default")
            if not window.start_training():
                app.exit(4)
            QTimer.singleShot(int(train_s * 1000), finish)

    def finish():
        # VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss over from the parent
        # across fork and exec, so it would report this benchmark's own peak instead.
        with open("/proc/self/status") as status:
            peak_kb = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
        print("peak_rss_kb", peak_kb, flush=True)
        window.close()
        app.quit()

    poll = QTimer()
    poll.timeout.connect(step)
    poll.start(50)
    status = app.exec()
    poll.stop()
    del window
    sys.exit(status)
""")


def measure_startup(settings_dir: str, runs: int = 3) -> list[float]:
    """Seconds from launching `python main.py` to the first paint of its window, per launch.
    The app reports the paint and closes itself when STARTUP_PROBE_ENV is set."""
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"),
               BACKPROP_STUDIO_SETTINGS=str(Path(settings_dir) / "startup.ini"), **{STARTUP_PROBE_ENV: "1"})
    seconds = []
    for _ in range(runs):
        launched = time.time()
        result = subprocess.run([sys.executable, str(ROOT / "main.py")], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=120)
        shown = [line.split()[1] for line in result.stdout.splitlines() if line.startswith("shown ")]
        if result.returncode != 0 or not shown:
            raise RuntimeError(f"main.py failed ({result.returncode}): {result.stderr[-2000:]}")
        seconds.append(float(shown[0]) - launched)
    return seconds


def measure_app_process(train_s: float, settings_dir: str) -> dict:
    """peak_rss_mb (and a startup time) of a fresh `python` running the app and training."""
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"),
               PYTHONPATH=str(ROOT), BACKPROP_STUDIO_SETTINGS=str(Path(settings_dir) / "app.ini"))
    launched = time.time()
    result = subprocess.run([sys.executable, "-c", APP_PROCESS, str(train_s)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    values = dict(line.split(maxsplit=1) for line in result.stdout.splitlines() if " " in line)
    if result.returncode != 0 or "shown" not in values or "peak_rss_kb" not in values:
        raise RuntimeError(f"app process failed ({result.returncode}): {result.stderr[-2000:]}")
    return {"startup_s": float(values["shown"]) - launched,
            "peak_rss_mb": int(values["peak_rss_kb"]) / 1024}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python benchmarks/bench_gui.py", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="training time measured through the window")
    parser.add_argument("--json", action="store_true", help="end with one JSON object")
    args = parser.parse_args(argv)

    create_application([])
    data = load_mnist()
    threads = reserve_core_for_gui()  # the window's BLAS limit, for the headless slices too
    with tempfile.TemporaryDirectory() as settings_dir:
        training = measure_training(data, args.seconds, settings_dir)
        idle_window = new_window(data, settings_dir)
        try:
            draw_ms = draw_to_prediction(idle_window)
        finally:
            idle_window.close()
        app_process = measure_app_process(train_s=8.0, settings_dir=settings_dir)
        startups = measure_startup(settings_dir)

    headless = training["headless_samples_per_s"]
    results = {
        "gui_throughput_ratio": training["gui_throughput_ratio"],
        "worst_stall_ms": training["worst_stall_ms"],
        "draw_to_prediction_ms": draw_ms,
        "startup_s": statistics.median(startups),
        "startup_runs_s": startups,
        "peak_rss_mb": app_process["peak_rss_mb"],
        "frames_per_s": training["frames_per_s"],
        "snapshots_per_s": training["snapshots_per_s"],
        "view_paints_per_s": training["view_paints_per_s"],
        "gui_samples_per_s": training["gui_samples_per_s"],
        "headless_samples_per_s": headless,
        "slice_ratios": training["slice_ratios"],
        "stalls_over_30ms": training["stalls_over_30ms"],
        "draw_to_prediction_training_ms": training["draw_to_prediction_training_ms"],
        "blas_threads": threads,
        "measured_s": training["measured_s"],
    }
    print(f"Preset {PRESET!r}, full MNIST, window {WINDOW_SIZE[0]}x{WINDOW_SIZE[1]}, BLAS threads {threads}")
    print(f"  throughput through the window  {results['gui_samples_per_s']:>9,.0f} samples/s "
          f"({results['frames_per_s']:.1f} frames/s on screen, "
          f"{results['snapshots_per_s']:.1f} snapshots/s)")
    print(f"  headless                       {headless:>9,.0f} samples/s (alternating slices, ratios "
          f"{', '.join(f'{r:.2f}' for r in results['slice_ratios'])})")
    print(f"  gui_throughput_ratio           {results['gui_throughput_ratio']:9.2f}")
    print(f"  worst_stall_ms                 {results['worst_stall_ms']:9.1f}   "
          f"({results['stalls_over_30ms']} gaps over {STALL_REPORT_MS:.0f} ms in {results['measured_s']:.1f} s)")
    print(f"  draw_to_prediction_ms          {draw_ms:9.1f}   "
          f"({results['draw_to_prediction_training_ms']:.1f} while training)")
    print(f"  startup_s                      {results['startup_s']:9.2f}   "
          f"(python main.py, runs {', '.join(f'{s:.2f}' for s in startups)})")
    print(f"  peak_rss_mb                    {results['peak_rss_mb']:9.0f}")
    if args.json:
        print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
