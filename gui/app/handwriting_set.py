"""A second test set that is not MNIST: digits from the machine's fonts and from a stroke model.

    python -m gui.app.handwriting_set --out assets/handwriting/other-digits.npz --seed 0 --per-digit 200

MNIST's test set comes from the same writers, scanner and preprocessing as its training set, so a
model's score on it says little about the digits users draw. This module makes a small set of
digits from two other sources, about half each, and passes every one of them through
``engine.digitize.digitize`` exactly like a drawing on the pad, so the framing (20x20 box, centre
of mass at (14, 14)) is the app's own:

* **Fonts.** A digit of a font on this machine (every scalable family Qt lists, in all its styles:
  regular, bold, italic, light, condensed) as a glyph path, randomly rotated, sheared and scaled
  in width and height, filled white on a black 280x280 canvas with QPainter and then thickened
  (stroked with a white pen) or thinned (stroked with a black pen) to a random stroke width from
  hairline to marker. Some glyphs are edited towards handwritten forms the fonts lack: 7s get a
  crossbar, 4s an open top, 1s lose their foot.
* **Strokes.** A simple model of handwriting: per digit a few template strokes written for this
  module (polylines of control points in the pad's 280x280 box, with variants: 1 as a bare stick,
  with a flag and with flag and foot; 7 with and without a crossbar; 4 open and closed; 9 with a
  straight and a curved tail; ...). Each sample jitters the control points, slant, rotation, scale
  and aspect, smooths them into curves (Catmull-Rom), adds a slow wobble and draws them with the
  drawing pad's own soft round brush (``DrawingPad``) at a random brush width.

Everything is made from the seed: each image has its own NumPy generator seeded with (seed,
source, digit, index), so the same seed gives the same bytes on the same machine (the font part
depends on the fonts installed, see ``font_faces``). Images are uint8 28x28 (0 background, 255
ink) like MNIST's, stored in a Keras-style ``.npz`` that ``engine.data.load_dataset`` reads:
``x_test``/``y_test`` hold the set, shuffled; ``x_train``/``y_train`` are a token split of one
image per digit and source (the reader wants both splits; it is not meant for training);
``source_test``/``source_train`` say where each image came from (0 fonts, 1 strokes).

Qt draws the fonts and the pad, so this lives in gui/, not in the engine.
"""

from __future__ import annotations

import argparse
import io
import math
import os
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

FONT, STROKE = 0, 1
"""Values of the ``source_*`` arrays: where an image came from."""

SOURCE_NAMES = ("fonts", "strokes")

CANVAS_SIZE = 280
"""Side of the canvas both sources draw on: the drawing pad's size."""

_GENERIC_FAMILIES = {"Monospace", "Sans Serif", "Serif", "Sans", "Cursive", "Fantasy"}
"""fontconfig aliases of real families: left out so no family is counted twice."""

_TRAIN_STREAM = 1
"""Seeds the token training split apart from the test set."""

_SHUFFLE_STREAM = 2


# ----------------------------------------------------------------------------- fonts


def font_faces() -> list[tuple[str, str]]:
    """(family, style) of every scalable font face Qt finds that writes Latin digits, sorted."""
    from PySide6.QtGui import QFontDatabase

    faces = []
    for family in sorted(QFontDatabase.families()):
        if family in _GENERIC_FAMILIES or not QFontDatabase.isScalable(family):
            continue
        if QFontDatabase.WritingSystem.Latin not in QFontDatabase.writingSystems(family):
            continue
        faces.extend((family, style) for style in sorted(QFontDatabase.styles(family)))
    return faces


def _horizontal_extent(path, y0: float, y1: float) -> tuple[float, float] | None:
    """Left and right end of the ink of ``path`` between heights y0 and y1, or None."""
    from PySide6.QtGui import QPainterPath

    band = QPainterPath()
    left = path.boundingRect().left() - 10
    band.addRect(left, y0, path.boundingRect().width() + 20, y1 - y0)
    cut = path.intersected(band).boundingRect()
    return None if cut.isEmpty() else (cut.left(), cut.right())


