/**
 * Node only: loads a converted tfarae folder from disk (the pure-JS @tensorflow/tfjs has no file://
 * loader; tfjs-node, which has one, downloads a native binary).
 *
 *   import { loadModelFromDirectory } from './node.js';
 *   const model = await loadModelFromDirectory('models/arae/1/tfjs');
 *   await model.reconstruct(['the dog runs .']);
 */
import fs from 'node:fs/promises';
import path from 'node:path';

import { TfaraeModel } from './tfarae.js';

/** Returns a tf.io.IOHandler reading `dir/model.json` and its weight files. */
function graphFromDirectory(dir) {
  return {
    async load() {
      const json = JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8'));
      const weightSpecs = json.weightsManifest.flatMap((group) => group.weights);
      const files = json.weightsManifest.flatMap((group) => group.paths);
      const shards = await Promise.all(files.map((file) => fs.readFile(path.join(dir, file))));
      const bytes = Buffer.concat(shards);
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        signature: json.signature,
        userDefinedMetadata: json.userDefinedMetadata,
        modelInitializer: json.modelInitializer,
        weightSpecs,
        weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
      };
    },
  };
}

/** Returns the `source` of `TfaraeModel.load` for the folder `dir`. */
export function directorySource(dir) {
  return {
    readJson: async (name) => JSON.parse(await fs.readFile(path.join(dir, name), 'utf8')),
    graph: (name) => graphFromDirectory(path.join(dir, name)),
  };
}

/** Loads the folder `dir` written by `python -m tfarae.export.tfjs`; returns a `TfaraeModel`. */
export function loadModelFromDirectory(dir) {
  return TfaraeModel.load(directorySource(dir));
}
