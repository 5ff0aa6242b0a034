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

const WASM_PRIORITY = 2; // the priority tfjs-backend-wasm registers itself with

let threadedModule: ThreadedWasmModule | null = null;
let setupResult: { name: 'wasm'; threads: number; detail: string } | null = null;

function defaultThreads(): number {
  // XNNPACK splits each op into tiles; more threads than cores only adds contention.
  return Math.max(1, Math.min(8, availableParallelism()));
}

export async function setupWasm(threads?: number): Promise<{ name: 'wasm'; threads: number; detail: string }> {
  if (setupResult) {
    await tf.setBackend('wasm');
    return setupResult;
  }
  const want = threads ?? defaultThreads();
  let fallbackWhy = '';
  if (want >= 2) {
    try {
      const mod = await loadThreadedWasm(want);
      wasmPkg.setThreadsCount(want);
      tf.removeBackend('wasm');
      tf.registerBackend('wasm', () => new wasmPkg.BackendWasm(mod as never), WASM_PRIORITY);
      threadedModule = mod;
    } catch (e) {
      fallbackWhy = ` (threads unavailable: ${(e as Error).message})`;
    }
  }
  registerWasmTrainingKernels();
  const ok = await tf.setBackend('wasm');
  if (!ok) throw new Error('tfjs-backend-wasm failed to initialise');
  await tf.ready();
  if (threadedModule) unrefWorkers(threadedModule);
  const actual = wasmPkg.getThreadsCount();
  const simd = threadedModule ? 'threaded SIMD' : 'SIMD';
  setupResult = {
    name: 'wasm',
    threads: actual,
    detail: `tfjs-backend-wasm ${wasmPkg.version_wasm} (${simd}, XNNPACK ${actual} thread${actual === 1 ? '' : 's'}) + lapo training kernels${fallbackWhy}`,
  };
  return setupResult;
}

/**
 * Stops the wasm pool threads. Not needed for a process to exit (the workers are unref'd); for tests or
 * embedders that want the threads gone now. The backend cannot be used afterwards.
 */
export function shutdownWasm(): void {
  if (tf.findBackend('wasm') && threadedModule) tf.removeBackend('wasm');
  threadedModule = null;
  setupResult = null;
}
