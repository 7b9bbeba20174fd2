"""File -> Export -> ONNX… and PyTorch weights… (issue 14, "Export the trained network to the
ecosystem"): the network on screen written through a save dialog, the ONNX file checked with
onnxruntime on 1,000 test images off the GUI thread, what to install without the onnx package, and
failures that say so and write nothing."""
import sys
import threading

import numpy as np
import onnx
import pytest
from PySide6.QtWidgets import QMenu, QMessageBox
from qt_support import open_window, settings_file

from engine.exports import INSTALL_ONNX, OnnxCheck

SMALL = (2000, 1000)  # the window's dataset: 1,000 test images, as many as the check takes
WAIT_MS = 20000
TORCH_KEYS = ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
SEQUENTIAL = ("nn.Sequential(nn.Linear(784, 400), nn.ReLU(), nn.Linear(400, 200), nn.ReLU(), "
              "nn.Linear(200, 10), nn.Softmax(dim=1))")


def wait_for_message(qtbot, win):
    qtbot.waitUntil(lambda: isinstance(win.message_box, QMessageBox) and win.message_box.isVisible(), timeout=WAIT_MS)
    return win.message_box


@pytest.fixture
def asked(window, tmp_path, monkeypatch):
    """The save dialog answers with a file in tmp_path named as the window suggests; records each question."""
    questions = []

    def ask(title, file_name, file_filter):
        questions.append((title, file_name, file_filter))
        return str(tmp_path / file_name)

    monkeypatch.setattr(window, "ask_export_path", ask)
    return questions


def test_the_export_submenu_of_file_holds_onnx_and_pytorch(window):
    file_menu = window.menu_bar.actions()[0].menu()
    texts = [a.text().replace("&", "") for a in file_menu.actions()]
    assert "Export" in texts
    assert texts.index("Export") == texts.index("Export HTML report\u2026") + 1, "next to the other exports"
    export_menu = file_menu.actions()[texts.index("Export")].menu()
    assert isinstance(export_menu, QMenu) and export_menu is window.export_menu
    assert export_menu.actions() == [window.export_onnx_action, window.export_torch_action]
    assert [a.text().replace("&", "") for a in export_menu.actions()] == ["ONNX\u2026", "PyTorch weights\u2026"]
    assert window.export_onnx_action.objectName() == "export_onnx_action"
    assert window.export_torch_action.objectName() == "export_torch_action"
    assert "ONNX" in window.export_onnx_action.toolTip() and INSTALL_ONNX not in window.export_onnx_action.toolTip()
    assert "state_dict" in window.export_torch_action.toolTip()


def test_onnx_export_writes_the_network_and_checks_it_off_the_gui_thread(qtbot, window, asked, tmp_path,
                                                                        monkeypatch):
    import gui.app.file_actions as file_actions
    real_check, threads = file_actions.check_onnx, []

    def recording_check(path, network, x_rows):
        threads.append(threading.current_thread())
        return real_check(path, network, x_rows)

    monkeypatch.setattr(file_actions, "check_onnx", recording_check)
    window.export_onnx_action.trigger()
    assert asked == [("Export ONNX", "default.onnx", "ONNX models (*.onnx)")]
    path = tmp_path / "default.onnx"
    qtbot.waitUntil(lambda: window.onnx_check_result is not None, timeout=WAIT_MS)
    assert threads and threads[0] is not threading.main_thread(), "the check runs on a BackgroundTask"

    checked_path, check = window.onnx_check_result
    assert checked_path == str(path)
    assert check.images == 1000 and check.max_abs_difference < 1e-5 and check.predictions_agree
    status = window.statusBar().currentMessage()
    assert "checked on 1,000 test images" in status and "every predicted digit agrees" in status
    box = wait_for_message(qtbot, window)
    assert f"largest difference {check.max_abs_difference:.1e} from the engine's probabilities" in box.text()
    assert "every predicted digit agrees" in box.text()
    assert box.icon() == QMessageBox.Icon.Information
    box.close()

    loaded = onnx.load(str(path))
    onnx.checker.check_model(loaded)
    assert [node.op_type for node in loaded.graph.node] == ["Gemm", "Relu", "Gemm", "Relu", "Gemm", "Softmax"]
    weights = onnx.numpy_helper.to_array(loaded.graph.initializer[0])
    np.testing.assert_array_equal(weights, window.displayed_snapshot.network.weights[0].astype(np.float32))


def test_pytorch_export_writes_the_state_dict_and_names_its_sequential(qtbot, window, asked, tmp_path):
    window.export_torch_action.trigger()
    assert asked == [("Export PyTorch weights", "default-torch.npz", "PyTorch weights (*.npz)")]
    with np.load(tmp_path / "default-torch.npz", allow_pickle=False) as arrays:
        assert arrays.files == TORCH_KEYS
        np.testing.assert_array_equal(arrays["2.weight"],
                                      window.displayed_snapshot.network.weights[1].astype(np.float32))
    box = wait_for_message(qtbot, window)
    assert SEQUENTIAL in box.text() and "Exports for other tools" in box.text()
    assert "Exported the PyTorch weights" in window.statusBar().currentMessage()
    box.close()


