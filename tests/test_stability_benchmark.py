"""benchmarks/stability_grid.py: the grid, the verdict of each run, and a quick end-to-end pass."""

import json

import pytest
from benchmark_scripts import load_benchmark

TINY = ["model.embedding_dim=8", "model.hidden_dim=8", "model.z_dim=4", "model.generator_hidden=[8]",
        "model.critic_hidden=[8]", "train.batch_size=32", "train.gan_batch_size=16", "data.grammar_train_size=700",
        "data.grammar_valid_size=100", "train.jit_compile=false"]


@pytest.fixture(scope="module")
def benchmark():
    return load_benchmark("stability_grid")


def test_grid_has_four_cells_per_seed_with_distinct_names(benchmark):
    cells = benchmark.cells("arae", 5)
    assert len(cells) == 20 and len({name for name, _ in cells}) == 20
    assert ["train.ae_learning_rate=0.002", "train.critic_steps=5", "train.seed=3"] in [o for _, o in cells]
    assert len(benchmark.cells("aae", 5)) == 20


def test_a_run_is_good_only_when_it_finishes_above_the_bar(benchmark):
    assert benchmark.good({"finished": True, "valid_fraction": 0.9})
    assert not benchmark.good({"finished": True, "valid_fraction": 0.89})
    assert not benchmark.good({"finished": False, "valid_fraction": None})
    lines = benchmark.summary("aae", {"a": {"finished": True, "valid_fraction": 0.95},
                                      "b": {"finished": False, "valid_fraction": None}})
    assert "| b | NaN |  | no |" in lines and "aae: 1 of 2 runs good (50%; target >= 95%), 1 stopped by a NaN." in lines


def test_quick_grid_trains_every_cell_and_counts_a_nan_as_a_failure(benchmark, tmp_path, capsys):
    out = tmp_path / "out"
    benchmark.main(["--quick", "--out", str(out), "--models", "aae", "--epochs", "1", *[f"--set={o}" for o in TINY]])
    results = json.loads((out / "results.json").read_text())["aae"]
    assert len(results) == 4 and all(r["finished"] and 0 <= r["valid_fraction"] <= 1 for r in results.values())
    assert "aae: " in capsys.readouterr().out
    # An infinite learning rate makes the first loss NaN: the run is recorded as not finished.
    diverged = benchmark.run_cell(benchmark.parse_args(["--quick", "--epochs", "1", *[f"--set={o}" for o in TINY]]),
                                  "aae", ["train.ae_learning_rate=1e30", "train.ae_clipnorm=1e30"], str(tmp_path / "nan"))
    assert diverged["finished"] is False and diverged["valid_fraction"] is None
