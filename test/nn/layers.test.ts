// Linear / Conv2d / encoder / detached: PyTorch layouts and init, hand-checked outputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useCpuBackend } from '../helpers/backend.js';
import { tf } from '../../src/backend/tf.js';
import { Linear } from '../../src/nn/linear.js';
import { Conv2d } from '../../src/nn/conv2d.js';
import { ObservationEncoder } from '../../src/nn/encoder.js';
import { detached } from '../../src/nn/detach.js';
import { Rng } from '../../src/util/rng.js';
import { LapoError } from '../../src/errors.js';

test('Linear: PyTorch default init bounds for weight and bias; state dicts load transposed', async () => {
  await useCpuBackend();
  const l = Linear.create(16, 300, new Rng(1));
  const k = l.kernel.dataSync() as Float32Array;
  const b = l.bias.dataSync() as Float32Array;
  const bound = 1 / 4;
  assert.ok(k.every((x) => Math.abs(x) <= bound) && b.every((x) => Math.abs(x) <= bound));
  // Uniform on (-1/4, 1/4): mean ~0, variance bound²/3.
  const mean = k.reduce((s, x) => s + x, 0) / k.length;
  const variance = k.reduce((s, x) => s + (x - mean) ** 2, 0) / k.length;
  assert.ok(Math.abs(mean) < 0.01 && Math.abs(variance - bound ** 2 / 3) < 0.002, `mean ${mean} var ${variance}`);
  assert.ok(Math.max(...b) > 0.2 && Math.min(...b) < -0.2, 'bias spans the same bound as the weight');
  l.dispose();

  // PyTorch weight [out=2, in=3]: y = x·Wᵀ + b.
  const m = Linear.create(3, 2, new Rng(2));
  m.loadTorch([1, 2, 3, 4, 5, 6], [0.5, -1]);
  assert.deepEqual(m.kernel.shape, [3, 2]);
  const y = tf.tidy(() => m.apply(tf.tensor2d([[1, 0, -1]]), 'linear').dataSync());
  assert.deepEqual(Array.from(y), [1 - 3 + 0.5, 4 - 6 - 1]);
  const r = tf.tidy(() => m.apply(tf.tensor2d([[1, 0, -1]]), 'relu').dataSync());
  assert.deepEqual(Array.from(r), [0, 0]);
  m.dispose();
});

test('Conv2d: valid 3x3 NHWC output equals a direct convolution; init bound 1/sqrt(in*9)', async () => {
  await useCpuBackend();
  const c = Conv2d.create(2, 3, 3, 2, new Rng(3));
  const bound = 1 / Math.sqrt(2 * 9);
  assert.ok(c.kernel.dataSync().every((x) => Math.abs(x) <= bound) && c.bias.dataSync().every((x) => Math.abs(x) <= bound));
  const h = 7;
  const rng = new Rng(4);
  const x = rng.normals(new Float32Array(h * h * 2));
  const out = tf.tidy(() => c.apply(tf.tensor4d(x, [1, h, h, 2]), 'linear').dataSync());
  const oh = c.outSize(h);
  assert.equal(oh, 3);
  assert.equal(out.length, oh * oh * 3);
  const k = c.kernel.dataSync();
  const b = c.bias.dataSync();
  for (let oy = 0; oy < oh; oy++)
    for (let ox = 0; ox < oh; ox++)
      for (let o = 0; o < 3; o++) {
        let s = b[o];
        for (let ky = 0; ky < 3; ky++)
          for (let kx = 0; kx < 3; kx++)
            for (let i = 0; i < 2; i++) s += x[((oy * 2 + ky) * h + ox * 2 + kx) * 2 + i] * k[((ky * 3 + kx) * 2 + i) * 3 + o];
        assert.ok(Math.abs(out[(oy * oh + ox) * 3 + o] - s) < 1e-5);
      }
  c.dispose();
});

test('encoder: identity for state-only data, conv+state MLP -> featureDim for images, clear error when too small', async () => {
  await useCpuBackend();
  const shape = { convChannels: 4, convStrides: [2, 1], stateHidden: 8, featureDim: 10 };
  const id = ObservationEncoder.create({ ...shape, imageSize: null, channels: 0, stateDim: 5 }, new Rng(1), true);
  assert.equal(id.outDim, 5);
  assert.deepEqual(id.namedVariables(), []);
  const s = tf.tensor2d([[1, 2, 3, 4, 5]]);
  assert.equal(id.apply({ image: null, state: s }), s, 'identity returns the normalised state itself');
  s.dispose();

  const enc = ObservationEncoder.create({ ...shape, imageSize: [16, 16], channels: 4, stateDim: 3 }, new Rng(1), true);
  assert.deepEqual(enc.layerNames(), ['conv1', 'conv2', 'state/l1', 'state/l2', 'fc']);
  // 16 -> 7 -> 5: 5*5*4 = 100 conv features + 8 state features -> fc.
  const fcKernel = enc.namedVariables().find(([n]) => n === 'fc/kernel')![1];
  assert.deepEqual(fcKernel.shape, [108, 10]);
  const f = tf.tidy(() => enc.apply({ image: tf.zeros([2, 16, 16, 4]), state: tf.ones([2, 3]) }).dataSync());
  assert.equal(f.length, 20);
  assert.ok(f.every((v) => v >= 0), 'ReLU features');
  const frozen = enc.clone(false);
  assert.ok(frozen.namedVariables().every(([, v]) => !v.trainable));
  frozen.dispose();
  enc.dispose();

  assert.throws(
    () => ObservationEncoder.create({ ...shape, convStrides: [2, 2, 2], imageSize: [8, 8], channels: 3, stateDim: 0 }, new Rng(1), true),
    (e: unknown) => e instanceof LapoError && /convStrides: expected strides that fit a 8x8 image/.test(e.message),
  );
});

test('detached(): same value, no gradient, even inside a gradient closure', async () => {
  await useCpuBackend();
  const w = tf.variable(tf.scalar(3));
  const { value, grads } = tf.variableGrads(() => {
    const y = tf.mul(w, w); // dy/dw = 2w = 6
    const d = detached(() => tf.mul(w, w)); // a constant 9 for the tape
    return tf.add(y, tf.mul(d, w)) as tf.Scalar; // 9 + 9w -> gradient 6 + 9 = 15 (d is constant)
  }, [w]);
  assert.equal(value.dataSync()[0], 36);
  assert.equal(grads[w.name].dataSync()[0], 15);
  tf.dispose([value, grads[w.name], w]);
});
