"""The benchmark scripts' building blocks (the scripts themselves run for minutes)."""

import numpy as np
import pytest
from benchmark_scripts import load_benchmark

from tfarae.data.tokenizer import EOS_ID, PAD_ID


def test_synthetic_corpus_holds_full_length_sentences_that_the_pipeline_accepts():
    from tfarae.data.pipeline import train_dataset

    throughput = load_benchmark("train_throughput")
    encoded = throughput.synthetic_corpus(32, 15, "full")
    assert encoded.token_ids.shape == (32, 16) and len(encoded.sentences) == 32
    assert np.all(encoded.token_ids[:, 15] == EOS_ID) and not np.any(encoded.token_ids[:, :15] == PAD_ID)
    batch = next(iter(train_dataset(encoded, 8, 2, 1, seed=0)))
    assert batch["fresh_token_ids"].shape == (8, 2, 16)


def test_cpu_description_names_the_model_and_the_flags_that_matter(tmp_path):
    throughput = load_benchmark("train_throughput")
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nmodel name\t: Intel(R) Xeon(R) CPU @ 2.00GHz\n"
                       "flags\t\t: fpu sse avx512f avx512_bf16 amx_bf16 amx_tile\n"
                       "processor\t: 1\nmodel name\t: Intel(R) Xeon(R) CPU @ 2.00GHz\nflags\t\t: fpu\n")
    assert throughput.cpu_description(str(cpuinfo)) == \
        "Intel(R) Xeon(R) CPU @ 2.00GHz; AVX-512 yes, AVX512-BF16 yes, AMX yes"
    cpuinfo.write_text("model name\t: AMD EPYC\nflags\t\t: fpu avx512f avx512_bf16\n")
    assert throughput.cpu_description(str(cpuinfo)) == "AMD EPYC; AVX-512 yes, AVX512-BF16 yes, AMX no"


def test_last_figure_reads_the_last_line_of_its_key():
    throughput = load_benchmark("train_throughput")
    output = "pair sentences_per_second=1\nreference_sentences_per_second=85.5\nsentences_per_second=148.25\n"
    assert throughput.last_figure(output, "sentences_per_second") == 148.25
    assert throughput.last_figure(output, "reference_sentences_per_second") == 85.5
    with pytest.raises(SystemExit, match="no ratio= line"):
        throughput.last_figure(output, "ratio")