def _glyph_variant(path, digit: int, rng: np.random.Generator):
    """Edit a font's glyph towards the handwritten forms fonts rarely have."""
    from PySide6.QtGui import QPainterPath

    box = path.boundingRect()
    top, height = box.top(), box.height()
    if digit == 7 and rng.random() < 0.45:
        # A crossbar through the stem at about mid-height.
        y = top + height * rng.uniform(0.48, 0.6)
        stem = _horizontal_extent(path, y - 1, y + 1)
        if stem is not None:
            thickness = max(2.0, 0.75 * (stem[1] - stem[0]))
            centre = 0.5 * (stem[0] + stem[1])
            half = box.width() * rng.uniform(0.22, 0.35)
            bar = QPainterPath()
            bar.addRect(centre - half, y - thickness / 2, 2 * half, thickness)
            path = path.united(bar)
    elif digit == 4 and rng.random() < 0.5:
        # An open 4: the diagonal stops short of the stem's top.
        stem = _horizontal_extent(path, top + 0.9 * height, top + 0.95 * height)
        if stem is not None:
            gap = QPainterPath()
            gap.addRect(box.left() - 5, top - 5, stem[0] - box.left() + 5 - 0.04 * box.width(),
                        5 + height * rng.uniform(0.2, 0.35))
            path = path.subtracted(gap)
    elif digit == 1 and rng.random() < 0.4:
        # No foot: cut the bottom serif off (the flag stays).
        foot = _horizontal_extent(path, top + 0.97 * height, top + height)
        stem = _horizontal_extent(path, top + 0.5 * height, top + 0.55 * height)
        if foot is not None and stem is not None and foot[1] - foot[0] > 1.5 * (stem[1] - stem[0]):
            keep = QPainterPath()
            keep.addRect(box.left() - 5, top - 5, box.width() + 10, 5 + 0.86 * height)
            path = path.intersected(keep)
    return path


def _ink_width(image: np.ndarray) -> float:
    """Typical stroke width of a binary-ish image: twice the ink area over its outline length."""
    mask = image > 127
    inner = mask[1:-1, 1:-1] & mask[:-2, 1:-1] & mask[2:, 1:-1] & mask[1:-1, :-2] & mask[1:-1, 2:]
    outline = mask.sum() - inner.sum()
    return 2.0 * mask.sum() / max(outline, 1)


def _qimage_array(image) -> np.ndarray:
    """A Grayscale8 QImage as a (h, w) uint8 copy."""
    height, width = image.height(), image.width()
    raw = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.sizeInBytes())
    return raw.reshape(height, image.bytesPerLine())[:, :width].copy()


def font_canvas(digit: int, rng: np.random.Generator, faces: Sequence[tuple[str, str]]) -> np.ndarray:
    """A font's ``digit`` with a random face, variant, affine map and stroke width on a
    CANVAS_SIZE square, as float32 in [0, 1] (1 = ink)."""
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtGui import QColor, QFontDatabase, QImage, QPainter, QPainterPath, QPen, QTransform

    family, style = faces[int(rng.integers(len(faces)))]
    font = QFontDatabase.font(family, style, 12)
    font.setPixelSize(160)
    path = QPainterPath()
    path.addText(0.0, 0.0, font, str(digit))
    path = _glyph_variant(path, digit, rng)
    box = path.boundingRect()

    target_height = rng.uniform(130.0, 190.0)
    scale = target_height / box.height()
    aspect = math.exp(rng.normal(0.0, 0.15))
    transform = QTransform()
    transform.rotate(rng.normal(0.0, 7.0))
    transform.shear(float(np.clip(rng.normal(0.0, 0.18), -0.45, 0.45)), 0.0)
    transform.scale(scale * aspect, scale)
    transform.translate(-box.center().x(), -box.center().y())
    path = transform.map(path)
    centre = QPointF(CANVAS_SIZE / 2, CANVAS_SIZE / 2)
    path.translate(centre - path.boundingRect().center())

    def render(pen: QPen | None) -> np.ndarray:
        image = QImage(CANVAS_SIZE, CANVAS_SIZE, QImage.Format.Format_Grayscale8)
        image.fill(0)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillPath(path, QColor(255, 255, 255))
        if pen is not None:
            painter.strokePath(path, pen)
        painter.end()
        return _qimage_array(image)

    filled = render(None)
    glyph_height = path.boundingRect().height()
    # Stroke width as a share of the digit's height: MNIST's is about 0.1 to 0.15.
    wanted = glyph_height * rng.choice([rng.uniform(0.05, 0.1), rng.uniform(0.1, 0.17), rng.uniform(0.17, 0.28)],
                                       p=[0.25, 0.4, 0.35])
    own = _ink_width(filled)
    change = wanted - own
    if abs(change) < 1.0:
        return filled.astype(np.float32) / 255.0
    if change > 0:
        pen = QPen(QColor(255, 255, 255), change)
    else:
        # A black pen along the outline eats into the stroke from both sides; never all of it.
        pen = QPen(QColor(0, 0, 0), min(-change, 0.5 * own))
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    return render(pen).astype(np.float32) / 255.0


