import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.digitize import (
    CENTRE_OF_MASS_TARGET,
    DIGIT_BOX_SIZE,
    INK_THRESHOLD,
    MAX_STROKE_WIDTH,
    OUTPUT_SIZE,
    digitize,
    digitize_with_frame,
    stroke_width,
)


def ink_bounding_box(image: np.ndarray) -> tuple[int, int]:
    """(height, width) of the smallest box containing every non-zero pixel."""
    rows = np.flatnonzero(image.any(axis=1))
    cols = np.flatnonzero(image.any(axis=0))
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    total = image.sum()
    row = float(image.sum(axis=1) @ np.arange(image.shape[0])) / total
    col = float(image.sum(axis=0) @ np.arange(image.shape[1])) / total
    return row, col


def thick_line(canvas: np.ndarray, start: tuple[float, float], end: tuple[float, float], radius: float) -> None:
    """Paint a round-capped line of full ink, like a pen stroke."""
    rows, cols = np.mgrid[: canvas.shape[0], : canvas.shape[1]]
    start_vec, end_vec = np.asarray(start, float), np.asarray(end, float)
    direction = end_vec - start_vec
    t = ((rows - start_vec[0]) * direction[0] + (cols - start_vec[1]) * direction[1]) / (direction @ direction)
    t = np.clip(t, 0.0, 1.0)
    distance = np.hypot(rows - (start_vec[0] + t * direction[0]), cols - (start_vec[1] + t * direction[1]))
    canvas[distance <= radius] = 1.0


def assert_valid_input(image: np.ndarray) -> None:
    assert image.shape == (OUTPUT_SIZE, OUTPUT_SIZE)
    assert image.dtype == np.float32
    assert np.all(np.isfinite(image))
    assert image.min() >= 0.0 and image.max() <= 1.0
    assert image.max() > 0.0
    height, width = ink_bounding_box(image)
    assert height <= DIGIT_BOX_SIZE and width <= DIGIT_BOX_SIZE


@pytest.fixture
def seven_canvas() -> np.ndarray:
    canvas = np.zeros((280, 280))
    thick_line(canvas, (60, 70), (55, 205), radius=10)
    thick_line(canvas, (55, 205), (235, 140), radius=10)
    return canvas


def test_stroke_drawing_becomes_mnist_sized_input(seven_canvas):
    image = digitize(seven_canvas)

    assert_valid_input(image)
    assert max(ink_bounding_box(image)) in (DIGIT_BOX_SIZE - 1, DIGIT_BOX_SIZE)
    # Area averaging leaves grey, anti-aliased edges rather than a binary image.
    assert np.any((image > 0.1) & (image < 0.9))


def test_centre_of_mass_lands_on_mnist_centre(seven_canvas):
    row, col = centre_of_mass(digitize(seven_canvas))

    # A whole-pixel shift can only get within half a pixel, as in MNIST itself.
    assert abs(row - CENTRE_OF_MASS_TARGET) <= 0.5 + 1e-9
    assert abs(col - CENTRE_OF_MASS_TARGET) <= 0.5 + 1e-9


def test_position_on_the_canvas_does_not_matter(seven_canvas):
    shifted = np.roll(seven_canvas, shift=(25, -40), axis=(0, 1))

    np.testing.assert_array_equal(digitize(seven_canvas), digitize(shifted))


def test_tall_thin_bar_keeps_its_aspect_ratio():
    canvas = np.zeros((280, 280))
    canvas[40:240, 130:150] = 1.0  # 200 x 20 pixels

    height, width = ink_bounding_box(digitize(canvas))

    assert height == DIGIT_BOX_SIZE
    assert width <= 3


def test_wide_bar_keeps_its_aspect_ratio():
    canvas = np.zeros((100, 300))
    canvas[40:70, 10:290] = 1.0  # 30 x 280 pixels

    height, width = ink_bounding_box(digitize(canvas))

    assert width == DIGIT_BOX_SIZE
    assert 2 <= height <= 4


def test_ink_is_conserved_up_to_scaling():
    canvas = np.zeros((280, 280))
    thick_line(canvas, (20, 20), (260, 40), radius=6)
    canvas[100:140, 200:230] = 0.5
    rows = np.flatnonzero(canvas.any(axis=1))
    cols = np.flatnonzero(canvas.any(axis=0))
    scale = DIGIT_BOX_SIZE / max(rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1)

    image = digitize(canvas)

    assert image.sum() == pytest.approx(canvas.sum() * scale**2, rel=1e-5)


