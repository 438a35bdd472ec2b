"""`python -m tfarae.evaluate` end to end on a copy of the tiny run, its argument checks, and `python -m tfarae.lm`."""

import contextlib
import dataclasses
import io
import json
import os
import shutil
import subprocess
import sys
import types

import pytest

from tfarae import evaluate, lm
from tfarae.config import load_config
from tfarae.data.grammar import generate
from tfarae.data.sources import Corpus

REQUIRED_KEYS = ("forward_ppl", "reverse_ppl", "real_ppl", "lm_recipe", "reconstruction_bleu", "valid_fraction",
                 "distinct_2", "swap_nll", "code_norm_real", "code_norm_generated", "code_trace_real",
                 "neighbour_cosine", "novel_fraction", "mean_length")


def _copy_run(tiny_run_dir, tmp_path):
    run_dir = str(tmp_path / "run")
    shutil.copytree(tiny_run_dir, run_dir)
    return run_dir


def _fake_corpus(monkeypatch, train, valid):
    """Makes every `load_corpus` of the test return `Corpus(train, valid)`, whatever the config says."""
    monkeypatch.setattr("tfarae.data.sources.load_corpus", lambda data_config: Corpus(list(train), list(valid)))


@pytest.fixture(scope="module")
def evaluated_run(tiny_run_dir, tmp_path_factory):
    """Returns `(run_dir, report, stdout)` of `python -m tfarae.evaluate` on a copy of the tiny run (read-only)."""
    run_dir = _copy_run(tiny_run_dir, tmp_path_factory.mktemp("evaluated"))
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        evaluate.main(["--run-dir", run_dir, "--num-samples", "200", "--lm-recipe", "tiny",
                       "--max-eval-sentences", "40"])
    with open(os.path.join(run_dir, "eval", "report.json"), encoding="utf-8") as f:
        return run_dir, json.load(f), stdout.getvalue()


@pytest.fixture
def count_lm_training(monkeypatch):
    """Returns the recipe names of the forward LMs (no fixed vocabulary) `train_language_model` trains in the test."""
    from tfarae.metrics import lm as lm_metrics

    calls, train = [], lm_metrics.train_language_model

    def counting(train_sentences, config="standard", valid_sentences=None, vocabulary=None, verbose=0):
        if vocabulary is None:
            calls.append(lm_metrics.recipe(config).name)
        return train(train_sentences, config, valid_sentences, vocabulary, verbose)

    monkeypatch.setattr(lm_metrics, "train_language_model", counting)
    return calls


def test_cli_writes_report_and_plots(evaluated_run):
    run_dir, report, out = evaluated_run
    eval_dir = os.path.join(run_dir, "eval")
    for key in REQUIRED_KEYS:
        assert key in report, key
    assert len(report["swap_nll"]) == 5 and report["swap_nll"][0] > 0 and "swap_note" not in report
    assert report["lm_recipe"] == "lstm-lm-tiny" and report["forward_ppl_lm"].startswith("lstm-lm-tiny")
    assert report["num_samples"] == 200 and 0.0 <= report["valid_fraction"] <= 1.0
    assert 0.0 <= report["reconstruction_bleu"] <= 100.0 and report["reverse_ppl"] > 1.0
    assert isinstance(report["code_norm_real"], float)
    assert report["code_norm_real"] == pytest.approx(1.0, abs=1e-3)  # ARAE codes lie on the unit sphere
    assert report["code_curve_epochs"] == 2  # the tiny run trains 2 epochs; ARAE logs code norms
    for name in ("report.md", "code_stats.png", "swap_nll.png", "lm_forward/lm.weights.h5"):
        assert os.path.getsize(os.path.join(eval_dir, name)) > 0, name
    markdown = open(os.path.join(eval_dir, "report.md"), encoding="utf-8").read()
    assert "`reverse_ppl`" in markdown and "Interpolation" in markdown and "| k |" in markdown
    assert "reverse_ppl" in out and "lstm-lm-tiny" in out


