"""The window's menu bar, its actions, the layout switch and the message banner under them."""
from __future__ import annotations

import importlib.util

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QMenuBar, QToolButton, QVBoxLayout, QWidget

from engine.exports import INSTALL_ONNX

from ..panels.controls import RUN_SHORTCUTS
from ..widgets.message_banner import MessageBanner
from .appearance_menu import AppearanceActions

TRAINING_LAYOUT, ANALYSIS_LAYOUT = "training", "analysis"

OPEN_DATASET_TIP = ("Train and test on other digit images: a folder of MNIST IDX files (pick any file in it), "
                    "a Keras-style .npz, or an mnist-in-csv file. Only while no run is active: a run keeps "
                    "the images it started with, so stop or reset it first.")
EXPORT_ONNX_TIP = ("Save the network on screen as an ONNX file (opset 17: Gemm, activation, Softmax) for "
                   "onnxruntime and other tools; with onnxruntime installed it is checked on 1,000 test images.")
EXPORT_TORCH_TIP = ("Save the weights on screen as a PyTorch state_dict-shaped .npz (plain arrays) that an "
                    "nn.Sequential of Linear layers loads; the README shows how.")


def onnx_installed() -> bool:
    """True when the optional onnx package can be imported (without importing it)."""
    try:
        return importlib.util.find_spec("onnx") is not None
    except (ImportError, ValueError):
        return False


def action(owner: QWidget, text: str, shortcut: str | None, tip: str) -> QAction:
    made = QAction(text, owner)
    if shortcut:
        made.setShortcut(QKeySequence(shortcut))
    made.setStatusTip(tip)
    made.setToolTip(tip)
    return made


