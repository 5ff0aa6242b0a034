// lapo's own WebAssembly SIMD kernels (wasm/kernels.c), instantiated on tfjs-backend-wasm's own linear memory so
// that they read and write tensors where tfjs keeps them, and split over a pool of threads (simd-pool.ts) when
// the heap is shared (the threaded module). One runtime per memory: the threaded module's memory is a shared
// WebAssembly.Memory, the single-threaded fallback's an unshared one; each gets its own build of the module.
// If the module cannot be loaded, simd() returns null and every caller keeps its XNNPACK-only path.
import { readFileSync } from 'node:fs';
import type { WasmBackendLike } from './backend.js';
import { SimdPool } from './simd-pool.js';

/** The module's exports; every pointer is a byte offset in tfjs's heap. */
export interface LapoSimdKernels {
  gemm(N: number, K: number, A: number, sai: number, sak: number, B: number, ldb: number, sbp: number, Bt: number,
    ldt: number, C: number, ldc: number, acc: number, i0: number, i1: number, p0: number, p1: number, tail: number): void;
  pack_b(B: number, sbk: number, sbj: number, K: number, N: number, out: number, p0: number, p1: number, tail: number): void;
  pack_gemm(N: number, K: number, A: number, sai: number, sak: number, B: number, sbk: number, sbj: number, Bp: number,
    C: number, ldc: number, i0: number, i1: number, p0: number, p1: number, tail: number): void;
  bias_act(y: number, bias: number, N: number, relu: number, i0: number, i1: number): void;
  conv_filter_grad(x: number, dy: number, dw: number, col: number, N: number, H: number, W: number, Ci: number,
    Ho: number, Wo: number, Co: number, KH: number, KW: number, sh: number, sw: number, pt: number, pl: number,
    dh: number, dw_: number, chunk: number, m0: number, m1: number): void;
  add_to(y: number, x: number, n: number): void;
  u8_to_f32(src: number, dst: number, n: number, div: number): void;
  adam(p: number, g: number, m: number, v: number, po: number, mo: number, vo: number, b1: number, omb1: number,
    b2: number, omb2: number, bc2: number, eps: number, step: number, i0: number, i1: number): void;
}

/** A product C[M,N] = A(i,k)·B(k,j): A(i,k) = A[i·sai + k·sak], B(k,j) = B[k·sbk + j·sbj] (byte offsets). */
export interface Product {
  M: number;
  N: number;
  K: number;
  A: number;
  sai: number;
  sak: number;
  B: number;
  sbk: number;
  sbj: number;
  C: number;
  /** Scratch of K·N floats for B in panels; 0 to read B in place (then sbj must be 1). */
  packed: number;
  /** `packed` already holds this B in panels (an earlier product of the same B). */
  alreadyPacked?: boolean;
}

/** Below this many multiply-adds a product runs on the calling thread alone (waking a worker costs more). */
const PARALLEL_MIN_MACS = 1 << 19;

const FILES = { shared: '../../../wasm/lapo-kernels-shared.wasm', unshared: '../../../wasm/lapo-kernels.wasm' };
const modules = new Map<keyof typeof FILES, WebAssembly.Module>();
const runtimes = new WeakMap<WebAssembly.Memory, LapoSimd>();
let disabledWhy = '';
let poolThreads = 1;
let threadCap = Infinity;

/** Evenly split [0, n) into `parts` ranges. */
function ranges(n: number, parts: number): [number, number][] {
  return Array.from({ length: parts }, (_, t) => [Math.floor((n * t) / parts), Math.floor((n * (t + 1)) / parts)]);
}

export class LapoSimd {
  constructor(readonly k: LapoSimdKernels, private readonly pool: SimdPool | null) {}

  /** Threads a kernel call may use now. */
  threads(): number {
    return Math.min(threadCap, this.pool?.ready() ? this.pool.threads : 1);
  }

