"""The `tf.distribute` strategy of a `RuntimeConfig`, built before any other TensorFlow op.

`mirrored` replicates the trainer on several devices of one machine and splits each global batch
over them; `multi_worker` does so over several processes (machines) described by the `TF_CONFIG`
environment variable (`tf.distribute.MultiWorkerMirroredStrategy`); `tpu` over the cores of a TPU.
`mirrored`'s all-reduces go through `tf.distribute.ReductionToOneDevice`: with the collective ops
that `MirroredStrategy` picks by default, ARAE's phases made two CPU replicas issue their
all-reduces in different orders (a collective shape mismatch at the first step).
"""

import json
import os

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


def cluster_task():
    """Returns `(cluster, task_type, task_index)` of the `TF_CONFIG` environment variable.

    Raises:
        ConfigError: `TF_CONFIG` is missing, not JSON, or names no task of its cluster.
    """
    text = os.environ.get("TF_CONFIG")
    if not text:
        raise ConfigError("runtime.strategy: multi_worker needs the TF_CONFIG environment variable "
                          "(see the README, 'Several GPUs and machines')")
    try:
        spec = json.loads(text)
        cluster, task = spec["cluster"], spec["task"]
        task_type, index = task["type"], int(task["index"])
        cluster[task_type][index]
    except (ValueError, KeyError, TypeError, IndexError) as error:
        raise ConfigError(f"TF_CONFIG: needs a cluster and this process's task in it ({error!r}), got {text}") from None
    return cluster, task_type, index


def is_chief(runtime):
    """Returns whether this process writes the run directory: the chief task (or worker 0), or any single process."""
    if runtime.strategy != "multi_worker":
        return True
    cluster, task_type, index = cluster_task()
    return task_type == "chief" or (task_type == "worker" and index == 0 and "chief" not in cluster)


def _tpu_strategy(address):
    """Returns a `TPUStrategy` on the TPU `address` (empty: the local or Cloud default); `ConfigError` if none."""
    try:
        resolver = tf.distribute.cluster_resolver.TPUClusterResolver(tpu=address)
        tf.config.experimental_connect_to_cluster(resolver)
        tf.tpu.experimental.initialize_tpu_system(resolver)
    except (ValueError, RuntimeError, tf.errors.OpError) as error:
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise ConfigError(f"runtime.strategy: tpu: no TPU found at {address or 'the default address'} ({first})") from None
    return tf.distribute.TPUStrategy(resolver)


def make_strategy(runtime):
    """Returns the `tf.distribute.Strategy` of a `RuntimeConfig` (the default strategy for `default`).

    `mirrored` without `devices` uses every GPU, or else every (logical) CPU; `multi_worker`
    reads the cluster from `TF_CONFIG` and uses every GPU of each worker, or else its CPU.
    """
    if runtime.logical_cpus:
        _split_cpu(runtime.logical_cpus)
    if runtime.strategy == "default":
        return tf.distribute.get_strategy()
    if runtime.strategy == "multi_worker":
        cluster_task()
        return tf.distribute.MultiWorkerMirroredStrategy()
    if runtime.strategy == "tpu":
        return _tpu_strategy(runtime.tpu)
    devices = runtime.devices or [d.name for d in tf.config.list_logical_devices("GPU")] or [
        d.name for d in tf.config.list_logical_devices("CPU")]
    return tf.distribute.MirroredStrategy(devices, cross_device_ops=tf.distribute.ReductionToOneDevice())


def check_replicas(train, replicas):
    """Raises `ConfigError` unless the global batch sizes of a `TrainConfig` split evenly over `replicas`."""
    for key in ("batch_size", "gan_batch_size"):
        size = getattr(train, key)
        if size is not None and size % replicas:
            raise ConfigError(f"train.{key}: {size} does not split evenly over {replicas} replicas")
