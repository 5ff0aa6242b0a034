// Identity (tf.clone, and every tensor the gradient tape saves: the engine clones each saved input/output) and
// same-dtype Cast for the wasm backend. Stock copies the whole buffer each time (~290 copies per LAPO step, the
// saved conv activations included); tensors are immutable, so the clone can share the data under a reference
// count, as the cpu backend and wasm's own Reshape do. Cast to bool follows the cpu backend (x ≠ 0).
import { tf } from '../tf.js';
import { byteOffset, heapBytes, size, stock, type Attrs, type WasmBackendLike } from './backend.js';

type TensorInfo = tf.TensorInfo;

function share(backend: WasmBackendLike, x: TensorInfo): TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

export function identity(args: { inputs: Record<string, TensorInfo>; attrs: Attrs; backend: WasmBackendLike }): TensorInfo {
  const { inputs: { x }, backend } = args;
  if (x.dtype === 'string') return stock('Identity', backend, { x });
  return share(backend, x);
}

export function cast(args: { inputs: Record<string, TensorInfo>; attrs: Attrs; backend: WasmBackendLike }): TensorInfo {
  const { inputs: { x }, attrs, backend } = args;
  if (attrs.dtype === x.dtype && x.dtype !== 'string') return share(backend, x);
  if (attrs.dtype === 'bool' && (x.dtype === 'float32' || x.dtype === 'int32')) return toBool(backend, x);
  return stock('Cast', backend, { x }, attrs);
}

/** x ≠ 0, as the cpu backend casts; stock wasm truncates (0.5 → false) by copying into a Uint8Array. */
function toBool(backend: WasmBackendLike, x: TensorInfo): TensorInfo {
  const out = backend.makeOutput(x.shape, 'bool');
  const n = size(x.shape);
  const heap = heapBytes(backend);
  const src = x.dtype === 'float32'
    ? new Float32Array(heap.buffer, byteOffset(backend, x), n)
    : new Int32Array(heap.buffer, byteOffset(backend, x), n);
  const dst = new Uint8Array(heap.buffer, byteOffset(backend, out), n);
  for (let i = 0; i < n; i++) dst[i] = src[i] !== 0 ? 1 : 0;
  return out;
}

export const identityKernels = [
  { kernelName: 'Identity', kernelFunc: identity },
  { kernelName: 'Cast', kernelFunc: cast },
];