def test_lopsided_digit_is_shifted_no_further_than_the_frame():
    # Nearly all mass in one corner: centring it exactly would push the rest off the frame.
    canvas = np.zeros((200, 200))
    canvas[:40, :40] = 1.0
    canvas[199, 199] = 1.0

    image = digitize(canvas)

    # The mass sits top-left, so the box moves as far down-right as the frame allows.
    assert image[OUTPUT_SIZE - 1, OUTPUT_SIZE - 1] > 0.0
    assert image[OUTPUT_SIZE - DIGIT_BOX_SIZE, OUTPUT_SIZE - DIGIT_BOX_SIZE] == pytest.approx(1.0)
    assert image.sum() == pytest.approx(canvas.sum() * (DIGIT_BOX_SIZE / 200) ** 2, rel=1e-5)


@pytest.mark.parametrize(
    "canvas",
    [
        np.zeros((280, 280)),
        np.zeros((1, 1)),
        np.zeros((0, 5)),
        np.full((50, 50), INK_THRESHOLD / 2),
        np.full((10, 10), np.nan),
        np.full((10, 10), -np.inf),
        -np.ones((20, 30)),
    ],
    ids=["blank", "one-blank-pixel", "zero-size", "faint-noise", "all-nan", "all-minus-inf", "negative"],
)
def test_nothing_drawn_gives_none(canvas):
    assert digitize(canvas) is None


def test_full_canvas_becomes_centred_square():
    image = digitize(np.ones((280, 280)))

    assert_valid_input(image)
    assert ink_bounding_box(image) == (DIGIT_BOX_SIZE, DIGIT_BOX_SIZE)
    assert image.sum() == pytest.approx(DIGIT_BOX_SIZE**2)


def test_single_pixel_is_enlarged_to_the_box():
    canvas = np.zeros((280, 280))
    canvas[3, 270] = 1.0

    image = digitize(canvas)

    assert_valid_input(image)
    assert ink_bounding_box(image) == (DIGIT_BOX_SIZE, DIGIT_BOX_SIZE)


def test_thin_line_on_the_border_of_a_non_square_canvas():
    canvas = np.zeros((120, 400))
    canvas[-1, :] = 1.0

    image = digitize(canvas)

    assert_valid_input(image)
    assert ink_bounding_box(image)[1] == DIGIT_BOX_SIZE


def test_non_finite_values_count_as_background():
    canvas = np.zeros((100, 100))
    canvas[20:80, 45:55] = 1.0
    polluted = canvas.copy()
    polluted[0, 0], polluted[99, 99], polluted[50, 0] = np.nan, np.inf, -np.inf

    np.testing.assert_array_equal(digitize(polluted), digitize(canvas))


def test_out_of_range_values_are_clipped():
    canvas = np.zeros((100, 100))
    canvas[20:80, 45:55] = 1.0
    overdriven = canvas * 1e300

    np.testing.assert_array_equal(digitize(overdriven), digitize(canvas))


# ------------------------------------------------- strokes bolder than MNIST's

def ring(canvas: np.ndarray, centre: tuple[float, float], radius: float, width: float) -> None:
    """Paint a full-ink ring, an "0" drawn with a pen `width` px wide."""
    rows, cols = np.mgrid[: canvas.shape[0], : canvas.shape[1]]
    distance = np.hypot(rows - centre[0], cols - centre[1])
    canvas[np.abs(distance - radius) <= width / 2] = 1.0


def test_stroke_width_is_measured_in_pixels_whatever_the_shape():
    bar, seven, zero = np.zeros((280, 280)), np.zeros((280, 280)), np.zeros((280, 280))
    bar[40:240, 130:150] = 1.0
    thick_line(seven, (60, 70), (55, 205), radius=10)
    thick_line(seven, (55, 205), (235, 140), radius=10)
    ring(zero, (140, 140), 80, 12)

    assert stroke_width(bar) == pytest.approx(20, rel=0.1)
    assert stroke_width(seven) == pytest.approx(20, rel=0.1)
    assert stroke_width(zero) == pytest.approx(12, rel=0.1)
    assert stroke_width(np.zeros((5, 5))) == 0.0


def test_a_small_digit_drawn_with_a_thick_pen_is_thinned_to_mnist_strokes():
    # A "7" 120 px tall drawn 30 px wide: scaled to the box as drawn, its strokes would be bolder
    # than all but a few MNIST digits.
    canvas = np.zeros((280, 280))
    thick_line(canvas, (100, 100), (100, 160), radius=15)
    thick_line(canvas, (100, 160), (190, 120), radius=15)
    rows, cols = np.flatnonzero(canvas.any(axis=1)), np.flatnonzero(canvas.any(axis=0))
    as_drawn = stroke_width(canvas) * DIGIT_BOX_SIZE / max(np.ptp(rows) + 1, np.ptp(cols) + 1)
    assert as_drawn > MAX_STROKE_WIDTH + 0.3

    image = digitize(canvas)

    assert_valid_input(image)
    assert stroke_width(image) == pytest.approx(MAX_STROKE_WIDTH, abs=0.5)
    assert max(ink_bounding_box(image)) in (DIGIT_BOX_SIZE - 1, DIGIT_BOX_SIZE)
    row, col = centre_of_mass(image)
    assert abs(row - CENTRE_OF_MASS_TARGET) <= 0.5 + 1e-9 and abs(col - CENTRE_OF_MASS_TARGET) <= 0.5 + 1e-9


