"""Seconds per epoch and peak memory as the training set and the network grow, engine and PyTorch side by side.

    python benchmarks/bench_scale.py [--json] [--out DIR] [--sizes 60000,240000,1000000]
                                     [--widths 128,512,2048] [--epochs 1] [--repeats 1] [--threads N]
                                     [--no-torch] [--no-corner] [--cache DIR]

Training sets: the bundled MNIST training images tiled up to each size, every copy after the first
distorted (engine.distortions: shift, rotation, scale and shear, elastic, stroke thickness, at the
`best` preset's magnitudes; fixed seed), with MNIST's test split. They are made once and kept as
uint8 .npz files in $XDG_CACHE_HOME/backprop-studio/scale/ (~/.cache/... without it; --cache to
choose), each with a .json recording its recipe and SHA-256, and made again when either no
longer matches. The sets are nested: every set starts with the images of the smaller ones.

Network: 784-W-64-10 (ReLU, softmax/cross-entropy, plain gradient descent lr 0.1, batch 128,
float32), the REFERENCE workload of bench_engine.py with its first hidden layer W wide, so that at
W = 128 it is REFERENCE itself. The size sweep runs at the smallest width, the width sweep at the
smallest size (the two meet there), and one corner point at the largest of both (--no-corner
skips it: it is the slowest by far).

Every point runs each library in a fresh process, so the peak resident memory (VmHWM) is that of
the point alone: the process loads the .npz with engine.data.load_dataset, trains WARMUP_BATCHES
untimed batches of a throwaway network, then --epochs epochs (each followed by its evaluation),
and reports the median seconds of an epoch's training batches and its VmHWM. Which library goes
first alternates from point to point; --repeats R goes over all points R times (fresh processes
each time, the order flipped every round) and reports medians. Both libraries keep the training
images as uint8 and scale each batch to float32 / 255 as it goes (a float32 copy of a million
images would take 3 GB); PyTorch (optional, 2.13.0 CPU) gets them through torch.from_numpy,
without a copy.

Last, the app check: a fresh process loads the largest set, builds a Trainer with the app's
`default` preset (784-400-200-10), trains APP_BATCHES batches, runs the epoch-end evaluation and
reports its VmHWM, against the limit of 1.5 GB (1.5e9 bytes). The window adds its own, fixed
memory to this (Python, Qt and pyqtgraph: README, Performance).

Prints a table, writes a log-log plot (scale.png in --out, by default the cache folder): seconds
per epoch against images and against width, and peak memory against images, each for both
libraries. With --json the last line is one JSON object: `points` (per point images, width,
layers, uint8_mb and per library s_per_epoch, peak_rss_mb, test_accuracy, runs_s);
`engine_linearity` / `torch_linearity`, the least-squares slope of log seconds against log images
over the size sweep (1: cost proportional to the images); `*_rss_fit`, peak RSS = per_uint8_mb x
the set's uint8 MB + constant_mb over the size sweep; `*_rss_over_uint8_mb`, the most any point's
peak RSS exceeds its uint8 images (it grows with the width, for the activations of evaluation
chunks, not with the images); `app_1m_peak_rss_mb` and `app_within_limit`; `plot`. MB are 2**20
bytes, as VmHWM counts KiB.
Timings on a shared machine are noisy: compare the ratios of one run, and repeat runs. Two threads
per library on two cores slow down many times over whenever something else takes a core (each
thread waits for the other at every matrix product); --threads 1 is steadier there.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # torch_reference beside this file

import numpy as np  # noqa: E402
from torch_reference import reference_network  # noqa: E402

from engine.analysis.png import encode_png  # noqa: E402
from engine.atomic import atomic_write  # noqa: E402
from engine.cli.bench import REFERENCE, EngineEpochs  # noqa: E402
from engine.config import preset  # noqa: E402
from engine.data import BUNDLED_MNIST_DIR, IDX_FILES, load_dataset, load_mnist, pixels_to_unit, read_idx  # noqa: E402
from engine.distortions import distort_batch  # noqa: E402
from engine.trainer import BatchEvent, Trainer  # noqa: E402

SIZES = (60_000, 240_000, 1_000_000)
WIDTHS = (128, 512, 2048)
SEED = 0
DISTORTION = {"shift": 2.0, "rotate": 12.0, "affine": 0.15, "elastic": 1.5, "thickness": 0.5}
RECIPE_VERSION = 1
GENERATION_CHUNK = 10_000  # divides 60,000, so a chunk never spans two copies of MNIST
WARMUP_BATCHES = 20
APP_PRESET = "default"
APP_BATCHES = 200
APP_LIMIT_BYTES = 1.5e9
MB = 2 ** 20
PIXELS = 784


# --------------------------------------------------------------------------- training sets


def cache_folder(override: str | None = None) -> Path:
    if override:
        return Path(override).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "backprop-studio" / "scale"


def recipe(n: int) -> dict:
    return {"version": RECIPE_VERSION, "images": n, "seed": SEED, "distortion": DISTORTION,
            "source": "bundled MNIST training split tiled, copies after the first distorted"}


def set_path(folder: Path, n: int) -> Path:
    return folder / f"mnist-tiled-{n}.npz"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 23):
            digest.update(block)
    return digest.hexdigest()


def is_valid(path: Path, n: int) -> bool:
    """Whether `path` and its .json hold the current recipe for `n` images, byte for byte as written."""
    try:
        stored = json.loads(path.with_suffix(".json").read_text())
        return (stored["recipe"] == recipe(n) and path.stat().st_size == stored["bytes"]
                and _sha256(path) == stored["sha256"])
    except (OSError, ValueError, KeyError, TypeError):
        return False


def tiled_images(n: int) -> tuple[np.ndarray, np.ndarray]:
    """(n, 28, 28) uint8 images and (n,) uint8 labels: MNIST's training split, then distorted copies.
    Every chunk is whole and has its own generator, so the first n images are the same whatever n."""
    mnist = load_mnist()
    images = np.empty((n, PIXELS), np.uint8)
    labels = np.empty(n, np.uint8)
    for start in range(0, n, GENERATION_CHUNK):
        stop = min(start + GENERATION_CHUNK, n)
        source = np.arange(start, start + GENERATION_CHUNK) % mnist.n_train
        labels[start:stop] = mnist.y_train[source[:stop - start]]
        if start < mnist.n_train:
            images[start:stop] = mnist.x_train[source[:stop - start]]
            continue
        rng = np.random.default_rng([SEED, start])
        distorted = distort_batch(pixels_to_unit(mnist.x_train[source]), rng, **DISTORTION)[:stop - start]
        images[start:stop] = np.rint(np.clip(distorted, 0.0, 1.0) * 255)
    return images.reshape(n, 28, 28), labels


def prepare_sets(folder: Path, sizes, log=print) -> dict[int, Path]:
    """The .npz of every size, made (all from one tiling) where missing or no longer valid."""
    paths = {n: set_path(folder, n) for n in sizes}
    missing = [n for n, path in paths.items() if not is_valid(path, n)]
    if not missing:
        return paths
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    images, labels = tiled_images(max(missing))
    x_test = read_idx(BUNDLED_MNIST_DIR / f"{IDX_FILES['x_test']}.gz")
    y_test = read_idx(BUNDLED_MNIST_DIR / f"{IDX_FILES['y_test']}.gz")
    for n in sorted(missing):
        path = paths[n]
        atomic_write(path, lambda f, n=n: np.savez(f, x_train=images[:n], y_train=labels[:n],
                                                   x_test=x_test, y_test=y_test))
        record = {"recipe": recipe(n), "bytes": path.stat().st_size, "sha256": _sha256(path)}
        atomic_write(path.with_suffix(".json"), lambda f, r=record: f.write(json.dumps(r, indent=1).encode()))
        log(f"made {path} ({n:,} images, {path.stat().st_size / MB:.0f} MB)")
    log(f"training sets made in {time.perf_counter() - started:.0f} s")
    return paths


# --------------------------------------------------------------------------- one point, in its own process


def peak_rss_mb() -> float:
    # VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss over from the parent across
    # fork and exec, so a small child would report the benchmark's own peak.
    with open("/proc/self/status") as status:
        return int(next(line.split()[1] for line in status if line.startswith("VmHWM:"))) * 1024 / MB


def network_config(width: int):
    return REFERENCE.with_changes(hidden=(width, 64))


class TorchCodesEpochs:
    """bench_engine.py's PyTorch counterpart of the engine (same layers, initialisation scheme,
    update rule and batch policy), fed as the app feeds the engine: the training images stay
    uint8 and each batch is scaled to float32 / 255 on its way in."""

    def __init__(self, data, config):
        import torch

        self.torch, self.config = torch, config
        with warnings.catch_warnings():  # the loader's arrays are read-only; PyTorch only reads them
            warnings.simplefilter("ignore", UserWarning)
            self.x_train = torch.from_numpy(data.x_train)
            self.y_train = torch.from_numpy(data.y_train)
            self.x_test = torch.from_numpy(data.x_test)
            self.y_test = torch.from_numpy(data.y_test)
        self.codes = data.x_train.dtype == np.uint8
        self.model, self.optimizer, self.loss_fn, self.generator = reference_network(
            torch, config, data.n_inputs, data.n_classes)

    def train(self, order):
        model, optimizer = self.model, self.optimizer
        for begin in range(0, len(order), self.config.batch_size):
            idx = order[begin:begin + self.config.batch_size]
            rows = self.x_train[idx]
            rows = rows.float().div_(255) if self.codes else rows
            optimizer.zero_grad(set_to_none=True)
            loss = self.loss_fn(model(rows), self.y_train[idx])
            loss.backward()
            optimizer.step()

    def run_epoch(self):
        """Wall seconds of one epoch's batches; the test evaluation after it is not counted."""
        start = time.perf_counter()
        self.train(self.torch.randperm(len(self.y_train), generator=self.generator))
        seconds = time.perf_counter() - start
        self.accuracy = self.test_accuracy()
        return seconds

    def test_accuracy(self):
        with self.torch.no_grad():
            return float((self.model(self.x_test).argmax(dim=1) == self.y_test).float().mean())


