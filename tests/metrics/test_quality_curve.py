"""The time-to-quality curve: one point per epoch, training minutes without its own time, resume, the first crossing."""

import json

from tfarae.metrics.quality_curve import ReversePerplexityCurve, minutes_to_reach, read_curve


def _write(path, points):
    path.write_text("".join(json.dumps(p) + "\n" for p in points))


def test_minutes_to_reach_reads_the_first_epoch_under_the_bar(tmp_path):
    path = tmp_path / "curve.jsonl"
    _write(path, [{"epoch": 1, "train_minutes": 1.0, "reverse_ppl": 90.0},
                  {"epoch": 2, "train_minutes": 2.0, "reverse_ppl": None},
                  {"epoch": 3, "train_minutes": 3.0, "reverse_ppl": 59.0},
                  {"epoch": 4, "train_minutes": 4.0, "reverse_ppl": 50.0}])
    assert minutes_to_reach(str(path), 60.0) == 3.0
    assert minutes_to_reach(str(path), 40.0) is None
    _write(path, [{"epoch": 1, "train_minutes": 1.0, "reverse_ppl": 90.0},
                  {"epoch": 1, "train_minutes": 1.5, "reverse_ppl": 55.0}])  # epoch 1 again after a resume
    assert read_curve(str(path)) == [{"epoch": 1, "train_minutes": 1.5, "reverse_ppl": 55.0}]


def test_the_callback_scores_every_epoch_and_counts_training_time_only(tiny_run_dir, tmp_path):
    from tfarae.data.grammar import generate
    from tfarae.metrics.lm import train_language_model
    from tfarae.run_dir import load_trainer

    _, _, trainer = load_trainer(tiny_run_dir)
    reference = train_language_model(generate(300, seed=1), "tiny")
    path = tmp_path / "curve.jsonl"
    clock = iter([100.0, 160.0, 1000.0, 1030.0])  # epoch 1 takes 60 s, epoch 2 30 s; scoring time is skipped
    curve = ReversePerplexityCurve(tiny_run_dir, reference, generate(50, seed=2), str(path), num_samples=60,
                                   clock=lambda: next(clock))
    curve.set_model(trainer)
    curve.on_train_begin()
    for epoch in (0, 1):
        curve.on_epoch_begin(epoch)
        curve.on_epoch_end(epoch)
    points = read_curve(str(path))
    assert [p["epoch"] for p in points] == [1, 2] and [p["train_minutes"] for p in points] == [1.0, 1.5]
    assert all(p["reverse_ppl"] is None or p["reverse_ppl"] > 1 for p in points)
    resumed = ReversePerplexityCurve(tiny_run_dir, reference, [], str(path))
    resumed.on_train_begin()
    assert resumed._train_seconds == 90.0  # a resumed run continues the clock
