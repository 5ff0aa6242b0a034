// Runs lapo's SIMD kernels on several threads: worker_threads that instantiate the same module on the same shared
// memory (tfjs-backend-wasm's threaded heap), each given its share of a kernel call (rows, column panels or a
// range of the reduction), while the calling thread runs the last share itself.
// XNNPACK's own pool (tfjs's pthreads) serves tfjs's kernels; this one serves lapo's. They never run at the same
// time (kernels run one after another), so with T threads each pool uses the same T cores.
// Signalling goes through a SharedArrayBuffer: per worker a sequence number, a done number and the call (function
// index, arguments). A worker spins briefly for the next call (kernels arrive back to back within a training
// step), then sleeps in Atomics.wait so that an idle pool costs nothing and never competes with XNNPACK's threads.
// Workers are unref'd: they never keep the process alive.
import { Worker } from 'node:worker_threads';

export const POOL_FUNCTIONS = ['gemm', 'pack_gemm', 'conv_filter_grad'] as const;
export type PoolFunction = (typeof POOL_FUNCTIONS)[number];

const MAX_ARGS = 32;
const SLOT_I32 = 16; // seq, done, fn, nargs, ready, failed
const SEQ = 0, DONE = 1, FN = 2, NARGS = 3, READY = 4, FAILED = 5;
// Atomics.load polls before sleeping: tens of microseconds. Longer spins made the step slower (a spinning worker
// takes the core that XNNPACK's own thread needs for the next convolution).
const SPIN = 20000;

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, ctrl, args, slot, names, spin } = workerData;
const c = new Int32Array(ctrl, slot * ${SLOT_I32 * 4}, ${SLOT_I32});
const a = new Float64Array(args, slot * ${MAX_ARGS * 8}, ${MAX_ARGS});
const ex = new WebAssembly.Instance(module, { env: { memory } }).exports;
const fns = names.map((n) => ex[n]);
Atomics.store(c, ${READY}, 1);
let last = 0;
for (;;) {
  let s = Atomics.load(c, ${SEQ});
  let n = 0;
  while (s === last) {
    if (++n > spin) { Atomics.wait(c, ${SEQ}, last); n = 0; }
    s = Atomics.load(c, ${SEQ});
  }
  last = s;
  try {
    fns[c[${FN}]].apply(null, Array.from(a.subarray(0, c[${NARGS}])));
  } catch (e) {
    Atomics.store(c, ${FAILED}, 1);
  }
  Atomics.store(c, ${DONE}, s);
  Atomics.notify(c, ${DONE});
}
`;

export class SimdPool {
  private readonly workers: Worker[] = [];
  private readonly ctrl: Int32Array;
  private readonly args: Float64Array;
  private seq = 0;
  private broken = '';

  /** `threads` in all: threads − 1 workers plus the calling thread. */
  constructor(module: WebAssembly.Module, memory: WebAssembly.Memory, readonly threads: number) {
    const n = threads - 1;
    const ctrl = new SharedArrayBuffer(Math.max(1, n) * SLOT_I32 * 4);
    const args = new SharedArrayBuffer(Math.max(1, n) * MAX_ARGS * 8);
    this.ctrl = new Int32Array(ctrl);
    this.args = new Float64Array(args);
    for (let slot = 0; slot < n; slot++) {
      const w = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { module, memory, ctrl, args, slot, names: POOL_FUNCTIONS, spin: SPIN },
      });
      w.on('error', (e) => (this.broken = `worker failed: ${e.message}`));
      w.unref();
      this.workers.push(w);
    }
  }

  /** Whether every worker has started (until then callers run their kernels on one thread). */
  ready(): boolean {
    if (this.broken) return false;
    for (let i = 0; i < this.workers.length; i++) if (Atomics.load(this.ctrl, i * SLOT_I32 + READY) !== 1) return false;
    return true;
  }

  /**
   * Runs `fn` once per share: shares[0 .. n−2] on the workers, the last on `self` (the caller's own instance),
   * and returns when all are done. At most `threads` shares.
   */
  run(fn: PoolFunction, shares: number[][], self: (...a: number[]) => void): void {
    if (shares.length > this.threads) throw new Error(`SimdPool: ${shares.length} shares for ${this.threads} threads`);
    const seq = ++this.seq;
    const idx = POOL_FUNCTIONS.indexOf(fn);
    const remote = shares.length - 1;
    for (let w = 0; w < remote; w++) {
      const a = shares[w];
      if (a.length > MAX_ARGS) throw new Error(`SimdPool: ${a.length} arguments`);
      this.args.set(a, w * MAX_ARGS);
      const b = w * SLOT_I32;
      this.ctrl[b + FN] = idx;
      this.ctrl[b + NARGS] = a.length;
      Atomics.store(this.ctrl, b + SEQ, seq);
      Atomics.notify(this.ctrl, b + SEQ);
    }
    self(...shares[remote]);
    let failed = false;
    for (let w = 0; w < remote; w++) {
      const b = w * SLOT_I32;
      let n = 0;
      const deadline = Date.now() + 600_000;
      for (;;) {
        const done = Atomics.load(this.ctrl, b + DONE);
        if (done === seq) break;
        if (++n > SPIN) {
          // Only a worker that died outside its try/catch (out of memory, terminated) never answers.
          if (Atomics.wait(this.ctrl, b + DONE, done, 1000) === 'timed-out' && Date.now() > deadline) {
            throw new Error(`lapo wasm SIMD pool: a worker did not finish ${fn} in 10 minutes`);
          }
        }
      }
      if (Atomics.exchange(this.ctrl, b + FAILED, 0) === 1) failed = true;
    }
    if (failed) throw new Error(`lapo wasm SIMD pool: ${fn} failed on a worker`);
  }

  terminate(): void {
    for (const w of this.workers) void w.terminate();
  }
}