def run_worker(kind: str, data_path: str, width: int, epochs: int) -> dict:
    started = time.perf_counter()
    data = load_dataset(data_path)
    result = {"load_s": time.perf_counter() - started, "images": data.n_train}
    if kind == "app":
        trainer = Trainer(preset(APP_PRESET), data)
        started, batches = time.perf_counter(), 0
        for event in trainer.run():
            batches += isinstance(event, BatchEvent)
            if batches == APP_BATCHES:
                break
        result["batches_s"] = time.perf_counter() - started
        # Then the epoch-end evaluation, as the app runs it (a set smaller than APP_BATCHES batches
        # has had its evaluations already).
        evaluated = trainer.finish_epoch() if batches == APP_BATCHES else trainer.last_epoch_event
        result["test_accuracy"] = evaluated.test_accuracy
        result["layers"] = "-".join(map(str, trainer.network.layer_sizes))
    else:
        config = network_config(width)
        warm_up = min(WARMUP_BATCHES * config.batch_size, data.n_train)
        if kind == "engine":
            # Untimed batches of a throwaway trainer first: BLAS threads started, caches warm.
            trainer = Trainer(config, data.subset(warm_up, data.n_test))
            for _ in range(trainer.batches_per_epoch):
                trainer.train_batch()
            del trainer
            runner = EngineEpochs(data, epochs, config)
            times = [runner.run_epoch() for _ in range(epochs)]
            result["test_accuracy"] = runner.test_accuracy()
        else:
            import torch

            TorchCodesEpochs(data, config).train(torch.arange(warm_up))  # the same warm-up
            runner = TorchCodesEpochs(data, config)
            times = [runner.run_epoch() for _ in range(epochs)]
            result.update(test_accuracy=runner.accuracy, torch_version=torch.__version__,
                          torch_threads=torch.get_num_threads())
        result.update(s_per_epoch=statistics.median(times), epoch_seconds=times)
    result["peak_rss_mb"] = peak_rss_mb()
    return result


