// Loads tfjs-backend-wasm's threaded SIMD module so that it really runs on several threads in Node.
//
// Stock tfjs-backend-wasm 4.22 is single-threaded in Node for three independent reasons, each handled here:
//  1. Its WASM_HAS_MULTITHREAD_SUPPORT flag returns false whenever it detects Node (tfjs#3830), so its own
//     init() never picks the threaded binary. We call the threaded Emscripten factory ourselves.
//  2. Its loader hands Emscripten `blob:` URLs for the pthread worker script and the main script; Node's
//     worker_threads cannot load those (ERR_WORKER_PATH). We write both scripts to real files in os.tmpdir()
//     and pass real paths (`locateFile`, `mainScriptUrlOrBlob`). The shipped *.worker.js is not itself a worker:
//     it is a CommonJS module exporting the worker source as a string, so it cannot be used by path.
//  3. The C++ side caps XNNPACK's pool at emscripten_num_logical_cores() / 2 (it assumes hyper-threading), i.e.
//     one thread on a 2-core machine whatever setThreadsCount() asks, and Emscripten pre-spawns 8 workers.
//     The copy of the main script we write answers 2×threads logical cores and pre-spawns threads−1 workers
//     (pthreadpool's caller is thread 0). Both edits are checked to apply exactly once, else we give up and the
//     caller falls back to the single-threaded SIMD module.
// Emscripten ref()s the Node worker of every running pthread, which would keep a finished CLI process alive
// forever; unrefWorkers() lets the process exit when its own work is done (the pool threads only ever run
// inside synchronous kernel calls of the main thread, so nothing is lost).
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { existsSync, readFileSync, renameSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);

/** The subset of the Emscripten module (threaded SIMD build) that lapo touches. */
export interface ThreadedWasmModule {
  cwrap(name: string, ret: string | null, args: string[]): (...a: number[]) => number;
  PThread: { runningWorkers: NodeWorker[]; unusedWorkers: NodeWorker[]; terminateAllThreads(): void };
  tfjs?: Record<string, unknown>;
  [key: string]: unknown;
}
interface NodeWorker {
  unref(): void;
  terminate(): unknown;
}

// Bumped when the way the scripts are written changes, so stale copies in the temp folder are not reused.
const VERSION_SALT = 'lapo-wasm-threads-1';
const PKG = '@tensorflow/tfjs-backend-wasm/wasm-out/';
const POOL_SIZE = 'var pthreadPoolSize=8;';
const CORES_RE = /function _emscripten_num_logical_cores\(\)\{[^}]*\}/g;

function replaceOnce(src: string, what: string | RegExp, by: string, label: string): string {
  const n = typeof what === 'string' ? src.split(what).length - 1 : (src.match(what) ?? []).length;
  if (n !== 1) throw new Error(`threaded wasm script: expected one ${label}, found ${n} (tfjs version changed?)`);
  return src.replace(what, by);
}

/** Writes `text` to `file` unless it exists already (content-addressed name); atomic against parallel runs. */
function writeOnce(file: string, text: string): void {
  if (existsSync(file)) return;
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** Prepares the patched main script and the worker script on disk; returns their paths. */
export function prepareThreadedScripts(threads: number): { mainPath: string; workerPath: string; wasmPath: string } {
  const mainSrc = readFileSync(require.resolve(PKG + 'tfjs-backend-wasm-threaded-simd.js'), 'utf8');
  const wasmPath = require.resolve(PKG + 'tfjs-backend-wasm-threaded-simd.wasm');
  const { wasmWorkerContents } = require(PKG + 'tfjs-backend-wasm-threaded-simd.worker.js') as {
    wasmWorkerContents: string;
  };
  let patched = replaceOnce(mainSrc, POOL_SIZE, `var pthreadPoolSize=${threads - 1};`, 'pthread pool size');
  patched = replaceOnce(
    patched,
    CORES_RE,
    `function _emscripten_num_logical_cores(){return ${2 * threads}}`,
    'logical-core query',
  );
  const hash = createHash('sha256').update(patched).update(wasmWorkerContents).update(VERSION_SALT).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), `lapo-tfjs-wasm-${hash}`);
  mkdirSync(dir, { recursive: true });
  // .cjs: these are CommonJS scripts whatever package.json may sit above the temp folder.
  const mainPath = join(dir, 'tfjs-backend-wasm-threaded-simd.cjs');
  const workerPath = join(dir, 'tfjs-backend-wasm-threaded-simd.worker.cjs');
  writeOnce(mainPath, patched);
  // The exported string holds raw newlines inside JS string literals (the stock loader escapes them too).
  writeOnce(workerPath, wasmWorkerContents.replace(/\n/g, '\\n'));
  return { mainPath, workerPath, wasmPath };
}

/**
 * Instantiates the threaded SIMD module with `threads` threads (≥ 2). Rejects (after terminating any worker
 * it started) when the module does not come up within `timeoutMs`.
 */
export async function loadThreadedWasm(threads: number, timeoutMs = 30000): Promise<ThreadedWasmModule> {
  if (!Number.isInteger(threads) || threads < 2) throw new Error(`loadThreadedWasm: threads must be ≥ 2, got ${threads}`);
  if (typeof SharedArrayBuffer === 'undefined') throw new Error('SharedArrayBuffer is not available');
  const { mainPath, workerPath, wasmPath } = prepareThreadedScripts(threads);
  const factory = require(mainPath) as (cfg: Record<string, unknown>) => Promise<ThreadedWasmModule>;
  const config: Record<string, unknown> = {
    locateFile: (path: string, prefix: string) => {
      if (path.endsWith('.worker.js')) return workerPath;
      if (path.endsWith('.wasm')) return wasmPath;
      return prefix + path;
    },
    // Workers importScripts() this path to get the factory; a real file instead of a blob: URL.
    mainScriptUrlOrBlob: mainPath,
  };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`threaded wasm did not start within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const mod = await Promise.race([factory(config), timeout]);
    mod.tfjs = {
      init: mod.cwrap('init', null, []),
      initWithThreadsCount: mod.cwrap('init_with_threads_count', null, ['number']),
      getThreadsCount: mod.cwrap('get_threads_count', 'number', []),
      registerTensor: mod.cwrap('register_tensor', null, ['number', 'number', 'number']),
      disposeData: mod.cwrap('dispose_data', null, ['number']),
      dispose: mod.cwrap('dispose', null, []),
    };
    return mod;
  } catch (e) {
    const pt = config.PThread as ThreadedWasmModule['PThread'] | undefined;
    pt?.terminateAllThreads();
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

/** Lets the process exit while the XNNPACK pool threads are parked (see header). */
export function unrefWorkers(mod: ThreadedWasmModule): void {
  for (const w of [...mod.PThread.runningWorkers, ...mod.PThread.unusedWorkers]) w.unref();
}
