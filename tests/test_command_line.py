"""`backprop-studio` without a headless command (issue 19, defects 1 and 2; issue 14's --version): an
unknown command or an unreadable file exits 2 with one line before Qt is imported, and --version
prints the version. The window side of opening files is in tests/gui/test_opening_files.py."""
import os
import re
import subprocess
import sys

import numpy as np
import pytest
from support import DEFAULT_MODEL, ROOT

import main as entry
from engine.cli import COMMANDS
from gui.app.opening import DATASET, MODEL, Launch, LaunchError, parse_arguments, path_kind, unknown_command_message


def run_main(*argv, cwd=None):
    """`python -X importtime main.py ARGV` with a Qt platform that does not exist: a window, or any
    import of Qt, would show. Returns the CompletedProcess; its stderr without the import times."""
    env = dict(os.environ, QT_QPA_PLATFORM="nonexistent")
    result = subprocess.run([sys.executable, "-X", "importtime", str(ROOT / "main.py"), *map(str, argv)],
                            capture_output=True, text=True, timeout=120, env=env, cwd=cwd)
    imports = [line for line in result.stderr.splitlines() if line.startswith("import time:")]
    result.imported_qt = any(re.search(r"\|\s*(PySide6|shiboken6|pyqtgraph)\b", line) for line in imports)
    result.message = "\n".join(line for line in result.stderr.splitlines() if not line.startswith("import time:"))
    return result


COMMAND_LIST = f"(commands: {', '.join(COMMANDS)})"  # train, evaluate, bench, export, compare


@pytest.mark.parametrize("argv, expected", [
    (["evalute", "model.npz"], f"unknown command 'evalute'; did you mean 'evaluate'? {COMMAND_LIST}"),
    (["predict", "a.npz"], f"unknown command 'predict' {COMMAND_LIST}"),
    (["comapre", "a.npz", "b.npz"], f"unknown command 'comapre'; did you mean 'compare'? {COMMAND_LIST}"),
    (["trian"], "unknown command 'trian'; did you mean 'train'?"),
    (["--dat", "x.npz"], "unknown option '--dat'; did you mean '--data'?"),
])
def test_an_unknown_command_exits_2_with_one_line_before_qt(argv, expected, tmp_path):
    result = run_main(*argv, cwd=tmp_path)
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stdout == ""
    assert len(result.message.splitlines()) == 1 and expected in result.message, result.message
    assert not result.imported_qt, "Qt was imported"


def test_an_unreadable_file_exits_2_with_the_headless_commands_message(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip file at all")
    evaluate = subprocess.run([sys.executable, str(ROOT / "main.py"), "evaluate", str(bad)],
                              capture_output=True, text=True, timeout=120)
    assert evaluate.returncode == 2
    for argv in ([bad], ["--data", bad], [tmp_path / "missing.npz"], ["--data", tmp_path / "no-such-folder"]):
        result = run_main(*argv)
        assert result.returncode == 2, result.stderr[-2000:]
        assert len(result.message.splitlines()) == 1 and str(argv[-1]) in result.message
        assert "Traceback" not in result.message and not result.imported_qt
    assert run_main(bad).message == evaluate.stderr.strip(), "the same reader, the same message"


def test_compare_with_an_unreadable_file_exits_2_with_one_line_before_qt(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip file at all")
    report = tmp_path / "report.html"
    result = run_main("compare", DEFAULT_MODEL, bad, "--html", report)
    assert result.returncode == 2, result.stderr[-2000:]
    assert result.stdout == "" and not report.exists()
    assert result.message == f"error: {bad}: not a valid .npz archive (File is not a zip file)"
    assert not result.imported_qt


def test_version_prints_the_projects_version_before_qt():
    expected = re.search(r'^version\s*=\s*"([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M).group(1)
    result = run_main("--version")
    assert result.returncode == 0 and result.stdout == f"backprop-studio {expected}\n"
    assert not result.imported_qt


def test_version_falls_back_to_pyproject_when_not_installed(monkeypatch, capsys):
    from importlib import metadata

    def not_installed(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", not_installed)
    expected = re.search(r'^version\s*=\s*"([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M).group(1)
    assert entry.version() == expected
    assert entry.main(["--version"]) == 0
    assert capsys.readouterr().out == f"backprop-studio {expected}\n"


def test_unknown_command_message_suggests_the_closest_command():
    assert unknown_command_message("evalute") == f"unknown command 'evalute'; did you mean 'evaluate'? {COMMAND_LIST}"
    assert {"train", "evaluate", "bench", "export", "compare"} <= set(COMMANDS)
    assert unknown_command_message("bnch").startswith("unknown command 'bnch'; did you mean 'bench'?")


def test_qt_options_and_files_are_what_the_window_takes(tmp_path):
    launch = parse_arguments(["-platform", "offscreen", "-style=fusion", "--reverse", str(DEFAULT_MODEL)])
    assert launch.qt_args == ("-platform", "offscreen", "-style=fusion", "--reverse")
    assert launch.model_path == DEFAULT_MODEL and launch.dataset is None
    assert parse_arguments([]) == Launch()
    with pytest.raises(LaunchError, match="unknown command 'evalute'"):
        parse_arguments(["evalute", str(DEFAULT_MODEL)])
    with pytest.raises(LaunchError, match="one model"):
        parse_arguments([str(DEFAULT_MODEL), str(DEFAULT_MODEL)])
    with pytest.raises(LaunchError, match="--data needs"):
        parse_arguments(["--data"])


def test_a_model_file_and_a_dataset_npz_are_told_apart(tmp_path, mnist):
    data = mnist.subset(30, 10)
    dataset = tmp_path / "digits.npz"
    np.savez(dataset, x_train=np.zeros((30, 28, 28), np.uint8), y_train=data.y_train[:30],
             x_test=np.zeros((10, 28, 28), np.uint8), y_test=data.y_test[:10])
    assert path_kind(DEFAULT_MODEL) == MODEL
    assert path_kind(dataset) == DATASET and path_kind(tmp_path) == DATASET
    assert path_kind(tmp_path / "missing.npz") == MODEL  # the model reader says it is missing
    launch = parse_arguments([str(dataset)])
    assert launch.model_path is None and launch.dataset_path == dataset and launch.dataset.n_train == 30