def measure(kind: str, path: Path, width: int = 0, epochs: int = 1, threads: int | None = None) -> dict:
    """run_worker in a fresh Python process; its last line of output is the result. `threads` sets
    the BLAS and OpenMP thread count of both libraries (None: their defaults)."""
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--data", str(path),
               "--width", str(width), "--epochs", str(epochs)]
    env = dict(os.environ)
    if threads:
        env.update(OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    done = subprocess.run(command, capture_output=True, text=True, timeout=3600, env=env)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"{kind} worker failed ({done.returncode}): {done.stderr[-2000:]}")
    return json.loads(lines[-1])


# --------------------------------------------------------------------------- the sweep


def plan(sizes, widths, corner: bool) -> list[tuple[int, int]]:
    """(images, width) points: sizes at the smallest width, widths at the smallest size, the corner."""
    sizes, widths = sorted(set(sizes)), sorted(set(widths))
    points = [(n, widths[0]) for n in sizes] + [(sizes[0], w) for w in widths[1:]]
    if corner and (sizes[-1], widths[-1]) not in points:
        points.append((sizes[-1], widths[-1]))
    return points


def log_slope(xs, ys) -> float | None:
    """Least-squares slope of log(y) against log(x): 1 for cost proportional to x."""
    if len(xs) < 2 or any(y is None for y in ys):
        return None
    return float(np.polyfit(np.log(xs), np.log(ys), 1)[0])


