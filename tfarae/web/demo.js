/**
 * The demo page: wires the forms of index.html to a TfaraeModel loaded from ./model/ (which
 * `python -m tfarae.demo` serves). `?backend=wasm|webgl|cpu` picks the TF.js backend (default
 * wasm, the fastest on CPUs; TF.js's own choice where it cannot start), whose WebAssembly
 * binaries come from node_modules like the library.
 *
 * Every output list carries `data-state`: `running` from the click until the answer, then `done`
 * or `error` (the error's message as its one item); each sentence item holds its exact text in
 * `data-sentence` (an empty sentence is shown as "(empty sentence)"). The loaded model and `tf`
 * are `window.tfarae` (the benchmarks time them in the page).
 */
import * as tf from '@tensorflow/tfjs';

import { TfaraeModel, setWasmPaths, useBackend } from './tfarae.js';

const $ = (id) => document.getElementById(id);

/** Returns an <li> of one sentence. */
function sentenceItem(sentence) {
  const item = document.createElement('li');
  item.dataset.sentence = sentence;
  if (sentence) {
    item.textContent = sentence;
  } else {
    item.innerHTML = '<span class="empty">(empty sentence)</span>';
  }
  return item;
}

/** Runs `action` for the section `name` on submit: disables its button, shows the sentences or the error. */
function wire(name, action) {
  const output = $(`${name}-output`);
  const button = $(`${name}-button`);
  button.form.addEventListener('submit', async (event) => {
    event.preventDefault();
    button.disabled = true;
    output.dataset.state = 'running';
    try {
      const sentences = await action();
      output.replaceChildren(...sentences.map(sentenceItem));
      output.dataset.state = 'done';
    } catch (error) {
      const item = document.createElement('li');
      item.textContent = error.message;
      output.replaceChildren(item);
      output.dataset.state = 'error';
    } finally {
      button.disabled = false;
    }
  });
  button.disabled = false;
}

async function main() {
  setWasmPaths(new URL('node_modules/@tensorflow/tfjs-backend-wasm/dist/', window.location.href).href);
  const backend = await useBackend(new URLSearchParams(window.location.search).get('backend') ?? 'wasm');
  const model = await TfaraeModel.load(new URL('model/', window.location.href).href);
  window.tfarae = { model, tf };
  const m = model.metadata;
  $('status').textContent = `Model: vocabulary ${m.vocab_size}, sentences up to ${m.maxlen} words, code size `
    + `${m.code_dim}, noise size ${m.z_dim}. TensorFlow.js ${tf.version.tfjs}, backend ${backend}.`;
  $('status').dataset.backend = backend;

  wire('generate', async () => (await model.generate($('generate-num').valueAsNumber,
    $('generate-seed').valueAsNumber)).sentences);
  wire('reconstruct', () => model.reconstruct([$('reconstruct-input').value]));
  wire('interpolate', async () => (await model.interpolate([$('interpolate-start').value], [$('interpolate-end').value],
    $('interpolate-steps').valueAsNumber))[0]);
  if (model.labels.length > 0) {
    $('transfer-label').replaceChildren(...model.labels.map((label) => new Option(label, label)));
    wire('transfer', () => model.transfer([$('transfer-input').value], $('transfer-label').value));
    $('transfer').hidden = false;
  }
  $('status').dataset.state = 'ready';
}

main().catch((error) => {
  $('status').textContent = `The model did not load: ${error.message}`;
  $('status').dataset.state = 'error';
});