def test_second_evaluation_reuses_the_cached_forward_lm(evaluated_run, tmp_path, count_lm_training):
    first_dir, first, _ = evaluated_run
    run_dir = _copy_run(first_dir, tmp_path)
    weights = os.path.join(run_dir, "eval", "lm_forward", "lm.weights.h5")
    before = os.path.getmtime(weights)
    again = evaluate.evaluate(run_dir, ("generation",), num_samples=100, lm_recipe="tiny", max_eval_sentences=20)
    assert count_lm_training == [] and os.path.getmtime(weights) == before
    assert again["forward_ppl_lm"] == f"lstm-lm-tiny ({os.path.join(run_dir, 'eval', 'lm_forward')})"
    assert again["real_ppl"] == first["real_ppl"] and "swap_nll" not in again


def test_forward_lm_of_another_recipe_is_retrained(evaluated_run, tmp_path, count_lm_training):
    eval_dir = str(tmp_path / "eval")
    shutil.copytree(os.path.join(evaluated_run[0], "eval", "lm_forward"), os.path.join(eval_dir, "lm_forward"))
    forward, label = evaluate.forward_language_model(generate(200, seed=1), eval_dir, lm_recipe="small")
    assert count_lm_training == ["lstm-lm-small"] and forward.config.name == "lstm-lm-small"
    with open(os.path.join(eval_dir, "lm_forward", "lm_config.json"), encoding="utf-8") as f:
        assert json.load(f)["name"] == "lstm-lm-small"  # the cache now holds the new recipe
    assert label == f"lstm-lm-small ({os.path.join(eval_dir, 'lm_forward')})"


def test_reference_lm_is_used_as_saved(evaluated_run, tmp_path, count_lm_training):
    reference = str(tmp_path / "reference")
    shutil.copytree(os.path.join(evaluated_run[0], "eval", "lm_forward"), reference)
    eval_dir = str(tmp_path / "eval")
    forward, label = evaluate.forward_language_model(generate(200, seed=1), eval_dir, reference_lm=reference,
                                                     lm_recipe="small")
    assert count_lm_training == [] and not os.path.exists(eval_dir)
    assert forward.config.name == "lstm-lm-tiny" and label == f"lstm-lm-tiny ({reference})"


def test_no_swappable_held_out_sentence_reports_null_swap_nll(tiny_run_dir, tmp_path, monkeypatch):
    run_dir = _copy_run(tiny_run_dir, tmp_path)
    _fake_corpus(monkeypatch, generate(64, seed=1), ["dogs", "cats", "the"])
    report = evaluate.evaluate(run_dir, ("robustness",))
    assert report["swap_nll"] is None and report["swap_nll_per_token"] is None and report["swap_sentences"] == 0
    assert report["swap_note"] == "no held-out sentence has two or more words"
    eval_dir = os.path.join(run_dir, "eval")
    with open(os.path.join(eval_dir, "report.json"), encoding="utf-8") as f:
        assert '"swap_nll": null' in f.read()
    markdown = open(os.path.join(eval_dir, "report.md"), encoding="utf-8").read()
    assert "| `swap_note` | no held-out sentence has two or more words |" in markdown
    assert not os.path.exists(os.path.join(eval_dir, "swap_nll.png"))


def test_evaluation_samples_from_the_checkpoint_as_trained(tiny_run_dir, tmp_path, monkeypatch):
    from tfarae.trainers.arae import ARAETrainer
    from tfarae.trainers.base import AutoencoderTrainer

    fits = []
    for trainer_class in (AutoencoderTrainer, ARAETrainer):
        monkeypatch.setattr(trainer_class, "prepare_sampling", lambda self, token_ids: fits.append(len(token_ids)))
    report = evaluate.evaluate(_copy_run(tiny_run_dir, tmp_path), ("robustness",), max_eval_sentences=8)
    assert fits == [] and report["swap_sentences"] == 8


