// Slice and SplitV for the wasm backend, copying inside the wasm heap.
// Stock Slice (also used by stock SplitV, i.e. by every tf.split and the gradient of tf.concat) reads the WHOLE
// input back with readSync — a fresh JS copy of the full tensor per call — then copies the slice out of it in
// JS. Here the slice is a few memmoves (TypedArray.copyWithin) from the input's heap region to the output's:
// dims after the last partially-sliced one form one contiguous run, the outer dims are walked with an odometer.
import { tf } from '../tf.js';
import { byteOffset, heapBytes, stock, size as sizeOf, type Attrs, type WasmBackendLike } from './backend.js';

type TensorInfo = tf.TensorInfo;

function bytesPer(dtype: tf.DataType): number {
  return dtype === 'bool' ? 1 : 4;
}

export function sliceImpl(backend: WasmBackendLike, x: TensorInfo, begin: number[], size: number[]): TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  const total = sizeOf(size);
  if (total === 0) return out;
  const rank = x.shape.length;
  // Innermost dims that are copied whole merge into one run with the last partially-sliced dim.
  let d = rank - 1;
  while (d > 0 && size[d] === x.shape[d]) d--;
  const strides = new Array<number>(rank);
  strides[rank - 1] = 1;
  for (let i = rank - 2; i >= 0; i--) strides[i] = strides[i + 1] * x.shape[i + 1];
  const bpe = bytesPer(x.dtype);
  const run = size[d] * strides[d] * bpe;
  const heap = heapBytes(backend);
  const src0 = byteOffset(backend, x);
  let dst = byteOffset(backend, out);
  const idx = new Array<number>(d).fill(0);
  const runs = total * bpe / run;
  for (let r = 0; r < runs; r++) {
    let off = begin[d] * strides[d];
    for (let i = 0; i < d; i++) off += (begin[i] + idx[i]) * strides[i];
    const src = src0 + off * bpe;
    heap.copyWithin(dst, src, src + run);
    dst += run;
    for (let i = d - 1; i >= 0; i--) {
      if (++idx[i] < size[i]) break;
      idx[i] = 0;
    }
  }
  return out;
}

export function slice(args: { inputs: Record<string, TensorInfo>; attrs: Attrs; backend: WasmBackendLike }): TensorInfo {
  const { inputs: { x }, attrs, backend } = args;
  if (x.dtype === 'string') return stock('Slice', backend, { x }, attrs);
  const [begin, size] = tf.slice_util.parseSliceParams(x as tf.Tensor, attrs.begin as number[], attrs.size as number[]);
  return sliceImpl(backend, x, begin, size);
}

export function splitV(args: { inputs: Record<string, TensorInfo>; attrs: Attrs; backend: WasmBackendLike }): TensorInfo[] {
  const { inputs: { x }, attrs, backend } = args;
  if (x.dtype === 'string') return stock('SplitV', backend, { x }, attrs) as unknown as TensorInfo[];
  const axis = tf.util.parseAxisParam(attrs.axis as number, x.shape)[0];
  const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, attrs.numOrSizeSplits as number[] | number, axis);
  const begin = new Array<number>(x.shape.length).fill(0);
  return sizes.map((s) => {
    const size = [...x.shape];
    size[axis] = s;
    const part = sliceImpl(backend, x, [...begin], size);
    begin[axis] += s;
    return part;
  });
}

export const sliceKernels = [
  { kernelName: 'Slice', kernelFunc: slice },
  { kernelName: 'SplitV', kernelFunc: splitV },
];
