"""Distortions towards other people's handwriting: affine maps, elastic fields, stroke thickness."""
import numpy as np
import pytest

from engine.analysis.robustness import thicken, thin
from engine.augment import affine_batch
from engine.distortions import (
    affine_parameters,
    distort_batch,
    elastic_fields,
    filter_3x3,
    stroke_thickness,
)


@pytest.fixture(scope="module")
def digits(mnist):
    return np.ascontiguousarray(mnist.x_test[:256], dtype=np.float32)


def test_nothing_switched_on_changes_nothing(digits):
    assert distort_batch(digits, np.random.default_rng(0)) is digits


def test_rotation_alone_is_the_existing_rotation(digits):
    angles = np.random.default_rng(5).uniform(-20, 20, len(digits))
    ours = distort_batch(digits, np.random.default_rng(5), rotate=20)
    np.testing.assert_allclose(ours, affine_batch(digits, angles, np.zeros((len(digits), 2))), atol=1e-5)


def test_affine_maps_scale_and_shear_within_their_bounds():
    inverse, shifts = affine_parameters(np.random.default_rng(1), 2000, shift=2, rotate=0, affine=0.2)
    forward = np.linalg.inv(inverse.astype(np.float64))
    # Without rotation the forward map is shear @ scale: scales on the diagonal, shear above it.
    assert np.all((forward[:, 0, 0] >= 0.8 - 1e-6) & (forward[:, 0, 0] <= 1.2 + 1e-6))
    assert np.all((forward[:, 1, 1] >= 0.8 - 1e-6) & (forward[:, 1, 1] <= 1.2 + 1e-6))
    assert np.all(np.abs(shifts) <= 2) and np.abs(shifts).max() > 1.5
    assert np.abs(forward[:, 1, 0]).max() > 0.1, "some shear"


def test_elastic_fields_are_smooth_and_of_the_asked_size():
    dy, dx = elastic_fields(np.random.default_rng(2), 4000, 2.0)
    rms = np.sqrt(np.mean(dy ** 2 + dx ** 2) / 2)
    assert 1.6 < rms < 2.4
    # Neighbouring pixels move together: a step to the next pixel changes the field little.
    step = np.sqrt(np.mean(np.diff(dx, axis=2) ** 2))
    assert step < 0.25 * rms
    assert abs(np.mean(dx)) < 0.1 and abs(np.mean(dy)) < 0.1, "no drift in any direction"


def test_elastic_deformation_moves_ink_but_keeps_most_of_it(digits):
    moved = distort_batch(digits, np.random.default_rng(3), elastic=1.5)
    assert moved.shape == digits.shape and moved.dtype == digits.dtype
    assert np.all((moved >= 0) & (moved <= 1))
    change = np.abs(moved - digits).sum(axis=1) / digits.sum(axis=1)
    assert np.median(change) > 0.2, "the strokes moved"
    kept = moved.sum(axis=1) / digits.sum(axis=1)
    assert np.all((kept > 0.5) & (kept < 1.7)) and 0.9 < np.median(kept) < 1.1, "the digit stays in the picture"


def test_stroke_thickness_blends_between_erosion_and_dilation(digits):
    np.testing.assert_array_equal(filter_3x3(digits, np.maximum), thicken(digits, 1))
    np.testing.assert_array_equal(filter_3x3(digits, np.minimum), thin(digits, 1))
    m = len(digits)
    np.testing.assert_allclose(stroke_thickness(digits, np.ones(m)), thicken(digits, 1), atol=1e-6)
    np.testing.assert_allclose(stroke_thickness(digits, -np.ones(m)), thin(digits, 1), atol=1e-6)
    np.testing.assert_allclose(stroke_thickness(digits, np.zeros(m)), digits, atol=1e-6)
    ink = [stroke_thickness(digits, np.full(m, a)).sum() for a in (-1, -0.5, 0, 0.5, 1)]
    assert ink == sorted(ink), "more ink with every step towards a thicker pen"


def test_every_distortion_together_is_reproducible_from_the_seed(digits):
    settings = dict(shift=2, rotate=10, affine=0.15, elastic=1.5, thickness=0.5)
    first = distort_batch(digits, np.random.default_rng(9), **settings)
    again = distort_batch(digits, np.random.default_rng(9), **settings)
    np.testing.assert_array_equal(first, again)
    assert np.all((first >= 0) & (first <= 1 + 1e-6))


