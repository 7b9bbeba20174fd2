"""The "understand the trained network" views, one tab each, with an "Evaluate now" button.

The tabs hold the panels and bind each to the studio's state when it is built: a panel then
draws what it shows while its tab is on screen (gui.widgets.panel_base). A panel is built the
first time it is needed, usually when its tab is first shown: together they cost more to build
than the rest of the window, and many sessions never open most of them. Probe requests are
passed on for the window to answer.
"""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QScrollArea, QTabWidget, QToolButton, QWidget

from engine.snapshot import RunState

from ..widgets.panel_base import ReportPanel, SnapshotPanel
from ..widgets.visibility import on_screen
from .compare_panel import ComparePanel
from .dataset_panel import DatasetPanel
from .embedding_panel import EmbeddingPanel
from .evaluation_panel import EvaluationPanel
from .gradient_flow_panel import GradientFlowPanel
from .histograms_panel import HistogramsPanel
from .large_chunks_panel import LargeChunksPanel
from .math_panel import MathPanel
from .mistakes_panel import MistakesPanel
from .robustness_panel import RobustnessPanel
from .transfer_panel import TransferPanel

EVALUATE_TEXT = "Evaluate now"
EVALUATING_TEXT = "Evaluating\u2026"
EVALUATE_TIP = ("Score the network on screen on every test image now (F5). During training this "
                "happens by itself after every epoch while the Evaluation or Mistakes tab is shown.")

TABS = (
    (EvaluationPanel, "Evaluation",
     "Test accuracy, accuracy per digit, and the confusion matrix: which digit is taken for which."),
    (MistakesPanel, "Mistakes", "The misclassified test images, the most confident mistakes first."),
    (LargeChunksPanel, "Large chunks",
     "What deeper neurons respond to: layer-2 fields W[2]W[1], maximised inputs, output patterns."),
    (EmbeddingPanel, "Embedding",
     "Test images placed by each layer's activations (principal components): watch the digits separate."),
    (RobustnessPanel, "Robustness",
     "Accuracy under noise, rotation and thicker or thinner strokes, and answering only when sure."),
    (DatasetPanel, "Dataset", "Browse the training and test images by digit, with each digit's mean."),
    (HistogramsPanel, "Histograms",
     "How the weights and biases of every layer are distributed, now and at the start of the run."),
    (GradientFlowPanel, "Gradient flow",
     "Whether every layer still learns: gradient sizes, update sizes against the weights, and dead ReLU units, "
     "live while training (vanishing and exploding gradients are flagged)."),
    (MathPanel, "Math",
     "Backpropagation step by step: every equation of one training step with its numbers, on seed 001's "
     "example or on one test image through the network on screen."),
    (TransferPanel, "Transfer",
     "MNIST's test accuracy next to the accuracy on digits from another source (fonts, a stroke model, or a "
     "set you open), digit by digit, with the digits that transfer worst."),
    (ComparePanel, "Compare",
     "Two runs side by side: curves on shared axes, settings with the differences marked, first-layer chunks "
     "matched neuron to neuron, accuracy per digit, and one epoch slider for both. Every training run is kept."),
)


def _tab_panel(index: int):
    return property(lambda self: self.panel(index), doc=f"The {TABS[index][1]} panel (built on first use).")


