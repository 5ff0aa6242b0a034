// Adam against torch.optim.Adam's update rule, computed here in double precision for a hand-made sequence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useCpuBackend } from '../helpers/backend.js';
import { tf } from '../../src/backend/tf.js';
import { Adam } from '../../src/nn/adam.js';

/** torch 1.13 _single_tensor_adam, in float64. */
function torchAdam(p: number[], grads: number[][], lr: number, b1 = 0.9, b2 = 0.999, eps = 1e-8): number[] {
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  const out = [...p];
  grads.forEach((g, k) => {
    const t = k + 1;
    const stepSize = lr / (1 - b1 ** t);
    const bc2Sqrt = Math.sqrt(1 - b2 ** t);
    for (let i = 0; i < p.length; i++) {
      m[i] = m[i] * b1 + (1 - b1) * g[i];
      v[i] = v[i] * b2 + (1 - b2) * g[i] * g[i];
      out[i] -= stepSize * (m[i] / (Math.sqrt(v[i]) / bc2Sqrt + eps));
    }
  });
  return out;
}

test('updates match torch.optim.Adam (eps added to sqrt(v)/sqrt(bc2), per-step bias corrections)', async () => {
  await useCpuBackend();
  const p0 = [1, -2, 0.5, 3e-3];
  // Includes tiny gradients, where the eps placement matters (tfjs's own Adam differs there).
  const grads = [
    [0.1, -0.3, 1e-9, 2],
    [0.2, 0.1, -1e-9, -1],
    [-0.05, 0.4, 1e-9, 0.5],
    [0.3, -0.2, 0, 0.25],
  ];
  const p = tf.variable(tf.tensor1d(p0));
  const opt = new Adam(['p'], [p], { lr: 0.01 });
  for (const g of grads) tf.tidy(() => opt.step([tf.tensor1d(g)]));
  const got = Array.from(p.dataSync());
  const want = torchAdam(p0, grads, 0.01);
  got.forEach((x, i) => assert.ok(Math.abs(x - want[i]) < 1e-6, `p[${i}] ${x} vs ${want[i]}`));
  // The tiny-gradient coordinate moved by ~lr per step as in PyTorch: m/(sqrt(v)+eps) ≈ ±1.
  assert.ok(Math.abs(got[2] - want[2]) < 1e-7);
  assert.deepEqual(opt.stepCounts(), [4]);
  opt.dispose();
  p.dispose();
});

test('a null gradient skips the parameter (no moment update, no count), as PyTorch with grad None', async () => {
  await useCpuBackend();
  const a = tf.variable(tf.tensor1d([1]));
  const b = tf.variable(tf.tensor1d([1]));
  const opt = new Adam(['a', 'b'], [a, b], { lr: 0.1 });
  tf.tidy(() => opt.step([tf.tensor1d([1]), null]));
  assert.deepEqual(opt.stepCounts(), [1, 0]);
  assert.equal(b.dataSync()[0], 1);
  assert.ok(Math.abs(a.dataSync()[0] - 0.9) < 1e-6);
  opt.dispose();
  tf.dispose([a, b]);
});

test('state round trip: a restored optimizer continues bit-identically', async () => {
  await useCpuBackend();
  const mk = () => tf.variable(tf.tensor2d([[0.5, -1], [2, 0]]));
  const p1 = mk();
  const o1 = new Adam(['w'], [p1], { lr: 0.05 });
  const g = (k: number) => tf.tensor2d([[k, -k], [0.5 * k, 1]]);
  for (let k = 1; k <= 3; k++) tf.tidy(() => o1.step([g(k)]));
  const state = o1.getState();
  assert.deepEqual([...state.keys()], ['w/exp_avg', 'w/exp_avg_sq', 'w/step']);
  const p2 = tf.variable(p1.clone());
  const o2 = new Adam(['w'], [p2], { lr: 0.05 });
  o2.setState(state);
  tf.dispose([...state.values()]);
  tf.tidy(() => o1.step([g(4)]));
  tf.tidy(() => o2.step([g(4)]));
  assert.deepEqual(Array.from(p2.dataSync()), Array.from(p1.dataSync()));
  assert.throws(() => o2.setState(new Map()), /missing optimizer state w\/exp_avg/);
  tf.dispose([p1, p2]);
  o1.dispose();
  o2.dispose();
});