def test_a_check_that_disagrees_or_fails_is_reported(qtbot, window, asked, monkeypatch):
    monkeypatch.setattr("gui.app.file_actions.check_onnx",
                        lambda path, network, x: OnnxCheck(len(x), 3.2e-3, predictions_agree=False))
    window.export_onnx_action.trigger()
    qtbot.waitUntil(lambda: window.onnx_check_result is not None, timeout=WAIT_MS)
    box = wait_for_message(qtbot, window)
    assert box.icon() == QMessageBox.Icon.Warning and "does not match" in box.windowTitle()
    assert "largest difference 3.2e-03 from the engine's probabilities (must be below 1e-05)" in box.text()
    assert "some predicted digits differ" in box.text()
    assert "FAILED its check" in window.statusBar().currentMessage()
    box.close()

    def broken(path, network, x):
        raise RuntimeError("the runtime fell over")

    monkeypatch.setattr("gui.app.file_actions.check_onnx", broken)
    window.export_onnx_action.trigger()
    qtbot.waitUntil(lambda: not window.onnx_check_task.busy, timeout=WAIT_MS)
    box = wait_for_message(qtbot, window)
    assert "the runtime fell over" in box.text() and "could not be checked" in window.statusBar().currentMessage()
    box.close()


def test_without_onnxruntime_the_export_says_the_check_was_skipped(qtbot, window, asked, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    window.export_onnx_action.trigger()
    qtbot.waitUntil(lambda: window.onnx_check_result is not None, timeout=WAIT_MS)
    assert window.onnx_check_result == (str(tmp_path / "default.onnx"), None)
    box = wait_for_message(qtbot, window)
    assert "onnxruntime is not installed" in box.text() and "pip install onnxruntime" in box.text()
    assert (tmp_path / "default.onnx").exists()
    box.close()


def test_without_the_onnx_package_the_item_says_what_to_install(qtbot, small, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)  # `import onnx` fails, as when it is not installed
    win = open_window(qtbot, small, settings_file(tmp_path))
    asked = []
    monkeypatch.setattr(win, "ask_export_path", lambda *args: asked.append(args) or str(tmp_path / "m.onnx"))
    assert win.export_onnx_action.isEnabled()
    assert INSTALL_ONNX in win.export_onnx_action.toolTip()
    win.export_onnx_action.trigger()
    box = wait_for_message(qtbot, win)
    assert INSTALL_ONNX in box.text()
    assert asked == [], "no file dialog for an export that cannot happen"
    assert not (tmp_path / "m.onnx").exists()
    box.close()

    # The file dialog was answered before the package went missing: still nothing is written.
    assert not win.export_onnx_file(tmp_path / "m.onnx")
    box = wait_for_message(qtbot, win)
    assert INSTALL_ONNX in box.text() and "Nothing was written" in box.text()
    assert not (tmp_path / "m.onnx").exists()
    box.close()
    win.close()


def test_failed_exports_say_so_and_write_nothing(qtbot, window, tmp_path, monkeypatch):
    for export, name in ((window.export_onnx_file, "m.onnx"), (window.export_torch_file, "t.npz")):
        target = tmp_path / "no such folder" / name
        assert not export(target)
        box = wait_for_message(qtbot, window)
        assert "Could not export" in box.windowTitle() and "Nothing was written" in box.text()
        assert str(target) in box.text() and box.text().count(str(target)) == 1
        assert not target.parent.exists()
        box.close()
    assert window.onnx_check_result is None and not window.onnx_check_task.busy, "nothing to check"

    # The disk fills up while writing: an earlier file of that name stays as it was.
    existing = tmp_path / "model.onnx"
    existing.write_bytes(b"an earlier export")

    def disk_full(_fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("engine.atomic.os.fsync", disk_full)
    assert not window.export_onnx_file(existing)
    box = wait_for_message(qtbot, window)
    assert "No space left on device" in box.text() and "unchanged" in box.text()
    assert existing.read_bytes() == b"an earlier export"
    assert not any(p.name.endswith(".tmp") for p in tmp_path.iterdir()), "a partial file was left"
    box.close()


def test_nothing_on_screen_means_nothing_to_save(qtbot, small, tmp_path, monkeypatch):
    win = open_window(qtbot, small, settings_file(tmp_path), model_path=None)
    assert win.displayed_snapshot is None
    asked = []
    monkeypatch.setattr(win, "ask_export_path", lambda *args: asked.append(args) or str(tmp_path / "x"))
    for made in (win.export_onnx_action, win.export_torch_action):
        made.trigger()
        box = wait_for_message(qtbot, win)
        assert box.windowTitle() == "Nothing to save"
        box.close()
    assert asked == [] and not (tmp_path / "x").exists()
    win.close()
