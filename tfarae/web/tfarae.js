/**
 * tfarae in JavaScript: the run's tokenizer and a converted model (`python -m tfarae.export.tfjs`),
 * for the browser (an import map points `@tensorflow/tfjs` at the package's ESM bundle) and for
 * Node (the pure-JS `@tensorflow/tfjs`; see node.js for loading a folder from disk). Backends:
 * 'wasm' (fastest on a CPU), 'webgl' or 'cpu', chosen with `useBackend` before loading.
 *
 * Shapes: B batch, T = maxlen + 1 token positions, C code size, Z noise size.
 *
 * The answers are those of the SavedModel's signatures for the same inputs (same limits, same
 * messages): sentences longer than maxlen words are truncated, empty and all-unknown sentences
 * encode like `<eos>` / `<unk>` sentences, a batch of size 0 gives empty outputs, `num` is
 * clamped to [0, max_num] and `steps` to [0, max_steps], and more than max_batch rows or
 * non-finite codes/noise throw an Error whose message says which.
 *
 * Seeds: `generate(num, seed)` draws its noise with this module's own generator (`normalNoise`),
 * not TF's Philox, so it does not give the sentences of the SavedModel's `generate(num, seed)`;
 * it gives those of the SavedModel's `generate_from_noise` fed the same noise (which `generate`
 * returns), and the same noise in Node and Chromium for the same seed.
 */
import * as tf from '@tensorflow/tfjs';

export { setWasmPaths, useBackend } from './backends.js'; // also fixes the WASM backend's batched gather

export const PAD_ID = 0;
export const BOS_ID = 1;
export const EOS_ID = 2;
export const UNK_ID = 3;

const PUNCTUATION = /([.,!?;:"()])/g; // tfarae.data.tokenizer.PUNCTUATION
const ASCII_WHITESPACE = /[ \t\n\v\f\r]+/; // what tf.strings.split splits on (not Unicode spaces)

/** Replaces unpaired surrogates by U+FFFD, as TF replaces invalid UTF-8 (no UTF-8 string can hold them). */
function wellFormed(text) {
  return new TextDecoder().decode(new TextEncoder().encode(text));
}

/**
 * Sentences ↔ token ids exactly as `tfarae.data.tokenizer.SentenceTokenizer` (the `core` backend).
 *
 * @param {string[]} vocabulary tokens in id order, `<pad> <bos> <eos> <unk>` first.
 * @param {{maxlen: number, lowercase?: boolean, splitPunctuation?: boolean}} options
 */
export class Tokenizer {
  constructor(vocabulary, { maxlen, lowercase = true, splitPunctuation = true }) {
    this.vocabulary = vocabulary;
    this.maxlen = maxlen;
    this.lowercase = lowercase;
    this.splitPunctuation = splitPunctuation;
    this.ids = new Map(vocabulary.map((token, id) => [token, id]));
  }

  /** T, the length of every id sequence: maxlen words plus `<eos>`. */
  get sequenceLength() {
    return this.maxlen + 1;
  }

  /** Returns the words of `text`: case folded, punctuation split off, split at ASCII whitespace. */
  words(text) {
    let normal = wellFormed(String(text));
    if (this.lowercase) normal = normal.toLowerCase();
    if (this.splitPunctuation) normal = normal.replace(PUNCTUATION, ' $1 ');
    return normal.split(ASCII_WHITESPACE).filter((word) => word.length > 0);
  }

  /** Returns Int32Array [B * T]: each sentence's first maxlen word ids (`<unk>` if unknown), `<eos>`, then `<pad>`. */
  encode(texts) {
    const length = this.sequenceLength;
    const ids = new Int32Array(texts.length * length).fill(PAD_ID);
    texts.forEach((text, row) => {
      const words = this.words(text).slice(0, this.maxlen);
      words.forEach((word, i) => {
        ids[row * length + i] = this.ids.get(word) ?? UNK_ID;
      });
      ids[row * length + words.length] = EOS_ID;
    });
    return ids;
  }

  /** Returns the sentence of one id row: its words before the first `<eos>`, but `<pad>` and `<bos>`, spaced. */
  decode(row) {
    const words = [];
    for (const id of row) {
      if (id === EOS_ID) break;
      if (id !== PAD_ID && id !== BOS_ID) words.push(this.vocabulary[id]);
    }
    return words.join(' ');
  }
}

/** Returns a function drawing uint32s: xoshiro128** seeded through splitmix32 from a uint32 `seed`. */
function uint32Generator(seed) {
  let mix = seed >>> 0;
  const splitmix32 = () => {
    mix = (mix + 0x9e3779b9) >>> 0;
    let z = mix;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  const s = [splitmix32(), splitmix32(), splitmix32(), splitmix32()];
  const rotl = (x, k) => (x << k) | (x >>> (32 - k));
  return () => {
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  };
}

/**
 * Returns Float32Array [rows * cols] of standard-normal draws, row-major, for an integer `seed` in
 * [0, 2^32): xoshiro128** uniforms turned into pairs of normals by the Box–Muller transform.
 */
export function normalNoise(seed, rows, cols) {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`seed: must be an integer in [0, ${0xffffffff}], got ${seed}`);
  }
  const next = uint32Generator(seed);
  const uniform = () => next() / 4294967296; // [0, 1)
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < out.length; i += 2) {
    const radius = Math.sqrt(-2 * Math.log(1 - uniform())); // 1 - u in (0, 1]
    const angle = 2 * Math.PI * uniform();
    out[i] = radius * Math.cos(angle);
    if (i + 1 < out.length) out[i + 1] = radius * Math.sin(angle);
  }
  return out;
}

