"""Runs kept side by side (engine/runs.py): a run round-trips through its file exactly, run files and model
files open as each other, bad files fail with a clear message and change nothing, and the runs list keeps
unique names and its memory budget."""
import json
import zipfile

import numpy as np
import pytest
from file_faults import damaged_copy
from support import DEFAULT_MODEL, recorded_run

from engine.config import FULL_BATCH, TrainConfig
from engine.history import TrainingHistory
from engine.modelio import ModelFileError, load_model, load_model_with_timeline, save_model
from engine.network import Network
from engine.runs import (
    MAX_RUN_BATCH_POINTS,
    Run,
    RunHistory,
    RunsList,
    config_of_network,
    load_run,
    load_shipped_run,
    save_run,
    thin_curve,
)
from engine.timeline import make_stop

SMALL = (1000, 200)
CONFIG = TrainConfig(hidden=(16, 8), optimizer="momentum", lr=0.2, momentum=0.8, batch_size=50, epochs=2,
                     seed=3, l2=1e-4, schedule="cosine", augment_shift=1)


@pytest.fixture(scope="module")
def run(small):
    return recorded_run(small, CONFIG, "first try")


def assert_same_run(loaded: Run, run: Run):
    """Every field equal, every array bit for bit."""
    assert (loaded.name, loaded.config, loaded.dataset_name, loaded.created) == (
        run.name, run.config, run.dataset_name, run.created)
    assert (loaded.steps, loaded.epochs, loaded.training_seconds) == (run.steps, run.epochs, run.training_seconds)
    assert (loaded.test_accuracy, loaded.test_loss, loaded.config_known) == (
        run.test_accuracy, run.test_loss, run.config_known)
    assert loaded.network.describe() == run.network.describe() and loaded.network.dtype == run.network.dtype
    for a, b in zip(loaded.network.parameters(), run.network.parameters()):
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes()
    assert loaded.history.same_as(run.history)
    for name in ("epoch", "test_accuracy", "elapsed", "batch_x", "batch_loss"):
        assert getattr(loaded.history, name).tobytes() == getattr(run.history, name).tobytes()
    assert len(loaded.timeline) == len(run.timeline)
    for s, t in zip(loaded.timeline, run.timeline):
        assert (s.step, s.epoch, s.batch, s.batches_per_epoch, s.grid_index, s.evaluated) == (
            t.step, t.epoch, t.batch, t.batches_per_epoch, t.grid_index, t.evaluated)
        np.testing.assert_array_equal([s.loss, s.train_accuracy, s.test_accuracy],
                                      [t.loss, t.train_accuracy, t.test_accuracy])
        for a, b in zip(s.weights + s.biases, t.weights + t.biases):
            assert a.dtype == b.dtype == np.float16 and a.tobytes() == b.tobytes()


def test_a_run_records_what_its_training_did(run, small):
    assert run.name == "first try" and run.config == CONFIG and run.config_known
    assert run.epochs == 2 and run.steps == 2 * 20 and run.dataset_name == small.name
    np.testing.assert_array_equal(run.history.epoch, [1, 2])
    np.testing.assert_array_equal(run.history.elapsed, np.cumsum(run.history.seconds))
    assert run.test_accuracy == run.history.test_accuracy[-1] and 0.3 < run.test_accuracy <= 1  # chance: 0.1
    assert len(run.history.batch_x) == 40 and run.history.batch_x[-1] == 2.0
    assert run.timeline and run.timeline[-1].step == run.steps
    assert run.created[:2] == "20" and "T" in run.created


def test_a_run_round_trips_through_its_file_exactly(run, tmp_path):
    path = tmp_path / "run.npz"
    save_run(path, run)
    assert_same_run(load_run(path), run)
    again = tmp_path / "again.npz"
    save_run(again, load_run(path))
    assert_same_run(load_run(again), run)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again.npz", "run.npz"], "no temporary files left"


def test_a_run_written_on_a_big_endian_machine_opens_here(run, tmp_path):
    little = tmp_path / "little.npz"
    save_run(little, run)

    def big_endian(arrays):
        for name, a in arrays.items():
            if a.dtype.kind in "fiu" and a.dtype.itemsize > 1:
                arrays[name] = a.astype(a.dtype.newbyteorder(">"))

    big = damaged_copy(little, tmp_path / "big.npz", big_endian)
    with np.load(big, allow_pickle=False) as archive:
        assert archive["W1"].dtype.str == ">f4" and archive["timeline/W1"].dtype.str == ">f2"
    assert_same_run(load_run(big), run)


