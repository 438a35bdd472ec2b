"""A class-conditional run in TF.js: its `transfer_ids` graph and label names, in Node and the page, against Python."""

import json
import os

import pytest

from tfarae.export.tfjs import export_tfjs

SENTENCES = ["the dog runs .", "a happy cat sleeps in the park .", "", "zzqx qqqz"]


@pytest.fixture(scope="module")
def transfer_tfjs(varied_transfer_run_dir, tmp_path_factory):
    """`(run dir, TF.js folder)` of the sentiment-transfer run."""
    output = str(tmp_path_factory.mktemp("transfer_models") / "tfjs")
    return varied_transfer_run_dir, export_tfjs(varied_transfer_run_dir, output).path


def test_metadata_lists_the_label_names_and_the_transfer_graph(transfer_tfjs):
    with open(os.path.join(transfer_tfjs[1], "metadata.json"), encoding="utf-8") as f:
        metadata = json.load(f)
    assert metadata["labels"] == ["negative", "positive"]
    assert metadata["graphs"] == ["encode_ids", "decode_ids", "codes_from_noise", "transfer_ids"]


@pytest.mark.parametrize("backend", ["cpu", "wasm"])
def test_transfers_in_node_equal_pythons(transfer_tfjs, run_node, backend):
    from tfarae.run_dir import load_trainer
    from tfarae.sampling import transfer_sentences

    run_dir, tfjs_dir = transfer_tfjs
    calls = [{"method": "transfer", "args": [SENTENCES, label]} for label in ("negative", "positive", "neutral")]
    negative, positive, unknown = run_node("node_driver.mjs", {"model": tfjs_dir, "backend": backend, "calls": calls})
    _, tokenizer, trainer = load_trainer(run_dir)
    assert negative["ok"] == transfer_sentences(trainer, tokenizer, SENTENCES, [0] * len(SENTENCES))
    assert positive["ok"] == transfer_sentences(trainer, tokenizer, SENTENCES, [1] * len(SENTENCES))
    assert negative["ok"] != positive["ok"]  # the two decoders differ, so the comparison can fail
    assert unknown == {"error": "label: neutral is not one of negative, positive"}


def test_the_page_offers_the_labels_and_transfers_like_python(transfer_tfjs, run_node, chromium, start_demo):
    from tfarae.run_dir import load_trainer
    from tfarae.sampling import transfer_sentences

    run_dir, tfjs_dir = transfer_tfjs
    page = run_node("browser_driver.mjs", {"chromium": chromium, "url": start_demo(tfjs_dir),
                                           "transfer": [[SENTENCES[1], "positive"], [SENTENCES[1], "negative"]]})
    assert not page["transferHidden"] and page["labels"] == ["negative", "positive"]
    _, tokenizer, trainer = load_trainer(run_dir)
    expected = transfer_sentences(trainer, tokenizer, [SENTENCES[1]] * 2, [1, 0])
    assert page["transfer"] == [{"state": "done", "sentences": [sentence]} for sentence in expected]