  /** Resolves with threads() once the pool's workers have started (they start in the background). */
  async whenReady(timeoutMs = 30_000): Promise<number> {
    const end = Date.now() + timeoutMs;
    while (this.pool && !this.pool.ready() && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    return this.threads();
  }

  /** C = A·B, split over the pool by column panels (or by rows when there are too few panels). */
  product(p: Product): void {
    const { M, N, K, A, sai, sak, B, sbk, sbj, C, packed } = p;
    const P = Math.floor(N / 8);
    const T = M * N * K >= PARALLEL_MIN_MACS ? this.threads() : 1;
    if (packed && P >= T && !p.alreadyPacked) {
      const shares = ranges(P, T).map(([p0, p1], t) => [N, K, A, sai, sak, B, sbk, sbj, packed, C, N, 0, M, p0, p1, t === T - 1 ? 1 : 0]);
      if (T === 1) this.k.pack_gemm(...(shares[0] as Parameters<LapoSimdKernels['pack_gemm']>));
      else this.pool!.run('pack_gemm', shares, this.k.pack_gemm);
      return;
    }
    let b = B, ldb = sbk, sbp = 8, bt = B + 32 * P, ldt = sbk;
    if (packed) {
      if (!p.alreadyPacked) this.k.pack_b(B, sbk, sbj, K, N, packed, 0, P, 1);
      [b, ldb, sbp, bt, ldt] = [packed, 8, 8 * K, packed + 32 * K * P, N - 8 * P];
    }
    const gemmArgs = (i0: number, i1: number, p0: number, p1: number, tail: number) =>
      [N, K, A, sai, sak, b, ldb, sbp, bt, ldt, C, N, 0, i0, i1, p0, p1, tail];
    let shares: number[][];
    if (P >= T) shares = ranges(P, T).map(([p0, p1], t) => gemmArgs(0, M, p0, p1, t === T - 1 ? 1 : 0));
    else shares = ranges(Math.ceil(M / 4), T).map(([r0, r1]) => gemmArgs(4 * r0, Math.min(M, 4 * r1), 0, P, 1));
    if (shares.length === 1) this.k.gemm(...(shares[0] as Parameters<LapoSimdKernels['gemm']>));
    else this.pool!.run('gemm', shares, this.k.gemm);
  }

  /**
   * The Conv2D filter gradient: output positions split over the threads, each summing into its own dW (the
   * first thread's is `dw`, the others' are the `partials` scratch, `dwSize` floats each), then added up.
   * `args` are conv_filter_grad's geometry arguments (N … chunk), `cols` one im2col scratch per thread.
   */
  filterGrad(x: number, dy: number, dw: number, cols: number[], partials: number[], dwSize: number, mTotal: number,
    geometry: number[]): void {
    const T = cols.length;
    const outs = [dw, ...partials];
    const shares = ranges(mTotal, T).map(([m0, m1], t) => [x, dy, outs[t], cols[t], ...geometry, m0, m1]);
    if (T === 1) this.k.conv_filter_grad(...(shares[0] as Parameters<LapoSimdKernels['conv_filter_grad']>));
    else this.pool!.run('conv_filter_grad', shares, this.k.conv_filter_grad);
    for (const part of partials) this.k.add_to(dw, part, dwSize);
  }
}

/** The linear memory of tfjs-backend-wasm's module (threaded: Module.wasmMemory; single-threaded: its export). */
function memoryOf(backend: WasmBackendLike): WebAssembly.Memory | undefined {
  const w = backend.wasm as { wasmMemory?: WebAssembly.Memory; asm?: { memory?: WebAssembly.Memory } };
  return w.wasmMemory ?? w.asm?.memory;
}

function compiled(kind: keyof typeof FILES): WebAssembly.Module {
  let mod = modules.get(kind);
  if (!mod) {
    // src/backend/wasm-kernels/ and dist/backend/wasm-kernels/ are both three levels below the package root.
    mod = new WebAssembly.Module(readFileSync(new URL(FILES[kind], import.meta.url)));
    modules.set(kind, mod);
  }
  return mod;
}

/** The kernels bound to this backend's heap, or null (then the caller uses its XNNPACK path). */
export function simd(backend: WasmBackendLike): LapoSimd | null {
  if (disabledWhy) return null;
  const memory = memoryOf(backend);
  if (!memory) {
    disabledWhy = 'tfjs-backend-wasm does not expose its memory';
    return null;
  }
  let rt = runtimes.get(memory);
  if (!rt) {
    try {
      const shared = memory.buffer instanceof SharedArrayBuffer;
      const mod = compiled(shared ? 'shared' : 'unshared');
      const k = new WebAssembly.Instance(mod, { env: { memory } }).exports as unknown as LapoSimdKernels;
      rt = new LapoSimd(k, shared && poolThreads > 1 ? new SimdPool(mod, memory, poolThreads) : null);
    } catch (e) {
      disabledWhy = (e as Error).message;
      return null;
    }
    runtimes.set(memory, rt);
  }
  return rt;
}

/** Threads for the pool of runtimes created from now on (setupWasm passes XNNPACK's count). */
export function setSimdThreads(threads: number): void {
  poolThreads = Math.max(1, Math.floor(threads));
}

/** Caps the threads of every kernel call (tests compare one thread with the pool); Infinity lifts the cap. */
export function capSimdThreads(n: number): void {
  threadCap = n;
}

/** Turns the SIMD kernels off (tests and benches compare both paths); `why` is what simdStatus() reports. */
export function setSimdEnabled(on: boolean, why = 'disabled'): void {
  disabledWhy = on ? '' : why;
}

/** '' when the kernels are in use, else why not. */
export function simdStatus(): string {
  return disabledWhy;
}