# --------------------------------------------------------------------------- strokes

# A template is a list of strokes (pen down to pen up); a stroke is a list of runs, each a
# smooth curve through its control points, consecutive runs meeting at a sharp corner.
# Coordinates are pad pixels of the 280x280 box, x to the right and y down.
_Run = list[tuple[float, float]]
_Template = list[list[_Run]]

_ZERO_LOOP = [(140.0 + 58 * math.sin(a), 140.0 - 95 * math.cos(a))
              for a in np.linspace(-0.15, -2 * math.pi - 0.35, 12)]

TEMPLATES: dict[int, list[tuple[float, _Template]]] = {
    # (weight, template): variants of one digit and how often each is written.
    0: [
        (0.6, [[_ZERO_LOOP]]),
        (0.25, [[[(160, 45), (110, 50), (85, 120), (95, 205), (140, 240), (185, 205), (195, 120), (175, 55),
                  (130, 50)]]]),
        (0.15, [[[(165, 55), (130, 42), (95, 80), (88, 150), (110, 225), (150, 240), (190, 195), (192, 110),
                  (178, 70)]]]),
    ],
    1: [
        (0.2, [[[(148, 40), (144, 140), (138, 240)]]]),
        (0.3, [[[(105, 95), (130, 70), (150, 40)], [(150, 40), (145, 140), (140, 240)]]]),
        (0.25, [[[(110, 90), (150, 40)], [(150, 40), (145, 140), (140, 238)]],
                [[(100, 240), (180, 240)]]]),
        (0.25, [[[(88, 125), (120, 85), (155, 40)], [(155, 40), (150, 140), (146, 238)]],
                [[(108, 238), (186, 240)]]]),
    ],
    2: [
        (0.6, [[[(85, 85), (110, 50), (150, 42), (190, 65), (195, 105), (170, 150), (85, 235)],
                [(85, 235), (200, 232)]]]),
        (0.4, [[[(90, 75), (125, 45), (175, 50), (192, 95), (150, 160), (95, 220), (85, 240), (120, 215),
                 (160, 232), (205, 235)]]]),
    ],
    3: [
        (0.6, [[[(85, 70), (130, 40), (185, 55), (190, 100), (135, 132)],
                [(135, 132), (195, 165), (195, 215), (140, 242), (80, 220)]]]),
        (0.4, [[[(85, 45), (195, 45)], [(195, 45), (135, 120)],
                [(135, 120), (195, 155), (195, 215), (140, 242), (80, 220)]]]),
    ],
    4: [
        (0.35, [[[(165, 40), (78, 170)], [(78, 170), (210, 168)]], [[(168, 40), (165, 240)]]]),
        (0.4, [[[(95, 40), (85, 165)], [(85, 165), (210, 160)]], [[(172, 50), (168, 240)]]]),
        (0.25, [[[(150, 45), (85, 150)], [(85, 150), (200, 150)]], [[(170, 95), (165, 240)]]]),
    ],
    5: [
        (0.5, [[[(190, 45), (100, 45)], [(100, 45), (92, 128)],
                [(92, 128), (150, 112), (195, 145), (195, 200), (150, 238), (85, 220)]]]),
        (0.5, [[[(100, 45), (94, 128)], [(94, 128), (150, 112), (195, 150), (190, 210), (140, 240), (85, 222)]],
               [[(100, 45), (190, 40)]]]),
    ],
    6: [
        (0.6, [[[(180, 45), (130, 80), (95, 150), (95, 205), (130, 240), (180, 225), (190, 180), (150, 150),
                 (100, 175)]]]),
        (0.25, [[[(170, 40), (120, 95), (100, 150)], [(100, 150), (97, 210), (140, 240), (185, 215), (180, 165),
                                                     (135, 155), (100, 185)]]]),
        (0.15, [[[(175, 40), (115, 100), (95, 175), (115, 235), (165, 238), (190, 200), (170, 160), (125, 165)]]]),
    ],
    7: [
        (0.35, [[[(75, 60), (200, 55)], [(200, 55), (165, 140), (140, 240)]]]),
        (0.4, [[[(75, 60), (200, 55)], [(200, 55), (165, 140), (140, 240)]], [[(118, 148), (205, 142)]]]),
        (0.15, [[[(72, 88), (75, 60)], [(75, 60), (200, 58)], [(200, 58), (150, 160), (138, 240)]]]),
        (0.1, [[[(80, 65), (195, 60)], [(195, 60), (175, 110), (160, 180), (162, 240)]], [[(125, 140), (210, 138)]]]),
    ],
    8: [
        (0.6, [[[(180, 65), (140, 40), (95, 65), (100, 110), (140, 135), (185, 170), (180, 225), (140, 242),
                 (95, 225), (95, 175), (140, 135), (180, 100), (182, 62)]]]),
        (0.4, [[[(140, 40), (100, 60), (100, 110), (140, 130), (180, 110), (180, 60), (140, 40)]],
               [[(140, 130), (92, 160), (95, 220), (140, 242), (190, 220), (188, 160), (140, 130)]]]),
    ],
    9: [
        (0.5, [[[(185, 75), (150, 45), (105, 55), (92, 100), (120, 135), (170, 125), (188, 85)],
                [(188, 85), (185, 160), (178, 240)]]]),
        (0.3, [[[(185, 75), (150, 45), (105, 55), (92, 100), (120, 135), (170, 125), (188, 85)],
                [(188, 85), (192, 165), (168, 225), (115, 240)]]]),
        (0.2, [[[(180, 55), (140, 40), (100, 60), (98, 105), (135, 120), (178, 95)]],
               [[(185, 45), (180, 140), (172, 240)]]]),
    ],
}


