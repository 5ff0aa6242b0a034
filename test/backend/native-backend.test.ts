// The native backend beyond single kernels: recycled output arrays never leak into data a caller still holds,
// in-place optimizer updates equal the tf-op versions bit for bit (and never touch shared storage), the fused
// ReLU gradient, uint8 image conversion, and setup details.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/backend/tf.js';
import { imagesToTensor, nativeAdamUpdate, nativePolyakUpdate, setupNative } from '../../src/backend/native.js';
import { Rng } from '../../src/util/rng.js';
import { loadAddon } from '../../src/backend/native-kernels/addon.js';
import { compare, randomInput, requireNative } from './native-compare.js';

before(requireNative);

const rnd = (rng: Rng, n: number) => Float32Array.from({ length: n }, () => rng.uniform() * 2 - 1);

test('setup reports the native backend, its threads and OpenBLAS', async () => {
  const info = await setupNative();
  assert.equal(info.name, 'native');
  assert.ok(info.threads >= 1);
  assert.match(info.detail, /OpenBLAS/);
  assert.equal(tf.getBackend(), 'native');
});

test('recycled arrays: data read from a tensor survives its disposal and the reuse of its storage', () => {
  tf.setBackend('native');
  const rng = new Rng(31);
  const x = tf.tensor2d(rnd(rng, 64 * 64), [64, 64]);
  const a = tf.add(x, x);
  const kept = a.dataSync();
  const expected = Float32Array.from(kept);
  a.dispose();
  // Same size: the pool hands a's array to the next outputs.
  const others = [tf.mul(x, x), tf.sub(x, x), tf.neg(x)];
  assert.deepEqual(Float32Array.from(kept), expected, 'dataSync() result changed after its tensor was recycled');
  tf.dispose([...others, x]);
});

test('recycled arrays: a view kept by another tensor keeps its buffer out of the pool', () => {
  tf.setBackend('native');
  const rng = new Rng(32);
  const x = tf.tensor2d(rnd(rng, 8 * 1024), [8, 1024]);
  const y = tf.add(x, 1); // pooled storage
  const rows = tf.unstack(y); // the cpu kernel returns views into y's storage
  const expected = rows.map((r) => Float32Array.from(r.dataSync()));
  y.dispose();
  const churn = Array.from({ length: 4 }, () => tf.mul(x, 3)); // would reuse y's array if it were free
  rows.forEach((r, i) => assert.deepEqual(Float32Array.from(r.dataSync()), expected[i], `row ${i} was overwritten`));
  tf.dispose([...rows, ...churn, x]);
});

test('in-place Adam equals the tf-op version on cpu bit for bit, and leaves clones untouched', () => {
  const rng = new Rng(33);
  const n = 3000;
  const p0 = rnd(rng, n);
  const grads = [rnd(rng, n), rnd(rng, n), rnd(rng, n)];
  const [b1, b2, eps, lr] = [0.9, 0.999, 1e-8, 2e-4];
  const coeff = (t: number) => ({
    beta1: b1, oneMinusBeta1: 1 - b1, beta2: b2, oneMinusBeta2: 1 - b2,
    bc2Sqrt: Math.sqrt(1 - b2 ** t), eps, stepSize: lr / (1 - b1 ** t),
  });
  // Reference: the tf ops of src/nn/adam.ts on the cpu backend.
  tf.setBackend('cpu');
  let p = tf.tensor1d(p0);
  let m = tf.zeros([n]);
  let v = tf.zeros([n]);
  grads.forEach((gv, i) => {
    const c = coeff(i + 1);
    const g = tf.tensor1d(gv);
    const [np, nm, nv] = tf.tidy(() => {
      const m2 = tf.add(tf.mul(m, tf.scalar(c.beta1)), tf.mul(g, tf.scalar(c.oneMinusBeta1)));
      const v2 = tf.add(tf.mul(v, tf.scalar(c.beta2)), tf.mul(tf.mul(g, g), tf.scalar(c.oneMinusBeta2)));
      const denom = tf.add(tf.div(tf.sqrt(v2), tf.scalar(c.bc2Sqrt)), tf.scalar(c.eps));
      return [tf.sub(p, tf.mul(tf.div(m2, denom), tf.scalar(c.stepSize))), m2, v2];
    });
    tf.dispose([p, m, v, g]);
    [p, m, v] = [np, nm, nv];
  });
  const expected = p.dataSync().slice();
  tf.dispose([p, m, v]);

  tf.setBackend('native');
  const param = tf.variable(tf.tensor1d(p0));
  const snapshot = param.clone(); // shares storage until the first update
  const mv = tf.variable(tf.zeros([n]));
  const vv = tf.variable(tf.zeros([n]));
  grads.forEach((gv, i) => {
    const g = tf.tensor1d(gv);
    assert.ok(nativeAdamUpdate(param, g, mv, vv, coeff(i + 1)));
    g.dispose();
  });
  assert.deepEqual(param.dataSync(), expected);
  assert.deepEqual(snapshot.dataSync(), p0, 'a clone shared storage with the variable and was changed');
  tf.dispose([param, snapshot, mv, vv]);
});

