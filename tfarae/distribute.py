"""The `tf.distribute` strategy of a `RuntimeConfig`, built before any other TensorFlow op.

`mirrored` replicates the trainer on several devices of one machine and splits each global batch
over them. Its all-reduces go through `tf.distribute.ReductionToOneDevice`: with the collective ops
that `MirroredStrategy` picks by default, ARAE's phases made two CPU replicas issue their
all-reduces in different orders (a collective shape mismatch at the first step).
"""

import tensorflow as tf

from tfarae.config import ConfigError


def _split_cpu(count):
    """Makes `count` logical CPU devices; raises `ConfigError` if TensorFlow already started otherwise."""
    try:
        tf.config.set_logical_device_configuration(
            tf.config.list_physical_devices("CPU")[0], [tf.config.LogicalDeviceConfiguration()] * count)
    except RuntimeError:
        if len(tf.config.list_logical_devices("CPU")) != count:
            raise ConfigError(f"runtime.logical_cpus: TensorFlow already started in this process with "
                              f"{len(tf.config.list_logical_devices('CPU'))} CPU device(s); set it before "
                              "any TensorFlow op (python -m tfarae.train does)") from None


def make_strategy(runtime):
    """Returns the `tf.distribute.Strategy` of a `RuntimeConfig` (the default strategy for `default`).

    `mirrored` without `devices` uses every GPU, or else every (logical) CPU.
    """
    if runtime.logical_cpus:
        _split_cpu(runtime.logical_cpus)
    if runtime.strategy == "default":
        return tf.distribute.get_strategy()
    devices = runtime.devices or [d.name for d in tf.config.list_logical_devices("GPU")] or [
        d.name for d in tf.config.list_logical_devices("CPU")]
    return tf.distribute.MirroredStrategy(devices, cross_device_ops=tf.distribute.ReductionToOneDevice())


def check_replicas(train, replicas):
    """Raises `ConfigError` unless the global batch sizes of a `TrainConfig` split evenly over `replicas`."""
    for key in ("batch_size", "gan_batch_size"):
        size = getattr(train, key)
        if size is not None and size % replicas:
            raise ConfigError(f"train.{key}: {size} does not split evenly over {replicas} replicas")
