"""A training loop around the trainer's own `train_step` for strategies Keras' `fit` cannot run.

Keras 3's `fit` and `evaluate` fail under `MultiWorkerMirroredStrategy` (keras-team/keras#20585),
so `multi_worker` runs go through `fit` and `evaluate` here. They keep `fit`'s contract: the same
callbacks are called at the same points with the same logs (so `BackupAndRestore`, checkpoints,
TensorBoard, the NaN guard and the sample writer work unchanged), and `BackupAndRestore` sets
the first epoch on resume.

Global batches are split over replicas explicitly (`split_global_batches`): the replica with id
r in its sync group takes rows `[r·b, (r+1)·b)` of each global batch of `b·R` rows, as
`MirroredStrategy` does inside one process, so a multi-worker run sees exactly the global batches
of a single-device run. Every worker iterates the same global dataset (same seeds), so no data
is sharded by file.
"""

import contextlib
import weakref

import keras
import tensorflow as tf

_TEST_FUNCTIONS = weakref.WeakKeyDictionary()  # trainer → its compiled test step, traced once, not every epoch


class WorkerFailed(RuntimeError):
    """Another worker of a multi-worker run stopped or became unreachable; the message says how to go on."""


@contextlib.contextmanager
def worker_failures():
    """Turns the errors a collective raises when a peer worker is gone into a one-line `WorkerFailed`."""
    try:
        yield
    except (tf.errors.UnavailableError, tf.errors.AbortedError, tf.errors.DeadlineExceededError) as error:
        first = (str(error.message).strip().splitlines() or [type(error).__name__])[0]
        raise WorkerFailed(f"a worker of the cluster failed or became unreachable ({first}); restart every "
                           "worker with --resume: training continues from the last finished epoch") from None


def _replica_slice(structure, start, stop):
    """Returns rows `[start, stop)` (clamped to the batch) of every tensor in a batch structure."""
    return tf.nest.map_structure(lambda t: t[start:stop], structure)


def split_global_batches(strategy, dataset):
    """Returns a distributed dataset whose per-replica batches are each replica's rows of `dataset`'s batches.

    Args:
        strategy: the `tf.distribute.Strategy`.
        dataset: a `tf.data.Dataset` of global batches (structures of `[B, ...]` tensors). A batch
            whose size does not split evenly (the last validation batch) gives the first replicas
            `ceil(B / R)` rows and the last ones fewer, possibly none.
    """
    replicas = strategy.num_replicas_in_sync

    def pipeline(context):
        local = replicas // context.num_input_pipelines  # replicas this input pipeline feeds
        first = context.input_pipeline_id * local

        def per_replica_batches(batch):
            rows = -(-tf.shape(tf.nest.flatten(batch)[0])[0] // replicas)
            parts = [tf.data.Dataset.from_tensors(_replica_slice(batch, (first + r) * rows, (first + r + 1) * rows))
                     for r in range(local)]
            for part in parts[1:]:
                parts[0] = parts[0].concatenate(part)
            return parts[0]

        return dataset.flat_map(per_replica_batches)

    return strategy.distribute_datasets_from_function(pipeline)


def _metric_results(trainer, names):
    """Returns `{name: value}` of the trainer's metrics named in `names`, read across all replicas."""
    by_name = {m.name: m for m in trainer.metrics}
    return {name: by_name[name].result() for name in names}


def _step_function(trainer, strategy, step):
    """Returns a `tf.function` running `step` (`train_step` or `test_step`) on one distributed batch.

    Its result is the step's logs: the metrics it reports, read across replicas (and workers).
    """

    @tf.function
    def run(batch):
        logs = strategy.run(step, args=(batch,))
        return _metric_results(trainer, list(logs))

    return run


def evaluate(trainer, strategy, dataset):
    """Runs `trainer.test_step` over every batch of `dataset` (global batches) under `strategy`.

    Returns:
        `{metric name: float}`, as `keras.Model.evaluate(..., return_dict=True)`.
    """
    trainer.reset_metrics()
    if trainer not in _TEST_FUNCTIONS:
        _TEST_FUNCTIONS[trainer] = _step_function(trainer, strategy, trainer.test_step)
    test = _TEST_FUNCTIONS[trainer]
    logs = {}
    for batch in split_global_batches(strategy, dataset):
        logs = test(batch)
    return {name: float(value) for name, value in logs.items()}


def _epoch_batches(batches, steps_per_epoch, iterator):
    """Yields `(step, batch)` of one epoch: a full pass, or `steps_per_epoch` batches from a persistent iterator."""
    if steps_per_epoch is None:
        yield from enumerate(batches)
        return
    for step in range(steps_per_epoch):
        yield step, next(iterator)


def fit(trainer, strategy, dataset, epochs, callbacks=(), validation_data=None, steps_per_epoch=None, verbose=1):
    """Trains `trainer` on `dataset` under `strategy`, calling Keras callbacks as `keras.Model.fit` does.

    Args:
        trainer: a compiled trainer built in `strategy.scope()`.
        strategy: the `tf.distribute.Strategy`.
        dataset: `tf.data.Dataset` of global training batches; one pass is one epoch unless
            `steps_per_epoch` is set (then it is repeated and read on across epochs).
        epochs: the last epoch to train (training starts where `BackupAndRestore` left off, else at 0).
        callbacks: Keras callbacks.
        validation_data: `tf.data.Dataset` of global batches evaluated after every epoch (logs `val_*`).
        steps_per_epoch: batches per epoch, or None for a full pass.
        verbose: 0 (silent), 1 (progress bar) or 2 (one line per epoch).

    Returns:
        The `keras.callbacks.History`.
    """
    batches = split_global_batches(strategy, dataset.repeat() if steps_per_epoch else dataset)
    iterator = iter(batches) if steps_per_epoch else None
    callback_list = keras.callbacks.CallbackList(list(callbacks), add_history=True, add_progbar=verbose != 0,
                                                 verbose=verbose, epochs=epochs, steps=steps_per_epoch, model=trainer)
    train = _step_function(trainer, strategy, trainer.train_step)
    trainer.stop_training = False
    trainer._initial_epoch = None  # set by BackupAndRestore in on_train_begin when it restores
    callback_list.on_train_begin()
    logs = epoch_logs = {}
    for epoch in range(trainer._initial_epoch or 0, epochs):
        trainer.reset_metrics()
        callback_list.on_epoch_begin(epoch)
        for step, batch in _epoch_batches(batches, steps_per_epoch, iterator):
            callback_list.on_train_batch_begin(step)
            logs = train(batch)
            callback_list.on_train_batch_end(step, logs)
            if trainer.stop_training:
                break
        epoch_logs = {name: float(value) for name, value in logs.items()}
        if validation_data is not None:
            epoch_logs.update({f"val_{k}": v for k, v in evaluate(trainer, strategy, validation_data).items()})
        callback_list.on_epoch_end(epoch, epoch_logs)
        if trainer.stop_training:
            break
    callback_list.on_train_end(epoch_logs)
    return trainer.history
