// Fused optimizer updates for the wasm backend: one kernel per parameter instead of ~10 (Adam) or 3 (soft
// target update). A LAPO step updates ~60 parameter tensors with Adam and soft-updates ~60 targets: as separate
// tfjs ops that is ~750 kernel calls (each a pass over the tensor plus ~20–40 µs of engine bookkeeping).
// Each kernel runs the same stock elementwise kernels in the same order as the op sequence it replaces
// (src/nn/adam.ts, the soft update in src/algo/lapo-step.ts), so results are bit-identical, into FRESH output
// buffers: updating in place would be wrong on wasm, because XNNPACK caches packed weights by tensor id (an
// in-place change would leave a stale packed copy in use).
import { tf } from '../tf.js';
import { byteOffset, dispose, heapBytes, size, stock, type Attrs, type WasmBackendLike } from './backend.js';

type TensorInfo = tf.TensorInfo;

function f32(backend: WasmBackendLike, t: TensorInfo, heap: ArrayBufferLike): Float32Array {
  return new Float32Array(heap, byteOffset(backend, t), size(t.shape));
}

function checkFloat(name: string, ...ts: TensorInfo[]): void {
  const n = size(ts[0].shape);
  for (const t of ts) {
    if (t.dtype !== 'float32' || size(t.shape) !== n) throw new Error(`${name}: float32 tensors of one size expected`);
  }
}

/** A float32 scalar holding `x` (rounded to float32, as tf.scalar does). */
function scalar(backend: WasmBackendLike, x: number): TensorInfo {
  const t = backend.makeOutput([], 'float32');
  f32(backend, t, heapBytes(backend).buffer)[0] = x;
  return t;
}

/**
 * Adam as in src/nn/adam.ts: m' = β1·m + (1−β1)·g; v' = β2·v + (1−β2)·g²;
 * p' = p − (m' / (√v' / bc2Sqrt + ε)) · stepSize. Outputs [p', m', v'].
 * The same XNNPACK elementwise kernels in the same order (bit-identical), minus the engine bookkeeping of ten
 * separate ops; a JavaScript loop would need ~7–17 ns per element (no SIMD, float64 division) and be no faster.
 */
export function adamUpdate(args: { inputs: Record<string, TensorInfo>; attrs: Attrs; backend: WasmBackendLike }): TensorInfo[] {
  const { inputs: { param, grad, m, v }, attrs, backend } = args;
  checkFloat('LapoAdamUpdate', param, grad, m, v);
  const k = ['beta1', 'oneMinusBeta1', 'beta2', 'oneMinusBeta2', 'bc2Sqrt', 'eps', 'stepSize'].map((n) => scalar(backend, attrs[n] as number));
  const [b1, c1, b2, c2, bc2, eps, step] = k;
  const temps: TensorInfo[] = [];
  const op = (name: string, a: TensorInfo, b?: TensorInfo) => {
    const out = stock(name, backend, b ? { a, b } : { x: a });
    temps.push(out);
    return out;
  };
  const m1 = op('Add', op('Multiply', m, b1), op('Multiply', grad, c1));
  const v1 = op('Add', op('Multiply', v, b2), op('Multiply', op('Multiply', grad, grad), c2));
  const denom = op('Add', op('RealDiv', op('Sqrt', v1), bc2), eps);
  const p1 = op('Sub', param, op('Multiply', op('RealDiv', m1, denom), step));
  dispose(backend, ...k, ...temps.filter((t) => t !== p1 && t !== m1 && t !== v1));
  return [p1, m1, v1];
}

/** Soft target update as in lapo-step.ts: target' = source·τ + target·(1−τ). */
export function polyakUpdate(args: { inputs: Record<string, TensorInfo>; attrs: Attrs; backend: WasmBackendLike }): TensorInfo {
  const { inputs: { target, source }, attrs, backend } = args;
  checkFloat('LapoPolyakUpdate', target, source);
  const tau = scalar(backend, attrs.tau as number), keep = scalar(backend, attrs.oneMinusTau as number);
  const a = stock('Multiply', backend, { a: source, b: tau });
  const b = stock('Multiply', backend, { a: target, b: keep });
  const out = stock('Add', backend, { a, b });
  dispose(backend, tau, keep, a, b);
  return out;
}

export const optimizerKernels = [
  { kernelName: 'LapoAdamUpdate', kernelFunc: adamUpdate },
  { kernelName: 'LapoPolyakUpdate', kernelFunc: polyakUpdate },
];

/** The constants src/nn/adam.ts computes per step (same shape as native.ts's AdamConstants). */
export interface AdamConstants {
  beta1: number;
  oneMinusBeta1: number;
  beta2: number;
  oneMinusBeta2: number;
  bc2Sqrt: number;
  eps: number;
  stepSize: number;
}

function onWasm(kernel: string): boolean {
  return tf.getBackend() === 'wasm' && tf.getKernel(kernel, 'wasm') !== undefined;
}

/**
 * One fused Adam step on the wasm backend (new buffers, assigned to the variables). Returns false, doing
 * nothing, on any other backend (the caller then runs the unfused ops).
 */
export function wasmAdamUpdate(param: tf.Variable, grad: tf.Tensor, m: tf.Variable, v: tf.Variable, c: AdamConstants): boolean {
  if (!onWasm('LapoAdamUpdate') || grad.size !== param.size || grad.dtype !== 'float32') return false;
  const [p1, m1, v1] = tf.engine().runKernel('LapoAdamUpdate', { param, grad, m, v }, { ...c } as unknown as tf.NamedAttrMap) as tf.Tensor[];
  param.assign(p1);
  m.assign(m1);
  v.assign(v1);
  tf.dispose([p1, m1, v1]);
  return true;
}

/** Fused soft update target ← source·τ + target·(1−τ) on the wasm backend; false elsewhere. */
export function wasmPolyakUpdate(target: tf.Variable, source: tf.Tensor, tau: number, oneMinusTau: number): boolean {
  if (!onWasm('LapoPolyakUpdate') || source.size !== target.size || source.dtype !== 'float32') return false;
  const t1 = tf.engine().runKernel('LapoPolyakUpdate', { target, source }, { tau, oneMinusTau }) as tf.Tensor;
  target.assign(t1);
  t1.dispose();
  return true;
}