def line_fit(xs, ys) -> dict | None:
    """y = per_uint8_mb * x + constant_mb, least squares (x: the set's uint8 MB, y: peak RSS MB)."""
    if len(xs) < 2 or any(y is None for y in ys):
        return None
    slope, constant = np.polyfit(xs, ys, 1)
    return {"per_uint8_mb": float(slope), "constant_mb": float(constant)}


def torch_available() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def run_points(paths, points, epochs, with_torch, repeats=1, threads=None, log=print) -> list[dict]:
    """Every point's measurements, `repeats` rounds over all points (so that a busy spell of the
    machine hits several points a little rather than one point hard); medians per point."""
    kinds = ["engine", "torch"] if with_torch else ["engine"]
    runs = {(point, kind): [] for point in points for kind in kinds}
    results = []
    for round_ in range(repeats):
        for i, (n, width) in enumerate(points):
            for kind in kinds if (i + round_) % 2 == 0 else kinds[::-1]:
                runs[(n, width), kind].append(measure(kind, paths[n], width, epochs, threads))
            if round_ < repeats - 1:
                continue
            point = {"images": n, "width": width, "layers": "-".join(map(str, network_config(width).layer_sizes())),
                     "uint8_mb": n * PIXELS / MB}
            for kind in ("engine", "torch"):
                measured = runs.get(((n, width), kind))
                for key in ("s_per_epoch", "peak_rss_mb", "test_accuracy"):
                    point[f"{kind}_{key}"] = statistics.median(m[key] for m in measured) if measured else None
                point[f"{kind}_runs_s"] = [m["s_per_epoch"] for m in measured] if measured else None
            point["engine_load_s"] = statistics.median(m["load_s"] for m in runs[(n, width), "engine"])
            if with_torch:
                first = runs[(n, width), "torch"][0]
                point.update(torch_version=first["torch_version"], torch_threads=first["torch_threads"])
            results.append(point)
            log(format_row(point))
    return results


HEADER = (f"{'images':>9} {'width':>5} {'uint8 MB':>8} | {'engine s':>8} {'torch s':>8} {'torch/eng':>9} | "
          f"{'engine MB':>9} {'torch MB':>8} | {'eng acc':>7} {'torch acc':>9}")


def format_row(p: dict) -> str:
    def num(value, width, spec):
        return f"{value:>{width}{spec}}" if value is not None else f"{'-':>{width}}"

    ratio = p["torch_s_per_epoch"] / p["engine_s_per_epoch"] if p["torch_s_per_epoch"] else None
    return (f"{p['images']:>9,} {p['width']:>5} {p['uint8_mb']:>8.0f} | {p['engine_s_per_epoch']:>8.2f} "
            f"{num(p['torch_s_per_epoch'], 8, '.2f')} {num(ratio, 9, '.2f')} | {p['engine_peak_rss_mb']:>9.0f} "
            f"{num(p['torch_peak_rss_mb'], 8, '.0f')} | {p['engine_test_accuracy']:>7.2%} "
            f"{num(p['torch_test_accuracy'], 9, '.2%')}")


def summarise(points, widths) -> dict:
    sweep = sorted((p for p in points if p["width"] == min(widths)), key=lambda p: p["images"])
    images = [p["images"] for p in sweep]
    summary = {
        "engine_linearity": log_slope(images, [p["engine_s_per_epoch"] for p in sweep]),
        "torch_linearity": log_slope(images, [p["torch_s_per_epoch"] for p in sweep]),
        "engine_rss_over_uint8_mb": max(p["engine_peak_rss_mb"] - p["uint8_mb"] for p in points),
        "torch_rss_over_uint8_mb": (max(p["torch_peak_rss_mb"] - p["uint8_mb"] for p in points)
                                    if all(p["torch_peak_rss_mb"] for p in points) else None),
        "engine_rss_fit": line_fit([p["uint8_mb"] for p in sweep], [p["engine_peak_rss_mb"] for p in sweep]),
        "torch_rss_fit": line_fit([p["uint8_mb"] for p in sweep], [p["torch_peak_rss_mb"] for p in sweep]),
    }
    return summary


# --------------------------------------------------------------------------- the plot (PNG, no plotting library)

