// The native engine's elementwise, reduction and data-movement kernels against the cpu backend: unary maths,
// binary ops with broadcasting (NaN included), comparisons, Sum/Mean/Max/Min/Prod over any axes, Transpose,
// Slice, Concat, Pack, SplitV, GatherV2, AddN, Cast, Select, fills. Bound: max |native − cpu| ≤ 1e-4 · max |cpu|.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/backend/tf.js';
import { Rng } from '../../src/util/rng.js';
import { compare, randomInput, requireNative, type Input } from './native-compare.js';

before(requireNative);

/** Random values with a NaN, +0, −0 and exact zeros sprinkled in. */
function withSpecials(rng: Rng, shape: number[], lo = -3, hi = 3): Input {
  const x = randomInput(rng, shape, { lo, hi });
  const v = x.values as Float32Array;
  if (v.length > 4) {
    v[1] = NaN;
    v[2] = 0;
    v[3] = -0;
  }
  return x;
}

test('unary kernels (NaN propagation included)', () => {
  const rng = new Rng(21);
  const unary: [string, (x: tf.Tensor) => tf.Tensor, number?, number?][] = [
    ['relu', tf.relu], ['relu6', (x) => tf.relu6(tf.mul(x, 3))], ['neg', tf.neg], ['exp', tf.exp],
    ['log', tf.log, 0.01, 5], ['sqrt', tf.sqrt, 0, 5], ['rsqrt', tf.rsqrt, 0.01, 5], ['square', tf.square],
    ['abs', tf.abs], ['tanh', tf.tanh], ['sigmoid', tf.sigmoid], ['step', (x) => tf.step(x, 0.25)], ['elu', tf.elu],
    ['softplus', (x) => tf.softplus(tf.mul(x, 10))], ['reciprocal', tf.reciprocal, 0.1, 3],
    ['clip', (x) => tf.clipByValue(x, -0.5, 1.25)], ['leakyRelu', (x) => tf.leakyRelu(x, 0.1)], ['sign', tf.sign],
    ['log1p', tf.log1p, 0, 3], ['expm1', tf.expm1], ['floor', tf.floor], ['ceil', tf.ceil],
  ];
  for (const [name, f, lo, hi] of unary) {
    compare(name, [withSpecials(rng, [7, 33], lo ?? -3, hi ?? 3)], f);
    compare(`${name} (large, threaded)`, [randomInput(rng, [70001], { lo: lo ?? -3, hi: hi ?? 3 })], f);
  }
});

test('binary kernels with broadcasting, comparisons to bool', () => {
  const rng = new Rng(22);
  const pairs: [number[], number[]][] = [
    [[5, 6], [5, 6]], [[3, 4], [4]], [[2, 3, 4], [3, 1]], [[1], [5, 6]], [[], [4, 3]], [[2, 1, 4], [1, 3, 1]],
    [[4, 1], [1, 5]], [[2, 3, 1, 5], [3, 4, 1]], [[64, 31, 32], [32]], [[300, 257], [300, 257]],
  ];
  const ops: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
    ['add', tf.add], ['sub', tf.sub], ['mul', tf.mul], ['div', tf.div], ['maximum', tf.maximum], ['minimum', tf.minimum],
    ['squaredDifference', tf.squaredDifference], ['pow', (a, b) => tf.pow(tf.abs(a), b)], ['greater', tf.greater],
    ['greaterEqual', tf.greaterEqual], ['less', tf.less], ['lessEqual', tf.lessEqual], ['equal', tf.equal], ['notEqual', tf.notEqual],
  ];
  for (const [sa, sb] of pairs) {
    const a = withSpecials(rng, sa);
    const b = withSpecials(rng, sb);
    for (const [name, f] of ops) compare(`${name} [${sa}] [${sb}]`, [a, b], f);
  }
  const x = randomInput(rng, [40, 3]);
  compare('addN', [x, randomInput(rng, [40, 3]), randomInput(rng, [40, 3])], (p, q, r) => tf.addN([p, q, r]));
});

