/**
 * TF.js backends for tfarae: registers the WASM backend, with two of its kernels fixed, and picks
 * one backend by name with a fallback.
 *
 * tfjs-backend-wasm 4.22 gets two ops of tfarae's graphs wrong, so both are replaced by
 * JavaScript versions (their tensors are small):
 * - GatherV2 with `batchDims > 0` reads out of bounds (tensorflow/tfjs#8658); the encoder's
 *   lookup of each sentence's last LSTM state uses it (`take_along_axis`). Gathers with
 *   `batchDims = 0`, the embedding lookups, stay with the original kernel.
 * - OneHot writes int32 bits into a float32 output (1 reads as 1.4e-45); a class-conditional
 *   decoder picks each row's class with it (`transfer_ids`).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm'; // registers the 'wasm' backend (its binaries load on first use)

export { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

const wasmGather = tf.getKernel('GatherV2', 'wasm');

/** Registers `kernelFunc` as the wasm backend's `name` kernel, keeping the original's setup. */
function replaceWasmKernel(name, kernelFunc) {
  const original = tf.getKernel(name, 'wasm');
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({ ...original, kernelFunc });
}

/** GatherV2 for the wasm backend: `batchDims > 0` in JavaScript, everything else by the original kernel. */
function batchedGather({ inputs, backend, attrs }) {
  if (!attrs.batchDims) return wasmGather.kernelFunc({ inputs, backend, attrs });
  const { x, indices } = inputs;
  const axis = tf.util.parseAxisParam(attrs.axis, x.shape)[0];
  const shape = tf.backend_util.segment_util.collectGatherOpShapeInfo(x, indices, axis, attrs.batchDims);
  const { batchSize, outerSize, dimSize, sliceSize } = shape;
  const values = backend.readSync(x.dataId);
  const ids = backend.readSync(indices.dataId);
  const perBatch = ids.length / batchSize;
  const out = backend.makeOutput(shape.outputShape, x.dtype);
  const outValues = backend.typedArrayFromHeap(out);
  for (let b = 0; b < batchSize; b += 1) {
    for (let o = 0; o < outerSize; o += 1) {
      for (let i = 0; i < perBatch; i += 1) {
        const index = ids[b * perBatch + i];
        if (!(index >= 0 && index < dimSize)) {
          throw new RangeError(`GatherV2: the index value ${index} is not in [0, ${dimSize - 1}]`);
        }
        const from = ((b * outerSize + o) * dimSize + index) * sliceSize;
        outValues.set(values.subarray(from, from + sliceSize), ((b * outerSize + o) * perBatch + i) * sliceSize);
      }
    }
  }
  return out;
}

/** OneHot for the wasm backend: `[..., depth]` of `offValue` with `onValue` at each in-range index, in `dtype`. */
function oneHot({ inputs, backend, attrs }) {
  const { depth, onValue, offValue, dtype } = attrs;
  const ids = backend.readSync(inputs.indices.dataId);
  const out = backend.makeOutput([...inputs.indices.shape, depth], dtype);
  const values = backend.typedArrayFromHeap(out).fill(offValue);
  ids.forEach((id, row) => {
    if (id >= 0 && id < depth) values[row * depth + id] = onValue;
  });
  return out;
}

replaceWasmKernel('GatherV2', batchedGather);
replaceWasmKernel('OneHot', oneHot);

/**
 * Makes `name` ('wasm', 'webgl' or 'cpu') the TF.js backend, or TF.js's own choice when it cannot
 * start there; returns the backend in use.
 */
export async function useBackend(name) {
  if (!(await tf.setBackend(name).catch(() => false))) await tf.ready();
  return tf.getBackend();
}
