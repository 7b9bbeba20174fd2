"""What the window opens: the files named on the command line or dropped onto it, and how they are read.

Qt-free, so that main.py can refuse a mistyped command or an unreadable file (exit code 2, one
line on stderr) before Qt starts. The readers are the engine's, so the messages are the ones the
headless commands give.

    backprop-studio [MODEL.npz] [--data PATH] [Qt options such as -platform offscreen or -style fusion]
"""
from __future__ import annotations

import difflib
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

from engine.cli import COMMANDS
from engine.data import IMAGE_SIDE, N_INPUTS, Dataset, load_dataset
from engine.modelio import ModelFileError, load_model_with_timeline

FILE_SUFFIXES = (".npz", ".csv")
"""Files read on their own; any other chosen file is taken to be one of a folder of IDX files."""

MODEL, DATASET = "model", "dataset"

QT_OPTIONS_WITH_VALUE = frozenset({
    "platform", "platformpluginpath", "platformtheme", "plugin", "qwindowgeometry", "geometry", "qwindowicon",
    "icon", "qwindowtitle", "title", "session", "display", "name", "style", "stylesheet", "qmljsdebugger",
    "fn", "font", "bg", "background", "fg", "foreground", "btn", "button", "visual", "ncols", "cmap", "im",
    "inputstyle"})
"""Options QGuiApplication and QApplication take with a value (`-style fusion` or `-style=fusion`; Qt
also accepts them with two dashes)."""
QT_FLAGS = frozenset({"reverse", "widgetcount", "nograb", "dograb", "sync", "testability"})
APP_OPTIONS = ("--data", "--help", "--version")


class LaunchError(ValueError):
    """A command line the window cannot open: the message is the one line to print (exit code 2)."""


@dataclass(frozen=True)
class Launch:
    """What `backprop-studio` without a command was asked to open, already read and checked."""

    model_path: Path | None = None
    dataset_path: Path | None = None
    dataset: Dataset | None = None
    qt_args: tuple = ()


def dataset_source(chosen: str | os.PathLike) -> Path:
    """What to read for a path picked in a file dialog or dropped: an .npz or .csv file itself, the
    folder of any other file (one of the IDX files), or a folder as it is."""
    path = Path(chosen)
    if path.is_dir() or path.suffix.lower() in FILE_SUFFIXES:
        return path
    return path.parent


def studio_dataset_problem(dataset: Dataset) -> str:
    """Why the studio cannot use `dataset`, or "". Its networks read 784 pixels and answer one of
    10 digits; a Dataset's labels are always digits 0 to 9, its image size is checked here."""
    if dataset.n_inputs != N_INPUTS:
        return (f"{dataset.name}: its images have {dataset.n_inputs} pixels, but Backprop Studio's networks "
                f"read {IMAGE_SIDE}\u00d7{IMAGE_SIDE} = {N_INPUTS}-pixel digit images.")
    if dataset.n_train == 0 or dataset.n_test == 0:
        return f"{dataset.name}: it needs at least one training image and one test image."
    return ""


def read_dataset(source: Path | None) -> tuple[Dataset | None, str]:
    """(dataset, "") or (None, a message for the user): `source` read with engine.data.load_dataset
    (None: the bundled MNIST) and checked for the studio. Pure: runs on a background thread."""
    try:
        dataset = load_dataset(source)
    except (ValueError, OSError) as e:  # engine.data.DataError is a ValueError
        return None, str(e)
    except MemoryError:
        return None, f"{source}: not enough memory to read this dataset."
    problem = studio_dataset_problem(dataset)
    return (None, problem) if problem else (dataset, "")


def read_model(path: str | os.PathLike):
    """(network, metadata, timeline stops) of the model file at `path`, or ModelFileError naming the
    file and the problem: engine.modelio's reader, and a network the studio can show (784 inputs, 10
    outputs)."""
    path = Path(path)
    network, metadata, timeline = load_model_with_timeline(path)
    if network.layer_sizes[0] != N_INPUTS or network.layer_sizes[-1] != 10:
        raise ModelFileError(f"{path}: the network has {network.layer_sizes[0]} inputs and "
                             f"{network.layer_sizes[-1]} outputs; Backprop Studio needs {N_INPUTS} and 10")
    return network, metadata, timeline


