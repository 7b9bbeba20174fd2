"""Project-level promises: the README's commands, the dependency pins, the engine's purity."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _readme_commands():
    return re.findall(r"```(?:sh|bash)?\n(.*?)\n```", (ROOT / "README.md").read_text(), re.S)


def test_ci_runs_the_readme_test_command():
    ci_lines = [line for line in (ROOT / ".ci/run").read_text().splitlines()
                if line and not line.startswith(("#", "set ", "cd "))]
    assert len(ci_lines) == 2
    assert "ruff check ." in ci_lines[0], "CI lints before it tests"
    assert ci_lines[1] in _readme_commands()[:3], "the README's test command and .ci/run must be the same"


def test_readme_launch_command_comes_first():
    first = _readme_commands()[0]
    assert "main.py" in first and "pip install" in first


def test_pyside6_6_12_0_is_excluded():
    text = (ROOT / "pyproject.toml").read_text()
    assert re.search(r'"PySide6-Essentials[^"]*!=6\.12\.0', text)


def test_engine_never_imports_qt():
    for path in (ROOT / "engine").rglob("*.py"):
        source = path.read_text()
        assert not re.search(r"^\s*(from|import)\s+(PySide6|PyQt|pyqtgraph)", source, re.M), path.name


def test_nothing_loads_with_pickle():
    for folder in ("engine", "gui"):
        for path in (ROOT / folder).rglob("*.py"):
            assert "allow_pickle=True" not in path.read_text(), path.name