test('in-place soft update equals tau·p + (1−tau)·t; other backends decline', () => {
  const rng = new Rng(34);
  const s = rnd(rng, 500);
  const t0 = rnd(rng, 500);
  tf.setBackend('cpu');
  const expected = tf.tidy(() => tf.add(tf.mul(tf.tensor1d(s), tf.scalar(0.005)), tf.mul(tf.tensor1d(t0), tf.scalar(1 - 0.005))).dataSync().slice());
  const cpuTarget = tf.variable(tf.tensor1d(t0));
  assert.equal(nativePolyakUpdate(cpuTarget, cpuTarget, 0.005, 0.995), false, 'must not act on the cpu backend');
  cpuTarget.dispose();
  tf.setBackend('native');
  const target = tf.variable(tf.tensor1d(t0));
  const src = tf.tensor1d(s);
  assert.ok(nativePolyakUpdate(target, src, 0.005, 1 - 0.005));
  assert.deepEqual(target.dataSync(), expected);
  tf.dispose([target, src]);
});

test('the fused ReLU gradient equals dy·step(x), NaN included', () => {
  const rng = new Rng(35);
  const x = randomInput(rng, [9, 17]);
  (x.values as Float32Array)[3] = NaN;
  (x.values as Float32Array)[4] = 0;
  const dy = randomInput(rng, [9, 17]);
  compare('relu gradient', [x, dy], (xt, dyt) => tf.grad((t: tf.Tensor) => tf.mul(tf.relu(t), dyt))(xt));
});

test('uint8 images become x/255 floats, bit-identical to the JavaScript division', () => {
  tf.setBackend('native');
  const rng = new Rng(36);
  const img = Uint8Array.from({ length: 2 * 5 * 4 * 9 }, () => rng.int(256));
  const t = imagesToTensor(img, [2, 5, 4, 9]);
  const expected = Float32Array.from(img, (v) => v / 255);
  assert.deepEqual(t.dataSync(), expected);
  assert.deepEqual(t.shape, [2, 5, 4, 9]);
  t.dispose();
});

test('gradient sums are reproducible: bit-identical across runs and thread counts', () => {
  tf.setBackend('native');
  const addon = loadAddon()!;
  const rng = new Rng(37);
  const x = tf.tensor4d(rnd(rng, 16 * 21 * 21 * 9), [16, 21, 21, 9]);
  const dy = tf.tensor4d(rnd(rng, 16 * 10 * 10 * 32), [16, 10, 10, 32]);
  const attrs = { strides: 2, pad: 'valid', dataFormat: 'NHWC', filterShape: [3, 3, 9, 32] } as unknown as tf.NamedAttrMap;
  const grads = () =>
    tf.tidy(() => {
      const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs) as tf.Tensor;
      return [dw.dataSync().slice(), tf.sum(dy, [0, 1, 2]).dataSync().slice()];
    });
  try {
    for (const oneDnn of addon.info().dnnl ? [true, false] : [false]) {
      addon.setConvEngine(oneDnn);
      addon.setThreads(2);
      const a = grads();
      const b = grads();
      addon.setThreads(1);
      const c = grads();
      assert.deepEqual(b, a, `run to run (${oneDnn ? 'oneDNN' : 'im2col'})`);
      assert.deepEqual(c, a, `1 thread vs 2 (${oneDnn ? 'oneDNN' : 'im2col'})`);
    }
  } finally {
    addon.setConvEngine(true);
    addon.setThreads(0);
    tf.dispose([x, dy]);
  }
});