def _catmull_rom(points: np.ndarray, spacing: float = 3.0) -> np.ndarray:
    """A smooth curve through ``points`` (n, 2), sampled about every ``spacing`` pixels."""
    if len(points) < 3:
        p0, p1 = points[0], points[-1]
        steps = max(1, int(np.linalg.norm(p1 - p0) / spacing))
        return p0 + (p1 - p0) * np.linspace(0.0, 1.0, steps + 1)[:, None]
    padded = np.vstack([points[0], points, points[-1]])
    pieces = [points[:1]]
    for i in range(len(points) - 1):
        q0, q1, q2, q3 = padded[i : i + 4]
        steps = max(1, int(np.linalg.norm(q2 - q1) / spacing))
        t = np.linspace(0.0, 1.0, steps + 1)[1:, None]
        pieces.append(0.5 * ((2 * q1) + (-q0 + q2) * t + (2 * q0 - 5 * q1 + 4 * q2 - q3) * t**2
                             + (-q0 + 3 * q1 - 3 * q2 + q3) * t**3))
    return np.vstack(pieces)


def stroke_paths(digit: int, rng: np.random.Generator) -> tuple[list[np.ndarray], float]:
    """A jittered template of ``digit``: the pen paths (each (n, 2) in pad pixels) and a brush width."""
    weights = np.array([weight for weight, _ in TEMPLATES[digit]])
    template = TEMPLATES[digit][int(rng.choice(len(weights), p=weights / weights.sum()))][1]

    noise = rng.uniform(3.0, 12.0)
    slant = float(np.clip(rng.normal(0.1, 0.22), -0.4, 0.55))  # most people lean right
    angle = math.radians(rng.normal(0.0, 7.0))
    aspect = math.exp(rng.normal(0.0, 0.2))
    # Proportions: a top half larger or smaller than the bottom one (loops of 8 and 9, bowls of 5).
    bulge = rng.normal(0.0, 0.25)
    cos, sin = math.cos(angle), math.sin(angle)
    linear = np.array([[cos, -sin], [sin, cos]]) @ np.array([[aspect, -slant], [0.0, 1.0]])

    paths = []
    for stroke in template:
        # Shared points of consecutive runs move together, so corners stay joined; each stroke as
        # a whole lands a little off where the others expect it (pen lifts are imprecise).
        runs = [np.asarray(run, dtype=np.float64) for run in stroke]
        offset = rng.normal(0.0, 0.6 * noise, 2)
        jittered = [run + offset + rng.normal(0.0, noise, run.shape) for run in runs]
        for run in jittered:
            middle_y = (run[:, 1] - CANVAS_SIZE / 2) / 100.0  # -1 top .. 1 bottom of the template
            run[:, 1] += bulge * 100.0 * (1.0 - middle_y**2) * 0.5
        for previous, run in zip(jittered, jittered[1:]):
            run[0] = previous[-1]
        curve = np.vstack([_catmull_rom(run) if i == 0 else _catmull_rom(run)[1:] for i, run in enumerate(jittered)])
        # A slow wobble along the stroke, as an unsteady hand makes.
        length = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(curve, axis=0), axis=1))])
        for axis in range(2):
            amplitude, wavelength = rng.uniform(0.0, 4.0), rng.uniform(60.0, 220.0)
            curve[:, axis] += amplitude * np.sin(2 * math.pi * length / wavelength + rng.uniform(0, 2 * math.pi))
        paths.append(curve)

    centre = CANVAS_SIZE / 2
    paths = [(path - centre) @ linear.T for path in paths]
    ink = np.vstack(paths)
    middle = 0.5 * (ink.min(axis=0) + ink.max(axis=0))
    # The digit's height on the pad, and the brush width as a share of it: the pad's nominal
    # 20 px on a 200 px digit is 0.1, about MNIST's stroke; scanned forms are often bolder.
    height = rng.uniform(120.0, 220.0)
    share = rng.choice([rng.uniform(0.06, 0.11), rng.uniform(0.11, 0.18), rng.uniform(0.18, 0.32)], p=[0.25, 0.4, 0.35])
    zoom = height / max(float(np.ptp(ink[:, 1])), 1.0)
    # Shrink what would leave the pad, soft halo included (the brush's widest layer is 1.3x).
    reach = 0.65 * share * height + 3.0
    extent = float(np.abs(ink - middle).max()) * zoom + reach
    fit = min(1.0, (centre - 2.0) / extent)
    zoom *= fit
    return [(path - middle) * zoom + centre for path in paths], float(share * height * fit)


