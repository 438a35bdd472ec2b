"""`tfarae.distributed_loop` keeps `keras.Model.fit`'s contract (under the default strategy, in process;
tests/test_distribute.py and tests/test_multi_worker.py cover it under replicas and workers)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfarae import distributed_loop
from tfarae.data.pipeline import eval_dataset, train_dataset
from tfarae.trainers.factory import compile_trainer, make_trainer

def _trainer(tiny_config, tokenizer):
    return compile_trainer(make_trainer(tiny_config, tokenizer.vocab_size, tokenizer.sequence_length), tiny_config)


class Interrupt(keras.callbacks.Callback):
    """Raises `KeyboardInterrupt` at the start of `epoch`."""

    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise KeyboardInterrupt


def test_the_loop_trains_and_logs_as_fit_does(tiny_config, corpus):
    tokenizer, encoded = corpus
    fitted = _trainer(tiny_config, tokenizer)
    train = train_dataset(encoded, 16, fitted.fresh_batches, 1, seed=0)  # unshuffled: the same batches in both runs
    valid = eval_dataset(encoded, 48)  # 256 rows: a partial last batch
    expected = fitted.fit(train, validation_data=valid, epochs=2, steps_per_epoch=3, shuffle=False, verbose=0)
    looped = _trainer(tiny_config, tokenizer)
    history = distributed_loop.fit(looped, tf.distribute.get_strategy(), train, 2, validation_data=valid,
                                   steps_per_epoch=3, verbose=0)
    assert int(looped.iteration.numpy()) == 6
    assert history.history.keys() == expected.history.keys()
    assert any(k.startswith("val_") for k in history.history)
    for name, values in expected.history.items():
        np.testing.assert_allclose(history.history[name], values, rtol=1e-5, atol=1e-6, err_msg=name)
    for a, b in zip(fitted.weights, looped.weights):
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-6)
    assert distributed_loop.evaluate(looped, tf.distribute.get_strategy(), valid) == pytest.approx(
        looped.evaluate(valid, verbose=0, return_dict=True), rel=1e-6)


def test_the_loop_resumes_at_the_epoch_backup_and_restore_saved(tiny_config, corpus, tmp_path):
    tokenizer, encoded = corpus
    trainer = _trainer(tiny_config, tokenizer)
    train = train_dataset(encoded, 16, trainer.fresh_batches, 64, seed=0)
    backup = keras.callbacks.BackupAndRestore(str(tmp_path / "backup"), delete_checkpoint=False)
    with pytest.raises(KeyboardInterrupt):
        distributed_loop.fit(trainer, tf.distribute.get_strategy(), train, 3, [backup, Interrupt(2)],
                             steps_per_epoch=2, verbose=0)
    resumed = _trainer(tiny_config, tokenizer)
    history = distributed_loop.fit(resumed, tf.distribute.get_strategy(), train, 3, [backup],
                                   steps_per_epoch=2, verbose=0)
    assert history.epoch == [2]  # epochs 0 and 1 came from the backup
    assert int(resumed.iteration.numpy()) == 6
