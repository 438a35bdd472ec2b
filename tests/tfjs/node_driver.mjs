/**
 * Runs calls on a converted model in Node (pure-JS @tensorflow/tfjs). Reads a JSON request on
 * stdin: {web, model, backend ('cpu' or 'wasm'), calls: [{method, args}]}, where `method` is a TfaraeModel method,
 * `tokenize` (texts → token id rows) or `normalNoise` (seed, rows, cols → flat values); prints
 * one JSON line: [{ok: result} | {error: message}], one per call, in order.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const request = JSON.parse(fs.readFileSync(0, 'utf8'));
const { loadModelFromDirectory } = await import(pathToFileURL(path.join(request.web, 'node.js')).href);
const { normalNoise, useBackend } = await import(pathToFileURL(path.join(request.web, 'tfarae.js')).href);
if ((await useBackend(request.backend)) !== request.backend) {
  throw new Error(`backend ${request.backend} did not start`);
}
const model = await loadModelFromDirectory(request.model);
const length = model.tokenizer.sequenceLength;
const extra = {
  tokenize: (texts) => {
    const ids = Array.from(model.tokenizer.encode(texts));
    return texts.map((_, row) => ids.slice(row * length, (row + 1) * length));
  },
  normalNoise: (seed, rows, cols) => Array.from(normalNoise(seed, rows, cols)),
};
const results = [];
for (const { method, args } of request.calls) {
  try {
    results.push({ ok: await (extra[method] ?? model[method].bind(model))(...args) });
  } catch (error) {
    results.push({ error: error.message });
  }
}
console.log(JSON.stringify(results));