class AnalysisTabs(QTabWidget):
    probeRequested = Signal(str, int, object)
    """(split, index, dataset): show image `index` of `split` ("train" or "test") of `dataset`
    in the activations view; `dataset` is the one the requesting view shows."""
    evaluateRequested = Signal()
    panelCreated = Signal(QWidget)

    evaluation_panel = _tab_panel(0)
    mistakes_panel = _tab_panel(1)
    large_chunks_panel = _tab_panel(2)
    embedding_panel = _tab_panel(3)
    robustness_panel = _tab_panel(4)
    dataset_panel = _tab_panel(5)
    histograms_panel = _tab_panel(6)
    gradient_flow_panel = _tab_panel(next(i for i, tab in enumerate(TABS) if tab[0] is GradientFlowPanel))
    math_panel = _tab_panel(next(i for i, tab in enumerate(TABS) if tab[0] is MathPanel))
    transfer_panel = _tab_panel(next(i for i, tab in enumerate(TABS) if tab[0] is TransferPanel))
    compare_panel = _tab_panel(next(i for i, tab in enumerate(TABS) if tab[0] is ComparePanel))

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("analysisTabs")
        self.setDocumentMode(True)
        self.state = None
        self._panels: dict[int, QWidget] = {}
        self._pages: list[QScrollArea] = []
        for index, (kind, title, tip) in enumerate(TABS):
            # Scrollable: where the tabs share a small place, a panel larger than it scrolls
            # instead of making the whole window grow.
            page = QScrollArea()
            page.setObjectName(f"{kind.__name__[0].lower()}{kind.__name__[1:]}Page")
            page.setWidgetResizable(True)
            page.setFrameShape(QFrame.Shape.NoFrame)
            self._pages.append(page)
            self.addTab(page, title)
            self.setTabToolTip(index, tip)

        # Which network the scores belong to: during a run the weights move on between evaluations.
        self.source_label = QLabel("Scores: none yet")
        self.source_label.setObjectName("evaluationSourceLabel")
        self.source_label.setToolTip(
            "The network whose test-set scores the Evaluation and Mistakes tabs show: the loaded model, "
            "or a run's network after so many epochs (or at a step, when evaluated in between).")
        self.evaluate_button = QToolButton()
        self.evaluate_button.setObjectName("evaluateNowButton")
        self.evaluate_button.setText(EVALUATE_TEXT)
        self.evaluate_button.setToolTip(EVALUATE_TIP)
        self.evaluate_button.setAutoRaise(True)
        self.evaluate_button.clicked.connect(self.evaluateRequested)
        # Held here: the tab widget does not take ownership of its corner widget.
        self.corner = QWidget()
        corner_layout = QHBoxLayout(self.corner)
        corner_layout.setContentsMargins(8, 0, 2, 0)
        corner_layout.addWidget(self.source_label)
        corner_layout.addWidget(self.evaluate_button)
        self.setCornerWidget(self.corner)

    def bind(self, state) -> None:
        """Bind every panel, now and when built, to `state`; name the network the scores are of."""
        self.state = state
        for panel in self._panels.values():
            panel.bind(state)
        state.reportChanged.connect(lambda _: self.set_report_source(
            f"Scores: {network_name(state.report_snapshot, short=True)}"))

    def refresh_current(self) -> None:
        """Bring the tab on screen up to date (hidden tabs wait until they are shown)."""
        if on_screen(self):
            self.current_panel().refresh()  # built now if this is its first appearance

    # -- panels --------------------------------------------------------------------------
    def panel(self, index: int) -> QWidget:
        """The panel of tab `index`, built now if it does not exist yet."""
        if index not in self._panels:
            panel = TABS[index][0]()
            self._panels[index] = panel
            self._pages[index].setWidget(panel)
            panel.imageProbed.connect(self.probeRequested)
            if self.state is not None:
                panel.bind(self.state)
            self.panelCreated.emit(panel)
        return self._panels[index]

    def index_of(self, panel: QWidget) -> int:
        return next(i for i, p in self._panels.items() if p is panel)

    def current_panel(self) -> QWidget | None:
        index = self.currentIndex()
        return self.panel(index) if index >= 0 else None

    def show_panel(self, panel_or_index) -> None:
        index = panel_or_index if isinstance(panel_or_index, int) else self.index_of(panel_or_index)
        self.setCurrentIndex(index)

    @property
    def created_panels(self) -> tuple[QWidget, ...]:
        return tuple(self._panels[i] for i in sorted(self._panels))

    @property
    def snapshot_panels(self) -> tuple[QWidget, ...]:
        return tuple(p for p in self.created_panels if isinstance(p, SnapshotPanel))

    @property
    def report_panels(self) -> tuple[QWidget, ...]:
        return tuple(p for p in self.created_panels if isinstance(p, ReportPanel))

    def report_watched(self) -> bool:
        return any(on_screen(panel) for panel in self.report_panels)

    def set_report_source(self, text: str) -> None:
        self.source_label.setText(text)

    def set_evaluating(self, busy: bool) -> None:
        self.evaluate_button.setText(EVALUATING_TEXT if busy else EVALUATE_TEXT)
        self.evaluate_button.setEnabled(not busy)


def network_name(snapshot, short: bool = False) -> str:
    """Which network a snapshot holds: "the loaded model", "the network after 3 epochs", ...;
    `short`: "loaded model", "epoch 3", ..."""
    if snapshot.state == RunState.IDLE:
        return "loaded model" if short else "the loaded model"
    if snapshot.step == 0:
        return "untrained" if short else "the untrained network"
    if snapshot.batch == 0 or snapshot.state == RunState.FINISHED:
        if short:
            return f"epoch {snapshot.epoch}"
        return f"the network after {snapshot.epoch} epoch{'' if snapshot.epoch == 1 else 's'}"
    return f"step {snapshot.step:,}" if short else f"the network at step {snapshot.step:,}"
