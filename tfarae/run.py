"""`run()`: the one function behind `python -m tfarae.train` — data, trainer, callbacks, fit, final metrics.

What it writes into the run directory: `tfarae.run_dir`.
"""

import dataclasses
import json
import os
import shutil
import tempfile
import time
import warnings

import keras

from tfarae import distributed_loop
from tfarae.callbacks import NaNGuard, SamplingFit
from tfarae.config import ConfigError, config_differences, load_config, save_config
from tfarae.distribute import check_replicas, is_chief, make_strategy
from tfarae.precision import MIN_SPEEDUP, bfloat16_speedup, choose_precision
from tfarae.run_data import load_run_data
from tfarae.run_dir import BACKUP_DIR, CHECKPOINT_FILE, CONFIG_FILE, INITIAL_CHECKPOINT_FILE, METRICS_FILE
from tfarae.trainers.factory import compile_trainer

FIXED_ON_RESUME = ("data", "model", "train.trainer")  # what the checkpoint and vocabulary were made with


def check_run_dir(run_dir, resume):
    """Raises `ConfigError` unless `run_dir` holds a run when resuming, and none otherwise (writes nothing)."""
    has_run = os.path.exists(os.path.join(run_dir, CONFIG_FILE))
    if resume and not has_run:
        raise ConfigError(f"--resume: {run_dir} holds no run ({CONFIG_FILE} missing)")
    if not resume and has_run:
        raise ConfigError(f"--run-dir: {run_dir} already holds a run; pass --resume or choose another directory")


def _flatten(config):
    """Returns `{"section.key": value}` of a `Config`."""
    return {f"{section}.{key}": value for section, fields in dataclasses.asdict(config).items()
            for key, value in fields.items()}


def check_resume_changes(saved, config):
    """Raises `ConfigError` naming the first `FIXED_ON_RESUME` setting in which `config` differs from `saved`.

    `runtime.precision` may change, except to or from `mixed_float16`, whose optimizers have
    loss-scale state the others lack.
    """
    before, after = _flatten(saved), _flatten(config)
    for key, value in after.items():
        if key.startswith(FIXED_ON_RESUME) and value != before[key]:
            raise ConfigError(f"{key}: cannot change on --resume (the run was trained with {before[key]!r}, "
                              f"got {value!r}); start a new run directory instead")
    if (saved.runtime.precision == "mixed_float16") != (config.runtime.precision == "mixed_float16"):
        raise ConfigError(f"runtime.precision: cannot change from {saved.runtime.precision!r} to "
                          f"{config.runtime.precision!r} on --resume (mixed_float16's optimizers carry loss scales)")


def _check_checkpoint_fits(trainer, run_dir):
    """Loads the run's latest weights into `trainer`; raises `ConfigError` in one line if they do not fit.

    Keras only warns when an optimizer's saved state does not fit (another optimizer or schedule);
    any warning while loading counts as a misfit here.
    """
    for path in (os.path.join(run_dir, BACKUP_DIR, "latest.weights.h5"), os.path.join(run_dir, CHECKPOINT_FILE)):
        if not os.path.exists(path):
            continue
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                trainer.load_weights(path)
            except Exception as error:  # Keras raises several types; the run must stay untouched either way
                caught.append(error)
        if caught:
            message = str(getattr(caught[0], "message", caught[0])).strip().splitlines() or [repr(caught[0])]
            raise ConfigError(f"--resume: {path} does not fit the changed config ({message[0]})")
        return


def _resolve_auto_precision(config, replica_batch):
    """Returns `config` with `runtime.precision: auto` replaced by the policy measured faster here (printed)."""
    speedup = bfloat16_speedup(replica_batch, config.model.hidden_dim)
    chosen = choose_precision(speedup)
    print(f"runtime.precision auto: the LSTM's recurrent product ran {speedup:.2f}x as fast in bfloat16 here "
          f"(bfloat16 from {MIN_SPEEDUP}x): {chosen}")
    return dataclasses.replace(config, runtime=dataclasses.replace(config.runtime, precision=chosen))


def _worker_dir(run_dir, resume):
    """Returns a scratch directory for a worker that is not the chief: it writes there, never into `run_dir`.

    When resuming it starts with copies of the run's backup and checkpoints, which every worker
    restores from (`run_dir` must be on a file system all workers share).
    """
    scratch = tempfile.mkdtemp(prefix="tfarae-worker-")
    for name in (BACKUP_DIR, os.path.dirname(CHECKPOINT_FILE)) if resume else ():
        if os.path.isdir(os.path.join(run_dir, name)):
            shutil.copytree(os.path.join(run_dir, name), os.path.join(scratch, name))
    return scratch


def _fit_and_evaluate(trainer, strategy, config, train_ds, valid_ds, callbacks, verbose):
    """Trains with Keras `fit` (or `tfarae.distributed_loop` for `multi_worker`); returns the validation evaluation."""
    epochs, steps = config.train.epochs, config.train.steps_per_epoch
    if config.runtime.strategy == "multi_worker":
        with distributed_loop.worker_failures():
            distributed_loop.fit(trainer, strategy, train_ds, epochs, callbacks, valid_ds, steps,
                                 verbose=1 if verbose == "auto" else verbose)
            return distributed_loop.evaluate(trainer, strategy, valid_ds)
    # With a step cap Keras reads on across epochs from one iterator: the data repeats, as in the loop.
    trainer.fit(train_ds.repeat() if steps else train_ds, validation_data=valid_ds, epochs=epochs,
                shuffle=False, steps_per_epoch=steps, callbacks=callbacks, verbose=verbose)  # tf.data shuffles
    return trainer.evaluate(valid_ds, verbose=0, return_dict=True)