# 5x7 capitals, digits and a little punctuation; one number per row, bit 4 the leftmost pixel.
_FONT = {
    "0": (14, 17, 19, 21, 25, 17, 14), "1": (4, 12, 4, 4, 4, 4, 14), "2": (14, 17, 1, 2, 4, 8, 31),
    "3": (31, 2, 4, 2, 1, 17, 14), "4": (2, 6, 10, 18, 31, 2, 2), "5": (31, 16, 30, 1, 1, 17, 14),
    "6": (6, 8, 16, 30, 17, 17, 14), "7": (31, 1, 2, 4, 8, 8, 8), "8": (14, 17, 17, 14, 17, 17, 14),
    "9": (14, 17, 17, 15, 1, 2, 12), "A": (14, 17, 17, 17, 31, 17, 17), "B": (30, 17, 17, 30, 17, 17, 30),
    "C": (14, 17, 16, 16, 16, 17, 14), "D": (28, 18, 17, 17, 17, 18, 28), "E": (31, 16, 16, 30, 16, 16, 31),
    "F": (31, 16, 16, 30, 16, 16, 16), "G": (14, 17, 16, 23, 17, 17, 15), "H": (17, 17, 17, 31, 17, 17, 17),
    "I": (14, 4, 4, 4, 4, 4, 14), "J": (7, 2, 2, 2, 2, 18, 12), "K": (17, 18, 20, 24, 20, 18, 17),
    "L": (16, 16, 16, 16, 16, 16, 31), "M": (17, 27, 21, 21, 17, 17, 17), "N": (17, 17, 25, 21, 19, 17, 17),
    "O": (14, 17, 17, 17, 17, 17, 14), "P": (30, 17, 17, 30, 16, 16, 16), "Q": (14, 17, 17, 17, 21, 18, 13),
    "R": (30, 17, 17, 30, 20, 18, 17), "S": (15, 16, 16, 14, 1, 1, 30), "T": (31, 4, 4, 4, 4, 4, 4),
    "U": (17, 17, 17, 17, 17, 17, 14), "V": (17, 17, 17, 17, 17, 10, 4), "W": (17, 17, 17, 21, 21, 21, 10),
    "X": (17, 17, 10, 4, 10, 17, 17), "Y": (17, 17, 17, 10, 4, 4, 4), "Z": (31, 1, 2, 4, 8, 16, 31),
    " ": (0,) * 7, ".": (0, 0, 0, 0, 0, 12, 12), ",": (0, 0, 0, 0, 12, 4, 8), "-": (0, 0, 0, 31, 0, 0, 0),
    "/": (0, 1, 2, 4, 8, 16, 0), "(": (2, 4, 8, 8, 8, 4, 2), ")": (8, 4, 2, 2, 2, 4, 8),
    "=": (0, 0, 31, 0, 31, 0, 0), ":": (0, 12, 12, 0, 12, 12, 0), "+": (0, 4, 4, 31, 4, 4, 0),
    "%": (24, 25, 2, 4, 8, 19, 3), "?": (14, 17, 1, 2, 4, 0, 4),
}
TEXT_SCALE = 2
WHITE, BLACK, GRID, GUIDE = (255, 255, 255), (40, 40, 40), (226, 226, 226), (140, 140, 140)
ENGINE_STYLE = {"colour": (0, 114, 178), "dash": None, "marker": "circle", "name": "ENGINE"}
TORCH_STYLE = {"colour": (213, 94, 0), "dash": (10, 6), "marker": "square", "name": "PYTORCH"}


def text_mask(text: str, scale: int = TEXT_SCALE) -> np.ndarray:
    """Boolean pixels of `text` in capitals, 7 * scale high, 6 * scale per character."""
    mask = np.zeros((7, 6 * len(text)), bool)
    for i, char in enumerate(text.upper()):
        for row, bits in enumerate(_FONT.get(char, _FONT["?"])):
            for column in range(5):
                mask[row, 6 * i + column] = bits >> (4 - column) & 1
    return np.repeat(np.repeat(mask, scale, axis=0), scale, axis=1)


def draw_text(image, text, x, y, colour=BLACK, align="left", vertical=False):
    """`text` with its top-left (align left), top centre or top-right corner at (x, y); vertical text
    reads upwards and is centred on (x, y)."""
    mask = text_mask(text)
    if vertical:
        mask = np.rot90(mask)
        x, y = x - mask.shape[1] // 2, y - mask.shape[0] // 2
    elif align == "centre":
        x -= mask.shape[1] // 2
    elif align == "right":
        x -= mask.shape[1]
    rows, columns = np.nonzero(mask)
    rows, columns = rows + int(y), columns + int(x)
    keep = (rows >= 0) & (rows < image.shape[0]) & (columns >= 0) & (columns < image.shape[1])
    image[rows[keep], columns[keep]] = colour