def test_a_float64_full_batch_run_without_a_timeline_round_trips(small, tmp_path):
    config = TrainConfig(hidden=(12,), activation="tanh", output_activation="sigmoid", loss="mse", lr=0.5,
                         batch_size=FULL_BATCH, epochs=3, dtype="float64")
    run = recorded_run(small, config).without_timeline().renamed("full batch, float64")
    save_run(tmp_path / "f64.npz", run)
    loaded = load_run(tmp_path / "f64.npz")
    assert_same_run(loaded, run)
    assert loaded.config.batch_size == FULL_BATCH and loaded.network.dtype == np.float64 and loaded.timeline == ()


def test_a_run_file_opens_as_a_model(run, tmp_path):
    path = tmp_path / "run.npz"
    save_run(path, run)
    network, metadata, stops = load_model_with_timeline(path)
    for a, b in zip(network.parameters(), run.network.parameters()):
        assert a.tobytes() == b.tobytes()
    assert len(stops) == len(run.timeline)
    assert metadata["epochs"] == 2 and metadata["test_accuracy"] == run.test_accuracy
    assert metadata["config"] == CONFIG.to_dict() and metadata["run"]["name"] == "first try"
    assert load_model(path)[0].describe() == run.network.describe()


def test_a_model_file_opens_as_a_run_with_what_it_knows(run, tmp_path):
    path = tmp_path / "plain-model.npz"
    metadata = {"config": CONFIG.to_dict(), "epochs": 7, "steps": 70, "dataset": "MNIST", "test_accuracy": 0.91,
                "test_loss": 0.3, "training_seconds": 12.5}
    save_model(path, run.network, metadata)
    loaded = load_run(path)
    assert loaded.name == "plain-model" and loaded.config == CONFIG and loaded.config_known
    assert (loaded.epochs, loaded.steps, loaded.dataset_name) == (7, 70, "MNIST")
    assert (loaded.test_accuracy, loaded.test_loss, loaded.training_seconds) == (0.91, 0.3, 12.5)
    assert loaded.history.n_epochs == 0 and len(loaded.history.batch_x) == 0 and loaded.timeline == ()
    assert loaded.created  # the file's modification time

    bare = tmp_path / "bare.npz"
    save_model(bare, run.network)
    unknown = load_run(bare)
    assert not unknown.config_known and unknown.config == config_of_network(run.network)
    assert unknown.config.hidden == (16, 8) and unknown.test_accuracy is None and unknown.epochs == 0


def test_the_shipped_model_opens_as_a_run():
    shipped = load_shipped_run()
    _, metadata = load_model(DEFAULT_MODEL)
    assert shipped.name == "default" and shipped.layer_sizes == (784, 400, 200, 10)
    assert shipped.test_accuracy == metadata["test_accuracy"] and shipped.epochs == metadata["epochs"]
    assert shipped.config == TrainConfig.from_dict(metadata["config"]) and shipped.config_known


def test_the_batch_curve_is_thinned_to_a_bound():
    history = TrainingHistory()
    n = 7 * MAX_RUN_BATCH_POINTS + 3
    for i in range(n):
        history.add_batch((i + 1) / 1000, 1.0 / (i + 1))
    x, y = history.batch_arrays()
    thinned = RunHistory.from_epoch_arrays({}, x, y)
    assert len(thinned.batch_x) == MAX_RUN_BATCH_POINTS
    assert (thinned.batch_x[0], thinned.batch_x[-1]) == (x[0], x[-1])
    assert np.all(np.diff(thinned.batch_x) > 0) and np.all(np.isin(thinned.batch_x, x))
    short_x, short_y = thin_curve([0.5, 1.0], [2.0, 1.0])
    np.testing.assert_array_equal(short_x, [0.5, 1.0])
    with pytest.raises(ValueError, match="batch positions"):
        RunHistory(batch_x=[1.0, 2.0], batch_loss=[1.0])
    with pytest.raises(ValueError, match="2 epochs but test_loss"):
        RunHistory(**{name: [1.0, 2.0] for name in ("epoch", "train_loss", "train_accuracy", "test_accuracy",
                                                      "seconds", "elapsed")}, test_loss=[1.0])


def _header(change):
    """damaged_copy's change of the JSON header."""
    def apply(arrays):
        header = json.loads(str(arrays["header"]))
        change(header)
        arrays["header"] = np.array(json.dumps(header))
    return apply


