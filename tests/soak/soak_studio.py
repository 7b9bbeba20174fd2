"""Soak test: train for many epochs in the full window and check that nothing accumulates.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/soak/soak_studio.py [--epochs 20]

Trains the chosen preset on the full MNIST with every panel on screen (the analysis dock is
floated beside the window and its tabs are cycled), draws on the pad every few seconds, and
prints: resident memory after the warm-up (the first epoch) and at the end, with the growth
(must stay under 50 MB); the number of graphics items in each panel's scenes at both points
(must not change); the batch points kept in the run's history against its cap
(engine.history.MAX_BATCH_POINTS); and the elapsed time. Exit code 0 if all of that holds.

Not collected by pytest (the file name does not start with test_); tests/gui/test_reliability_gui.py
runs the same code briefly on a small subset.
"""
from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pyqtgraph as pg  # noqa: E402
from PySide6.QtCore import QSettings, QThreadPool  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from engine.history import MAX_BATCH_POINTS  # noqa: E402
from engine.timeline import MAX_TIMELINE_BYTES  # noqa: E402
from gui.panels.scripted_strokes import draw_strokes  # noqa: E402

MAX_RSS_GROWTH_MB = 50.0


def rss_mb() -> float:
    """Resident set size of this process now, in MB."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        import resource  # peak, not current, where /proc is missing
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10


def settled_rss_mb(window, samples: int = 3) -> float:
    """Resident memory once background computations have finished and garbage is collected: the
    smallest of a few samples, so that a transient peak (an analysis tab's temporaries, memory the
    allocator has not returned yet) is not mistaken for growth; a leak shows in every sample."""
    for pool in window.findChildren(QThreadPool):
        pool.waitForDone(30_000)
    readings = []
    for _ in range(samples):
        QTest.qWait(150)
        gc.collect()
        readings.append(rss_mb())
    return min(readings)


def scene_item_counts(window) -> dict[str, int]:
    """{panel: graphics items in the scenes of every plot and image view inside it}, one entry per
    dock and, for the analysis dock, one per tab."""
    def count(widget) -> int:
        views = widget.findChildren(pg.GraphicsView)
        return sum(len(view.scene().items()) for view in views if view.scene() is not None)

    counts = {}
    for name, dock in window.docks.items():
        tabs = getattr(window, "analysis", None)
        if tabs is not None and dock.widget() is tabs:
            for index in range(tabs.count()):
                counts[f"{name}/{tabs.tabText(index).lower()}"] = count(tabs.widget(index))
        else:
            counts[name] = count(dock.widget())
    return counts


def batch_points(window) -> int:
    snapshot = window.session.latest_snapshot
    return 0 if snapshot is None else len(snapshot.batch_x)


def random_strokes(rng: np.random.Generator) -> list[list[tuple[float, float]]]:
    """One to three strokes of a few segments each, inside the pad (coordinates 20..260)."""
    strokes = []
    for _ in range(int(rng.integers(1, 4))):
        points = rng.uniform(20, 260, size=(int(rng.integers(2, 6)), 2))
        stroke = []
        for (x0, y0), (x1, y1) in zip(points, points[1:]):
            steps = max(1, int(np.hypot(x1 - x0, y1 - y0) / 5))
            stroke += [(float(x0 + (x1 - x0) * s / steps), float(y0 + (y1 - y0) * s / steps))
                       for s in range(steps + 1)]
        strokes.append(stroke)
    return strokes


def show_every_panel(window) -> None:
    """Float the analysis dock beside the window, so its tabs are on screen with the rest."""
    dock = window.docks.get("analysis")
    if dock is None:
        return
    dock.setFloating(True)
    dock.resize(900, 650)
    dock.move(window.geometry().right() + 10, window.geometry().top())
    dock.show()


def visit_every_tab(window, dwell_ms: int = 150) -> int:
    """Show each analysis tab in turn, ending on the one shown before; returns the switches made.

    Hidden tabs are not redrawn (they catch up when shown), so item counts are compared only
    after every tab has been shown: otherwise a tab last seen with another network would differ."""
    tabs = getattr(window, "analysis", None)
    if tabs is None:
        return 0
    first = tabs.currentIndex()
    for offset in range(1, tabs.count() + 1):
        tabs.setCurrentIndex((first + offset) % tabs.count())
        QTest.qWait(dwell_ms)
    return tabs.count()


def timeline_mb(window) -> float:
    """Memory held by the training timeline's stops (float16 weights)."""
    bar = getattr(window, "timeline_bar", None)
    return sum(stop.nbytes for stop in bar.stops) / 2**20 if bar is not None else 0.0


