"""Full-batch training means the whole training set, whatever its size (issue 19, defect 3): in the
configuration, the CLI (`--batch-size full`) and the model file, with files that stored 60000 still loading."""
import io
import json

import numpy as np
import pytest

from engine.cli import main
from engine.config import FULL_BATCH, PRESETS, TrainConfig
from engine.data import load_mnist
from engine.modelio import load_model, save_model
from engine.network import Network
from engine.trainer import BatchEvent, Trainer

N_TRAIN, N_TEST = 600, 100


@pytest.fixture(scope="module")
def own_npz(tmp_path_factory):
    """A user's own 600-image dataset: the first MNIST images as a keras-style .npz."""
    data = load_mnist()
    path = tmp_path_factory.mktemp("own") / "own.npz"

    def pixels(x):
        return np.round(x * 255).astype(np.uint8).reshape(-1, 28, 28)

    np.savez(path, x_train=pixels(data.train_rows(slice(0, N_TRAIN))), y_train=data.y_train[:N_TRAIN],
             x_test=pixels(data.x_test[:N_TEST]), y_test=data.y_test[:N_TEST])
    return path


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_seed_002_trains_full_batch_on_a_600_image_dataset(own_npz, tmp_path):
    model = tmp_path / "seed-002.npz"
    code, out, err = run("train", "--preset", "seed-002", "--data", own_npz, "--epochs", "3", "--save", model,
                         "--json")
    assert code == 0, err
    assert len(out.strip().splitlines()) == 3
    _, metadata = load_model(model)
    assert metadata["config"]["batch_size"] == FULL_BATCH, "the model file says full batch, not a number"
    assert metadata["steps"] == 3, "one step per epoch: every step is the whole training set"
    assert TrainConfig.from_dict(metadata["config"]) == PRESETS["seed-002"].with_changes(epochs=3)


def test_human_output_names_the_full_batch_size(own_npz):
    code, out, err = run("train", "--preset", "seed-002", "--data", own_npz, "--epochs", "1")
    assert code == 0, err
    assert f"batch {N_TRAIN} (full batch)" in out


def test_batch_size_full_on_the_command_line(own_npz, tmp_path):
    model = tmp_path / "m.npz"
    code, _, err = run("train", "--preset", "seed-003", "--batch-size", "full", "--epochs", "2", "--data", own_npz,
                       "--save", model, "--json")
    assert code == 0, err
    _, metadata = load_model(model)
    assert metadata["config"]["batch_size"] == FULL_BATCH and metadata["steps"] == 2


def test_an_explicit_number_replaces_the_presets_full_batch(own_npz, tmp_path):
    model = tmp_path / "m.npz"
    code, _, err = run("train", "--preset", "seed-002", "--batch-size", "200", "--epochs", "1", "--data", own_npz,
                       "--save", model, "--json")
    assert code == 0, err
    _, metadata = load_model(model)
    assert metadata["config"]["batch_size"] == 200 and metadata["steps"] == 3


@pytest.mark.parametrize("argv, message", [
    (["--batch-size", str(N_TRAIN + 1)], f"batch size {N_TRAIN + 1} is larger than the {N_TRAIN} training examples"),
    (["--batch-size", "half"], "--batch-size"),
    (["--batch-size", "0"], "batch size"),
])
def test_impossible_batch_sizes_stay_clear_errors(own_npz, argv, message):
    code, out, err = run("train", "--preset", "seed-002", "--data", own_npz, "--epochs", "1", *argv)
    assert code == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1


def test_full_batch_configuration():
    config = PRESETS["seed-002"]
    assert config.full_batch and config.batch_size == FULL_BATCH
    for n_train in (1, 600, 60000, 1_000_000):
        config.validate(n_train)
        assert config.batch_for(n_train) == n_train
    assert TrainConfig(batch_size=128).batch_for(600) == 128
    with pytest.raises(ValueError, match="larger than the 600"):
        TrainConfig(batch_size=601).validate(600)
    with pytest.raises(ValueError, match="batch size"):
        TrainConfig(batch_size="most").validate(600)


def test_full_batch_round_trips_through_json():
    config = PRESETS["seed-002"]
    text = json.dumps(config.to_dict())
    assert '"batch_size": "full"' in text
    assert TrainConfig.from_dict(json.loads(text)) == config
    with pytest.raises(TypeError):
        TrainConfig.from_dict({"batch_size": "most"})


def test_files_that_stored_60000_still_load(tmp_path, small):
    """Model and settings files written before full batch existed kept seed-002's 60000."""
    old = dict(PRESETS["seed-002"].to_dict(), batch_size=60000)
    config = TrainConfig.from_dict(old)
    assert config.batch_size == 60000 and not config.full_batch
    config.validate(60000)
    path = tmp_path / "old.npz"
    save_model(path, Network((784, 10, 10), seed=0), {"config": old, "epochs": 1000})
    _, metadata = load_model(path)
    assert TrainConfig.from_dict(metadata["config"]).batch_size == 60000


def test_the_trainer_takes_every_example_of_any_training_set(small):
    subset = small.subset(N_TRAIN, N_TEST)
    trainer = Trainer(PRESETS["seed-002"].with_changes(epochs=2), subset)
    batches = [e for e in trainer.run() if isinstance(e, BatchEvent)]
    assert len(batches) == 2 and trainer.batches_per_epoch == 1