/** Returns `value` as an integer clamped to [lo, hi] (the SavedModel's clamping of `num` and `steps`). */
function clampedInteger(value, lo, hi, name) {
  const number = Number(value);
  if (!Number.isFinite(number)) throw new RangeError(`${name}: must be an integer, got ${value}`);
  return Math.min(Math.max(Math.trunc(number), lo), hi);
}

/** The `readJson` and `graph` of a model folder at the URL `base` (a page's, or any http server's). */
function urlSource(base) {
  const url = (name) => new URL(name, base.endsWith('/') ? base : `${base}/`).href;
  return {
    readJson: async (name) => {
      const response = await fetch(url(name));
      if (!response.ok) throw new Error(`${url(name)}: HTTP ${response.status}`);
      return response.json();
    },
    graph: (name) => url(`${name}/model.json`),
  };
}

/** A converted tfarae model: its graphs, tokenizer and limits (metadata.json). */
export class TfaraeModel {
  /**
   * @param {Object<string, tf.GraphModel>} graphs by name: encode_ids, decode_ids, codes_from_noise[, transfer_ids]
   * @param {Tokenizer} tokenizer
   * @param {object} metadata the folder's metadata.json
   */
  constructor(graphs, tokenizer, metadata) {
    this.graphs = graphs;
    this.tokenizer = tokenizer;
    this.metadata = metadata;
  }

  /**
   * Loads a folder written by `python -m tfarae.export.tfjs`.
   *
   * @param {string|object} source the folder's URL, or how to read it: `{readJson(name) → Promise<object>,
   *     graph(name) → URL or tf.io.IOHandler}` (node.js `directorySource`).
   */
  static async load(source) {
    const where = typeof source === 'string' ? urlSource(source) : source;
    const [metadata, vocabulary] = await Promise.all([where.readJson('metadata.json'), where.readJson('vocab.json')]);
    if (metadata.format !== 'tfarae-tfjs/1') throw new Error(`metadata.json: unknown format ${metadata.format}`);
    const loaded = await Promise.all(metadata.graphs.map((name) => tf.loadGraphModel(where.graph(name))));
    const graphs = Object.fromEntries(metadata.graphs.map((name, i) => [name, loaded[i]]));
    const tokenizer = new Tokenizer(vocabulary, {
      maxlen: metadata.maxlen, lowercase: metadata.lowercase, splitPunctuation: metadata.split_punctuation,
    });
    return new TfaraeModel(graphs, tokenizer, metadata);
  }

  /** The attribute (class) names the model can transfer to; empty when it cannot. */
  get labels() {
    return this.metadata.labels ?? [];
  }

  _checkBatch(rows, name) {
    const limit = this.metadata.max_batch;
    if (rows > limit) throw new RangeError(`${name}: at most ${limit} rows per request; split larger batches`);
  }

  /** Returns a float32 tensor [B, cols] of `rows` (number[][] or a flat Float32Array), checked finite. */
  _matrix(rows, cols, name) {
    const flat = rows instanceof Float32Array ? rows : Float32Array.from(rows.flat());
    const count = flat.length / cols;
    if (!Number.isInteger(count) || (!(rows instanceof Float32Array) && rows.some((row) => row.length !== cols))) {
      throw new RangeError(`${name}: every row must hold ${cols} values`);
    }
    this._checkBatch(count, name);
    if (!flat.every(Number.isFinite)) throw new RangeError(`${name}: every value must be finite (no NaN or Inf)`);
    return tf.tensor2d(flat, [count, cols], 'float32');
  }

  /** Returns float32 tensor codes [B, C] of `texts` (string[B]). */
  _encodeTensor(texts, name = 'sentences') {
    this._checkBatch(texts.length, name);
    if (texts.length === 0) return tf.zeros([0, this.metadata.code_dim]);
    const length = this.tokenizer.sequenceLength;
    return tf.tidy(() => {
      const ids = tf.tensor2d(this.tokenizer.encode(texts), [texts.length, length], 'int32');
      return this.graphs.encode_ids.execute({ token_ids: ids });
    });
  }

