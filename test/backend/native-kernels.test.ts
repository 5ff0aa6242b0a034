// The native engine's heavy kernels against the cpu backend on random shapes: Conv2D, FusedConv2D,
// Conv2DBackpropInput, Conv2DBackpropFilter (strides 1 and 2, valid/same/explicit padding, odd sizes, batch 1,
// 1×1 and dilated filters), BatchMatMul and _FusedMatMul (every transpose combination, broadcast batches, bias,
// activations). Bound: max |native − cpu| ≤ 1e-4 · max |cpu|.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/backend/tf.js';
import { Rng } from '../../src/util/rng.js';
import { loadAddon } from '../../src/backend/native-kernels/addon.js';
import { compare, randomInput, requireNative } from './native-compare.js';

before(requireNative);

/** Runs `body` with oneDNN convolutions (when the addon has them) and with im2col + OpenBLAS. */
function bothConvEngines(body: () => void): void {
  const addon = loadAddon()!;
  const engines = addon.info().dnnl ? [true, false] : [false];
  try {
    for (const e of engines) {
      addon.setConvEngine(e);
      body();
    }
  } finally {
    addon.setConvEngine(true);
  }
}

type Pad = 'valid' | 'same' | [[number, number], [number, number], [number, number], [number, number]];

interface ConvCase {
  b: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  k: number;
  s: number;
  pad: Pad;
  dil: number;
}

function convCases(): ConvCase[] {
  const rng = new Rng(11);
  const pick = <T>(xs: T[]): T => xs[rng.int(xs.length)];
  const cases: ConvCase[] = [
    { b: 1, h: 9, w: 7, ci: 3, co: 4, k: 3, s: 2, pad: 'valid', dil: 1 }, // batch 1, odd sizes
    { b: 2, h: 8, w: 8, ci: 5, co: 3, k: 1, s: 1, pad: 'valid', dil: 1 }, // pointwise
    { b: 2, h: 11, w: 10, ci: 4, co: 6, k: 3, s: 1, pad: 'same', dil: 2 }, // dilated (forward only)
    { b: 2, h: 10, w: 9, ci: 3, co: 5, k: 3, s: 2, pad: [[0, 0], [1, 2], [2, 0], [0, 0]], dil: 1 }, // explicit
    { b: 3, h: 16, w: 16, ci: 9, co: 32, k: 3, s: 2, pad: 'valid', dil: 1 }, // the reference encoder's first layer
  ];
  for (let i = 0; i < 12; i++) {
    const k = pick([1, 2, 3, 5]);
    cases.push({
      b: pick([1, 2, 3]),
      h: k + rng.int(10),
      w: k + rng.int(10),
      ci: 1 + rng.int(12),
      co: 1 + rng.int(12),
      k,
      s: pick([1, 2]),
      pad: pick(['valid', 'same'] as Pad[]),
      dil: 1,
    });
  }
  return cases;
}

function describe(c: ConvCase): string {
  return `x[${c.b},${c.h},${c.w},${c.ci}] k${c.k} co${c.co} s${c.s} ${Array.isArray(c.pad) ? 'explicit' : c.pad} d${c.dil}`;
}

test('Conv2D, FusedConv2D (bias + relu/linear/elu/relu6/leakyrelu) match the cpu backend', () => bothConvEngines(() => {
  const rng = new Rng(1);
  for (const c of convCases()) {
    const x = randomInput(rng, [c.b, c.h, c.w, c.ci]);
    const w = randomInput(rng, [c.k, c.k, c.ci, c.co]);
    const bias = randomInput(rng, [c.co]);
    compare(`conv2d ${describe(c)}`, [x, w], (xt, wt) => tf.conv2d(xt as tf.Tensor4D, wt as tf.Tensor4D, c.s, c.pad, 'NHWC', c.dil));
    for (const activation of ['relu', 'linear', 'elu', 'relu6', 'leakyrelu'] as const) {
      if (c.dil !== 1) continue;
      compare(`fused conv2d ${activation} ${describe(c)}`, [x, w, bias], (xt, wt, bt) =>
        tf.fused.conv2d({ x: xt as tf.Tensor4D, filter: wt as tf.Tensor4D, strides: c.s, pad: c.pad, bias: bt, activation, leakyreluAlpha: 0.3 }),
      );
    }
  }
}));