def run(config, run_dir, resume=False, verbose="auto", callbacks=()):
    """Trains `config` into `run_dir` and returns the final metrics (also written to `metrics.json`).

    The `tf.distribute` strategy of `config.runtime` is built first (`tfarae.distribute`), and the
    trainer is created in its scope. Everything that can be checked (run directory, changes on
    resume, batch sizes against replicas and data, checkpoint against config) is checked before the
    run directory is written. Under `multi_worker` only the chief writes `run_dir`; the other
    workers write to a scratch directory that is removed at the end. `runtime.precision: auto` is
    measured here (`tfarae.precision`) and `config.yaml` records the policy it chose.

    Args:
        config: a validated `Config` (when resuming: the run directory's own, with any overrides).
        run_dir: the run directory (created if needed).
        resume: continue the run in `run_dir` from its backup (step count and optimizer states).
        verbose: Keras `fit` verbosity (always 0 on workers other than the chief).
        callbacks: further Keras callbacks, run after the built-in ones.

    Raises:
        ConfigError: the run directory, the data or the checkpoint does not fit `config`/`resume`.
        TrainingDiverged: a loss became NaN and `train.nan_policy` is `stop`.
    """
    chief = is_chief(config.runtime)
    if chief:
        check_run_dir(run_dir, resume)
    if resume:
        check_resume_changes(load_config(os.path.join(run_dir, CONFIG_FILE)), config)
    strategy = make_strategy(config.runtime)
    check_replicas(config.train, strategy.num_replicas_in_sync)
    if config.runtime.precision == "auto":
        config = _resolve_auto_precision(config, config.train.batch_size // strategy.num_replicas_in_sync)
    print(f"strategy: {type(strategy).__name__}, {strategy.num_replicas_in_sync} replica(s)"
          + ("" if chief else "; this worker writes to a scratch directory, the chief writes the run"))
    data = load_run_data(config, run_dir, resume)

    steps_per_epoch = config.train.steps_per_epoch or len(data.train_inputs) // config.train.batch_size
    with strategy.scope():
        trainer = compile_trainer(data.make_trainer(config), config, iterations=config.train.epochs * steps_per_epoch)
    if config.runtime.strategy == "tpu":
        trainer.jit_compile = True  # TPUs compile every step with XLA: take the static-shape path
    if resume:
        _check_checkpoint_fits(trainer, run_dir)  # reads only; every worker checks the chief's files
    out_dir = run_dir if chief else _worker_dir(run_dir, resume)
    os.makedirs(out_dir, exist_ok=True)
    save_config(config, os.path.join(out_dir, CONFIG_FILE))
    data.save(out_dir, resume)

    train_ds, valid_ds = data.datasets(config, trainer)
    checkpoint = os.path.join(out_dir, CHECKPOINT_FILE)
    all_callbacks = [
        NaNGuard(checkpoint, os.path.join(out_dir, INITIAL_CHECKPOINT_FILE), policy=config.train.nan_policy),
        # Before the backup and the checkpoint, which then hold the fit (the AE baseline's code Gaussian).
        SamplingFit(data.train_inputs),
        keras.callbacks.BackupAndRestore(os.path.join(out_dir, BACKUP_DIR), delete_checkpoint=False),
        *data.sample_callbacks(config, out_dir),  # samples (and the text's code statistics)
        keras.callbacks.ModelCheckpoint(checkpoint, save_weights_only=True),
        keras.callbacks.TensorBoard(os.path.join(out_dir, "logs")),
        *callbacks,
    ]
    try:
        evaluation = _fit_and_evaluate(trainer, strategy, config, train_ds, valid_ds, all_callbacks,
                                       verbose if chief else 0)
        metrics = data.final_metrics(trainer, config, evaluation)
        metrics["iterations"] = int(trainer.iteration.numpy())
        with open(os.path.join(out_dir, METRICS_FILE), "w", encoding="utf-8") as f:
            json.dump(metrics, f, indent=2)
    finally:
        if not chief:
            shutil.rmtree(out_dir, ignore_errors=True)
    return metrics


def run_mismatch(run_dir, config):
    """Returns None if `run_dir` holds no run or a run of `config`, else one line naming what differs."""
    saved = os.path.join(run_dir, CONFIG_FILE)
    if not os.path.exists(saved):
        return None
    found = config_differences(dataclasses.asdict(load_config(saved)), dataclasses.asdict(config))
    return f"{run_dir} was trained with {'; '.join(found)}" if found else None


def train_or_reuse(config, run_dir, verbose="auto", callbacks=()):
    """Trains `config` into `run_dir`, resuming an interrupted run of it and keeping a finished one.

    `callbacks` are passed to `run` (further Keras callbacks).

    Returns:
        Minutes spent training, or None when `run_dir` already held the finished run.

    Raises:
        ConfigError: `run_dir` holds a run of another config (the message names the differences).
    """
    problem = run_mismatch(run_dir, config)
    if problem:
        raise ConfigError(problem)
    if os.path.exists(os.path.join(run_dir, METRICS_FILE)):
        return None
    start = time.time()
    run(config, run_dir, resume=os.path.exists(os.path.join(run_dir, CONFIG_FILE)), verbose=verbose,
        callbacks=callbacks)
    return (time.time() - start) / 60


def resolve_config(config_path, overrides, run_dir, resume):
    """Returns the config to run: the run directory's own (+ overrides) when resuming, else `config_path` + overrides."""
    if resume:
        check_run_dir(run_dir, resume)
        return load_config(os.path.join(run_dir, CONFIG_FILE), overrides)
    return load_config(config_path, overrides)