  /** Returns string[B], the greedy decoding of float32 tensor `codes` [B, C] (disposed). */
  async _decodeTensor(codes) {
    try {
      if (codes.shape[0] === 0) return [];
      const ids = await this.graphs.decode_ids.executeAsync({ codes });
      const rows = await ids.array();
      ids.dispose();
      return rows.map((row) => this.tokenizer.decode(row));
    } finally {
      codes.dispose();
    }
  }

  /** Returns the codes (number[B][C], unit norm) of `texts` (string[B]). */
  async encode(texts) {
    const codes = this._encodeTensor(texts);
    const values = await codes.array();
    codes.dispose();
    return values;
  }

  /** Returns string[B], the greedy decoding of `codes` (number[B][C]). */
  async decode(codes) {
    return this._decodeTensor(this._matrix(codes, this.metadata.code_dim, 'codes'));
  }

  /** Returns string[B]: each sentence of `texts` (string[B]) encoded and decoded. */
  async reconstruct(texts) {
    return this._decodeTensor(this._encodeTensor(texts));
  }

  /** Returns `{sentences: string[B], codes: number[B][C]}` of N(0, 1) `noise`: number[B][Z] or Float32Array[B * Z]. */
  async generateFromNoise(noise) {
    const z = this._matrix(noise, this.metadata.z_dim, 'noise');
    const codes = z.shape[0] === 0 ? z : this.graphs.codes_from_noise.execute({ noise: z });
    if (codes !== z) z.dispose();
    const values = await codes.array();
    return { sentences: await this._decodeTensor(codes), codes: values };
  }

  /**
   * Returns `{sentences, codes, noise}` of `num` (clamped to [0, max_num]) generated sentences,
   * their noise drawn by `normalNoise(seed, num, Z)` (noise: number[num][Z]).
   */
  async generate(num, seed) {
    const rows = clampedInteger(num, 0, this.metadata.max_num, 'num');
    const flat = normalNoise(seed, rows, this.metadata.z_dim);
    const z = this.metadata.z_dim;
    const noise = Array.from({ length: rows }, (_, i) => Array.from(flat.subarray(i * z, (i + 1) * z)));
    return { ...(await this.generateFromNoise(flat)), noise };
  }

  /**
   * Returns string[B][steps]: `steps` (clamped to [0, max_steps]) evenly spaced points from each
   * code of `start` to the code of the same row of `end` (endpoints included), decoded.
   */
  async interpolate(start, end, steps) {
    if (start.length !== end.length) throw new RangeError('start and end must hold the same number of sentences');
    const count = clampedInteger(steps, 0, this.metadata.max_steps, 'steps');
    const from = this._encodeTensor(start, 'start');
    const to = this._encodeTensor(end, 'end');
    const points = tf.tidy(() => {
      const alpha = tf.range(0, count, 1, 'float32').div(Math.max(count - 1, 1)).reshape([1, count, 1]);
      const line = tf.sub(1, alpha).mul(from.expandDims(1)).add(alpha.mul(to.expandDims(1)));
      return line.reshape([-1, this.metadata.code_dim]);
    });
    tf.dispose([from, to]);
    const sentences = await this._decodeTensor(points);
    return start.map((_, row) => sentences.slice(row * count, (row + 1) * count));
  }

  /**
   * Returns string[B]: each sentence of `texts` (string[B]) decoded by the decoder of the class
   * `label` (one of `labels`): the SavedModel's `transfer` with `target` the label's index, run by
   * the `transfer_ids` graph of class-conditional models.
   */
  async transfer(texts, label) {
    const index = this.labels.indexOf(label);
    if (index < 0) throw new RangeError(`label: ${label} is not one of ${this.labels.join(', ') || '(none)'}`);
    if (!this.graphs.transfer_ids) throw new Error('this model has no transfer_ids graph');
    this._checkBatch(texts.length, 'sentences');
    if (texts.length === 0) return [];
    const length = this.tokenizer.sequenceLength;
    const ids = tf.tensor2d(this.tokenizer.encode(texts), [texts.length, length], 'int32');
    const target = tf.fill([texts.length], index, 'int32');
    const out = await this.graphs.transfer_ids.executeAsync({ token_ids: ids, target });
    const rows = await out.array();
    tf.dispose([ids, target, out]);
    return rows.map((row) => this.tokenizer.decode(row));
  }

  /** Frees the graphs' weights. */
  dispose() {
    Object.values(this.graphs).forEach((graph) => graph.dispose());
  }
}