def stroke_canvas(digit: int, rng: np.random.Generator, pad) -> np.ndarray:
    """A stroke-model ``digit`` drawn on ``pad`` (a DrawingPad, cleared first); its canvas array."""
    from PySide6.QtCore import QPointF

    paths, width = stroke_paths(digit, rng)
    pad.clear()
    for path in paths:
        # The pad's own stroke handling, as for a pen: press at the first point, moves after.
        pad._begin_stroke(QPointF(*path[0]), width)
        for x, y in path[1:]:
            pad._extend_stroke(QPointF(x, y), width)
        pad._stroke_active = False
    return pad.canvas_array()


# --------------------------------------------------------------------------- the set


def _to_mnist(canvas: np.ndarray) -> np.ndarray:
    from engine.digitize import digitize

    image = digitize(canvas)
    if image is None:
        raise RuntimeError("a generated digit came out blank")
    return np.round(image * 255.0).astype(np.uint8)


def _make_split(seed: int, per_digit: int, stream: int, faces, pad) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n_fonts = per_digit // 2
    images, labels, sources = [], [], []
    for digit in range(10):
        for index in range(per_digit):
            source = FONT if index < n_fonts else STROKE
            rng = np.random.default_rng([seed, stream, source, digit, index])
            canvas = font_canvas(digit, rng, faces) if source == FONT else stroke_canvas(digit, rng, pad)
            images.append(_to_mnist(canvas))
            labels.append(digit)
            sources.append(source)
    order = np.random.default_rng([seed, stream, _SHUFFLE_STREAM]).permutation(len(labels))
    return (np.stack(images)[order], np.asarray(labels, dtype=np.uint8)[order],
            np.asarray(sources, dtype=np.uint8)[order])


def generate(seed: int = 0, per_digit: int = 200) -> dict[str, np.ndarray]:
    """The set as the arrays of its .npz: x_test (10 * per_digit, 28, 28) uint8, y_test, source_test,
    and the token x_train/y_train/source_train of one font and one stroke image per digit.
    Needs a QApplication (the pad is a widget)."""
    from ..panels.drawing_pad import DrawingPad

    if per_digit < 1:
        raise ValueError("per_digit must be at least 1")
    faces = font_faces()
    if not faces:
        raise RuntimeError("no scalable font with Latin digits found")
    pad = DrawingPad()
    try:
        x_test, y_test, source_test = _make_split(seed, per_digit, 0, faces, pad)
        x_train, y_train, source_train = _make_split(seed, 2, _TRAIN_STREAM, faces, pad)
    finally:
        pad.deleteLater()
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test,
            "source_train": source_train, "source_test": source_test}


def save(path: str | os.PathLike[str], arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` as a compressed .npz like ``np.savez_compressed``, but byte for byte the same
    for the same arrays: the archive members carry a fixed date instead of the time of writing."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for key, array in arrays.items():
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, member.getvalue(), compresslevel=9)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gui.app.handwriting_set", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("assets/handwriting/other-digits.npz"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--per-digit", type=int, default=200, help="images per digit, half from each source")
    args = parser.parse_args(argv)
    if args.per_digit < 1:
        parser.error("--per-digit must be at least 1")

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])  # noqa: F841 - lives until the end
    arrays = generate(args.seed, args.per_digit)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    save(args.out, arrays)
    print(f"{args.out}: {len(arrays['y_test'])} test images ({len(font_faces())} font faces), "
          f"{args.out.stat().st_size / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