def test_real_text_is_the_corpus_as_loaded_and_as_seen(tiny_run_dir, monkeypatch):
    from tfarae.data.pipeline import sentences_as_seen
    from tfarae.data.vocab import load_vocabulary
    from tfarae.run_dir import make_tokenizer

    config = load_config(os.path.join(tiny_run_dir, "config.yaml"), ["data.max_train_sentences=2"])
    tokenizer = make_tokenizer(config.data, load_vocabulary(os.path.join(tiny_run_dir, "vocab.txt")))
    long_sentence = " ".join(["the"] * (config.data.maxlen + 1))
    _fake_corpus(monkeypatch, ["the xyzzy .", "the", "a", long_sentence], ["the"])
    corpus, train, valid = evaluate.real_text(config, tokenizer)
    assert len(corpus.train) == 4  # load_corpus alone applies data.max_train_sentences
    assert train.sentences == ["the xyzzy .", "the", "a"] and valid.sentences == ["the"]
    assert train.sentences_as_seen[0] == "the <unk> ."
    assert train.sentences_as_seen == sentences_as_seen(tokenizer, train.token_ids)


def test_vector_arithmetic_attributes_depend_on_the_corpus_only(tiny_config):
    from tfarae.metrics.latent import arithmetic_attributes

    grammar = arithmetic_attributes(tiny_config.data)
    assert sorted(grammar) == ["animals", "contains_the", "plural", "positive"]
    assert grammar["contains_the"]("the dogs run .") and not grammar["plural"]("the dog runs .")
    snli = arithmetic_attributes(dataclasses.replace(tiny_config.data, source="tfds_snli"))
    assert sorted(snli) == ["dog", "man", "several", "standing", "two", "walking"]


BAD_ARGUMENTS = [  # (flag named in the error, argv); {tmp}/run holds a run, {tmp}/unfinished one without checkpoint
    ("--run-dir", ["--run-dir", "{tmp}/missing"]),
    ("--run-dir", ["--run-dir", "{tmp}/unfinished"]),
    ("--lm-recipe", ["--run-dir", "{tmp}/run", "--lm-recipe", "bogus"]),
    ("--num-samples", ["--run-dir", "{tmp}/run", "--num-samples", "0"]),
    ("--max-eval-sentences", ["--run-dir", "{tmp}/run", "--max-eval-sentences", "-1"]),
    ("--reference-lm", ["--run-dir", "{tmp}/run", "--reference-lm", "{tmp}/missing"]),
    ("--reference-lm", ["--run-dir", "{tmp}/run", "--reference-lm", "{tmp}/unfinished"]),  # no saved LM in it
    ("--references", ["--run-dir", "{tmp}/run", "--references", "{tmp}/missing.txt"]),
]


def _bad_argv(tmp_path, argv):
    """Returns `argv` with `{tmp}` filled in, after writing the empty run files of `{tmp}/run` and `{tmp}/unfinished`."""
    for name in ("run/config.yaml", "run/vocab.txt", "run/checkpoints/last.weights.h5",
                 "unfinished/config.yaml", "unfinished/vocab.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).touch()
    return [arg.format(tmp=tmp_path) for arg in argv]


def _tree(path):
    return sorted(os.path.join(root, name) for root, dirs, files in os.walk(path) for name in dirs + files)


@pytest.mark.parametrize("flag, argv", BAD_ARGUMENTS)
def test_bad_arguments_stop_before_anything_is_loaded_or_written(tmp_path, capsys, flag, argv):
    argv = _bad_argv(tmp_path, argv)
    before = _tree(tmp_path)
    with pytest.raises(SystemExit) as stop:
        evaluate.main(argv)
    err = capsys.readouterr().err
    assert stop.value.code == 2 and err.startswith(f"error: {flag}: ") and err.count("\n") == 1, err
    assert _tree(tmp_path) == before


@pytest.mark.parametrize("flag, argv", [BAD_ARGUMENTS[0], BAD_ARGUMENTS[3]])
def test_cli_reports_bad_arguments_in_one_line_before_importing_tensorflow(tmp_path, flag, argv):
    argv = _bad_argv(tmp_path, argv)
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}  # TF's start-up lines would show
    result = subprocess.run([sys.executable, "-m", "tfarae.evaluate", *argv], capture_output=True, text=True,
                            env=env, timeout=120)
    assert result.returncode == 2 and result.stderr.startswith(f"error: {flag}: ")
    assert result.stderr.count("\n") == 1, result.stderr
    assert not os.path.exists(tmp_path / "missing") and not os.path.exists(tmp_path / "run" / "eval")


