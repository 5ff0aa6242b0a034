// LapoAdam: one Adam update as one wasm SIMD pass (wasm/kernels.c `adam`), instead of the 12 tfjs kernels per
// parameter of the tf-op chain in src/nn/adam.ts (each a trip through tfjs's engine and a full pass over the
// parameter). Same float32 operations in the same order, so the result is bit-identical to that chain.
// The outputs are fresh tensors, never the inputs updated in place: XNNPACK caches packed weights by tensor id.
import { tf } from '../tf.js';
import { byteOffset, size, type Attrs, type WasmBackendLike } from './backend.js';
import { simd } from './simd.js';
import type { AdamConstants } from '../native.js';

type TensorInfo = tf.TensorInfo;

export const ADAM_KERNEL = 'LapoAdam';

function adamKernel({ inputs, attrs, backend }: { inputs: Record<string, TensorInfo>; attrs: Attrs; backend: WasmBackendLike }): TensorInfo[] {
  const k = simd(backend)?.k;
  if (!k) throw new Error(`${ADAM_KERNEL}: lapo's wasm SIMD kernels are not loaded`);
  const { p, g, m, v } = inputs;
  const a = attrs as unknown as AdamConstants;
  const n = size(p.shape);
  const outs = [p, m, v].map((t) => backend.makeOutput(t.shape, 'float32'));
  const [po, mo, vo] = outs.map((t) => byteOffset(backend, t));
  k.adam(byteOffset(backend, p), byteOffset(backend, g), byteOffset(backend, m), byteOffset(backend, v), po, mo, vo,
    a.beta1, a.oneMinusBeta1, a.beta2, a.oneMinusBeta2, a.bc2Sqrt, a.eps, a.stepSize, 0, n);
  return outs;
}

export const adamKernels = [{ kernelName: ADAM_KERNEL, kernelFunc: adamKernel }];

/**
 * One Adam update of `param` on the wasm backend through LapoAdam (param, m and v get the new values). Returns
 * false, doing nothing, on any other backend or without the SIMD kernels; the caller then runs its tf-op chain.
 */
export function wasmAdamUpdate(param: tf.Variable, grad: tf.Tensor, m: tf.Variable, v: tf.Variable, c: AdamConstants): boolean {
  if (tf.getBackend() !== 'wasm' || !tf.getKernel(ADAM_KERNEL, 'wasm')) return false;
  if (!simd(tf.backend() as unknown as WasmBackendLike)) return false;
  if (grad.size !== param.size || [param, grad, m, v].some((t) => t.dtype !== 'float32')) return false;
  tf.tidy(() => {
    const [p2, m2, v2] = tf.engine().runKernel(ADAM_KERNEL, { p: param, g: grad, m, v }, c as unknown as tf.NamedAttrMap) as tf.Tensor[];
    param.assign(p2);
    m.assign(m2);
    v.assign(v2);
  });
  return true;
}
