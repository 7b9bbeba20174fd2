"""The `best` preset: the route to 99% MNIST test accuracy (README, Presets). Training it takes
minutes, so these tests check what it describes, not what it reaches."""

from engine.config import PRESETS, TrainConfig, preset


def test_best_is_a_valid_preset():
    config = preset("best")
    assert isinstance(config, TrainConfig)
    assert config.validate(n_train=60000) is config


def test_best_is_a_wide_relu_network_with_softmax_cross_entropy():
    config = PRESETS["best"]
    assert config.layer_sizes() == (784, 800, 800, 10)
    assert (config.activation, config.output_activation, config.loss) == ("relu", "softmax", "ce")


def test_best_trains_with_momentum_a_cosine_schedule_and_more_epochs_than_default():
    config = PRESETS["best"]
    assert config.optimizer == "momentum" and config.schedule == "cosine"
    assert config.epochs > PRESETS["default-long"].epochs
    assert config.dtype == "float32" and config.slow_motion_s == 0


def test_best_switches_every_distortion_on_but_noise():
    config = PRESETS["best"]
    assert config.augment_shift > 0 and config.augment_rotate > 0
    assert config.augment_affine > 0 and config.augment_elastic > 0 and config.augment_thickness > 0
    assert config.augment_noise == 0
    assert config.l2 == 0 and config.dropout == 0


def test_best_round_trips_through_a_model_file_s_settings():
    config = PRESETS["best"]
    assert TrainConfig.from_dict(config.to_dict()) == config
