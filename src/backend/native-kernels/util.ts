// Shared plumbing of the native kernels: reading a tensor's storage, allocating pooled outputs, and falling
// back to the cpu backend's own kernel for the cases a native kernel does not cover (other dtypes, layouts).
import { tf } from '../tf.js';
import type { NativeBackend } from './backend.js';
import type { NativeAddon } from './addon.js';

export type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: NativeBackend; attrs?: tf.NamedAttrMap };
export type NativeKernel = (args: KernelArgs, addon: NativeAddon) => tf.TensorInfo | tf.TensorInfo[] | null;

/** The float32 storage of a tensor, or null when it has another dtype. */
export function f32(backend: NativeBackend, t: tf.TensorInfo): Float32Array | null {
  if (t.dtype !== 'float32') return null;
  const v = backend.data.get(t.dataId).values;
  return v instanceof Float32Array ? v : null;
}

/** The raw typed storage (float32/int32/bool) and its element size, or null for strings/complex. */
export function raw(backend: NativeBackend, t: tf.TensorInfo): { v: Float32Array | Int32Array | Uint8Array; bytes: number } | null {
  const v = backend.data.get(t.dataId).values;
  if (v instanceof Float32Array || v instanceof Int32Array) return { v, bytes: 4 };
  if (v instanceof Uint8Array && t.dtype === 'bool') return { v, bytes: 1 };
  return null;
}

/** An output array matching `like`'s element type. */
export function allocLike(backend: NativeBackend, dtype: tf.DataType, n: number): Float32Array | Int32Array | Uint8Array {
  if (dtype === 'float32') return backend.allocF32(n);
  if (dtype === 'int32') return new Int32Array(n);
  return new Uint8Array(n);
}

export function size(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function output(backend: NativeBackend, shape: number[], dtype: tf.DataType, values: tf.BackendValues): tf.TensorInfo {
  return backend.makeTensorInfo(shape, dtype, values);
}

/** Row-major strides of `shape` broadcast into `outShape` (0 along broadcast dims), as an Int32Array. */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): Int32Array {
  const r = outShape.length;
  const s = new Int32Array(r);
  let stride = 1;
  for (let i = r - 1, j = shape.length - 1; i >= 0; --i, --j) {
    const d = j >= 0 ? shape[j] : 1;
    s[i] = d === 1 ? 0 : stride;
    stride *= d;
  }
  return s;
}
