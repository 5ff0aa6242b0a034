// The fused layer kernels' registered gradients equal the unfused ops' gradients, and only the needed input
// gradients are computed (no Conv2DBackpropInput onto a constant image).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useCpuBackend } from '../helpers/backend.js';
import { tf } from '../../src/backend/tf.js';
import { fusedConv2d, fusedLinear } from '../../src/nn/fused.js';
import { Rng } from '../../src/util/rng.js';

const rng = new Rng(8);
const rand = (shape: number[]) => tf.tensor(rng.normals(new Float32Array(shape.reduce((a, b) => a * b))), shape);

function close(a: tf.Tensor, b: tf.Tensor, what: string): void {
  const x = a.dataSync();
  const y = b.dataSync();
  assert.deepEqual(a.shape, b.shape, what);
  for (let i = 0; i < x.length; i++) assert.ok(Math.abs(x[i] - y[i]) < 1e-4 * (1 + Math.abs(y[i])), `${what}[${i}] ${x[i]} vs ${y[i]}`);
}

test('fusedLinear: value and gradients (x, kernel, bias) equal matMul + add + relu', async () => {
  await useCpuBackend();
  for (const act of ['relu', 'linear'] as const) {
    const [x, k, b, r] = [rand([5, 4]), rand([4, 3]), rand([3]), rand([5, 3])];
    const f = (x: tf.Tensor, k: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(fusedLinear(x as tf.Tensor2D, k as tf.Tensor2D, b as tf.Tensor1D, act), r));
    const ref = (x: tf.Tensor, k: tf.Tensor, b: tf.Tensor) => {
      const y = tf.add(tf.matMul(x as tf.Tensor2D, k as tf.Tensor2D), b);
      return tf.sum(tf.mul(act === 'relu' ? tf.relu(y) : y, r));
    };
    const g1 = tf.grads(f)([x, k, b]);
    const g2 = tf.grads(ref)([x, k, b]);
    close(f(x, k, b), ref(x, k, b), `${act} value`);
    ['x', 'kernel', 'bias'].forEach((n, i) => close(g1[i], g2[i], `${act} d${n}`));
  }
});

test('fusedConv2d: value and gradients equal conv2d + add + relu; no input gradient for a constant input', async () => {
  await useCpuBackend();
  const [x, k, b] = [rand([2, 9, 9, 3]), rand([3, 3, 3, 4]), rand([4])];
  const r = rand([2, 4, 4, 4]);
  const f = (x: tf.Tensor, k: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(fusedConv2d(x as tf.Tensor4D, k as tf.Tensor4D, b as tf.Tensor1D, 2, 'relu'), r));
  const ref = (x: tf.Tensor, k: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(tf.relu(tf.add(tf.conv2d(x as tf.Tensor4D, k as tf.Tensor4D, 2, 'valid'), b)), r));
  const g1 = tf.grads(f)([x, k, b]);
  const g2 = tf.grads(ref)([x, k, b]);
  close(f(x, k, b), ref(x, k, b), 'value');
  ['x', 'filter', 'bias'].forEach((n, i) => close(g1[i], g2[i], `d${n}`));

  const kv = tf.variable(k);
  const prof = await tf.profile(() => {
    const { grads } = tf.variableGrads(() => f(x, kv, b) as tf.Scalar, [kv]);
    tf.dispose(Object.values(grads));
  });
  const names = prof.kernels.map((kk) => kk.name);
  assert.ok(names.includes('Conv2DBackpropFilter'));
  assert.ok(!names.includes('Conv2DBackpropInput'), 'the image gradient is never computed');
  assert.equal(names.filter((n) => n === 'FusedConv2D').length, 1);
  assert.ok(!names.includes('Relu') && !names.includes('Add'), 'forward is one fused kernel under the tape');
  kv.dispose();
});
