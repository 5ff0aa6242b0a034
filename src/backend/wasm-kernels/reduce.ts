// Sum over leading axes for the wasm backend (every bias gradient: dy [N,H,W,C] summed over N,H,W, or dy [B,C]
// over B). Stock Sum only reduces innermost axes, so it first transposes the whole gradient to put C in front
// (a full strided copy). Here: view the input as [d0, M/d0, 1, C], average-pool the M/d0 rows of each of the d0
// slabs with XNNPACK (multi-threaded, no transpose), and add the d0 partial sums × M/d0 in JS (d0·C values).
// Other reductions go to the stock kernel.
import { tf } from '../tf.js';
import { byteOffset, dispose, heapBytes, reshape, size, stock, type Attrs, type WasmBackendLike } from './backend.js';

type TensorInfo = tf.TensorInfo;

/** Below this many rows per slab a plain JS loop beats the pooling call. */
const MIN_POOL_ROWS = 16;

function leadingCount(axes: number[]): number {
  const sorted = [...axes].sort((a, b) => a - b);
  return sorted.every((a, i) => a === i) ? sorted.length : -1;
}

export function sum(args: { inputs: Record<string, TensorInfo>; attrs: Attrs; backend: WasmBackendLike }): TensorInfo {
  const { inputs: { x }, attrs, backend } = args;
  const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape);
  const k = leadingCount(axes);
  const rank = x.shape.length;
  if (x.dtype !== 'float32' || k < 1 || k >= rank || size(x.shape) === 0) return stock('Sum', backend, { x }, attrs);
  const d0 = x.shape[0];
  const rows = size(x.shape.slice(1, k));
  const c = size(x.shape.slice(k));
  const outShape = attrs.keepDims ? [...x.shape.slice(0, k).map(() => 1), ...x.shape.slice(k)] : x.shape.slice(k);
  let partial: TensorInfo = x;
  let scale = 1;
  if (rows >= MIN_POOL_ROWS) {
    const view = reshape(backend, x, [d0, rows, 1, c]);
    partial = stock('AvgPool', backend, { x: view }, { filterSize: [rows, 1], strides: [1, 1], pad: 'valid', dimRoundingMode: undefined });
    dispose(backend, view);
    scale = rows;
  }
  const out = backend.makeOutput(outShape, 'float32');
  const heap = heapBytes(backend);
  const src = new Float32Array(heap.buffer, byteOffset(backend, partial), size(partial.shape));
  const dst = new Float32Array(heap.buffer, byteOffset(backend, out), c);
  const nRows = src.length / c;
  const acc = new Float64Array(c);
  for (let r = 0; r < nRows; r++) {
    const o = r * c;
    for (let j = 0; j < c; j++) acc[j] += src[o + j];
  }
  for (let j = 0; j < c; j++) dst[j] = acc[j] * scale;
  if (partial !== x) dispose(backend, partial);
  return out;
}

export const reduceKernels = [{ kernelName: 'Sum', kernelFunc: sum }];