@dataclass
class SoakReport:
    epochs: int
    dataset: str
    preset: str
    rss_warm_mb: float = 0.0
    rss_end_mb: float = 0.0
    timeline_warm_mb: float = 0.0   # the timeline grows by design, up to its cap
    timeline_end_mb: float = 0.0
    timeline_peak_mb: float = 0.0   # before thinning; freed memory need not leave the process
    items_warm: dict = field(default_factory=dict)
    items_end: dict = field(default_factory=dict)
    history_points: int = 0
    history_cap: int = MAX_BATCH_POINTS
    steps: int = 0
    drawings: int = 0
    tab_switches: int = 0
    warm_up_s: float = 0.0
    elapsed_s: float = 0.0
    state: str = ""
    test_accuracy: float | None = None

    @property
    def rss_growth_mb(self) -> float:
        return self.rss_end_mb - self.rss_warm_mb

    @property
    def unplanned_growth_mb(self) -> float:
        """RSS growth other than the timeline's stops (capped at MAX_TIMELINE_BYTES)."""
        return self.rss_growth_mb - (max(self.timeline_peak_mb, self.timeline_end_mb) - self.timeline_warm_mb)

    @property
    def unstable_panels(self) -> dict[str, tuple[int, int]]:
        return {name: (self.items_warm.get(name), count) for name, count in self.items_end.items()
                if self.items_warm.get(name) != count}

    def problems(self) -> list[str]:
        found = []
        if self.unplanned_growth_mb >= MAX_RSS_GROWTH_MB:
            found.append(f"memory grew by {self.unplanned_growth_mb:.1f} MB besides the timeline "
                         f"(limit {MAX_RSS_GROWTH_MB:.0f} MB)")
        if self.timeline_end_mb > MAX_TIMELINE_BYTES / 2**20:
            found.append(f"the timeline holds {self.timeline_end_mb:.1f} MB, over its cap")
        if self.unstable_panels:
            found.append(f"graphics items changed: {self.unstable_panels}")
        if self.history_points > self.history_cap:
            found.append(f"history holds {self.history_points} points, over its cap of {self.history_cap}")
        if self.state != "finished":
            found.append(f"the run ended as {self.state!r}, not 'finished'")
        return found

    def lines(self) -> list[str]:
        rows = [
            f"soak: {self.epochs} epochs of preset {self.preset!r} on {self.dataset}, {self.steps:,} batches, "
            f"{self.drawings} drawings, {self.tab_switches} analysis tab switches",
            f"elapsed {self.elapsed_s:.1f} s (warm-up, the first epoch: {self.warm_up_s:.1f} s); "
            f"final state {self.state}, test accuracy "
            + ("-" if self.test_accuracy is None else f"{100 * self.test_accuracy:.2f} %"),
            f"RSS after warm-up {self.rss_warm_mb:.1f} MB, at the end {self.rss_end_mb:.1f} MB, "
            f"growth {self.rss_growth_mb:+.1f} MB, of which the timeline up to "
            f"{max(self.timeline_peak_mb, self.timeline_end_mb) - self.timeline_warm_mb:+.1f} MB "
            f"(peak {self.timeline_peak_mb:.1f} MB, now {self.timeline_end_mb:.1f} MB, "
            f"cap {MAX_TIMELINE_BYTES / 2**20:.0f} MB); "
            f"the rest {self.unplanned_growth_mb:+.1f} MB (limit {MAX_RSS_GROWTH_MB:.0f} MB)",
            f"history: {self.history_points:,} batch points kept (cap {self.history_cap:,})",
            "graphics items per panel (after warm-up -> end):",
        ]
        rows += [f"  {name:<22} {self.items_warm.get(name)} -> {count}" for name, count in self.items_end.items()]
        return rows