def path_kind(path: str | os.PathLike) -> str:
    """MODEL or DATASET: what a file named on the command line or dropped onto the window holds. An
    .npz is a model unless it has a dataset's arrays (x_train, ...) and no model header; one that
    cannot be opened counts as a model, whose reader then says why. Anything else is a dataset."""
    path = Path(path)
    if path.is_dir() or path.suffix.lower() != ".npz":
        return DATASET
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (OSError, zipfile.BadZipFile, ValueError):
        return MODEL
    return DATASET if "header.npy" not in names and "x_train.npy" in names else MODEL


def unknown_command_message(word: str) -> str:
    """"unknown command 'evalute'; did you mean 'evaluate'? (commands: train, evaluate, bench)"."""
    close = difflib.get_close_matches(word, list(COMMANDS), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown command {word!r}{hint} (commands: {', '.join(COMMANDS)})"


def _unknown_option_message(option: str) -> str:
    close = difflib.get_close_matches(option.split("=", 1)[0], APP_OPTIONS, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return (f"unknown option {option!r}{hint} (the app opens MODEL.npz and --data PATH; "
            f"commands: {', '.join(COMMANDS)})")


def is_command_attempt(word: str) -> bool:
    """True for a word meant as a command rather than a file: it names nothing that exists and has
    neither a file-like suffix nor a folder in it (`evalute`, but not `model.npz` or `runs/best`)."""
    return not (os.path.exists(word) or Path(word).suffix or "/" in word or os.sep in word)


def parse_arguments(argv: list[str]) -> Launch:
    """The files `argv` (the arguments of `backprop-studio` without a command) asks the window to open,
    read and checked, and the Qt options among them. LaunchError for anything else: a word that is
    no command, an unknown option, or a file that cannot be read (the engine reader's message)."""
    args, qt_args, files, data = list(argv), [], [], None
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--data" or arg.startswith("--data="):
            if data is not None:
                raise LaunchError("--data was given twice; the window opens one dataset")
            if arg == "--data":
                if i + 1 >= len(args):
                    raise LaunchError("--data needs a dataset: a folder of IDX files, an .npz or a CSV file")
                i += 1
                data = args[i]
            else:
                data = arg.split("=", 1)[1]
        elif arg.startswith("-") and arg != "-":
            name = arg.lstrip("-").split("=", 1)[0]
            if name in QT_OPTIONS_WITH_VALUE:
                qt_args.append(arg)
                if "=" not in arg and i + 1 < len(args):
                    i += 1
                    qt_args.append(args[i])
            elif name in QT_FLAGS or arg.startswith("-psn_"):  # -psn_...: macOS's process serial number
                qt_args.append(arg)
            else:
                raise LaunchError(_unknown_option_message(arg))
        elif is_command_attempt(arg):
            raise LaunchError(unknown_command_message(arg))
        else:
            files.append(arg)
        i += 1

    model_path = dataset_path = None
    for name in files:
        if path_kind(name) == MODEL:
            if model_path is not None:
                raise LaunchError(f"the window opens one model; got {model_path} and {name}")
            model_path = Path(name)
        else:
            if dataset_path is not None or data is not None:
                raise LaunchError(f"the window opens one dataset; got {dataset_path or data} and {name}")
            dataset_path = Path(name)
    if data is not None:
        dataset_path = Path(data)

    if model_path is not None:
        try:
            read_model(model_path)
        except (ValueError, OSError) as e:  # ModelFileError is a ValueError
            raise LaunchError(str(e)) from None
    dataset = None
    if dataset_path is not None:
        # A path that does not exist is read as given, so that the reader's message names it.
        source = dataset_source(dataset_path) if dataset_path.exists() else dataset_path
        dataset, error = read_dataset(source)
        if dataset is None:
            raise LaunchError(error)
    return Launch(model_path, dataset_path, dataset, tuple(qt_args))
