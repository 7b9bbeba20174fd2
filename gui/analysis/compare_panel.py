"""Two training runs side by side: the Compare tab.

Run A and run B are chosen among the session's runs (StudioState.runs, listed on the left, where
they are renamed, deleted, saved and opened) and the shipped model. The comparison
(engine.analysis.compare.compare_runs: the settings, the curves on shared axes, the first-layer
neurons matched one to one by SciPy's Hungarian method, and the accuracy per digit on the test set
in use) is computed on a BackgroundTask; choosing again replaces a computation still running.

The epoch slider moves both runs to the stop of their timelines nearest one epoch (network_at_epoch):
the chunks, a cursor on the curves and both runs' answers to the drawing follow; a run without a
timeline stays at its final weights, and the view says so. The pairing of the neurons is the one
of the final weights, so a slot shows the same two neurons at every epoch. The pair on screen is
StudioState.comparison, which the drawing pad answers with as well.

Until the user chooses, B is the newest run and A the one before it (or the shipped model).
"""
from __future__ import annotations

import functools
import math
from dataclasses import replace

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QBoxLayout,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSlider,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from engine.analysis.compare import (
    EPOCH_AXIS,
    TIME_AXIS,
    compare_runs,
    epoch_span,
    network_at_epoch,
    runs_at_epoch,
)
from engine.runs import load_shipped_run

from ..widgets.background import BackgroundTask
from ..widgets.compare_readout import CompareReadout
from ..widgets.fields import combo, named
from ..widgets.labels import heading_label, note_label
from ..widgets.panel_base import StatePanel
from ..widgets.throttle import ThrottledRender
from .compare_chunks import MatchedChunks
from .compare_curves import CompareCurves
from .compare_details import DigitDifferenceChart, SettingsTable
from .runs_panel import RunsPanel, accuracy_text

SHIPPED = "shipped"
"""The key of the shipped model among the choices. A run's key is its network, which stays the same
object when the run is renamed or its timeline dropped (each kept run has a network of its own)."""
SHIPPED_TEXT = "shipped model"
SLIDER_STEPS_PER_EPOCH = 100
SCRUB_INTERVAL_S = 0.05
NARROW_WIDTH = 760
"""Narrower than this, the runs, settings and per-digit chart go in a row under the comparison."""
SIDE_COLUMN_WIDTH, SIDE_COLUMN_MIN_WIDTH = 280, 230
SIDE_ROW_MIN_HEIGHT = 220
CHUNKS_MIN_HEIGHT = 200
NO_RUNS_TEXT = ("No runs to compare yet: every training run is kept here when it finishes, is stopped or is "
                "reset, and File \u2192 Open run\u2026 adds saved ones. Then choose A and B above.")
SAME_TEXT = "A and B are the same: choose two different runs."
FINAL_TEXT = "Both runs at their final weights. Drag the slider to move both to the same epoch of their timelines."
NO_TIMELINES_TEXT = ("Neither run has a timeline (a model file, or a run whose timeline was dropped to save "
                     "memory): both stay at their final weights.")


@functools.lru_cache(maxsize=1)
def shipped_run():
    """The shipped model as a run, read once (a Run is immutable, so one copy serves every view)."""
    return load_shipped_run()


def default_choice(keys: list) -> tuple:
    """(A, B) before the user chooses: the newest run as B against the one before it, or against
    the shipped model when there is one run; the shipped model twice (nothing to compare) without runs."""
    runs = [key for key in keys if key is not SHIPPED]
    if len(runs) >= 2:
        return runs[-2], runs[-1]
    return (SHIPPED, runs[0]) if runs else (SHIPPED, SHIPPED)


def compare_job(run_a, run_b, dataset):
    """compare_runs of two runs (SHIPPED: the shipped model); runs on the worker thread."""
    run_a = shipped_run() if run_a is SHIPPED else run_a
    run_b = shipped_run() if run_b is SHIPPED else run_b
    return compare_runs(run_a, run_b, dataset)


def slot_tiles(W: np.ndarray, slots: np.ndarray) -> np.ndarray:
    """(len(slots), side, side) float64 tiles of the rows of W[1] named by `slots`, NaN where -1."""
    side = int(round(math.sqrt(W.shape[1])))
    tiles = np.full((len(slots), side, side), np.nan)
    used = slots >= 0
    tiles[used] = np.asarray(W, dtype=np.float64)[slots[used]].reshape(-1, side, side)
    return tiles


