"""benchmarks/family_comparison.py end to end (--quick, three systems, tiny sizes)."""

import json

from benchmark_scripts import load_benchmark

TINY = ["model.embedding_dim=8", "model.hidden_dim=8", "model.z_dim=4", "model.generator_hidden=[8]",
        "model.critic_hidden=[8]", "train.batch_size=32", "train.gan_batch_size=16", "data.grammar_train_size=1000",
        "data.grammar_valid_size=100", "train.jit_compile=false"]


def test_quick_comparison_prints_one_row_per_system_with_its_own_figures(tmp_path, capsys):
    benchmark = load_benchmark("family_comparison")
    out = tmp_path / "out"
    benchmark.main(["--quick", "--out", str(out), "--systems", "ae,vae,aae", *[f"--set={o}" for o in TINY]])
    printed = capsys.readouterr().out
    rows = {line.split("|")[1].strip(): line.split("|")[2:-1] for line in printed.splitlines()
            if line.startswith("| ") and not line.startswith("| system")}
    assert set(rows) == {"ae", "vae", "aae"}
    for name, cells in rows.items():
        bleu, valid, distinct, reverse, forward, kl, active, per_epoch = (c.strip() for c in cells)
        assert float(bleu) >= 0 and 0 <= float(valid) <= 100 and 0 < float(distinct) <= 100
        assert (reverse == "" or float(reverse) > 1) and float(forward) > 1 and float(per_epoch) > 0  # "": all empty
        assert bool(kl) == bool(active) == (name == "vae")  # KL and active units only where defined
    reports = json.loads((out / "reports.json").read_text())
    assert reports["aae"]["num_samples"] == 500 and reports["vae"]["active_units"] >= 0
    config = (out / "aae" / "config.yaml").read_text()
    assert "trainer: aae" in config and "epochs: 2" in config


def test_every_system_has_the_same_sizes_and_budget(tmp_path):
    benchmark = load_benchmark("family_comparison")
    args = benchmark.parse_args(["--epochs", "5"])
    configs = {name: benchmark.system_config(args, name) for name in benchmark.SYSTEMS}
    shapes = {(c.model.embedding_dim, c.model.hidden_dim, c.train.batch_size, c.train.epochs,
               c.train.ae_learning_rate, c.data.grammar_train_size) for c in configs.values()}
    assert shapes == {(64, 128, 256, 5, 0.005, 40000)}
    assert {name: c.train.trainer for name, c in configs.items()} == {name: name for name in benchmark.SYSTEMS}
    for name in ("valid.txt", "test.txt"):  # a stand-in for ../shared/data/snli: the config checks that they exist
        (tmp_path / name).write_text("a man walks .\n")
    snli = benchmark.system_config(benchmark.parse_args(["--data", "snli", "--snli-dir", str(tmp_path)]), "vae")
    assert snli.data.source == "files" and snli.data.vocab_size == 11000 and snli.train.trainer == "vae"
    assert snli.data.train_files == [str(tmp_path / "valid.txt")]
