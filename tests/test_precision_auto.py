"""`runtime.precision: auto` is measured once at the start of a run and recorded as a concrete policy."""

import os
import re

import pytest

from tfarae.config import ConfigError, load_config
from tfarae.precision import MIN_SPEEDUP, choose_precision


def test_bfloat16_is_chosen_only_from_the_threshold_up():
    assert choose_precision(MIN_SPEEDUP) == "mixed_bfloat16"
    assert choose_precision(MIN_SPEEDUP - 0.01) == "float32"
    assert choose_precision(0.5) == "float32"  # CPUs that emulate bfloat16


def test_auto_is_resolved_printed_and_recorded_in_the_run(tmp_path, capsys):
    from tfarae.run import run
    from tfarae.run_dir import load_trainer

    run_dir = str(tmp_path / "run")
    run(load_config("tiny", ["runtime.precision=auto", "train.epochs=1", "train.steps_per_epoch=2",
                             "train.num_eval_samples=0"]), run_dir, verbose=0)
    line = re.search(r"runtime\.precision auto: .* ran ([0-9.]+)x as fast in bfloat16 here .*: (\S+)$",
                     capsys.readouterr().out, re.M)
    assert line and line.group(2) == choose_precision(float(line.group(1)))
    config, _, trainer = load_trainer(run_dir)
    assert config.runtime.precision == line.group(2)  # config.yaml holds the policy, not "auto"
    assert trainer.decoder.lstm.dtype_policy.name == line.group(2)
    assert os.path.exists(os.path.join(run_dir, "metrics.json"))


def test_auto_is_refused_where_it_cannot_hold():
    from tfarae.trainers.factory import make_trainer

    with pytest.raises(ConfigError, match=r"^runtime\.precision: auto is measured on each machine"):
        load_config("tiny", ["runtime.precision=auto", "runtime.strategy=multi_worker"])
    with pytest.raises(ValueError, match="must be resolved first"):
        make_trainer(load_config("tiny", ["runtime.precision=auto"]), 64, 16)
