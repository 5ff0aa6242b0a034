// The fused optimizer kernels on wasm give exactly (bit for bit) what the unfused tfjs op sequences they replace
// give (src/nn/adam.ts's update, lapo-step.ts's soft update), and the helpers do nothing off wasm.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/backend/tf.js';
import { setupWasm } from '../../src/backend/wasm.js';
import { wasmAdamUpdate, wasmPolyakUpdate } from '../../src/backend/wasm-kernels/optimizer.js';
import { Rng } from '../../src/util/rng.js';

const rng = new Rng(7);
const randn = (n: number) => rng.normals(new Float32Array(n));

before(async () => {
  await setupWasm();
});

function constants(t: number) {
  const [beta1, beta2, lr, eps] = [0.9, 0.999, 2e-4, 1e-8];
  return {
    beta1, oneMinusBeta1: 1 - beta1, beta2, oneMinusBeta2: 1 - beta2, eps,
    bc2Sqrt: Math.sqrt(1 - Math.pow(beta2, t)), stepSize: lr / (1 - Math.pow(beta1, t)),
  };
}

/** The unfused update, op for op as src/nn/adam.ts writes it. */
function adamOps(p: tf.Variable, g: tf.Tensor, m: tf.Variable, v: tf.Variable, c: ReturnType<typeof constants>) {
  tf.tidy(() => {
    const m1 = tf.add(tf.mul(m, tf.scalar(c.beta1)), tf.mul(g, tf.scalar(c.oneMinusBeta1)));
    const v1 = tf.add(tf.mul(v, tf.scalar(c.beta2)), tf.mul(tf.mul(g, g), tf.scalar(c.oneMinusBeta2)));
    const denom = tf.add(tf.div(tf.sqrt(v1), tf.scalar(c.bc2Sqrt)), tf.scalar(c.eps));
    p.assign(tf.sub(p, tf.mul(tf.div(m1, denom), tf.scalar(c.stepSize))));
    m.assign(m1);
    v.assign(v1);
  });
}

test('fused Adam equals the unfused op sequence bit for bit over several steps', async () => {
  await tf.setBackend('wasm');
  for (const shape of [[37], [16, 33], [3, 3, 9, 32]]) {
    const n = shape.reduce((a, b) => a * b, 1);
    const init = randn(n);
    const mk = () => tf.variable(tf.tensor(init, shape));
    const [pa, pb] = [mk(), mk()];
    const [ma, va, mb, vb] = [0, 1, 2, 3].map(() => tf.variable(tf.zeros(shape)));
    for (let t = 1; t <= 4; t++) {
      const g = tf.tensor(randn(n), shape);
      adamOps(pa, g, ma, va, constants(t));
      assert.equal(tf.tidy(() => wasmAdamUpdate(pb, g, mb, vb, constants(t))), true);
      g.dispose();
    }
    assert.deepEqual(Array.from(pb.dataSync()), Array.from(pa.dataSync()), `params ${shape}`);
    assert.deepEqual(Array.from(mb.dataSync()), Array.from(ma.dataSync()), `first moment ${shape}`);
    assert.deepEqual(Array.from(vb.dataSync()), Array.from(va.dataSync()), `second moment ${shape}`);
    assert.notDeepEqual(Array.from(pb.dataSync()), Array.from(init), 'parameters moved');
    tf.dispose([pa, pb, ma, va, mb, vb]);
  }
});

test('fused soft update equals target·(1−τ) + source·τ bit for bit', async () => {
  await tf.setBackend('wasm');
  const src = tf.tensor(randn(300), [10, 30]);
  const ta = tf.variable(tf.tensor(randn(300), [10, 30]));
  const tb = tf.variable(ta.clone());
  tf.tidy(() => ta.assign(tf.add(tf.mul(src, tf.scalar(0.005)), tf.mul(ta, tf.scalar(0.995)))));
  assert.equal(wasmPolyakUpdate(tb, src, 0.005, 0.995), true);
  assert.deepEqual(Array.from(tb.dataSync()), Array.from(ta.dataSync()));
  tf.dispose([src, ta, tb]);
});

test('fused updates leave no tensors behind and do nothing off wasm', async () => {
  await tf.setBackend('wasm');
  const p = tf.variable(tf.ones([5])), m = tf.variable(tf.zeros([5])), v = tf.variable(tf.zeros([5]));
  const g = tf.ones([5]);
  wasmAdamUpdate(p, g, m, v, constants(1));
  const before = tf.memory().numTensors;
  for (let t = 2; t < 6; t++) wasmAdamUpdate(p, g, m, v, constants(t));
  wasmPolyakUpdate(m, g, 0.5, 0.5);
  assert.equal(tf.memory().numTensors, before);
  await tf.setBackend('cpu');
  const pc = tf.variable(tf.ones([5])), mc = tf.variable(tf.zeros([5])), vc = tf.variable(tf.zeros([5]));
  assert.equal(wasmAdamUpdate(pc, tf.ones([5]), mc, vc, constants(1)), false);
  assert.equal(wasmPolyakUpdate(pc, tf.ones([5]), 0.5, 0.5), false);
  assert.deepEqual(Array.from(pc.dataSync()), [1, 1, 1, 1, 1]);
});
