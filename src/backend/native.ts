// The `native` backend: TensorFlow.js's cpu backend with lapo's native kernels (native/, OpenBLAS sgemm and a
// thread pool over all cores) registered on top. Tensors stay plain typed arrays; the kernels read and write them
// in place through N-API, with no copies.
//
// Why the cpu backend's typed arrays rather than the wasm heap: native code can address a typed array directly,
// and a wasm heap only through a view that is replaced whenever the heap grows; the wasm backend's remaining
// kernels (XNNPACK, SIMD128, no FMA) would also cap every op we did not replace. With typed arrays, every op
// that matters runs natively and the rest keep the cpu backend's exact semantics (measured figures:
// docs/performance.md and docs/dev/decisions/0023-native-on-cpu-backend.md).
//
// Besides the kernels, the optimizer helpers below update variables in place (Adam, soft target updates):
// one native pass per variable instead of a chain of tfjs ops, bit-identical to that chain on the cpu backend.
import { wasmImagesToTensor } from './wasm-kernels/images.js';
import { tf } from './tf.js';
import { LapoError } from '../errors.js';
import { loadAddon, loadFailure, type NativeAddon } from './native-kernels/addon.js';
import { NativeBackend } from './native-kernels/backend.js';
import { NATIVE, RELU_GRAD, registerNativeBackend } from './native-kernels/register.js';

/** True when the addon is built and loads (OpenBLAS was present at install time). */
export function nativeAvailable(): boolean {
  return loadAddon() !== null;
}

/** Why the addon is unavailable ('' when it is available). */
export function nativeUnavailableReason(): string {
  return nativeAvailable() ? '' : loadFailure();
}

export async function setupNative(threads?: number): Promise<{ name: 'native'; threads: number; detail: string }> {
  const addon = loadAddon();
  if (!addon) {
    throw new LapoError(
      'backend',
      `--backend native: not available (${loadFailure()}); install OpenBLAS (apt-get install -y libopenblas-dev) and rebuild with: npm run install`,
    );
  }
  registerNativeBackend(addon);
  const n = addon.setThreads(threads && threads > 0 ? threads : 0);
  if (!(await tf.setBackend(NATIVE))) throw new LapoError('backend', '--backend native: the backend failed to initialise');
  await tf.ready();
  const i = addon.info();
  return {
    name: 'native',
    threads: n,
    detail: `lapo native kernels: ${i.blasConfig.split(' ').slice(0, 2).join(' ')} (${i.blasCore} kernels), ${i.dnnl ? 'oneDNN' : 'im2col'} convolutions; tfjs-backend-cpu ${tf.version_core}`,
  };
}

// ---- in-place updates for the optimizers --------------------------------------------------------------------

function activeNative(): { backend: NativeBackend; addon: NativeAddon } | null {
  if (tf.getBackend() !== NATIVE) return null;
  const addon = loadAddon();
  return addon ? { backend: tf.backend() as NativeBackend, addon } : null;
}

/**
 * The variable's float32 storage, made exclusive first: a variable may share storage with a clone (targets start
 * as tf.variable(online)) or a checkpoint copy, which must not see the update. Copying happens once; afterwards
 * the variable owns a pooled array and every update is in place.
 */
function exclusiveStorage(backend: NativeBackend, v: tf.Variable): Float32Array | null {
  if (v.dtype !== 'float32') return null;
  const values = backend.data.get(v.dataId).values;
  if (!(values instanceof Float32Array)) return null;
  if (backend.refCount(v.dataId) === 1 && backend.ownsExclusively(values)) return values;
  const copy = backend.allocF32(values.length);
  copy.set(values);
  const t = tf.engine().makeTensorFromTensorInfo(backend.makeTensorInfo(v.shape, 'float32', copy), backend);
  v.assign(t);
  t.dispose();
  return copy;
}

function storage(backend: NativeBackend, t: tf.Tensor): Float32Array | null {
  if (t.dtype !== 'float32') return null;
  const values = backend.data.get(t.dataId).values;
  return values instanceof Float32Array ? values : null;
}

/** Float32 constants of one Adam step, as src/nn/adam.ts makes them (numbers computed in double). */
export interface AdamConstants {
  beta1: number;
  oneMinusBeta1: number;
  beta2: number;
  oneMinusBeta2: number;
  /** √(1 − β2^t) */
  bc2Sqrt: number;
  eps: number;
  /** lr / (1 − β1^t) */
  stepSize: number;
}

/**
 * One Adam update of `param` with gradient `grad`, moments `m` and `v` updated in place, on the native backend:
 *   m = m·β1 + g·(1−β1);  v = v·β2 + (g·g)·(1−β2);  param = param − (m / (√v / bc2Sqrt + ε)) · stepSize
 * Returns false (doing nothing) on any other backend; the caller then runs its tf-op version.
 */
export function nativeAdamUpdate(param: tf.Variable, grad: tf.Tensor, m: tf.Variable, v: tf.Variable, c: AdamConstants): boolean {
  const nat = activeNative();
  if (!nat || grad.size !== param.size) return false;
  const g = storage(nat.backend, grad);
  if (!g) return false;
  const p = exclusiveStorage(nat.backend, param);
  const mv = exclusiveStorage(nat.backend, m);
  const vv = exclusiveStorage(nat.backend, v);
  if (!p || !mv || !vv) return false;
  nat.addon.adam(p, g, mv, vv, c.beta1, c.oneMinusBeta1, c.beta2, c.oneMinusBeta2, c.bc2Sqrt, c.eps, c.stepSize);
  return true;
}

/**
 * Soft target update in place on the native backend: target = source·tau + target·oneMinusTau.
 * Returns false (doing nothing) on any other backend.
 */
export function nativePolyakUpdate(target: tf.Variable, source: tf.Tensor, tau: number, oneMinusTau: number): boolean {
  const nat = activeNative();
  if (!nat || source.size !== target.size) return false;
  const s = storage(nat.backend, source);
  if (!s) return false;
  const t = exclusiveStorage(nat.backend, target);
  if (!t) return false;
  nat.addon.polyak(t, s, tau, oneMinusTau);
  return true;
}

/**
 * uint8 images -> float32 tensor in [0, 1] (x / 255, bit-identical to the JavaScript loop) without a JavaScript
 * pass over the pixels on the native and wasm backends; any other backend gets the same values through tf.tensor.
 */
export function imagesToTensor(images: Uint8Array, shape: [number, number, number, number]): tf.Tensor4D {
  const nat = activeNative();
  if (nat) {
    const y = nat.backend.allocF32(images.length);
    nat.addon.castToFloat(images, y, 255);
    return tf.engine().makeTensorFromTensorInfo(nat.backend.makeTensorInfo(shape, 'float32', y), nat.backend) as tf.Tensor4D;
  }
  const viaWasm = wasmImagesToTensor(images, shape);
  if (viaWasm) return viaWasm;
  const f = new Float32Array(images.length);
  for (let i = 0; i < images.length; i++) f[i] = images[i] / 255;
  return tf.tensor4d(f, shape);
}

/**
 * The ReLU gradient dy·step(y) (y: the ReLU's input or output, positive at the same places): one fused native
 * pass on the native backend, tfjs's Step and Multiply elsewhere. For gradient functions of fused layers.
 */
export function reluGradient(dy: tf.Tensor, y: tf.Tensor): tf.Tensor {
  if (activeNative() && dy.dtype === 'float32' && y.dtype === 'float32') {
    return tf.engine().runKernel(RELU_GRAD, { dy, x: y }) as tf.Tensor;
  }
  return tf.mul(dy, tf.step(y));
}
