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


def _imports(path: Path) -> set[str]:
    """The modules `path` imports, relative imports resolved against its package."""
    package = path.relative_to(ROOT).parent.parts
    found = set()
    for dots, name in re.findall(r"^\s*from\s+(\.*)([\w.]*)\s+import", path.read_text(), re.M):
        if dots:
            base = package[: len(package) - (len(dots) - 1)]
            found.add(".".join((*base, name) if name else base))
        else:
            found.add(name)
    found.update(re.findall(r"^\s*import\s+([\w.]+)", path.read_text(), re.M))
    return found


def test_the_training_core_never_imports_analysis_or_entry_points():
    # engine/*.py is the core; engine/analysis reads what it trains, engine/cli drives it.
    for path in (ROOT / "engine").glob("*.py"):
        bad = {m for m in _imports(path) if m.startswith(("engine.analysis", "engine.cli"))}
        assert not bad, f"{path.name} imports {bad}"


def test_gui_rooms_import_only_downwards():
    """widgets at the bottom, then training, then the panels and analysis tabs, then the app."""
    allowed = {
        "widgets": {"gui.widgets"},
        "training": {"gui.widgets", "gui.training"},
        "panels": {"gui.widgets", "gui.training", "gui.panels"},
        "analysis": {"gui.widgets", "gui.training", "gui.analysis"},
    }
    for room, rooms in allowed.items():
        for path in (ROOT / "gui" / room).glob("*.py"):
            gui_imports = {m for m in _imports(path) if m.startswith("gui")}
            bad = {m for m in gui_imports if not m.startswith(tuple(rooms))}
            assert not bad, f"gui/{room}/{path.name} imports {bad}"