test('Conv2DBackpropInput and Conv2DBackpropFilter match the cpu backend', () => bothConvEngines(() => {
  const rng = new Rng(2);
  for (const c of convCases()) {
    if (c.dil !== 1) continue; // tfjs has no conv gradients for dilation > 1
    const x = randomInput(rng, [c.b, c.h, c.w, c.ci]);
    const w = randomInput(rng, [c.k, c.k, c.ci, c.co]);
    const info = tf.backend_util.computeConv2DInfo([c.b, c.h, c.w, c.ci], [c.k, c.k, c.ci, c.co], c.s, 1, c.pad);
    const dy = randomInput(rng, info.outShape);
    const attrs = { strides: c.s, pad: c.pad, dataFormat: 'NHWC' };
    compare(`backprop input ${describe(c)}`, [dy, w], (dyt, wt) =>
      tf.engine().runKernel('Conv2DBackpropInput', { dy: dyt, filter: wt }, { ...attrs, inputShape: x.shape } as unknown as tf.NamedAttrMap) as tf.Tensor,
    );
    compare(`backprop filter ${describe(c)}`, [x, dy], (xt, dyt) =>
      tf.engine().runKernel('Conv2DBackpropFilter', { x: xt, dy: dyt }, { ...attrs, filterShape: w.shape } as unknown as tf.NamedAttrMap) as tf.Tensor,
    );
  }
}));

test('conv2d gradients through a relu match the cpu backend', () => bothConvEngines(() => {
  const rng = new Rng(3);
  const x = randomInput(rng, [2, 13, 11, 9]);
  const w1 = randomInput(rng, [3, 3, 9, 8]);
  const w2 = randomInput(rng, [3, 3, 8, 4]);
  compare('conv-relu-conv grads', [x, w1, w2], (xt, a, b) => {
    const g = tf.grads((i: tf.Tensor, k1: tf.Tensor, k2: tf.Tensor) =>
      tf.sum(tf.square(tf.conv2d(tf.relu(tf.conv2d(i as tf.Tensor4D, k1 as tf.Tensor4D, 2, 'valid')), k2 as tf.Tensor4D, 1, 'same'))),
    );
    return g([xt, a, b]);
  });
}));

test('BatchMatMul: every transpose combination, batch 1, broadcast batches, odd sizes', () => {
  const rng = new Rng(4);
  const sizes = [1, 3, 7, 16, 33, 70];
  let n = 0;
  for (const ta of [false, true]) {
    for (const tb of [false, true]) {
      for (let i = 0; i < 6; i++) {
        const m = sizes[rng.int(sizes.length)];
        const k = sizes[rng.int(sizes.length)];
        const nn = sizes[rng.int(sizes.length)];
        const [ba, bb] = [[1, 1], [3, 3], [1, 4], [2, 1], [1, 1], [3, 3]][i];
        const a = randomInput(rng, [ba, ta ? k : m, ta ? m : k]);
        const b = randomInput(rng, [bb, tb ? nn : k, tb ? k : nn]);
        compare(`matmul [${a.shape}]x[${b.shape}] ta=${ta} tb=${tb}`, [a, b], (at, bt) => tf.matMul(at, bt, ta, tb));
        const a2 = randomInput(rng, ta ? [k, m] : [m, k]);
        const b2 = randomInput(rng, tb ? [nn, k] : [k, nn]);
        compare(`matmul 2-D ta=${ta} tb=${tb}`, [a2, b2], (at, bt) => tf.matMul(at, bt, ta, tb));
        n += 2;
      }
    }
  }
  assert.equal(n, 48);
});

test('_FusedMatMul: bias per column or scalar, every activation, transposes', () => {
  const rng = new Rng(5);
  for (const activation of ['linear', 'relu', 'elu', 'relu6', 'sigmoid', 'leakyrelu'] as const) {
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
      const [m, k, n] = [1 + rng.int(40), 1 + rng.int(60), 1 + rng.int(50)];
      const a = randomInput(rng, ta ? [k, m] : [m, k]);
      const b = randomInput(rng, tb ? [n, k] : [k, n]);
      const bias = randomInput(rng, [n]);
      const scalar = randomInput(rng, [1]);
      compare(`fused matmul ${activation} ta=${ta} tb=${tb}`, [a, b, bias], (at, bt, bi) =>
        tf.fused.matMul({ a: at as tf.Tensor2D, b: bt as tf.Tensor2D, transposeA: ta, transposeB: tb, bias: bi, activation, leakyreluAlpha: 0.3 }),
      );
      compare(`fused matmul scalar bias ${activation}`, [a, b, scalar], (at, bt, bi) =>
        tf.fused.matMul({ a: at as tf.Tensor2D, b: bt as tf.Tensor2D, transposeA: ta, transposeB: tb, bias: bi, activation }),
      );
    }
  }
  // A large product (split across threads by rows, then by columns).
  const a = randomInput(rng, [300, 200]);
  const b = randomInput(rng, [200, 64]);
  const bias = randomInput(rng, [64]);
  compare('fused matmul 300x200x64 relu', [a, b, bias], (at, bt, bi) => tf.fused.matMul({ a: at as tf.Tensor2D, b: bt as tf.Tensor2D, bias: bi, activation: 'relu' }));
  compare('matmul 64x200 · 200x300', [randomInput(rng, [64, 200]), randomInput(rng, [200, 300])], (at, bt) => tf.matMul(at, bt));
});