def stamp(image, xs, ys, radius, colour, clip):
    """Discs of `radius` at the points (xs, ys), only inside clip = (left, top, right, bottom)."""
    left, top, right, bottom = clip
    xs, ys = np.rint(np.asarray(xs, float)).astype(int), np.rint(np.asarray(ys, float)).astype(int)
    reach = int(math.ceil(radius))
    for dy in range(-reach, reach + 1):
        for dx in range(-reach, reach + 1):
            if dx * dx + dy * dy <= radius * radius + 0.5:
                px, py = xs + dx, ys + dy
                keep = (px >= left) & (px <= right) & (py >= top) & (py <= bottom)
                image[py[keep], px[keep]] = colour


def polyline(image, points, colour, width, clip, dash=None):
    """A line through `points`, `width` pixels thick; dash = (on, off) lengths in pixels."""
    travelled = 0.0
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        length = math.hypot(x1 - x0, y1 - y0)
        t = np.linspace(0.0, 1.0, max(2, int(length * 2) + 1))
        xs, ys = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
        if dash:
            keep = (travelled + t * length) % sum(dash) < dash[0]
            xs, ys = xs[keep], ys[keep]
        stamp(image, xs, ys, width / 2, colour, clip)
        travelled += length


def marker(image, x, y, kind, colour, clip):
    if kind == "circle":
        stamp(image, [x], [y], 5.5, colour, clip)
    else:
        x, y = int(round(x)), int(round(y))
        image[y - 5:y + 6, x - 5:x + 6] = colour


class LogAxis:
    """Maps values between lo and hi (log scale) to pixels between a and b."""

    def __init__(self, lo, hi, a, b):
        self.lo, self.hi, self.a, self.b = lo, hi, a, b

    def __call__(self, value):
        fraction = (math.log10(value) - math.log10(self.lo)) / (math.log10(self.hi) - math.log10(self.lo))
        return self.a + fraction * (self.b - self.a)

    def ticks(self, base=10):
        """(labelled ticks, minor ticks) inside the range: powers of `base`; for base 10 also
        2x and 5x a power when the range spans less than two decades, and every m x 10^k as minor."""
        lo_exp, hi_exp = math.floor(math.log(self.lo, base)), math.ceil(math.log(self.hi, base))
        inside = [v for v in (base ** k for k in range(lo_exp, hi_exp + 1)) if self.lo <= v <= self.hi]
        if base != 10:
            return inside, []
        multiples = [m * 10.0 ** k for k in range(lo_exp, hi_exp + 1) for m in range(2, 10)]
        minor = [v for v in multiples if self.lo <= v <= self.hi]
        if math.log10(self.hi / self.lo) < 2:
            labelled = sorted(inside + [v for v in minor if round(v / 10 ** math.floor(math.log10(v))) in (2, 5)])
            return labelled, [v for v in minor if v not in labelled]
        return inside, minor


def _padded(values, factor=1.6):
    values = [v for v in values if v]
    return min(values) / factor, max(values) * factor


def _count_label(value) -> str:
    if value >= 1e6:
        return f"{value / 1e6:g}M"
    if value >= 1e3:
        return f"{value / 1e3:g}K"
    return f"{value:g}"


