// BatchMatMul / _FusedMatMul with transposed operands for the wasm backend.
// tfjs-backend-wasm sends a matmul to XNNPACK only when neither operand is transposed and both batch dims are 1;
// anything else runs a scalar blocked triple loop (batch_mat_mul_impl.cc, slow_batch_matmul), 5–13× slower.
// Both dense-layer gradients are transposed products (dX = dY·Wᵀ, dW = Xᵀ·dY), so we transpose explicitly
// (one XNNPACK transpose, O(size)) and run the plain product on XNNPACK.
// XNNPACK's operator cache is keyed by b's tensor id (not its shape): the transposed copy is a fresh tensor, so
// it never aliases an operand seen before under another shape; it is released (with its cached operator) here.
import { tf } from '../tf.js';
import { dispose, stock, transpose, type Attrs, type WasmBackendLike } from './backend.js';

type TensorInfo = tf.TensorInfo;

function swapLast(backend: WasmBackendLike, t: TensorInfo): TensorInfo {
  const r = t.shape.length;
  const perm = [...Array(r).keys()];
  [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
  return transpose(backend, t, perm);
}

function withPlainOperands(kernel: string) {
  return (args: { inputs: Record<string, TensorInfo>; attrs: Attrs; backend: WasmBackendLike }): TensorInfo => {
    const { inputs, attrs, backend } = args;
    const { a, b } = inputs;
    if (!attrs.transposeA && !attrs.transposeB) return stock(kernel, backend, inputs, attrs);
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return stock(kernel, backend, inputs, attrs);
    const a2 = attrs.transposeA ? swapLast(backend, a) : a;
    const b2 = attrs.transposeB ? swapLast(backend, b) : b;
    const out = stock(kernel, backend, { ...inputs, a: a2, b: b2 }, { ...attrs, transposeA: false, transposeB: false });
    if (a2 !== a) dispose(backend, a2);
    if (b2 !== b) dispose(backend, b2);
    return out;
  };
}

export const matmulKernels = [
  { kernelName: 'BatchMatMul', kernelFunc: withPlainOperands('BatchMatMul') },
  { kernelName: '_FusedMatMul', kernelFunc: withPlainOperands('_FusedMatMul') },
];