def build_menus(window) -> None:
    """Give `window` its menu bar and actions (as attributes named after them), the layout switch
    at the top right and the banner under the menus."""
    w = window
    menu_bar = QMenuBar()
    file_menu = menu_bar.addMenu("&File")
    w.open_dataset_action = action(w, "Open &dataset\u2026", "Ctrl+Shift+O", OPEN_DATASET_TIP)
    w.save_action = action(w, "&Save model\u2026", "Ctrl+S",
                           "Save the network on screen (W[l] and b[l] of every layer) to an .npz file.")
    w.save_timeline_action = action(
        w, "Save model with &timeline\u2026", "Ctrl+Shift+S",
        "Save the network on screen together with the run's timeline (float16 weights of every "
        "recorded moment), so that loading it lets you scrub through the training again.")
    w.load_action = action(w, "&Load model\u2026", "Ctrl+O",
                           "Load a saved network to try on the drawing pad (Reset a run first).")
    w.save_run_action = action(
        w, "Save r&un\u2026", None,
        "Save the run selected in Analysis \u2192 Compare (the latest if none is) to one .npz file: its settings, "
        "curves, timeline and final weights. Any model loader opens it too.")
    w.save_run_action.setObjectName("saveRunAction")
    w.open_run_action = action(
        w, "Open ru&n\u2026", None,
        "Add a saved run (or any model file) to the runs that Analysis \u2192 Compare shows side by side.")
    w.open_run_action.setObjectName("openRunAction")
    w.export_chunks_action = action(
        w, "Export chunk grid as &PNG\u2026", None,
        "Save the first-layer weights, one 28\u00d728 tile per neuron, as one PNG picture.")
    w.export_history_action = action(
        w, "Export training &history (CSV)\u2026", None,
        "Save the loss of every mini-batch and the metrics of every epoch as a CSV table.")
    w.export_report_action = action(
        w, "Export HTML &report\u2026", None,
        "Save one self-contained web page: settings, curves, confusion matrix and chunk grid.")
    w.export_onnx_action = action(w, "&ONNX\u2026", None,
                                  EXPORT_ONNX_TIP if onnx_installed() else f"{INSTALL_ONNX}. {EXPORT_ONNX_TIP}")
    w.export_torch_action = action(w, "&PyTorch weights\u2026", None, EXPORT_TORCH_TIP)
    w.export_onnx_action.setObjectName("export_onnx_action")
    w.export_torch_action.setObjectName("export_torch_action")
    w.quit_action = action(w, "&Quit", "Ctrl+Q", "Close Backprop Studio.")
    w.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
    file_menu.addAction(w.open_dataset_action)
    file_menu.addSeparator()
    file_menu.addAction(w.save_action)
    file_menu.addAction(w.save_timeline_action)
    file_menu.addAction(w.load_action)
    file_menu.addSeparator()
    file_menu.addAction(w.save_run_action)
    file_menu.addAction(w.open_run_action)
    file_menu.addSeparator()
    for made in (w.export_chunks_action, w.export_history_action, w.export_report_action):
        file_menu.addAction(made)
    w.export_menu = file_menu.addMenu("E&xport")
    w.export_menu.setToolTipsVisible(True)
    w.export_menu.addAction(w.export_onnx_action)
    w.export_menu.addAction(w.export_torch_action)
    file_menu.addSeparator()
    file_menu.addAction(w.quit_action)

    w.view_menu = menu_bar.addMenu("&View")
    w.layout_actions = {
        TRAINING_LAYOUT: action(w, "&Training layout", "Ctrl+1",
                                "Every live training panel in view; the analysis tabs share the loss plot's place."),
        ANALYSIS_LAYOUT: action(w, "&Analysis layout", "Ctrl+2",
                                "The analysis tabs large, with the activations view beside them."),
    }
    layout_group = QActionGroup(w)
    for name, made in w.layout_actions.items():
        made.setCheckable(True)
        made.setIconText(name.capitalize())
        layout_group.addAction(made)
        w.view_menu.addAction(made)
    w.restore_layout_action = action(w, "Restore default layout", None,
                                     "Put the panels of the current layout back where they started.")
    w.view_menu.addAction(w.restore_layout_action)
    w.view_menu.addSeparator()
    w.appearance_actions = made = AppearanceActions(w, w.view_menu)
    w.theme_actions, w.colour_blind_action = made.theme_actions, made.colour_blind_action
    w.view_menu.addSeparator()

    run_menu = menu_bar.addMenu("&Run")
    w.run_actions = {
        "start": action(w, "&Start, pause or resume", RUN_SHORTCUTS["start"],
                        "Start a run with the settings in the controls, or pause or resume the one in progress."),
        "step": action(w, "S&tep one mini-batch", RUN_SHORTCUTS["step"],
                       "Train exactly one mini-batch, then pause (starts a run paused if there is none)."),
        "stop": action(w, "St&op", RUN_SHORTCUTS["stop"], "End the run; the trained network stays."),
        "reset": action(w, "&Reset", RUN_SHORTCUTS["reset"],
                        "Forget the run and unlock the settings that shape the network."),
    }
    for made in w.run_actions.values():
        run_menu.addAction(made)

    analysis_menu = menu_bar.addMenu("&Analysis")
    w.evaluate_action = action(w, "&Evaluate now", "F5", "Score the network on screen on every test image.")
    analysis_menu.addAction(w.evaluate_action)
    analysis_menu.addSeparator()
    for index in range(w.analysis.count()):
        made = analysis_menu.addAction(w.analysis.tabText(index))
        made.setStatusTip(w.analysis.tabToolTip(index))
        made.triggered.connect(lambda _=False, i=index: w.show_analysis(i))

    help_menu = menu_bar.addMenu("&Help")
    w.shortcuts_action = action(w, "&Keyboard shortcuts", "F1", "Every key the window answers.")
    help_menu.addAction(w.shortcuts_action)

    for made in (w.open_dataset_action, w.save_action, w.save_timeline_action, w.load_action, w.quit_action,
                 w.evaluate_action, *w.layout_actions.values(), *w.run_actions.values(), w.shortcuts_action):
        w.addAction(made)  # shortcuts work even when the menu bar is native

    # Training and analysis layouts, one click apart at the top right. Held by the window: the
    # menu bar does not take ownership of its corner widget.
    w.layout_switch = switch = QWidget()
    switch_layout = QHBoxLayout(switch)
    switch_layout.setContentsMargins(0, 0, 6, 0)
    switch_layout.setSpacing(2)
    for name, made in w.layout_actions.items():
        button = QToolButton()
        button.setObjectName(f"{name}LayoutButton")
        button.setDefaultAction(made)
        button.setAutoRaise(True)
        switch_layout.addWidget(button)
    menu_bar.setCornerWidget(switch, Qt.Corner.TopRightCorner)

    w.banner = MessageBanner()
    # The banner sits under the menu bar, outside the dock layout, so moving docks can never hide it.
    top = QWidget()
    top_layout = QVBoxLayout(top)
    top_layout.setContentsMargins(0, 0, 0, 0)
    top_layout.setSpacing(0)
    top_layout.addWidget(menu_bar)
    banner_row = QVBoxLayout()
    banner_row.setContentsMargins(6, 4, 6, 0)
    banner_row.addWidget(w.banner)
    top_layout.addLayout(banner_row)
    w.setMenuWidget(top)
    w.menu_bar = menu_bar
