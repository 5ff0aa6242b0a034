// Data movement kernels: Transpose, Slice, Concat, Pack, GatherV2 (float32, int32 and bool storage).
// The cpu backend runs these as per-element JavaScript loops with index arithmetic; these are memcpy runs and
// tiled transposes in native/src/layout.cc.
import { tf } from '../tf.js';
import { allocLike, raw, size, type NativeKernel } from './util.js';

export const transpose: NativeKernel = ({ inputs, backend, attrs = {} }, addon) => {
  const x = inputs.x as tf.TensorInfo;
  const r = raw(backend, x);
  const perm = attrs.perm as number[];
  if (!r || x.shape.length > 8) return null;
  const outShape = perm.map((p) => x.shape[p]);
  const y = allocLike(backend, x.dtype, r.v.length);
  if (r.v.length > 0) addon.transpose(r.v, y, Int32Array.from(x.shape), Int32Array.from(perm), r.bytes);
  return backend.makeTensorInfo(outShape, x.dtype, y);
};

export const slice: NativeKernel = ({ inputs, backend, attrs = {} }, addon) => {
  const x = inputs.x as tf.TensorInfo;
  const r = raw(backend, x);
  if (!r) return null;
  const [begin, sz] = tf.slice_util.parseSliceParams(x as tf.Tensor, attrs.begin as number | number[], attrs.size as number | number[]);
  tf.slice_util.assertParamsValid(x as tf.Tensor, begin, sz);
  const n = size(sz);
  const y = allocLike(backend, x.dtype, n);
  if (n > 0) addon.slice(r.v, y, Int32Array.from(x.shape), Int32Array.from(begin), Int32Array.from(sz), r.bytes);
  return backend.makeTensorInfo(sz, x.dtype, y);
};

/** Joins tensors of equal dtype along `axis`; each input viewed as [outer, inner_i]. */
function join(backend: Parameters<NativeKernel>[0]['backend'], addon: Parameters<NativeKernel>[1], list: tf.TensorInfo[], axis: number, outShape: number[]): tf.TensorInfo | null {
  const dtype = list[0].dtype;
  const parts: (Float32Array | Int32Array | Uint8Array | number)[] = [];
  let bytes = 4;
  for (const t of list) {
    if (t.dtype !== dtype) return null;
    const r = raw(backend, t);
    if (!r) return null;
    bytes = r.bytes;
    const inner = size(t.shape.slice(axis));
    if (inner > 0) parts.push(r.v, inner);
  }
  const y = allocLike(backend, dtype, size(outShape));
  if (parts.length > 0 && y.length > 0) addon.concat(y, size(outShape.slice(0, axis)), bytes, ...parts);
  return backend.makeTensorInfo(outShape, dtype, y);
}

export const concat: NativeKernel = ({ inputs, backend, attrs = {} }, addon) => {
  const list = Object.values(inputs) as tf.TensorInfo[];
  if (list.length === 0) return null;
  const axis = tf.util.parseAxisParam(attrs.axis as number, list[0].shape)[0];
  const outShape = tf.backend_util.computeOutShape(list.map((t) => t.shape), axis);
  return join(backend, addon, list, axis, outShape);
};

export const pack: NativeKernel = ({ inputs, backend, attrs = {} }, addon) => {
  const list = Object.values(inputs) as tf.TensorInfo[];
  if (list.length === 0) return null;
  const shape = list[0].shape;
  if (list.some((t) => !tf.util.arraysEqual(t.shape, shape))) return null;
  const axis = tf.util.parseAxisParam(attrs.axis as number, [...shape, 1])[0];
  const outShape = [...shape.slice(0, axis), list.length, ...shape.slice(axis)];
  // Stacking = concatenating the inputs reshaped to [..., 1, ...] along `axis`.
  const expanded = list.map((t) => ({ ...t, shape: [...shape.slice(0, axis), 1, ...shape.slice(axis)] }));
  return join(backend, addon, expanded, axis, outShape);
};

export const gatherV2: NativeKernel = ({ inputs, backend, attrs = {} }, addon) => {
  const x = inputs.x as tf.TensorInfo;
  const indices = inputs.indices as tf.TensorInfo;
  const r = raw(backend, x);
  const iv = backend.data.get(indices.dataId).values;
  if (!r || !(iv instanceof Int32Array) || Number(attrs.batchDims ?? 0) !== 0) return null;
  const axis = tf.util.parseAxisParam(attrs.axis as number, x.shape)[0];
  const outShape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
  const y = allocLike(backend, x.dtype, size(outShape));
  if (y.length > 0) {
    addon.gather(r.v, iv, y, size(x.shape.slice(0, axis)), x.shape[axis], size(x.shape.slice(axis + 1)), r.bytes);
  }
  return backend.makeTensorInfo(outShape, x.dtype, y);
};

/** SplitV (the gradient of concat): one native slice per piece; the cpu kernel copies element by element. */
export const splitV: NativeKernel = ({ inputs, backend, attrs = {} }, addon) => {
  const x = inputs.x as tf.TensorInfo;
  const r = raw(backend, x);
  if (!r) return null;
  const axis = tf.util.parseAxisParam(attrs.axis as number, x.shape)[0];
  const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, attrs.numOrSizeSplits as number | number[], axis);
  const begin = new Array<number>(x.shape.length).fill(0);
  const shape = Int32Array.from(x.shape);
  return sizes.map((s) => {
    const sz = [...x.shape];
    sz[axis] = s;
    const y = allocLike(backend, x.dtype, size(sz));
    if (y.length > 0) addon.slice(r.v, y, shape, Int32Array.from(begin), Int32Array.from(sz), r.bytes);
    begin[axis] += s;
    return backend.makeTensorInfo(sz, x.dtype, y);
  });
};