def epoch_text(comparison, epoch: float | None) -> str:
    """Where the slider has put both runs."""
    runs = (comparison.run_a, comparison.run_b)
    if not any(run.timeline for run in runs):
        return NO_TIMELINES_TEXT
    if epoch is None:
        return FINAL_TEXT
    parts = []
    for letter, run in zip("AB", runs):
        stop = runs_at_epoch(run, epoch)
        parts.append(f"{letter} has no timeline: it stays at its final weights" if stop is None else
                     f"{letter} at epoch {stop.epoch_progress:.2f} (step {stop.step:,})")
    return f"Epoch {epoch:.2f}: " + "; ".join(parts) + "."


def match_text(match) -> str:
    text = (f"First-layer neurons matched one to one by the correlation of their weights (Hungarian method): "
            f"mean r = {match.mean:.2f}, median {match.median:.2f} over {len(match.matched_correlation):,} pairs.")
    for letter, extra in (("A", match.unmatched_a), ("B", match.unmatched_b)):
        if len(extra):
            text += f" {len(extra):,} of {letter}'s neurons have no partner (last)."
    return text


class ComparePanel(StatePanel):
    takes_dataset = True
    computed = Signal()
    """A new comparison is on screen."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("comparePanel")
        self.dataset = None
        self.comparison = None
        """The engine.analysis.compare.Comparison on screen, or None."""
        self.epoch: float | None = None
        """The slider's epoch; None at its right end (the final weights)."""
        self.keys: tuple = (None, None)
        """The keys of A and B chosen (a run's network, or SHIPPED)."""
        self._keys: list = []       # the key of each combo entry, in order
        self._user_chose = False
        self._request = None        # (key A, key B, dataset) of the comparison computed or on the way
        self._slider_pair = None    # the networks the slider's range was set for
        self.task = BackgroundTask(self)
        self.task.finished.connect(self._on_compared)
        self.task.failed.connect(lambda message: self.status_label.setText(f"Could not compare: {message}"))
        self._scrub = ThrottledRender(self._show_epoch, SCRUB_INTERVAL_S, parent=self)

        self.runs_panel = RunsPanel()
        self.combo_a = combo("compareRunA", (), "Run A: solid lines, round markers, first in every chart.")
        self.combo_b = combo("compareRunB", (), "Run B: dashed lines, square markers; differences are B \u2212 A.")
        for box in (self.combo_a, self.combo_b):
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            box.setMinimumContentsLength(10)
            box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            box.activated.connect(self._on_user_choice)
        self.axis_combo = combo("compareAxis", (("By epoch", EPOCH_AXIS), ("By time", TIME_AXIS)),
                                "The curves' x axis: epochs, or wall-clock seconds since each run's start.")
        self.slider = named(QSlider(Qt.Orientation.Horizontal), "compareEpochSlider",
                            "Move both runs to the same epoch: each to the moment of its timeline nearest it. "
                            "At the right end, both show their final weights.")
        self.slider.setEnabled(False)
        self.epoch_label = note_label(FINAL_TEXT, "compareEpochLabel")
        self.readout = CompareReadout("compareReadout", hide_without_pair=False)
        self.status_label = note_label(NO_RUNS_TEXT, "compareStatus")
        self.curves = CompareCurves()
        self.differences_label = named(QLabel(), "compareDifferences", "The settings in which the runs differ.")
        self.differences_label.setWordWrap(True)
        self.settings_table = SettingsTable()
        self.chunks = MatchedChunks()
        self.match_label = note_label("", "compareMatchLabel")
        self.digits = DigitDifferenceChart()
        self.axis_combo.currentIndexChanged.connect(lambda: self.curves.set_axis(self.axis_combo.currentData()))
        self.slider.valueChanged.connect(self._on_slider)
        self.chunks.hovered.connect(self._on_chunk_hovered)
        self._build_layout()

    def _build_layout(self) -> None:
        # Runs, settings and the per-digit chart: a column beside the comparison in a wide panel, a
        # row under it in a narrow one (see _arrange).
        settings = QWidget()
        settings_layout = QVBoxLayout(settings)
        settings_layout.setContentsMargins(0, 0, 0, 0)
        settings_layout.addWidget(heading_label("Settings"))
        settings_layout.addWidget(self.differences_label)
        settings_layout.addWidget(self.settings_table, 1)
        digits = QWidget()
        digits_layout = QVBoxLayout(digits)
        digits_layout.setContentsMargins(0, 0, 0, 0)
        digits_layout.addWidget(heading_label("Accuracy per digit, B \u2212 A"))
        digits_layout.addWidget(self.digits, 1)
        self._side = QWidget()
        self._side_layout = QBoxLayout(QBoxLayout.Direction.TopToBottom, self._side)
        self._side_layout.setContentsMargins(0, 0, 0, 0)
        for part in (self.runs_panel, settings, digits):
            self._side_layout.addWidget(part)

        choose = QHBoxLayout()
        for text, box in (("A", self.combo_a), ("B", self.combo_b)):
            label = QLabel(text)
            label.setBuddy(box)
            choose.addWidget(label)
            choose.addWidget(box, 1)
        choose.addSpacing(8)
        choose.addWidget(self.axis_combo)
        scrub = QHBoxLayout()
        scrub.addWidget(QLabel("Epoch"))
        scrub.addWidget(self.slider, 1)
        scrub.addWidget(self.readout, 1)
        self._main = QWidget()
        main_layout = QVBoxLayout(self._main)
        main_layout.setContentsMargins(0, 0, 0, 0)
        main_layout.addLayout(choose)
        main_layout.addLayout(scrub)
        main_layout.addWidget(self.epoch_label)
        main_layout.addWidget(self.status_label)
        main_layout.addWidget(self.curves, 4)
        main_layout.addWidget(self.match_label)
        main_layout.addWidget(self.chunks, 5)
        self.chunks.setMinimumHeight(CHUNKS_MIN_HEIGHT)

        self.splitter = named(QSplitter(), "compareSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self._side)
        self.splitter.addWidget(self._main)
        self._narrow: bool | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.splitter)
        self._arrange(False)

    @property
    def narrow(self) -> bool:
        """True while the runs, settings and per-digit chart stand in a row under the comparison."""
        return bool(self._narrow)

    def _arrange(self, narrow: bool) -> None:
        if narrow == self._narrow:
            return
        self._narrow = narrow
        if narrow:
            self.splitter.setOrientation(Qt.Orientation.Vertical)
            self.splitter.insertWidget(0, self._main)  # the comparison first, the lists under it
            self._side_layout.setDirection(QBoxLayout.Direction.LeftToRight)
            self._set_side_stretch((3, 4, 2))
            self._side.setMinimumSize(0, SIDE_ROW_MIN_HEIGHT)
            self.splitter.setSizes([self._main.minimumSizeHint().height() + 60, SIDE_ROW_MIN_HEIGHT])
        else:
            self.splitter.setOrientation(Qt.Orientation.Horizontal)
            self.splitter.insertWidget(0, self._side)
            self._side_layout.setDirection(QBoxLayout.Direction.TopToBottom)
            self._set_side_stretch((2, 3, 2))
            self._side.setMinimumSize(SIDE_COLUMN_MIN_WIDTH, 0)
            self.splitter.setSizes([SIDE_COLUMN_WIDTH, max(self.width() - SIDE_COLUMN_WIDTH, 400)])
        self.splitter.setStretchFactor(self.splitter.indexOf(self._main), 1)
        self.splitter.setStretchFactor(self.splitter.indexOf(self._side), 0)

    def _set_side_stretch(self, stretches) -> None:
        for index, stretch in enumerate(stretches):
            self._side_layout.setStretch(index, stretch)

    def resizeEvent(self, event) -> None:
        # On the width alone, which the change does not bring across the threshold: no flip-flop.
        self._arrange(event.size().width() < NARROW_WIDTH)
        super().resizeEvent(event)

    # -- the StatePanel parts -------------------------------------------------------------------------
    def bind(self, state) -> None:
        super().bind(state)
        self.runs_panel.bind(state)
        self.readout.bind(state)

    def refresh(self, force: bool = False) -> bool:
        drew = self.runs_panel.refresh(force)
        return super().refresh(force) or drew

    def _connect(self, state) -> None:
        state.runsChanged.connect(self.request_refresh)

    def _current_key(self):
        return (self.state.runs_revision,)

    def _draw(self) -> None:
        self._fill_combos()
        self._choose()

    def set_dataset(self, dataset) -> None:
        self.dataset = dataset
        if self.keys[0] is not None:
            self._apply(self.keys)

    # -- choosing A and B -----------------------------------------------------------------------------
    def choose(self, key_a, key_b) -> None:
        """Compare `key_a` with `key_b` (a run's name, or SHIPPED) as if the user chose them."""
        keys = [self._key_of(key_a), self._key_of(key_b)]
        for box, key in zip((self.combo_a, self.combo_b), keys):
            box.setCurrentIndex(self._index_of(key))
        self._on_user_choice()

    def _key_of(self, name):
        if name is SHIPPED or name == SHIPPED:
            return SHIPPED
        return self.state.runs.get(name).network

    def _index_of(self, key) -> int:
        return next(i for i, known in enumerate(self._keys) if known is key)

    def _fill_combos(self) -> None:
        entries = [(run.name, run.network) for run in self.state.runs] + [(SHIPPED_TEXT, SHIPPED)]
        self._keys = [key for _text, key in entries]
        for box in (self.combo_a, self.combo_b):
            box.blockSignals(True)
            box.clear()
            for text, _key in entries:
                box.addItem(text)
            box.blockSignals(False)

    def _choose(self) -> None:
        present = all(any(key is known for known in self._keys) for key in self.keys)
        if not (self._user_chose and present):
            self._user_chose = False
            self.keys = default_choice(self._keys)
        for box, key in zip((self.combo_a, self.combo_b), self.keys):
            box.setCurrentIndex(self._index_of(key))
        self._apply(self.keys)

    def _on_user_choice(self, *_) -> None:
        self._user_chose = True
        self._apply((self._keys[self.combo_a.currentIndex()], self._keys[self.combo_b.currentIndex()]))

    def _run_of(self, key):
        """The run a key stands for now (SHIPPED stays SHIPPED; None for a run no longer kept)."""
        if key is SHIPPED:
            return SHIPPED
        return next((run for run in self.state.runs if run.network is key), None)

    def name_of(self, key) -> str:
        run = self._run_of(key)
        return SHIPPED_TEXT if run is SHIPPED else (run.name if run is not None else "?")

    def _apply(self, keys: tuple) -> None:
        self.keys = keys
        if keys[0] is keys[1]:
            self.task.cancel()
            self._request = None
            self._show(None)
            self.status_label.setText(SAME_TEXT if len(self.state.runs) else NO_RUNS_TEXT)
            return
        request = (*keys, self.dataset)
        if self._request is not None and all(a is b for a, b in zip(request, self._request)):
            # The same networks on the same test set: at most a name or a timeline changed.
            if self.comparison is not None and not self.task.busy:
                self._show(self._with_current_runs(self.comparison))
            return
        self._request = request
        run_a, run_b, dataset = self._run_of(keys[0]), self._run_of(keys[1]), self.dataset
        scoring = f" and scoring both on {dataset.n_test:,} test images" if dataset is not None else ""
        self.status_label.setText(f"Comparing {self.name_of(keys[0])} with {self.name_of(keys[1])}: matching "
                                  f"their first-layer neurons{scoring}\u2026")
        self.task.run(lambda: compare_job(run_a, run_b, dataset))

    def _with_current_runs(self, comparison):
        """`comparison` with the runs as the list holds them now (renamed, or their timeline dropped)."""
        runs = [self._run_of(key) for key in self.keys]
        run_a = comparison.run_a if runs[0] in (SHIPPED, None) else runs[0]
        run_b = comparison.run_b if runs[1] in (SHIPPED, None) else runs[1]
        return replace(comparison, run_a=run_a, run_b=run_b)

    def _on_compared(self, comparison) -> None:
        self._show(self._with_current_runs(comparison))
        self.computed.emit()

    # -- showing it -----------------------------------------------------------------------------------
    def names(self) -> tuple[str, str]:
        return self.name_of(self.keys[0]), self.name_of(self.keys[1])

    def _show(self, comparison) -> None:
        self.comparison = comparison
        names = self.names()
        self.curves.show_comparison(comparison, names)
        self.settings_table.set_rows(comparison.settings if comparison is not None else ())
        self.digits.show_difference(comparison.per_class if comparison is not None else None)
        if comparison is None:
            self.differences_label.setText("")
            self.match_label.setText("")
            self._slider_pair = None
            self.slider.setEnabled(False)
            self._show_epoch()
            return
        differ = comparison.differences
        self.differences_label.setText(f"{len(differ)} differ: {', '.join(key for key, _a, _b in differ)}" if differ
                                       else "The same settings (as far as both files say).")
        self.match_label.setText(match_text(comparison.match))
        self._set_slider_range(comparison)
        self.status_label.setText(self._summary(comparison, names))
        self._show_epoch()

    def _summary(self, comparison, names) -> str:
        per_class = comparison.per_class
        if per_class is None:
            return (f"A: {names[0]} ({accuracy_text(comparison.run_a.test_accuracy)}); B: {names[1]} "
                    f"({accuracy_text(comparison.run_b.test_accuracy)}). No test set is loaded for the per-digit "
                    "chart.")
        gap = 100 * (per_class.test_accuracy_b - per_class.test_accuracy_a)
        return (f"On {per_class.dataset_name or 'the test set'}: A {accuracy_text(per_class.test_accuracy_a)}, "
                f"B {accuracy_text(per_class.test_accuracy_b)} ({gap:+.2f} points for B).")

    def _set_slider_range(self, comparison) -> None:
        pair = (comparison.run_a.network, comparison.run_b.network)
        timelines = bool(comparison.run_a.timeline or comparison.run_b.timeline)
        steps = max(1, math.ceil(epoch_span(comparison.run_a, comparison.run_b)[1] * SLIDER_STEPS_PER_EPOCH))
        new_pair = self._slider_pair is None or any(a is not b for a, b in zip(pair, self._slider_pair))
        self._slider_pair = pair
        self.slider.blockSignals(True)
        self.slider.setRange(0, steps)
        self.slider.setPageStep(SLIDER_STEPS_PER_EPOCH // 4)
        if new_pair or not timelines:  # a new pair starts at the final weights
            self.slider.setValue(steps)
        self.slider.blockSignals(False)
        self.slider.setEnabled(timelines)
        self._epoch_from_slider()

    def _epoch_from_slider(self) -> None:
        value = self.slider.value()
        self.epoch = None if value >= self.slider.maximum() else value / SLIDER_STEPS_PER_EPOCH

    def set_epoch(self, epoch: float | None) -> None:
        """Move the slider to `epoch` (None: the right end, the final weights) and show both runs there."""
        self.slider.setValue(self.slider.maximum() if epoch is None else round(epoch * SLIDER_STEPS_PER_EPOCH))
        self._show_epoch()

    def _on_slider(self, _value: int) -> None:
        self._epoch_from_slider()
        self._scrub.request(live=self.slider.isSliderDown())

    def _show_epoch(self) -> None:
        """Both runs at the slider's epoch: chunks, curve cursors, the label and StudioState.comparison."""
        self._scrub.rendered()
        comparison = self.comparison
        if comparison is None:
            self.epoch = None
            self.chunks.clear()
            self.curves.set_epoch(None)
            self.epoch_label.setText("")
            if self.state is not None:
                self.state.set_comparison(None)
            return
        epoch = self.epoch
        networks = [network_at_epoch(run, epoch) for run in (comparison.run_a, comparison.run_b)]
        slots = comparison.match.slots()
        side = round(math.sqrt(networks[0].layer_sizes[0]))
        if side * side == networks[0].layer_sizes[0]:
            names = self.names()
            self.chunks.set_tiles(*(slot_tiles(n.weights[0], s) for n, s in zip(networks, slots)),
                                  (f"A: {names[0]}", f"B: {names[1]} (matched to A)"))
        else:
            self.chunks.clear()
        self.curves.set_epoch(epoch)
        self.epoch_label.setText(epoch_text(comparison, epoch))
        self.state.compare(comparison.run_a, comparison.run_b, *networks, epoch)

    def _on_chunk_hovered(self, slot: int) -> None:
        if self.comparison is None:
            return
        match = self.comparison.match
        if slot < 0:
            self.match_label.setText(match_text(match))
            return
        a, b = (int(s[slot]) for s in match.slots())
        if a >= 0 and b >= 0:
            text = f"A's neuron {a} \u2194 B's neuron {b}: r = {match.correlation[a]:.2f}"
        else:
            text = f"A's neuron {a} has no partner in B" if a >= 0 else f"B's neuron {b} has no partner in A"
        self.match_label.setText(text)
