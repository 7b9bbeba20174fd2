"""Backprop Studio's entry point.

    python main.py                 open the app
    python main.py train ...       train headless (see --help)
    python main.py evaluate M.npz  score a saved model
    python main.py bench           measure the engine's speed
"""
import sys

from engine.cli import COMMANDS


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and (argv[0] in COMMANDS or argv[0] in ("-h", "--help")):
        from engine.cli import main as cli_main
        return cli_main(argv)
    from gui.app.application import main as gui_main
    return gui_main(argv)


if __name__ == "__main__":
    sys.exit(main())