test('reductions over leading, trailing, middle and scattered axes', () => {
  const rng = new Rng(23);
  const x = randomInput(rng, [4, 5, 6, 3]);
  const axesList: (number | number[])[] = [0, 1, 3, -1, [0, 1], [1, 2], [0, 1, 2], [0, 2], [1, 3], [0, 1, 2, 3]];
  const ops: [string, (t: tf.Tensor, ax: number | number[], keep: boolean) => tf.Tensor][] = [
    ['sum', tf.sum], ['mean', tf.mean], ['max', tf.max], ['min', tf.min], ['prod', tf.prod],
  ];
  for (const axes of axesList) {
    for (const [name, f] of ops) {
      for (const keep of [false, true]) compare(`${name} axes ${JSON.stringify(axes)} keepDims ${keep}`, [x], (t) => f(t, axes, keep));
    }
  }
  // A bias gradient: column sums over many rows, split across threads.
  compare('sum over 61 504 rows', [randomInput(rng, [61504, 32])], (t) => tf.sum(t, 0));
  compare('sum of everything (large)', [randomInput(rng, [300, 301])], (t) => tf.sum(t));
  compare('max with NaN', [withSpecials(rng, [6, 7])], (t) => [tf.max(t, 1), tf.min(t, 0)]);
});

test('transpose, slice, concat, pack, splitV, gather (float32, int32, bool)', () => {
  const rng = new Rng(24);
  for (const dtype of ['float32', 'int32', 'bool'] as const) {
    const x = randomInput(rng, [3, 4, 5, 2], { dtype, lo: -50, hi: 50 });
    for (const perm of [[0, 1, 2, 3], [3, 2, 1, 0], [0, 2, 1, 3], [1, 0, 2, 3], [0, 1, 3, 2], [2, 3, 0, 1], [0, 3, 1, 2]]) {
      compare(`transpose ${dtype} [${perm}]`, [x], (t) => tf.transpose(t, perm));
    }
    for (const [begin, size] of [[[0, 0, 0, 0], [3, 4, 5, 2]], [[1, 0, 0, 0], [2, 4, 5, 2]], [[0, 1, 2, 0], [3, 2, 3, 2]], [[2, 3, 4, 1], [1, 1, 1, 1]], [[0, 0, 0, 1], [-1, -1, -1, 1]]]) {
      compare(`slice ${dtype} ${begin} ${size}`, [x], (t) => tf.slice(t, begin, size));
    }
    const y = randomInput(rng, [3, 4, 2, 2], { dtype, lo: -50, hi: 50 });
    compare(`concat ${dtype} axis 2`, [x, y], (p, q) => tf.concat([p, q], 2));
    compare(`concat ${dtype} axis 0`, [x, x], (p, q) => tf.concat([p, q], 0));
    compare(`stack ${dtype} axis 1`, [y, y, y], (p, q, r) => tf.stack([p, q, r], 1));
    compare(`split ${dtype}`, [x], (t) => tf.split(t, [1, 3, 1], 2));
    const idx: Input = { shape: [6], dtype: 'int32', values: Int32Array.from([3, 0, 1, 3, 2, 0]) };
    compare(`gather ${dtype} axis 1`, [x, idx], (t, i) => tf.gather(t, i, 1));
    compare(`gather ${dtype} axis 0`, [y, { ...idx, values: Int32Array.from([2, 0, 1, 1, 0, 2]) }], (t, i) => tf.gather(t, i, 0));
  }
  const big = randomInput(rng, [64, 3936]);
  compare('split of a feature concat (encoder gradient)', [big], (t) => tf.split(t, [3872, 64], 1));
  compare('transpose large 2-D', [randomInput(rng, [333, 257])], (t) => tf.transpose(t));
});

test('cast to float32, select, fills', () => {
  const rng = new Rng(25);
  const i = randomInput(rng, [7, 9], { dtype: 'int32', lo: -1000, hi: 1000 });
  const b = randomInput(rng, [7, 9], { dtype: 'bool' });
  compare('cast int32', [i], (t) => tf.cast(t, 'float32'));
  compare('cast bool', [b], (t) => tf.cast(t, 'float32'));
  const p = randomInput(rng, [7, 9]);
  const q = randomInput(rng, [7, 9]);
  compare('where', [b, p, q], (c, x, y) => tf.where(c, x, y));
  compare('where with rank-1 condition', [randomInput(rng, [7], { dtype: 'bool' }), p, q], (c, x, y) => tf.where(tf.reshape(c, [7, 1]), x, y));
  compare('zerosLike / onesLike / fill', [p], (t) => [tf.zerosLike(t), tf.onesLike(t), tf.fill([3, 5], 2.5)]);
  assert.ok(true);
});
