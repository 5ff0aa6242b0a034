// The encoder's options: spatial-softmax pooling (where each channel fires, as (x, y) in [−1, 1]) and LayerNorm +
// tanh features, each against numbers worked out by hand, and both carried through clone() and the variable names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useCpuBackend } from '../helpers/backend.js';
import { tf } from '../../src/backend/tf.js';
import { ObservationEncoder, spatialSoftmax } from '../../src/nn/encoder.js';
import { LayerNorm } from '../../src/nn/layer-norm.js';
import { Rng } from '../../src/util/rng.js';

const close = (a: ArrayLike<number>, b: number[], tol: number, what: string) =>
  b.forEach((x, i) => assert.ok(Math.abs(a[i] - x) <= tol, `${what}[${i}]: ${a[i]} vs ${x}`));

test('spatialSoftmax: a sharp peak gives its grid position, a flat map the centre, two peaks their midpoint', async () => {
  await useCpuBackend();
  // [1, 3, 5, 2]: channel 0 peaks at row 2, column 1; channel 1 is flat.
  const v = new Float32Array(3 * 5 * 2);
  v[(2 * 5 + 1) * 2] = 50;
  const kp = tf.tidy(() => spatialSoftmax(tf.tensor4d(v, [1, 3, 5, 2])).dataSync());
  // x of column 1 of 5 = −1 + 2/4 = −0.5; y of row 2 of 3 = 1; the flat channel: (0, 0)
  close(kp, [-0.5, 1, 0, 0], 1e-5, 'kp');
  // two equal peaks at columns 0 and 4 of row 0: x = 0, y = −1
  const w = new Float32Array(3 * 5);
  w[0] = 50;
  w[4] = 50;
  const two = tf.tidy(() => spatialSoftmax(tf.tensor4d(w, [1, 3, 5, 1])).dataSync());
  close(two, [0, -1], 1e-5, 'two');
});

test('LayerNorm: zero mean and unit variance per row (torch eps 1e-5), then gain and bias', async () => {
  await useCpuBackend();
  const ln = LayerNorm.create(4);
  const x = [1, 2, 3, 6];
  const mean = 3;
  const variance = (4 + 1 + 0 + 9) / 4;
  const want = x.map((v) => (v - mean) / Math.sqrt(variance + 1e-5));
  close(tf.tidy(() => ln.apply(tf.tensor2d([x])).dataSync()), want, 1e-6, 'ln');
  ln.gamma.assign(tf.tensor1d([2, 2, 2, 2]));
  ln.beta.assign(tf.tensor1d([1, 1, 1, 1]));
  close(tf.tidy(() => ln.apply(tf.tensor2d([x])).dataSync()), want.map((v) => 2 * v + 1), 1e-5, 'affine');
  const copy = ln.clone(false);
  assert.equal(copy.gamma.trainable, false);
  close(copy.gamma.dataSync(), [2, 2, 2, 2], 0, 'clone');
  ln.dispose();
  copy.dispose();
});

test('encoder options: spatial-softmax keeps 2 values per channel; layernorm features lie in (−1, 1); names and clone carry them', async () => {
  await useCpuBackend();
  const shape = { imageSize: [16, 16] as [number, number], channels: 3, stateDim: 4, convChannels: 8, convStrides: [2, 1], stateHidden: 16, featureDim: 12 };
  const baseline = tf.memory().numTensors;
  const enc = ObservationEncoder.create({ ...shape, imagePool: 'spatial-softmax', featureNorm: 'layernorm' }, new Rng(5), true);
  const names = enc.namedVariables().map(([n]) => n);
  // fc reads 8 channels × (x, y) + the 16-wide state branch
  const fc = enc.namedVariables().find(([n]) => n === 'fc/kernel')![1];
  assert.deepEqual(fc.shape, [2 * 8 + 16, 12]);
  assert.ok(names.includes('ln/gamma') && names.includes('ln/beta'), names.join(','));
  assert.deepEqual(enc.layerNames(), ['conv1', 'conv2', 'state/l1', 'state/l2', 'fc', 'ln']);
  const obs = () => ({ image: tf.randomUniform([5, 16, 16, 3], 0, 1, 'float32', 1) as tf.Tensor4D, state: tf.randomNormal([5, 4], 0, 3, 'float32', 2) as tf.Tensor2D });
  const f = tf.tidy(() => enc.apply(obs()).dataSync());
  assert.equal(f.length, 5 * 12);
  assert.ok(f.every((x) => x > -1 && x < 1) && f.some((x) => x < 0), 'tanh range, negative values too (a ReLU head has none)');
  const target = enc.clone(false);
  close(tf.tidy(() => target.apply(obs()).dataSync()), Array.from(f), 0, 'clone');
  enc.dispose();
  target.dispose();
  assert.equal(tf.memory().numTensors, baseline, 'the keypoint grid and the LayerNorm constants go with their encoder');
});
