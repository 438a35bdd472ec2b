"""The benchmark scripts' building blocks (the scripts themselves run for minutes)."""

import importlib.util
import os

import numpy as np

from tfarae.data.tokenizer import EOS_ID, PAD_ID

BENCHMARKS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks")


def _module(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(BENCHMARKS, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_synthetic_corpus_holds_full_length_sentences_that_the_pipeline_accepts():
    from tfarae.data.pipeline import train_dataset

    throughput = _module("train_throughput")
    encoded = throughput.synthetic_corpus(32, 15, "full")
    assert encoded.token_ids.shape == (32, 16) and len(encoded.sentences) == 32
    assert np.all(encoded.token_ids[:, 15] == EOS_ID) and not np.any(encoded.token_ids[:, :15] == PAD_ID)
    batch = next(iter(train_dataset(encoded, 8, 2, 1, seed=0)))
    assert batch["fresh_token_ids"].shape == (8, 2, 16)