def test_lm_cli_trains_saves_and_scores(tmp_path, capsys):
    train, valid = tmp_path / "train.txt", tmp_path / "valid.txt"
    train.write_text("\n".join(generate(200, seed=1)) + "\n")
    valid.write_text("\n".join(generate(40, seed=2)) + "\n")
    lm.main(["--train", str(train), "--valid", str(valid), "--output", str(tmp_path / "lm"), "--recipe", "tiny",
             "--score", str(valid)])
    assert os.path.exists(tmp_path / "lm" / "lm_config.json")
    assert "perplexity of" in capsys.readouterr().err  # stdout carries samples (--sample)


def test_transfer_suite_scores_transfers_of_a_transfer_run(transfer_run_dir, tmp_path):
    run_dir = _copy_run(transfer_run_dir, tmp_path)
    references = tmp_path / "references.txt"
    references.write_text("the happy dog smiles .\n" * 30)
    with contextlib.redirect_stdout(io.StringIO()):
        evaluate.main(["--run-dir", run_dir, "--suite", "transfer", "--lm-recipe", "tiny", "--max-eval-sentences",
                       "30", "--references", str(references)])
    with open(os.path.join(run_dir, "eval", "report.json"), encoding="utf-8") as f:
        report = json.load(f)
    assert report["transfer_sentences"] == 30 and report["suites"] == ["transfer"]
    for key in ("transfer_accuracy", "classifier_accuracy", "transfer_target_fraction",
                "transfer_grammatical_fraction", "transfer_content_kept"):
        assert 0.0 <= report[key] <= 1.0, key
    assert report["classifier_accuracy"] > 0.9  # the grammar's sentiment words give the class away
    for key in ("transfer_self_bleu", "transfer_reference_bleu"):
        assert 0.0 <= report[key] <= 100.0, key
    assert report["transfer_forward_ppl"] > 1 and report["transfer_reverse_ppl"] > 1
    assert os.path.isdir(os.path.join(run_dir, "eval", "attribute_classifier"))
    with open(os.path.join(run_dir, "eval", "report.md"), encoding="utf-8") as f:
        assert "## Transfers (first 20)" in f.read()


def test_transfer_suite_is_refused_for_an_unconditional_run(tiny_run_dir, capsys):
    with pytest.raises(SystemExit):
        evaluate.main(["--run-dir", tiny_run_dir, "--suite", "transfer"])
    assert capsys.readouterr().err.strip().endswith("was trained with train.trainer: arae, not transfer")


def test_samples_without_words_get_a_null_reverse_ppl_with_a_note(tmp_path):
    from tfarae.evaluate import score_samples
    from tfarae.metrics.lm import train_language_model

    real = generate(200, seed=1)
    forward = train_language_model(real, "tiny")
    split = types.SimpleNamespace(sentences=real, sentences_as_seen=real)
    figures = score_samples(["", "", "a dog ."], forward, "tiny LM", split, split, str(tmp_path / "eval"))
    assert figures["reverse_ppl"] is None and figures["reverse_ppl_note"] == "2 of 3 samples are empty: no reverse LM"
    assert figures["forward_ppl"] > 1 and figures["distinct_fraction"] == 2 / 3
    assert (tmp_path / "eval" / "samples.txt").read_text() == "\n\na dog .\n"
    figures = score_samples(real[:50] + [""] * 50, forward, "tiny LM", split, split, str(tmp_path / "eval"))
    assert figures["reverse_ppl"] > 1 and "reverse_ppl_note" not in figures
    assert (tmp_path / "eval" / "samples.txt").read_text().splitlines() == real[:50] + [""] * 50
