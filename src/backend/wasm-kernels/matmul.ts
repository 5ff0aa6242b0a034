// BatchMatMul / _FusedMatMul for the wasm backend.
//
// With lapo's SIMD kernels (simd.ts, wasm/kernels.c) every float32 product runs on their GEMM, which reads a in
// place (a transposed a through its strides) and b in place or rearranged into 8-column panels at < 1 ns per
// element, then adds the bias and applies ReLU in one pass: 31–35 GFLOP/s on one thread on the step's shapes,
// against 12–20 for the XNNPACK path below, whose weight packing costs 6–9 ns per element and is redone whenever
// the weights change (every training step). The XNNPACK path stays for when the SIMD module cannot be loaded.
//
// Stock tfjs-backend-wasm sends a product to XNNPACK's fully-connected operator only when neither operand is
// transposed and both batch dims are 1; anything else runs a scalar blocked triple loop (slow_batch_matmul),
// 5–25× slower. Both dense-layer gradients are transposed products (dX = dY·Wᵀ, dW = Xᵀ·dY).
// The XNNPACK operator packs its `b` operand ("weights") when it is created: single-threaded, ~5–9 ns per
// element, often more than the product itself (64×3936 · 3936×256: 9 ms packing, 4 ms of GEMM on one thread),
// and it is cached by b's tensor id, so packing is free only when the same b is used again. Training changes
// every weight each step, so a layer's weights are packed afresh every step. Hence the plan per product
// out[M,N] = a[M,K] · b[K,N]:
//   plain:    pack b (K·N), transposing a or b explicitly first when flagged;
//   swapped:  outᵀ = bᵀ · aᵀ, packing aᵀ (K·M) — for a batch smaller than the layer width this is the smaller
//             operand — then one transpose of the [N,M] result (and bias + activation applied after it).
// The cheaper plan by a cost model (packing ~6 ns/element, transposes ~1.5 ns/element; measured on one thread)
// wins; a b already packed for this (bias, activation) counts as free.
// XNNPACK's cache key is (b id, bias id, activation) without the shape, so a tensor reused as b under another
// reshape would silently get the first shape's operator (upstream trap). We remember the [K,N] each b was packed
// with and never hand it to XNNPACK as b under a different shape.
import { tf } from '../tf.js';
import { byteOffset, dispose, reshape, size, stock, transpose, type Attrs, type WasmBackendLike } from './backend.js';
import { simd, type LapoSimd } from './simd.js';

type TensorInfo = tf.TensorInfo;

const PACK_NS = 6;
const TRANSPOSE_NS = 1.5;

/** b operands handed to XNNPACK as weights: dataId → "K,N" and the bias/activation keys it was packed for. */
const packed = new WeakMap<object, { shape: string; keys: Set<string> }>();