BAD_FILES = {
    "missing history array": (lambda arrays: arrays.pop("history/elapsed"), "missing history/elapsed"),
    "unexpected history array": (lambda arrays: arrays.__setitem__("history/extra", np.zeros(2)),
                                 "unexpected history/extra"),
    "history of two dimensions": (lambda arrays: arrays.__setitem__("history/epoch", np.zeros((2, 2))),
                                  "history/epoch has shape"),
    "history of text": (lambda arrays: arrays.__setitem__("history/test_loss", np.array(["a", "b"])),
                        "history/test_loss has shape"),
    "uneven history": (lambda arrays: arrays.__setitem__("history/test_loss", np.zeros(5)),
                       "2 epochs but test_loss has another length"),
    "NaN epoch": (lambda arrays: arrays.__setitem__("history/epoch", np.array([1.0, np.nan])),
                  "history/epoch holds negative, NaN or infinite values"),
    "epochs out of order": (lambda arrays: arrays.__setitem__("history/epoch", np.array([2.0, 1.0])),
                            "history epochs are not in order"),
    "run entry not an object": (_header(lambda h: h["metadata"].__setitem__("run", ["x"])),
                                "the run entry of the metadata is not a JSON object"),
    "bad settings": (_header(lambda h: h["metadata"]["config"].__setitem__("lr", "fast")),
                     "invalid settings"),
    "settings of another network": (_header(lambda h: h["metadata"]["config"].__setitem__("hidden", [5])),
                                    "the settings describe a 784-5-10 relu/softmax network, the file holds 784-16-8"),
    "negative epochs": (_header(lambda h: h["metadata"].__setitem__("epochs", -2)),
                        "epochs in the metadata is -2"),
}


@pytest.fixture(scope="module")
def run_file(run, tmp_path_factory):
    path = tmp_path_factory.mktemp("good") / "good.npz"
    save_run(path, run)
    return path


@pytest.mark.parametrize("damage", sorted(BAD_FILES))
def test_a_damaged_run_file_names_itself_and_the_problem(damage, run_file, tmp_path):
    change, problem = BAD_FILES[damage]
    bad = damaged_copy(run_file, tmp_path / "bad.npz", change)
    with pytest.raises(ModelFileError) as caught:
        load_run(bad)
    message = str(caught.value)
    assert message.startswith(f"{bad}: ") and problem in message, message