def run_soak(window, epochs: int, draw_every_s: float = 3.0, switch_tab_every_s: float = 5.0,
             seed: int = 0, timeout_s: float | None = None, log=None) -> SoakReport:
    """Train `epochs` epochs with the window's current settings and dataset; see the module doc."""
    rng = np.random.default_rng(seed)
    controls = window.controls
    controls.epochs_spin.setValue(epochs)
    config = controls.config()
    if config is None:
        raise ValueError(f"the controls refuse their settings: {controls.error_text}")
    report = SoakReport(epochs=epochs, dataset=window.dataset.name, preset=controls.preset)
    show_every_panel(window)
    # Every tab once before the run, so views that build their items when first shown have done so.
    report.tab_switches += visit_every_tab(window)
    started = time.perf_counter()
    if not window.start_training():
        raise RuntimeError("training did not start")
    warm = False
    logged_epoch = 0
    next_draw = next_tab = started
    deadline = None if timeout_s is None else started + timeout_s
    while window.session.is_active:
        QTest.qWait(20)
        now = time.perf_counter()
        if deadline is not None and now > deadline:
            window.session.stop()
            raise TimeoutError(f"soak still running after {timeout_s:.0f} s")
        if now >= next_draw:
            window.drawing_panel.clear()
            draw_strokes(window.drawing_panel.pad, random_strokes(rng))
            report.drawings += 1
            next_draw = now + draw_every_s
        tabs = getattr(window, "analysis", None)
        if now >= next_tab and tabs is not None:
            tabs.setCurrentIndex((tabs.currentIndex() + 1) % tabs.count())
            report.tab_switches += 1
            next_tab = now + switch_tab_every_s
        report.timeline_peak_mb = max(report.timeline_peak_mb, timeline_mb(window))
        snapshot = window.displayed_snapshot
        worker = getattr(window.session, "_worker", None)
        if worker is not None:
            report.history_cap = worker.history.max_points
        if not warm and snapshot is not None and snapshot.state != "idle" and snapshot.epoch >= 1:
            warm = True
            report.warm_up_s = time.perf_counter() - started
            report.tab_switches += visit_every_tab(window)  # hidden tabs catch up when shown
            report.rss_warm_mb = settled_rss_mb(window)
            report.timeline_warm_mb = timeline_mb(window)
            report.items_warm = scene_item_counts(window)
            if log:
                log(f"warm after {report.warm_up_s:.1f} s: RSS {report.rss_warm_mb:.1f} MB")
        if log and snapshot is not None and snapshot.state != "idle" and snapshot.epoch > logged_epoch:
            logged_epoch = snapshot.epoch
            log(f"epoch {logged_epoch}/{epochs} after {now - started:.1f} s: RSS {rss_mb():.1f} MB, "
                f"{batch_points(window):,} history points")
    QTest.qWait(300)  # the last snapshots and evaluations reach the panels
    if hasattr(window, "live_evaluation"):
        window.live_evaluation.wait(30_000)
    QTest.qWait(100)
    report.elapsed_s = time.perf_counter() - started
    report.tab_switches += visit_every_tab(window)
    report.rss_end_mb = settled_rss_mb(window)
    report.timeline_end_mb = timeline_mb(window)
    report.items_end = scene_item_counts(window)
    report.history_points = batch_points(window)
    snapshot = window.session.latest_snapshot
    report.state = window.session.state
    report.steps = snapshot.step if snapshot is not None else 0
    report.test_accuracy = snapshot.latest_test_accuracy if snapshot is not None else None
    if not warm:  # a run of one epoch: the end is the only measuring point
        report.rss_warm_mb, report.items_warm = report.rss_end_mb, dict(report.items_end)
        report.timeline_warm_mb = report.timeline_end_mb
    return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--preset", default="default")
    parser.add_argument("--subset", type=int, nargs=2, metavar=("N_TRAIN", "N_TEST"),
                        help="train on the first images only (default: all of MNIST)")
    parser.add_argument("--draw-every", type=float, default=3.0, metavar="SECONDS")
    args = parser.parse_args(argv)

    from engine.data import load_mnist
    from gui.app.application import create_application
    from gui.app.main_window import MainWindow

    app = create_application([])
    dataset = load_mnist() if args.subset is None else load_mnist().subset(*args.subset)
    settings_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"soak-studio-{os.getpid()}.ini"
    window = MainWindow(dataset=dataset, settings=QSettings(str(settings_path), QSettings.Format.IniFormat))
    window.resize(1400, 900)
    window.show()
    QTest.qWait(200)
    window.controls.apply_preset(args.preset)
    print(f"RSS with the window open {rss_mb():.1f} MB", flush=True)
    report = run_soak(window, args.epochs, draw_every_s=args.draw_every,
                      log=lambda text: print(text, flush=True))
    for line in report.lines():
        print(line, flush=True)
    problems = report.problems()
    print("OK" if not problems else "PROBLEMS: " + "; ".join(problems), flush=True)
    window.close()
    del window
    app.processEvents()
    settings_path.unlink(missing_ok=True)
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