function swapLast(backend: WasmBackendLike, t: TensorInfo): TensorInfo {
  const r = t.shape.length;
  const perm = [...Array(r).keys()];
  [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
  return transpose(backend, t, perm);
}

function batchOf(t: TensorInfo): number {
  return t.shape.slice(0, -2).reduce((p, d) => p * d, 1);
}

type Args = { inputs: Record<string, TensorInfo>; attrs: Attrs; backend: WasmBackendLike };

/** The stock product with explicit transposes (both operands plain). */
function plainProduct(kernel: string, { inputs, attrs, backend }: Args): TensorInfo {
  const { a, b } = inputs;
  const a2 = attrs.transposeA ? swapLast(backend, a) : a;
  const b2 = attrs.transposeB ? swapLast(backend, b) : b;
  const out = stock(kernel, backend, { ...inputs, a: a2, b: b2 }, { ...attrs, transposeA: false, transposeB: false });
  if (a2 !== a) dispose(backend, a2);
  if (b2 !== b) dispose(backend, b2);
  return out;
}

function biasKey(backend: WasmBackendLike, inputs: Record<string, TensorInfo>, attrs: Attrs): string {
  const bias = inputs.bias ? backend.dataIdMap.get(inputs.bias.dataId).id : 0;
  return `${bias}:${String(attrs.activation ?? 'linear')}`;
}

/** t viewed as 3-D `shape` and transposed in its last two dims (a fresh tensor). */
function transposed3(backend: WasmBackendLike, t: TensorInfo, shape: number[]): TensorInfo {
  const view = reshape(backend, t, shape);
  const out = swapLast(backend, view);
  dispose(backend, view);
  return out;
}

/** Remembers that `t` was handed to XNNPACK as weights with this shape and bias/activation key. */
function notePacked(t: TensorInfo, shapeKey: string, key: string): void {
  const entry = packed.get(t.dataId) ?? { shape: shapeKey, keys: new Set<string>() };
  entry.keys.add(key);
  packed.set(t.dataId, entry);
}

/** aᵀ [K,M] as XNNPACK weights: a itself when its stored layout already is [K,M] and it is safe to cache. */
function weightsFromA(backend: WasmBackendLike, a: TensorInfo, tA: boolean, M: number, K: number): TensorInfo {
  if (!tA) return transposed3(backend, a, [1, M, K]);
  const seen = packed.get(a.dataId);
  if (seen && seen.shape !== `${K},${M}`) return copyOf(backend, a, [1, K, M]);
  notePacked(a, `${K},${M}`, '0:linear');
  return reshape(backend, a, [1, K, M]);
}

/** outᵀ = bᵀ·aᵀ with aᵀ as XNNPACK's weights, then transpose back and apply bias and activation. */
function swappedProduct(kernel: string, { inputs, attrs, backend }: Args, M: number, K: number, N: number): TensorInfo {
  const { a, b, bias } = inputs;
  const tA = Boolean(attrs.transposeA);
  // bᵀ [N,K]: already the stored layout when b is flagged transposed.
  const bt = attrs.transposeB ? reshape(backend, b, [1, N, K]) : transposed3(backend, b, [1, K, N]);
  const at = weightsFromA(backend, a, tA, M, K);
  const outT = stock('BatchMatMul', backend, { a: bt, b: at }, { transposeA: false, transposeB: false });
  dispose(backend, bt, at);
  let out = swapLast(backend, outT);
  dispose(backend, outT);
  if (kernel === '_FusedMatMul' && bias) {
    const withBias = stock('Add', backend, { a: out, b: bias });
    dispose(backend, out);
    out = withBias;
  }
  if (kernel === '_FusedMatMul' && attrs.activation === 'relu') {
    const act = stock('Relu', backend, { x: out });
    dispose(backend, out);
    out = act;
  }
  const res = reshape(backend, out, [...a.shape.slice(0, -2), M, N]);
  dispose(backend, out);
  return res;
}

/** A fresh copy (new tensor id) of t viewed as `shape`; the plain reshape would share t's id. */
function copyOf(backend: WasmBackendLike, t: TensorInfo, shape: number[]): TensorInfo {
  const view = reshape(backend, t, shape);
  const out = stock('Identity', backend, { x: view });
  dispose(backend, view);
  return out;
}

/** The product on lapo's SIMD GEMM; null when its operands are outside what it handles (the caller falls back). */
function simdProduct(rt: LapoSimd, kernel: string, { inputs, attrs, backend }: Args): TensorInfo | null {
  const { a, b, bias, preluActivationWeights } = inputs;
  const act = kernel === '_FusedMatMul' ? String(attrs.activation ?? 'linear') : 'linear';
  if (preluActivationWeights || (act !== 'linear' && act !== 'relu')) return null;
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || (bias && bias.dtype !== 'float32')) return null;
  const tA = Boolean(attrs.transposeA), tB = Boolean(attrs.transposeB);
  const ra = a.shape.length, rb = b.shape.length;
  const M = tA ? a.shape[ra - 1] : a.shape[ra - 2];
  const K = tA ? a.shape[ra - 2] : a.shape[ra - 1];
  const N = tB ? b.shape[rb - 2] : b.shape[rb - 1];
  const batchA = batchOf(a), batchB = batchOf(b);
  // Broadcasting batch dims other than "b has one matrix" is left to the fallback.
  if (batchB !== 1 && batchB !== batchA) return null;
  if (bias && size(bias.shape) !== N) return null;
  if (M * N * batchA === 0) return null;
  const outShape = [...(ra >= rb ? a.shape : b.shape).slice(0, -2), M, N];
  const out = backend.makeOutput(outShape, 'float32');
  // b is packed into 8-column panels when stored transposed (it must be rearranged anyway), when its rows are
  // ≥ 4 KiB apart (a panel read in place would touch a new page on every k), and when there are enough rows of a
  // to repay the packing: a strip read in place has rows a power of two apart for the usual widths, which map
  // to a few L1 sets and evict each other (M=256, K=N=256 on 2 threads: 79 GFLOP/s packed, 41 in place).
  const pack = tB || N >= 1024 || M >= 128;
  const scratch = pack ? backend.makeOutput([K * N], 'float32') : null; // before reading offsets: may grow the heap
  const pa = byteOffset(backend, a), pb = byteOffset(backend, b), pc = byteOffset(backend, out);
  const ps = scratch ? byteOffset(backend, scratch) : 0;
  for (let i = 0; i < batchA; i++) {
    rt.product({
      M, N, K,
      A: pa + i * M * K * 4, sai: tA ? 1 : K, sak: tA ? M : 1,
      B: pb + (batchB > 1 ? i * K * N * 4 : 0), sbk: tB ? 1 : N, sbj: tB ? K : 1,
      C: pc + i * M * N * 4, packed: ps,
      // one b for every matrix of a: packed by the first product only
      alreadyPacked: i > 0 && batchB === 1,
    });
  }
  if (scratch) dispose(backend, scratch);
  if (bias || act === 'relu') rt.k.bias_act(pc, bias ? byteOffset(backend, bias) : 0, N, act === 'relu' ? 1 : 0, 0, batchA * M);
  return out;
}