def test_unreadable_files_fail_with_the_model_readers_message(run_file, tmp_path):
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(run_file.read_bytes()[: run_file.stat().st_size // 2])
    empty = tmp_path / "empty.npz"
    empty.write_bytes(b"")
    text = tmp_path / "text.npz"
    text.write_text("not a zip file at all")
    single = tmp_path / "single.npy.npz"
    np.save(tmp_path / "single.npy", np.zeros(3))
    single.write_bytes((tmp_path / "single.npy").read_bytes())
    dataset = tmp_path / "dataset.npz"
    np.savez(dataset, x_train=np.zeros((2, 28, 28), np.uint8), y_train=np.zeros(2, np.int64))
    for path, problem in ((tmp_path / "missing.npz", "no such file"), (tmp_path, "not a regular file"),
                          (truncated, "not a valid .npz archive"), (empty, "empty file"),
                          (text, "not a valid .npz archive"), (single, "holds a single .npy array"),
                          (dataset, "not a Backprop Studio model")):
        with pytest.raises(ModelFileError) as caught:
            load_run(path)
        assert str(caught.value).startswith(f"{path}: ") and problem in str(caught.value), str(caught.value)


def test_a_model_file_with_odd_metadata_still_opens(run, tmp_path):
    path = tmp_path / "odd.npz"
    save_model(path, run.network, {"config": {"lr": "fast"}, "epochs": "many", "test_accuracy": None})
    loaded = load_run(path)
    assert not loaded.config_known and loaded.epochs == 0 and loaded.test_accuracy is None


def test_history_arrays_must_be_named_as_such(run, tmp_path):
    with pytest.raises(ValueError, match="history array names"):
        save_model(tmp_path / "x.npz", run.network, history={"curves": np.zeros(2)})
    assert not (tmp_path / "x.npz").exists()


# ----------------------------------------------------------------------------- the runs list


def tiny_run(name="", n_stops=0, seed=0):
    network = Network((784, 16, 10), seed=seed)
    stops = tuple(make_stop(network, step=i, epoch=i, batch=0, batches_per_epoch=1) for i in range(n_stops))
    return Run(name=name, network=network, config=config_of_network(network), timeline=stops)


def test_runs_get_unique_names():
    runs = RunsList()
    assert runs.add(tiny_run()).name == "Run 1"
    assert runs.add(tiny_run("  ")).name == "Run 2"
    assert runs.add(tiny_run("best")).name == "best"
    assert runs.add(tiny_run("best")).name == "best (2)"
    assert runs.add(tiny_run("Run 1")).name == "Run 1 (2)"
    runs.delete("Run 2")
    assert runs.add(tiny_run()).name == "Run 3", "numbers are not reused"
    assert runs.names() == ["Run 1", "best", "best (2)", "Run 1 (2)", "Run 3"]
    assert [run.name for run in runs] == runs.names() and len(runs) == 5 and "best" in runs


def test_rename_refuses_empty_and_taken_names_and_changes_nothing():
    runs = RunsList()
    first, second = runs.add(tiny_run("a")), runs.add(tiny_run("b"))
    for bad, message in (("", "cannot be empty"), ("   ", "cannot be empty"), ("b", "already a run named 'b'"),
                         ("x" * 201, "limited to 200")):
        with pytest.raises(ValueError, match=message):
            runs.rename("a", bad)
        assert runs.names() == ["a", "b"] and runs.get("a") is first and runs.get("b") is second
    with pytest.raises(KeyError, match="no run named 'c'"):
        runs.rename("c", "d")
    renamed = runs.rename("a", "  baseline ")
    assert renamed.name == "baseline" and runs.names() == ["baseline", "b"]
    assert renamed.network is first.network, "renaming copies no arrays"
    assert runs.rename("b", "b").name == "b"


def test_delete_and_get():
    runs = RunsList()
    runs.add(tiny_run("a"))
    kept = runs.add(tiny_run("b"))
    assert runs.delete("a").name == "a" and runs.names() == ["b"] and runs.get("b") is kept
    with pytest.raises(KeyError):
        runs.delete("a")
    with pytest.raises(KeyError):
        runs.get("a")


def test_open_and_save(run, run_file, tmp_path):
    runs = RunsList()
    opened = runs.open(run_file)
    assert opened.name == "first try" and runs.path("first try") == run_file
    assert_same_run(opened, run)
    out = tmp_path / "saved.npz"
    runs.add(tiny_run("tiny"))
    assert runs.path("tiny") is None
    runs.save("tiny", out)
    assert runs.path("tiny") == out and load_run(out).name == "tiny"


def test_a_bad_run_file_leaves_the_list_unchanged(run_file, tmp_path):
    runs = RunsList()
    runs.add(tiny_run("a"))
    before = (runs.names(), list(runs), runs.nbytes())
    bad = tmp_path / "bad.npz"
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr("header.npy", b"\x93NUMPY garbage")
    for path in (bad, damaged_copy(run_file, tmp_path / "bad-history.npz", lambda a: a.pop("history/seconds"))):
        with pytest.raises(ModelFileError, match=str(path.name)):
            runs.open(path)
        assert (runs.names(), list(runs), runs.nbytes()) == before


def test_nbytes_counts_weights_timeline_and_history(run):
    network = run.network
    weights = sum(w.nbytes + b.nbytes for w, b in zip(network.weights, network.biases))
    stops = sum(sum(a.nbytes for a in stop.weights + stop.biases) for stop in run.timeline)
    history = sum(getattr(run.history, name).nbytes for name in ("epoch", "train_loss", "test_loss", "train_accuracy",
                                                                  "test_accuracy", "seconds", "elapsed", "batch_x",
                                                                  "batch_loss"))
    assert run.nbytes() == weights + stops + history
    assert run.without_timeline().nbytes() == weights + history


def test_the_list_stays_within_its_budget_oldest_first(tmp_path):
    weights = tiny_run().nbytes()
    stop = tiny_run(n_stops=1).nbytes() - weights
    assert weights == 2 * stop  # float32 weights, float16 stops: the sums below count in stops
    runs = RunsList(max_bytes=3 * weights + 10 * stop)  # 16 stops' worth
    runs.add(tiny_run("a", n_stops=4))
    runs.add(tiny_run("b", n_stops=4))
    assert runs.last_trim == () and runs.nbytes() == 12 * stop
    runs.add(tiny_run("c", n_stops=4))  # 18: a's timeline goes
    assert [len(r.timeline) for r in runs] == [0, 4, 4] and runs.nbytes() == 14 * stop
    assert runs.last_trim == ("a: timeline dropped to keep the runs within 398 kB",)
    runs.save("b", tmp_path / "b.npz")  # saved runs are removed before unsaved ones
    runs.add(tiny_run("d", n_stops=9))  # 25: b's and c's timelines go (17), then the saved b (15)
    assert runs.names() == ["a", "c", "d"] and [len(r.timeline) for r in runs] == [0, 0, 9]
    assert runs.nbytes() == 15 * stop
    assert runs.last_trim == ("b: timeline dropped to keep the runs within 398 kB",
                              "c: timeline dropped to keep the runs within 398 kB",
                              f"b: removed to keep the runs within 398 kB (it is saved in {tmp_path / 'b.npz'})")
    huge = tiny_run("huge", n_stops=20)  # 37: d's timeline (28), then a, c, d (22), then its own timeline
    assert runs.add(huge).timeline == ()
    assert runs.names() == ["huge"] and runs.nbytes() == weights
    assert runs.last_trim[-1] == "huge: timeline dropped, the run alone exceeds 398 kB"
    assert len(runs.last_trim) == 5
