"""The second test set: digits from fonts and a stroke model, made from a seed, framed like MNIST."""
import numpy as np
import pytest
from support import ROOT

from engine.data import load_dataset
from engine.digitize import CENTRE_OF_MASS_TARGET
from gui.app.handwriting_set import FONT, STROKE, TEMPLATES, font_faces, generate, main, save, stroke_paths

SHIPPED_SET = ROOT / "assets" / "handwriting" / "other-digits.npz"
PER_DIGIT = 2


@pytest.fixture(scope="module")
def tiny(qapp):
    return generate(seed=3, per_digit=PER_DIGIT)


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    ink = image.astype(np.float64)
    index = np.arange(image.shape[0])
    return float(ink.sum(axis=1) @ index / ink.sum()), float(ink.sum(axis=0) @ index / ink.sum())


def test_the_same_seed_gives_the_same_set_and_another_seed_another(tiny, qapp):
    again = generate(seed=3, per_digit=PER_DIGIT)
    other = generate(seed=4, per_digit=PER_DIGIT)

    assert tiny.keys() == again.keys()
    for key in tiny:
        np.testing.assert_array_equal(tiny[key], again[key])
    assert not np.array_equal(tiny["x_test"], other["x_test"])


def test_the_file_is_the_same_bytes_for_the_same_seed(tmp_path, qapp):
    first, second = tmp_path / "first.npz", tmp_path / "second.npz"
    assert main(["--out", str(first), "--seed", "1", "--per-digit", "1"]) == 0
    save(second, generate(seed=1, per_digit=1))

    assert first.read_bytes() == second.read_bytes()


def test_images_are_mnist_like_28x28_uint8_with_ink_centred_by_mass(tiny):
    for split in ("train", "test"):
        images = tiny[f"x_{split}"]
        assert images.dtype == np.uint8 and images.shape[1:] == (28, 28)
        assert (images.reshape(len(images), -1).max(axis=1) > 200).all()
        for image in images:
            row, col = centre_of_mass(image)
            # digitize shifts by whole pixels, so the centre lands within half a pixel of (14, 14)
            # unless that would push ink off the frame.
            assert abs(row - CENTRE_OF_MASS_TARGET) <= 1.0 and abs(col - CENTRE_OF_MASS_TARGET) <= 1.0
            # The larger side of the ink spans the 20-pixel box, as in MNIST.
            rows, cols = np.flatnonzero(image.any(axis=1)), np.flatnonzero(image.any(axis=0))
            assert max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 in (20, 21)


def test_labels_are_balanced_and_half_of_each_digit_comes_from_each_source(tiny):
    labels, sources = tiny["y_test"], tiny["source_test"]

    assert np.bincount(labels, minlength=10).tolist() == [PER_DIGIT] * 10
    for digit in range(10):
        assert sorted(sources[labels == digit]) == [FONT] * (PER_DIGIT // 2) + [STROKE] * (PER_DIGIT - PER_DIGIT // 2)
    assert np.bincount(tiny["y_train"], minlength=10).tolist() == [2] * 10


def test_the_machine_has_fonts_with_several_styles(qapp):
    faces = font_faces()

    assert faces == sorted(faces)
    assert len({family for family, _ in faces}) >= 1 and len(faces) >= 3


def test_every_template_stays_on_the_pad_with_its_brush(qapp):
    for digit in TEMPLATES:
        for index in range(20):
            paths, width = stroke_paths(digit, np.random.default_rng([digit, index]))
            ink = np.vstack(paths)
            assert width > 0
            assert ink.min() - 0.65 * width >= 0 and ink.max() + 0.65 * width <= 280


def test_the_shipped_set_loads_with_ten_balanced_classes():
    data = load_dataset(SHIPPED_SET)

    assert SHIPPED_SET.stat().st_size < 1_000_000
    assert data.n_test == 2000 and data.n_classes == 10 and np.unique(data.y_test).tolist() == list(range(10))
    assert np.bincount(data.y_test, minlength=10).tolist() == [200] * 10
    assert data.x_test.shape == (2000, 784) and 0.0 <= data.x_test.min() and data.x_test.max() <= 1.0