function product(kernel: string) {
  return (args: Args): TensorInfo => {
    const { inputs, attrs, backend } = args;
    const rt = simd(backend);
    const viaSimd = rt ? simdProduct(rt, kernel, args) : null;
    if (viaSimd) return viaSimd;
    const { a, b } = inputs;
    const tA = Boolean(attrs.transposeA), tB = Boolean(attrs.transposeB);
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return stock(kernel, backend, inputs, attrs);
    const r = a.shape.length;
    const M = tA ? a.shape[r - 1] : a.shape[r - 2];
    const K = tA ? a.shape[r - 2] : a.shape[r - 1];
    const N = tB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1];
    if (batchOf(a) !== 1 || batchOf(b) !== 1) {
      // No XNNPACK path for batched products: the stock loop, on plain operands.
      return tA || tB ? plainProduct(kernel, args) : stock(kernel, backend, inputs, attrs);
    }
    const key = biasKey(backend, inputs, attrs);
    const seen = tB ? undefined : packed.get(b.dataId);
    const shapeKey = `${K},${N}`;
    const conflict = seen !== undefined && seen.shape !== shapeKey;
    const cached = seen !== undefined && !conflict && seen.keys.has(key);
    const act = attrs.activation ?? 'linear';
    const canSwap = kernel === 'BatchMatMul' || act === 'linear' || act === 'relu';
    const plainCost = (tA ? M * K * TRANSPOSE_NS : 0) + (tB ? K * N * TRANSPOSE_NS : 0) + (cached ? 0 : K * N * PACK_NS);
    const swapCost = (tA ? 0 : M * K * TRANSPOSE_NS) + (tB ? 0 : K * N * TRANSPOSE_NS) + K * M * PACK_NS + M * N * TRANSPOSE_NS;
    if (canSwap && (conflict || swapCost < plainCost)) return swappedProduct(kernel, args, M, K, N);
    if (conflict) {
      const fresh = copyOf(backend, b, b.shape);
      const out = plainProduct(kernel, { ...args, inputs: { ...inputs, b: fresh } });
      dispose(backend, fresh);
      return out;
    }
    if (!tB) notePacked(b, shapeKey, key);
    return plainProduct(kernel, args);
  };
}

export const matmulKernels = [
  { kernelName: 'BatchMatMul', kernelFunc: product('BatchMatMul') },
  { kernelName: '_FusedMatMul', kernelFunc: product('_FusedMatMul') },
];