# -- as training settings ------------------------------------------------------------------------
DISTORTED = dict(augment_shift=2, augment_rotate=10.0, augment_affine=0.15, augment_elastic=1.5,
                 augment_thickness=0.5, augment_noise=0.05)


def _trained(small, **changes):
    from engine.config import PRESETS
    from engine.trainer import Trainer

    trainer = Trainer(PRESETS["default"].with_changes(epochs=3, hidden=(64,), **changes), small)
    for _ in trainer.run():
        pass
    return trainer


def test_a_distorted_run_learns_and_replays_bit_for_bit_from_its_seed(small):
    first, again = _trained(small, **DISTORTED), _trained(small, **DISTORTED)
    assert first.network.flat_parameters.tobytes() == again.network.flat_parameters.tobytes()
    plain = _trained(small)
    assert first.network.flat_parameters.tobytes() != plain.network.flat_parameters.tobytes()
    from engine.trainer import evaluate
    _, accuracy, _ = evaluate(first.network, small.x_test, small.y_test)
    assert accuracy > 0.7, "it learns through the distortions (undistorted, this run reaches about 0.8)"


def test_distortion_settings_are_validated_saved_and_changeable_mid_run(small, tmp_path):
    from engine.config import PRESETS, TrainConfig
    from engine.modelio import load_model, save_model
    from engine.trainer import LIVE_SETTINGS, Trainer

    config = PRESETS["seed-003"].with_changes(**DISTORTED)
    config.validate(small.n_train)
    for name, bad in (("augment_affine", 0.6), ("augment_elastic", 5.0), ("augment_thickness", 1.5),
                      ("augment_elastic", -1.0)):
        with pytest.raises(ValueError):
            config.with_changes(**{name: bad}).validate(small.n_train)
    assert {"augment_affine", "augment_elastic", "augment_thickness"} <= LIVE_SETTINGS
    trainer = Trainer(PRESETS["seed-003"].with_changes(epochs=1), small)
    trainer.update_settings(augment_elastic=2.0, augment_affine=0.1, augment_thickness=0.3)
    assert (trainer.config.augment_elastic, trainer.config.augment_affine, trainer.config.augment_thickness) == \
        (2.0, 0.1, 0.3)
    path = tmp_path / "distorted.npz"
    save_model(path, trainer.network, {"config": config.to_dict()})
    _, metadata = load_model(path)
    assert TrainConfig.from_dict(metadata["config"]) == config


def test_the_cli_takes_the_distortion_flags(small, tmp_path, capsys):
    import json

    from engine.cli import main as cli_main
    from engine.modelio import load_model

    data = tmp_path / "small.npz"
    codes = {name: np.round(rows * 255).astype(np.uint8).reshape(-1, 28, 28)
             for name, rows in (("x_train", small.train_rows(slice(0, 600))), ("x_test", small.x_test[:200]))}
    np.savez(data, y_train=small.y_train[:600], y_test=small.y_test[:200], **codes)
    model = tmp_path / "model.npz"
    assert cli_main(["train", "--preset", "seed-003", "--epochs", "1", "--data", str(data), "--augment-affine", "0.2",
                     "--augment-elastic", "1", "--augment-thickness", "0.4", "--save", str(model), "--json"]) == 0
    capsys.readouterr()
    config = load_model(model)[1]["config"]
    assert (config["augment_affine"], config["augment_elastic"], config["augment_thickness"]) == (0.2, 1.0, 0.4)
    assert cli_main(["train", "--preset", "seed-003", "--data", str(data), "--augment-elastic", "9"]) == 2
    assert "elastic" in capsys.readouterr().err
    json.dumps(config)


def test_pixel_noise_is_standard_normal_per_row_and_replays_from_the_seed():
    from engine.augment import gaussian_noise

    noise = gaussian_noise(np.random.default_rng(3), 4000, 784)
    assert noise.shape == (4000, 784) and noise.dtype == np.float32
    assert abs(float(noise.mean())) < 0.01 and abs(float(noise.std()) - 1.0) < 0.01
    # Rows are drawn independently: no two of the first rows are the same, and neighbouring
    # pixels are uncorrelated.
    assert len({row.tobytes() for row in noise[:200]}) == 200
    assert abs(np.corrcoef(noise[:, :-1].ravel(), noise[:, 1:].ravel())[0, 1]) < 0.01
    np.testing.assert_array_equal(noise, gaussian_noise(np.random.default_rng(3), 4000, 784))
    assert not np.array_equal(noise, gaussian_noise(np.random.default_rng(4), 4000, 784))
