"""Backprop Studio's entry point.

    python main.py                   open the app
    python main.py MODEL.npz         open the app with that model (--data PATH: with that dataset)
    python main.py train ...         train headless (see --help)
    python main.py evaluate M.npz    score a saved model
    python main.py bench             measure the engine's speed
    python main.py export M.npz      write it as ONNX (--onnx) or PyTorch weights (--torch)
    python main.py compare A B       two runs or models side by side (--json, --html OUT)
    python main.py --version         print the version

A word that is no command, an unknown option or a file that cannot be read exits with code 2 and
one line on stderr before Qt is imported (gui/app/opening.py).
"""
import re
import sys
from pathlib import Path

from engine.cli import COMMANDS

DISTRIBUTION = "backprop-studio"


def version() -> str:
    """The installed distribution's version, or pyproject.toml's when running from a source tree."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed_version
    try:
        return installed_version(DISTRIBUTION)
    except PackageNotFoundError:
        pass
    try:
        text = (Path(__file__).resolve().parent / "pyproject.toml").read_text(encoding="utf-8")
    except OSError:
        return "unknown"
    match = re.search(r'^version\s*=\s*"([^"]+)"', text, re.M)
    return match.group(1) if match else "unknown"


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["--version"]:
        print(f"{DISTRIBUTION} {version()}")
        return 0
    if argv and (argv[0] in COMMANDS or argv[0] in ("-h", "--help")):
        from engine.cli import main as cli_main
        return cli_main(argv)
    # Checked before Qt starts: a typo or a bad file never opens (or fails to open) a window.
    from gui.app.opening import LaunchError, parse_arguments
    try:
        launch = parse_arguments(argv)
    except LaunchError as e:
        sys.stderr.write(f"error: {e}\n")
        return 2
    from gui.app.application import main as gui_main
    return gui_main(launch=launch)


if __name__ == "__main__":
    sys.exit(main())
