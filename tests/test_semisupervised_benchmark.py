"""benchmarks/snli_semisupervised.py end to end on conftest's grammar pairs (--quick, tiny model)."""

import json

from benchmark_scripts import load_benchmark

TINY = ["model.embedding_dim=8", "model.hidden_dim=8", "model.z_dim=4", "model.generator_hidden=[8]",
        "model.critic_hidden=[8]", "train.batch_size=16", "model.output_dtype=float32", "data.vocab_size=200"]


def test_quick_benchmark_prints_every_system_and_reuses_its_cells(pairs_dir, tmp_path, capsys):
    benchmark = load_benchmark("snli_semisupervised")
    out = tmp_path / "out"
    argv = ["--quick", "--pairs-dir", str(pairs_dir), "--out", str(out), "--fractions", "0.5,0.25",
            "--config", "tiny", *[f"--set={o}" for o in TINY]]
    benchmark.main(argv)
    printed = capsys.readouterr().out
    for system in ("supervised", "ae", "arae"):
        assert f"| {system} | " in printed
    results = json.loads((out / "results.json").read_text())
    assert set(results) == {f"{s}/{f}/0" for s in ("supervised", "ae", "arae") for f in (0.5, 0.25)}
    assert results["ae/0.5/0"]["labelled_pairs"] == 200 and results["ae/0.25/0"]["labelled_pairs"] == 100
    assert all(0 <= cell["accuracy"] <= 1 for cell in results.values())
    assert "trainer: arae" in (out / "arae" / "config.yaml").read_text()
    assert "trainer: ae" in (out / "ae" / "config.yaml").read_text()
    # A second invocation reuses the pre-training runs and every finished cell.
    results["ae/0.5/0"]["accuracy"] = 0.4321
    (out / "results.json").write_text(json.dumps(results))
    benchmark.main(argv)
    printed = capsys.readouterr().out
    assert "pre-training ae: reused" in printed and "pre-training arae: reused" in printed
    assert "| ae | 43.2 ± 0.0 |" in printed


def test_table_gives_mean_and_standard_deviation_with_the_paper_rows():
    benchmark = load_benchmark("snli_semisupervised")
    results = {benchmark.cell_key(system, f, seed): {"accuracy": 0.5 + 0.1 * seed}
               for system in benchmark.SYSTEMS for f in benchmark.FRACTIONS for seed in range(3)}
    printed = benchmark.table(results, benchmark.FRACTIONS, 3)
    assert "| arae | 60.0 ± 10.0 | 60.0 ± 10.0 | 60.0 ± 10.0 |" in printed
    assert "| semi-supervised ARAE (paper) | 70.9 | 66.8 | 62.5 |" in printed
