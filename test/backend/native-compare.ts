// Shared by the native-engine tests: requires the addon (CI installs OpenBLAS, so a missing addon is a failure,
// never a skip), and runs one computation on the `cpu` reference backend and on `native` from the same inputs.
import assert from 'node:assert/strict';
import { tf } from '../../src/backend/tf.js';
import { nativeAvailable, nativeUnavailableReason, setupNative } from '../../src/backend/native.js';
import { Rng } from '../../src/util/rng.js';

export async function requireNative(): Promise<void> {
  assert.ok(
    nativeAvailable(),
    `the native addon is not built (${nativeUnavailableReason()}): install OpenBLAS (apt-get install -y libopenblas-dev) ` +
      'and run `npm run install` (CI installs it, so the native backend must be tested)',
  );
  await setupNative();
}

export type Input = { shape: number[]; dtype?: 'float32' | 'int32' | 'bool'; values: Float32Array | Int32Array | Uint8Array };

export function randomInput(rng: Rng, shape: number[], opts: { lo?: number; hi?: number; dtype?: 'float32' | 'int32' | 'bool' } = {}): Input {
  const n = shape.reduce((a, b) => a * b, 1);
  const lo = opts.lo ?? -1;
  const hi = opts.hi ?? 1;
  if (opts.dtype === 'int32') return { shape, dtype: 'int32', values: Int32Array.from({ length: n }, () => Math.floor(lo + rng.uniform() * (hi - lo))) };
  if (opts.dtype === 'bool') return { shape, dtype: 'bool', values: Uint8Array.from({ length: n }, () => (rng.uniform() < 0.5 ? 1 : 0)) };
  return { shape, dtype: 'float32', values: Float32Array.from({ length: n }, () => lo + rng.uniform() * (hi - lo)) };
}

export interface Outcome {
  shape: number[];
  dtype: string;
  values: ArrayLike<number>;
}

/** Runs `f` on fresh tensors made from `inputs` on one backend; returns every output's shape, dtype, values. */
export function runOn(backend: 'cpu' | 'native', inputs: Input[], f: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[]): Outcome[] {
  assert.ok(tf.setBackend(backend), `cannot switch to ${backend}`);
  const before = tf.memory().numTensors;
  const outs = tf.tidy(() => {
    const xs = inputs.map((i) => tf.tensor(i.values, i.shape, i.dtype ?? 'float32'));
    const r = f(...xs);
    return Array.isArray(r) ? r : [r];
  });
  const res = outs.map((t) => ({ shape: t.shape, dtype: t.dtype, values: Array.from(t.dataSync() as ArrayLike<number>) }));
  tf.dispose(outs);
  assert.equal(tf.memory().numTensors, before, `${backend}: tensors leaked`);
  return res;
}

/**
 * Same computation on cpu and native: same shapes and dtypes, NaN in the same places, and
 * max |native − cpu| ≤ tol · max |cpu| (tol 1e-4, the bound of docs/dev/ARCHITECTURE.md). Returns the relative error.
 */
export function compare(what: string, inputs: Input[], f: (...xs: tf.Tensor[]) => tf.Tensor | tf.Tensor[], tol = 1e-4): number {
  const ref = runOn('cpu', inputs, f);
  const got = runOn('native', inputs, f);
  assert.equal(got.length, ref.length, `${what}: number of outputs`);
  let worst = 0;
  ref.forEach((r, k) => {
    const g = got[k];
    assert.deepEqual(g.shape, r.shape, `${what}: output ${k} shape`);
    assert.equal(g.dtype, r.dtype, `${what}: output ${k} dtype`);
    let maxRef = 0;
    let maxErr = 0;
    for (let i = 0; i < r.values.length; i++) {
      const a = r.values[i];
      const b = g.values[i];
      if (Number.isNaN(a) || Number.isNaN(b)) {
        assert.ok(Number.isNaN(a) && Number.isNaN(b), `${what}: output ${k}[${i}]: cpu ${a}, native ${b}`);
        continue;
      }
      if (a === b) {
        maxRef = Math.max(maxRef, Math.abs(a));
        continue;
      }
      maxRef = Math.max(maxRef, Math.abs(a));
      maxErr = Math.max(maxErr, Math.abs(a - b));
    }
    const rel = maxRef > 0 ? maxErr / maxRef : maxErr;
    assert.ok(maxErr <= tol * maxRef, `${what}: output ${k}: max |native − cpu| = ${maxErr} > ${tol} × ${maxRef}`);
    worst = Math.max(worst, rel);
  });
  return worst;
}
