// TensorFlow.js WebAssembly backend set up for training: the threaded SIMD module on `threads` threads
// (src/backend/wasm-threads.ts explains why stock tfjs-wasm is single-threaded in Node), plus lapo's training
// kernels (src/backend/wasm-kernels/), registered before the backend is first used.
// If the threaded module cannot start, the stock single-threaded SIMD module runs instead and the returned
// `threads` says 1: the reported count is read back from XNNPACK's pool, never assumed.
import { availableParallelism } from 'node:os';
import { tf } from './tf.js';
import * as wasmPkg from '@tensorflow/tfjs-backend-wasm';
import { loadThreadedWasm, unrefWorkers, type ThreadedWasmModule } from './wasm-threads.js';
import { registerWasmTrainingKernels } from './wasm-kernels/index.js';
import { setSimdThreads, simd, simdStatus } from './wasm-kernels/simd.js';
import type { WasmBackendLike } from './wasm-kernels/backend.js';

const WASM_PRIORITY = 2; // the priority tfjs-backend-wasm registers itself with

let threadedModule: ThreadedWasmModule | null = null;
let setupResult: { name: 'wasm'; threads: number; detail: string } | null = null;

function defaultThreads(): number {
  // XNNPACK splits each op into tiles; more threads than cores only adds contention.
  return Math.max(1, Math.min(8, availableParallelism()));
}

type ProcessEvent = 'uncaughtException' | 'unhandledRejection';
const PROCESS_EVENTS: ProcessEvent[] = ['uncaughtException', 'unhandledRejection'];

/**
 * Runs `load` and removes the process listeners it added. Emscripten's Node glue installs uncaughtException /
 * unhandledRejection handlers that rethrow, so any later uncaught error would be printed with the ~50 kB
 * minified line of the module as "source context"; lapo's CLI reports errors itself.
 */
async function withoutEmscriptenListeners<T>(load: () => Promise<T>): Promise<T> {
  const listeners = (e: ProcessEvent) => process.listeners(e as 'uncaughtException') as unknown[];
  const before = new Map(PROCESS_EVENTS.map((e) => [e, new Set(listeners(e))]));
  try {
    return await load();
  } finally {
    for (const e of PROCESS_EVENTS) {
      for (const l of listeners(e)) if (!before.get(e)!.has(l)) process.removeListener(e, l as (...a: unknown[]) => void);
    }
  }
}

export async function setupWasm(threads?: number): Promise<{ name: 'wasm'; threads: number; detail: string }> {
  if (setupResult) {
    await tf.setBackend('wasm');
    return setupResult;
  }
  const want = threads ?? defaultThreads();
  let fallbackWhy = '';
  if (want >= 2) {
    let mod: ThreadedWasmModule | null = null;
    try {
      mod = await withoutEmscriptenListeners(() => loadThreadedWasm(want));
      wasmPkg.setThreadsCount(want);
      // Built here, not lazily by tfjs, so that a failure still leaves the stock backend registered to fall
      // back on. The constructor starts XNNPACK's pool (pthreadpool_create with `want` threads).
      const backend = new wasmPkg.BackendWasm(mod as never);
      tf.removeBackend('wasm');
      tf.registerBackend('wasm', () => backend, WASM_PRIORITY);
      unrefWorkers(mod);
      threadedModule = mod;
    } catch (e) {
      mod?.PThread.terminateAllThreads();
      fallbackWhy = ` (threads unavailable: ${(e as Error).message})`;
    }
  }
  registerWasmTrainingKernels();
  // lapo's SIMD kernels get a pool of the same size as XNNPACK's (only the threaded module shares its heap).
  if (threadedModule) setSimdThreads(want);
  const ok = await withoutEmscriptenListeners(async () => {
    const set = await tf.setBackend('wasm');
    await tf.ready();
    return set;
  });
  if (!ok) throw new Error('tfjs-backend-wasm failed to initialise');
  const actual = wasmPkg.getThreadsCount();
  // Load lapo's SIMD kernels now, so that their pool's workers start while the caller prepares its data.
  const kernels = simd(tf.backend() as unknown as WasmBackendLike)
    ? `lapo SIMD kernels on ${threadedModule ? actual : 1} thread${threadedModule && actual > 1 ? 's' : ''}`
    : `lapo training kernels without its SIMD module (${simdStatus()})`;
  const build = threadedModule ? 'threaded SIMD' : 'SIMD';
  setupResult = {
    name: 'wasm',
    threads: actual,
    detail: `tfjs-backend-wasm ${wasmPkg.version_wasm} (${build}, XNNPACK ${actual} thread${actual === 1 ? '' : 's'}) + ${kernels}${fallbackWhy}`,
  };
  return setupResult;
}
