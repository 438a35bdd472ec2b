"""`python -m tfarae.transfer`: line alignment, standard input, class names or indices, one-line errors."""

import io
import sys

import pytest

from tfarae import transfer

LINES = ["the happy dog smiles .", "", "a cruel man hates the cats .", "   ", "the red fox runs ."]


def _run(capsys, *argv):
    transfer.main(list(argv))
    return capsys.readouterr().out


def test_output_line_i_is_the_transfer_of_input_line_i(transfer_run_dir, tmp_path, capsys):
    from tfarae.run_dir import load_trainer
    from tfarae.sampling import transfer_sentences

    source = tmp_path / "in.txt"
    source.write_text("\n".join(LINES) + "\n")
    out = tmp_path / "out.txt"
    _run(capsys, str(source), "--run-dir", transfer_run_dir, "--to", "positive", "--output", str(out))
    written = out.read_text().splitlines()
    assert len(written) == len(LINES)
    assert [written[i] for i in (1, 3)] == ["", ""]
    _, tokenizer, trainer = load_trainer(transfer_run_dir)
    expected = transfer_sentences(trainer, tokenizer, [LINES[i] for i in (0, 2, 4)], [1, 1, 1])
    assert [written[i] for i in (0, 2, 4)] == expected
    assert _run(capsys, str(source), "--run-dir", transfer_run_dir, "--to", "1").splitlines() == written


def test_reads_standard_input(transfer_run_dir, tmp_path, capsys, monkeypatch):
    source = tmp_path / "in.txt"
    source.write_text("\n".join(LINES) + "\n")
    from_file = _run(capsys, str(source), "--run-dir", transfer_run_dir, "--to", "negative")
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(LINES) + "\n"))
    assert _run(capsys, "--run-dir", transfer_run_dir, "--to", "negative") == from_file


@pytest.mark.parametrize("argv, message", [
    (["--to", "happy"], "error: --to: unknown class 'happy'; valid: 0 (negative), 1 (positive)"),
    (["--to", "2"], "error: --to: unknown class '2'; valid: 0 (negative), 1 (positive)"),
    (["--to", "positive", "missing.txt"], "error: input: no such file: missing.txt"),
])
def test_bad_arguments_get_one_line(transfer_run_dir, capsys, argv, message):
    with pytest.raises(SystemExit) as exit_info:
        transfer.main(["--run-dir", transfer_run_dir, *argv])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.strip() == message


def test_the_run_records_how_well_its_code_classifier_tells_the_classes(transfer_run_dir):
    import json
    import os

    with open(os.path.join(transfer_run_dir, "metrics.json"), encoding="utf-8") as f:
        assert 0.0 <= json.load(f)["classifier_accuracy"] <= 1.0


def test_a_run_without_attributes_is_refused(tiny_run_dir, capsys):
    with pytest.raises(SystemExit):
        transfer.main(["--run-dir", tiny_run_dir, "--to", "positive"])
    assert capsys.readouterr().err.strip().endswith("was trained with train.trainer: arae, not transfer")
