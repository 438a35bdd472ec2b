"""benchmarks/yelp_transfer.py end to end on a small stand-in for ../shared/data/yelp (one system, --quick)."""

import json
import os

import pytest
from benchmark_scripts import load_benchmark


@pytest.fixture(scope="module")
def benchmark():
    return load_benchmark("yelp_transfer")


def test_quick_benchmark_scores_a_system_and_prints_the_paper_rows(benchmark, tmp_path, capsys):
    from tfarae.data import attributes

    data_dir = tmp_path / "yelp"
    data_dir.mkdir()
    sentences, labels = attributes.generate_labelled(1200, "sentiment", seed=0)
    for label in (0, 1):
        chosen = [s for s, l in zip(sentences, labels) if l == label]
        (data_dir / f"train.{label}").write_text("\n".join(chosen[:500]) + "\n")
        (data_dir / f"dev.{label}").write_text("\n".join(chosen[500:]) + "\n")
    out = tmp_path / "out"
    tiny = ["model.embedding_dim=8", "model.hidden_dim=8", "model.z_dim=4", "model.generator_hidden=[8]",
            "model.critic_hidden=[8]", "model.classifier_hidden=[8]", "train.batch_size=16", "train.jit_compile=false"]
    benchmark.main(["--quick", "--data-dir", str(data_dir), "--out", str(out), "--systems", "ae",
                    "--score-sentences", "20", *[f"--set={o}" for o in tiny]])
    printed = capsys.readouterr().out
    assert "| ae |" in printed and "| ARAE, λ1 = 10 (paper) | 81.8 | 20.18 | 27.7 | 77.0 | |" in printed
    with open(out / "ae" / "eval" / "report.json", encoding="utf-8") as f:
        report = json.load(f)
    assert report["transfer_sentences"] == 40 and 0 <= report["transfer_accuracy"] <= 1
    with open(out / "data" / "score.1", encoding="utf-8") as f:
        assert len(f.read().splitlines()) == 20
    # A second invocation scores the finished run as it is; another config is refused in one line.
    benchmark.main(["--quick", "--data-dir", str(data_dir), "--out", str(out), "--systems", "ae",
                    "--score-sentences", "20", *[f"--set={o}" for o in tiny]])
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ae |")]
    assert len(rows) == 1 and rows[0].endswith("| reused |")
    with pytest.raises(SystemExit, match="was trained with train.gp_lambda 1.0, now 3.0"):
        benchmark.main(["--quick", "--data-dir", str(data_dir), "--out", str(out), "--systems", "ae",
                        "--score-sentences", "20", *[f"--set={o}" for o in tiny], "--set=train.gp_lambda=3"])
