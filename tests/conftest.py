"""Shared set-up of the whole suite: Qt without a screen, the helper modules beside this file on
sys.path, and the fixtures several test folders use (the dataset, the shipped model, a window)."""
import os
import sys
from pathlib import Path

# Before anything imports Qt: pytest-qt and the gui modules read it when the application starts.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

TESTS = Path(__file__).resolve().parent
if str(TESTS) not in sys.path:  # the helper modules here, for tests/engine and tests/gui alike
    sys.path.insert(0, str(TESTS))

import pytest  # noqa: E402 - after the environment and sys.path above
from support import DEFAULT_MODEL  # noqa: E402

from engine.data import load_mnist  # noqa: E402
from engine.modelio import load_model  # noqa: E402


@pytest.fixture(scope="session")
def mnist():
    """The bundled MNIST: read once, read-only."""
    return load_mnist()


@pytest.fixture(scope="module")
def small(request, mnist):
    """The first rows of MNIST for quick runs (views of the read-only arrays): as many training and test
    images as the module's SMALL says, 2000 and 300 if it does not say."""
    n_train, n_test = getattr(request.module, "SMALL", (2000, 300))
    return mnist.subset(n_train, n_test)


@pytest.fixture(scope="module")
def model():
    """The shipped model. A Network is mutable, so each module gets its own copy."""
    network, _ = load_model(DEFAULT_MODEL)
    return network


@pytest.fixture
def settings(tmp_path):
    """The window's remembered settings, in a file of this test's own."""
    from qt_support import settings_file

    return settings_file(tmp_path)


@pytest.fixture
def window(qtbot, small, settings):
    """The main window on `small` with fresh settings, shown and exposed; closed afterwards."""
    from qt_support import open_window

    win = open_window(qtbot, small, settings)
    yield win
    win.close()
