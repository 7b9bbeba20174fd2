"""The package as a user installs it: the wheel and the sdist carry what the app ships, and the
installed app runs from any folder (no clone beside it)."""
import json
import os
import subprocess
import sys
import sysconfig
import tarfile
import zipfile

import pytest
from support import ROOT

SHIPPED = ["assets/mnist/train-images-idx3-ubyte.gz", "assets/mnist/train-labels-idx1-ubyte.gz",
           "assets/mnist/t10k-images-idx3-ubyte.gz", "assets/mnist/t10k-labels-idx1-ubyte.gz",
           "assets/mnist/SHA256SUMS", "assets/models/default.npz", "assets/handwriting/other-digits.npz",
           "assets/icons/backprop-studio.svg", "assets/linux/backprop-studio.desktop"]


def _run(args, **kwargs):
    result = subprocess.run(args, capture_output=True, text=True, timeout=300, **kwargs)
    assert result.returncode == 0, f"{args}: {result.returncode}\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh virtual environment with the wheel installed (its dependencies are taken from the
    environment running the tests, so nothing is downloaded), and an empty folder to run it in."""
    folder = tmp_path_factory.mktemp("install")
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w",
          str(folder / "dist"), str(ROOT)])
    wheel = next((folder / "dist").glob("backprop_studio-*.whl"))
    venv = folder / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    site = _run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip()
    # The test environment's packages, added after the venv's own: numpy, PySide6, pyqtgraph...
    (venv / site.split(str(venv) + os.sep, 1)[1] / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"])
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index",
          str(wheel)])
    elsewhere = folder / "elsewhere"
    elsewhere.mkdir()
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env.update(QT_QPA_PLATFORM="offscreen", BACKPROP_STUDIO_SETTINGS=str(folder / "settings.ini"))
    return wheel, venv, elsewhere, env


def test_the_wheel_carries_the_assets(installed):
    wheel = installed[0]
    names = set(zipfile.ZipFile(wheel).namelist())
    assert set(SHIPPED) <= names


def test_the_sdist_carries_the_assets(tmp_path):
    _run([sys.executable, "-c", f"from setuptools import build_meta; build_meta.build_sdist({str(tmp_path)!r})"],
         cwd=ROOT)
    sdist = next(tmp_path.glob("backprop_studio-*.tar.gz"))
    names = {name.split("/", 1)[1] for name in tarfile.open(sdist).getnames() if "/" in name}
    assert set(SHIPPED) <= names


def test_the_installed_cli_trains_and_evaluates_from_another_folder(installed):
    _, venv, elsewhere, env = installed
    where = _run([str(venv / "bin" / "python"), "-c", "import assets, engine; print(engine.__file__); "
                  "print(assets.MNIST_DIR); print(assets.DEFAULT_MODEL)"], cwd=elsewhere, env=env)
    engine_file, mnist_dir, default_model = where.stdout.split()
    assert all(path.startswith(str(venv)) for path in (engine_file, mnist_dir, default_model))
    model = elsewhere / "one-epoch.npz"
    _run([str(venv / "bin" / "backprop-studio"), "train", "--preset", "seed-003", "--epochs", "1",
          "--save", str(model), "--json"], cwd=elsewhere, env=env)
    assert model.is_file()
    evaluated = _run([str(venv / "bin" / "backprop-studio"), "evaluate", default_model, "--json"],
                     cwd=elsewhere, env=env)
    assert json.loads(evaluated.stdout.strip().splitlines()[-1])["test_accuracy"] > 0.98
    as_module = _run([str(venv / "bin" / "python"), "-m", "gui", "evaluate", str(model), "--json"],
                     cwd=elsewhere, env=env)
    assert json.loads(as_module.stdout.strip().splitlines()[-1])["test_accuracy"] > 0.8


def test_the_installed_window_opens_with_its_icon_from_another_folder(installed):
    _, venv, elsewhere, env = installed
    shown = _run([str(venv / "bin" / "backprop-studio")], cwd=elsewhere,
                 env=dict(env, BACKPROP_STUDIO_STARTUP_PROBE="1"))
    assert any(line.startswith("shown ") for line in shown.stdout.splitlines())
    assert "Cannot open file" not in shown.stderr and "No ready-trained model" not in shown.stdout + shown.stderr