def draw_panel(image, box, title, x_name, y_name, x_axis_kind, series, guides=()):
    """One log-log panel in box = (left, top, right, bottom) of the image: axes, ticks, grid, the
    series [(style, [(x, y)...])] and guides [(label, (x, y))]: grey dotted lines of slope 1 through (x, y)."""
    left, top, right, bottom = box
    plot = (left + 78, top + 40, right - 14, bottom - 62)
    px0, py0, px1, py1 = plot
    xs = [x for _, pts in series for x, _ in pts]
    ys = [y for _, pts in series for _, y in pts] + [y for _, (_, y) in guides]
    x_axis = LogAxis(*_padded(xs, 1.4), px0, px1)
    y_axis = LogAxis(*_padded(ys), py1, py0)
    x_ticks, x_minor = x_axis.ticks(2 if x_axis_kind == "width" else 10)
    y_ticks, y_minor = y_axis.ticks()
    for value in x_ticks:
        polyline(image, [(x_axis(value), py0), (x_axis(value), py1)], GRID, 1, plot)
    for value in y_ticks:
        polyline(image, [(px0, y_axis(value)), (px1, y_axis(value))], GRID, 1, plot)
    image[py0:py1 + 1, [px0, px1]] = BLACK
    image[[py0, py1], px0:px1 + 1] = BLACK
    for value in x_ticks + x_minor:
        length = 7 if value in x_ticks else 4
        image[py1 - length:py1, int(round(x_axis(value)))] = BLACK
    for value in y_ticks + y_minor:
        length = 7 if value in y_ticks else 4
        image[int(round(y_axis(value))), px0 + 1:px0 + 1 + length] = BLACK
    for value in x_ticks:
        label = f"{value:g}" if x_axis_kind == "width" else _count_label(value)
        draw_text(image, label, x_axis(value), py1 + 8, align="centre")
    for value in y_ticks:
        draw_text(image, f"{value:g}", px0 - 8, y_axis(value) - 7, align="right")
    draw_text(image, title, (left + right) // 2, top + 8, align="centre")
    draw_text(image, x_name, (px0 + px1) // 2, py1 + 34, align="centre")
    draw_text(image, y_name, left + 14, (py0 + py1) // 2, vertical=True)
    for label, (x_start, y_start) in guides:
        # y proportional to x through the given point, labelled at the right under the line: it
        # rises to the right, so the text clears it when its left end does.
        (x0, y0), (x1, y1) = line = [(x_axis(x), y_axis(y_start * x / x_start)) for x in (x_axis.lo, x_axis.hi)]
        polyline(image, line, GUIDE, 2, plot, dash=(2, 5))
        text_left = px1 - 6 - text_mask(label).shape[1]
        label_y = min(max(y0 + (y1 - y0) * (text_left - x0) / (x1 - x0) + 8, py0 + 6), py1 - 22)
        draw_text(image, label, px1 - 6, label_y, GUIDE, align="right")
    for style, pts in series:
        line = [(x_axis(x), y_axis(y)) for x, y in pts]
        polyline(image, line, style["colour"], 3, plot, dash=style["dash"])
        for x, y in line:
            marker(image, x, y, style["marker"], style["colour"], plot)


def draw_legend(image, styles, centre_x, y):
    """A line sample, marker and name for each library's style, side by side, centred on centre_x."""
    widths = [60 + text_mask(style["name"]).shape[1] for style in styles]
    x = centre_x - (sum(widths) + 40 * (len(styles) - 1)) // 2
    clip = (0, 0, image.shape[1] - 1, image.shape[0] - 1)
    for style, width in zip(styles, widths):
        polyline(image, [(x, y), (x + 44, y)], style["colour"], 3, clip, dash=style["dash"])
        marker(image, x + 22, y, style["marker"], style["colour"], clip)
        draw_text(image, style["name"], x + 56, y - 7)
        x += width + 40


def render_plot(points, widths) -> np.ndarray:
    """The three panels as an (height, width, 3) uint8 image."""
    size_sweep = sorted((p for p in points if p["width"] == min(widths)), key=lambda p: p["images"])
    smallest = min(p["images"] for p in points)
    width_sweep = sorted((p for p in points if p["images"] == smallest), key=lambda p: p["width"])
    styles = [("engine", ENGINE_STYLE)] + ([("torch", TORCH_STYLE)] if points[0]["torch_s_per_epoch"] else [])

    def series(sweep, x_key, y_suffix):
        return [(style, [(p[x_key], p[f"{kind}_{y_suffix}"]) for p in sweep]) for kind, style in styles]

    panel_w, height = 460, 520
    image = np.full((height + 36, 3 * panel_w, 3), WHITE, np.uint8)
    first = size_sweep[0]
    width_label = f"{first['layers'].split('-')[1]}"
    draw_panel(image, (0, 0, panel_w, height), f"TIME VS IMAGES (W={width_label})", "TRAINING IMAGES",
               "SECONDS PER EPOCH", "count", series(size_sweep, "images", "s_per_epoch"),
               [("SLOPE 1", (first["images"], first["engine_s_per_epoch"]))])
    draw_panel(image, (panel_w, 0, 2 * panel_w, height), f"TIME VS WIDTH ({_count_label(smallest)} IMAGES)",
               "W IN 784-W-64-10", "SECONDS PER EPOCH", "width", series(width_sweep, "width", "s_per_epoch"),
               [("SLOPE 1", (width_sweep[0]["width"], width_sweep[0]["engine_s_per_epoch"]))])
    memory_series = series(size_sweep, "images", "peak_rss_mb")
    draw_panel(image, (2 * panel_w, 0, 3 * panel_w, height), f"PEAK MEMORY VS IMAGES (W={width_label})",
               "TRAINING IMAGES", "PEAK RSS (MB)", "count", memory_series,
               [("UINT8 IMAGES", (first["images"], first["uint8_mb"]))])
    draw_legend(image, [style for _, style in styles], image.shape[1] // 2, height + 14)
    return image


# --------------------------------------------------------------------------- main


def _numbers(text: str) -> list[int]:
    return [int(part.replace("_", "")) for part in text.split(",") if part.strip()]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python benchmarks/bench_scale.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    parser.add_argument("--out", help="folder for scale.png (default: the cache folder)")
    parser.add_argument("--cache", help="folder of the generated training sets")
    parser.add_argument("--sizes", type=_numbers, default=list(SIZES), help="training set sizes, comma-separated")
    parser.add_argument("--widths", type=_numbers, default=list(WIDTHS), help="hidden widths W, comma-separated")
    parser.add_argument("--epochs", type=int, default=1, help="timed epochs per point and library (median)")
    parser.add_argument("--repeats", type=int, default=1, help="rounds over all points, in fresh processes (median)")
    parser.add_argument("--threads", type=int, help="BLAS/OpenMP threads of both libraries (default: theirs)")
    parser.add_argument("--no-torch", action="store_true", help="measure the engine alone")
    parser.add_argument("--no-corner", action="store_true", help="skip the largest set at the largest width")
    parser.add_argument("--worker", choices=("engine", "torch", "app"), help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--width", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(run_worker(args.worker, args.data, args.width, max(args.epochs, 1))))
        return 0

    sys.stdout.reconfigure(line_buffering=True)  # progress shows as it comes, also into a file
    started = time.perf_counter()
    with_torch = not args.no_torch and torch_available()
    if not args.no_torch and not with_torch:
        print("torch: not installed (pip install torch==2.13.0); measuring the engine alone")
    folder = cache_folder(args.cache)
    paths = prepare_sets(folder, sorted(set(args.sizes)))
    points = plan(args.sizes, args.widths, not args.no_corner)
    print(f"network 784-W-64-10, batch {REFERENCE.batch_size}, {args.epochs} epoch(s) per point and process, "
          f"{args.repeats} round(s); sets in {folder}")
    print(HEADER)
    results = run_points(paths, points, max(args.epochs, 1), with_torch, max(args.repeats, 1), args.threads)
    summary = summarise(results, args.widths)

    largest = max(args.sizes)
    app = measure("app", paths[largest], threads=args.threads)
    limit_mb = APP_LIMIT_BYTES / MB
    print(f"app check: {largest:,} images, {app['layers']} ({APP_PRESET} preset), {APP_BATCHES} batches in "
          f"{app['batches_s']:.1f} s and the epoch-end evaluation: peak RSS {app['peak_rss_mb']:.0f} MB "
          f"(limit {limit_mb:.0f} MB = 1.5 GB; the uint8 images are {largest * PIXELS / MB:.0f} MB)")

    out = Path(args.out).expanduser() if args.out else folder
    out.mkdir(parents=True, exist_ok=True)
    plot_path = out / "scale.png"
    png = encode_png(render_plot(results, args.widths))
    atomic_write(plot_path, lambda f: f.write(png))

    def show(value, spec):
        return "-" if value is None else format(value, spec)

    print(f"log-log slope of seconds against images (W={min(args.widths)}): engine "
          f"{show(summary['engine_linearity'], '.3f')}, PyTorch {show(summary['torch_linearity'], '.3f')} (1 = linear)")
    for kind in ("engine", "torch"):
        fit = summary[f"{kind}_rss_fit"]
        if fit:
            print(f"{kind} peak RSS = {fit['per_uint8_mb']:.3f} x uint8 MB + {fit['constant_mb']:.0f} MB; "
                  f"most above the uint8 images: {summary[f'{kind}_rss_over_uint8_mb']:.0f} MB")
    print(f"plot: {plot_path}   ({time.perf_counter() - started:.0f} s in all)")
    if args.json:
        result = {"points": results, **summary, "network": "784-W-64-10", "batch_size": REFERENCE.batch_size,
                  "epochs": max(args.epochs, 1), "repeats": max(args.repeats, 1), "threads": args.threads,
                  "app_images": largest, "app_layers": app["layers"],
                  "app_peak_rss_mb": app["peak_rss_mb"],
                  "app_1m_peak_rss_mb": app["peak_rss_mb"] if largest == 1_000_000 else None,
                  "app_limit_mb": limit_mb, "app_within_limit": app["peak_rss_mb"] <= limit_mb,
                  "plot": str(plot_path), "cache": str(folder)}
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
