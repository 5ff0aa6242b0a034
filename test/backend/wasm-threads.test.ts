// The wasm loader: two XNNPACK threads in Node (stock tfjs-wasm gives one), honest reporting, a process that
// exits by itself when its work is done, and the same numbers on one thread and on two.
// Each case runs in a child process: the backend is set up once per process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadThreadedWasm, prepareThreadedScripts } from '../../src/backend/wasm-threads.js';

const root = resolve(import.meta.dirname, '../..');
const src = (p: string) => pathToFileURL(join(root, 'src', p)).href;

/** Runs a child that sets up wasm with `threads` threads, convolves and multiplies, prints JSON, and returns. */
function child(threads: number, preamble = ''): { info: { threads: number; detail: string }; sums: number[]; listeners: number; simdThreads: number } {
  const dir = mkdtempSync(join(tmpdir(), 'lapo-wasm-test-'));
  const file = join(dir, 'child.mts');
  writeFileSync(file, `${preamble}
import { tf } from '${src('backend/tf.ts')}';
import { setupWasm } from '${src('backend/wasm.ts')}';
import { simd } from '${src('backend/wasm-kernels/simd.ts')}';
const info = await setupWasm(${threads});
const rt = simd(tf.backend());
const simdThreads = rt ? await rt.whenReady() : 0;
const x = tf.tensor4d(Float32Array.from({ length: 2 * 20 * 20 * 9 }, (_, i) => Math.sin(i)), [2, 20, 20, 9]);
const w = tf.tensor4d(Float32Array.from({ length: 3 * 3 * 9 * 32 }, (_, i) => Math.cos(i)), [3, 3, 9, 32]);
const y = tf.conv2d(x, w, 2, 'valid');
const m = tf.matMul(tf.reshape(y, [2, -1]), tf.reshape(y, [2, -1]), false, true);
// Large enough for lapo's SIMD pool to split it (its workers must not keep the process alive either).
const big = tf.matMul(tf.reshape(tf.tile(y, [8, 1, 1, 1]), [64, -1]), tf.reshape(tf.tile(w, [1, 1, 1, 8]), [-1, 256]).slice([0, 0], [648, 256]));
const sums = [Array.from(y.dataSync()).reduce((a, b) => a + b, 0), ...Array.from(m.dataSync()), Array.from(big.dataSync()).reduce((a, b) => a + b, 0)];
const listeners = process.listeners('uncaughtException').length + process.listeners('unhandledRejection').length;
process.stdout.write(JSON.stringify({ info, sums, listeners, simdThreads }));
`);
  // The timeout only catches a process kept alive by its worker threads (it would never exit).
  const r = spawnSync(process.execPath, ['--import', 'tsx', file], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.signal, null, `child did not exit by itself (killed by ${r.signal}); stderr: ${r.stderr}`);
  assert.equal(r.status, 0, `child failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

test('two threads in Node, reported from XNNPACK, and the process exits on its own', () => {
  const two = child(2);
  assert.equal(two.info.threads, 2, two.info.detail);
  assert.match(two.info.detail, /threaded SIMD, XNNPACK 2 threads/);
  assert.equal(two.listeners, 0, 'Emscripten process listeners left installed');
  assert.equal(two.simdThreads, 2, "lapo's SIMD kernels did not get a pool of two threads");
  const one = child(1);
  assert.equal(one.info.threads, 1);
  assert.match(one.info.detail, /\(SIMD, XNNPACK 1 thread\)/);
  assert.equal(one.simdThreads, 1, "lapo's SIMD kernels did not load on the single-threaded module");
  assert.equal(one.sums.length, two.sums.length);
  one.sums.forEach((s, i) => assert.ok(Math.abs(s - two.sums[i]) <= 1e-4 * Math.max(1, Math.abs(s)), `output ${i}: ${s} vs ${two.sums[i]}`));
});

test('without threads support it falls back to single-threaded SIMD and says why', () => {
  // The preamble runs after the child's imports but before its setupWasm() call, where the loader checks.
  const r = child(2, `// @ts-nocheck
(globalThis as any).SharedArrayBuffer = undefined;`);
  assert.equal(r.info.threads, 1);
  assert.match(r.info.detail, /\(SIMD, XNNPACK 1 thread\).*threads unavailable: SharedArrayBuffer is not available/);
});

test('the threaded scripts are written as real files with the pool and core count patched', () => {
  const { mainPath, workerPath, wasmPath } = prepareThreadedScripts(3);
  const main = readFileSync(mainPath, 'utf8');
  assert.match(main, /var pthreadPoolSize=2;/);
  assert.match(main, /function _emscripten_num_logical_cores\(\)\{return 6\}/);
  assert.doesNotMatch(readFileSync(workerPath, 'utf8'), /\n/, 'worker source must be one line (escaped newlines)');
  assert.ok(readFileSync(wasmPath).length > 100_000);
});

test('the threaded loader refuses fewer than two threads', async () => {
  await assert.rejects(loadThreadedWasm(1), /threads must be ≥ 2/);
});