def test_thinning_keeps_the_hole_of_a_small_bold_zero_open():
    canvas = np.zeros((280, 280))
    ring(canvas, (150, 130), 30, 22)  # 82 px across with a hole 38 px wide
    image = digitize(canvas)

    assert stroke_width(image) <= MAX_STROKE_WIDTH + 0.5
    rows, cols = np.flatnonzero(image.any(axis=1)), np.flatnonzero(image.any(axis=0))
    middle = image[(rows[0] + rows[-1]) // 2 - 2 : (rows[0] + rows[-1]) // 2 + 3,
                   (cols[0] + cols[-1]) // 2 - 2 : (cols[0] + cols[-1]) // 2 + 3]
    assert middle.max() < 0.05, "the 5x5 middle of the 0 stays empty"


@pytest.mark.parametrize("radius", [2, 6, 10])
def test_strokes_no_bolder_than_mnists_are_left_as_drawn(radius):
    canvas = np.zeros((280, 280))
    thick_line(canvas, (30, 40), (250, 200), radius=radius)
    rows, cols = np.flatnonzero(canvas.any(axis=1)), np.flatnonzero(canvas.any(axis=0))
    scale = DIGIT_BOX_SIZE / max(np.ptp(rows) + 1, np.ptp(cols) + 1)

    assert digitize(canvas).sum() == pytest.approx(canvas.sum() * scale**2, rel=1e-5)


def test_the_frame_maps_each_input_pixel_onto_the_drawing():
    canvas = np.zeros((280, 280))
    thick_line(canvas, (100, 100), (100, 160), radius=15)  # thinned, so the frame must allow for it
    thick_line(canvas, (100, 160), (190, 120), radius=15)

    image, (top, left, side) = digitize_with_frame(canvas)

    np.testing.assert_array_equal(image, digitize(canvas))
    pixel = side / OUTPUT_SIZE
    inked = list(zip(*np.nonzero(image > 0.5)))
    assert len(inked) > 20
    for row, col in inked:
        y, x = top + (row + 0.5) * pixel, left + (col + 0.5) * pixel
        assert canvas[round(y), round(x)] == 1.0, (row, col)
    assert digitize_with_frame(np.zeros((10, 10))) is None


def test_rejects_arrays_that_are_not_two_dimensional():
    with pytest.raises(ValueError):
        digitize(np.zeros((28, 28, 3)))


# --------------------------------------------------------------------- fuzzing

_FINITE_VALUES = st.one_of(
    st.floats(min_value=-2.0, max_value=3.0),
    st.sampled_from([0.0, 1.0, INK_THRESHOLD, 5e-324, 1e308, -1e308]),
)


@st.composite
def canvases(draw) -> np.ndarray:
    height = draw(st.integers(1, 400))
    width = draw(st.integers(1, 400))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    background = draw(st.sampled_from(["zeros", "faint-noise", "random"]))
    if background == "zeros":
        canvas = np.zeros((height, width))
    elif background == "faint-noise":
        canvas = rng.uniform(0.0, 2 * INK_THRESHOLD, size=(height, width))
    else:
        canvas = rng.uniform(-0.5, 1.5, size=(height, width))

    for _ in range(draw(st.integers(0, 4))):
        shape = draw(st.sampled_from(["rectangle", "row", "column", "pixel", "diagonal"]))
        value = draw(_FINITE_VALUES)
        top, bottom = sorted(draw(st.lists(st.integers(0, height - 1), min_size=2, max_size=2)))
        left, right = sorted(draw(st.lists(st.integers(0, width - 1), min_size=2, max_size=2)))
        if shape == "rectangle":
            canvas[top : bottom + 1, left : right + 1] = value
        elif shape == "row":
            canvas[top, :] = value
        elif shape == "column":
            canvas[:, left] = value
        elif shape == "pixel":
            canvas[top, left] = value
        else:
            steps = max(bottom - top, right - left) + 1
            rows = np.linspace(top, bottom, steps).round().astype(int)
            cols = np.linspace(left, right, steps).round().astype(int)
            canvas[rows, cols] = value

    non_finite_fraction = draw(st.sampled_from([0.0, 0.0, 0.01, 0.3, 1.0]))
    if non_finite_fraction:
        mask = rng.random((height, width)) < non_finite_fraction
        canvas[mask] = rng.choice([np.nan, np.inf, -np.inf], size=int(mask.sum()))
    return canvas


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(canvases())
def test_any_canvas_gives_none_or_a_valid_input(canvas):
    image = digitize(canvas)

    if image is not None:
        assert_valid_input(image)
