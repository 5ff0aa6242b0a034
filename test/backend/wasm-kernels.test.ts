// lapo's wasm training kernels against the pure-JS cpu backend (the reference), on random shapes:
// stride 1 and 2 (and mixed), 'valid' / 'same' / numeric padding, odd sizes, batch 1, channels 1–64,
// every transpose combination for matmul. Criterion (docs/dev/ARCHITECTURE.md): max |wasm − cpu| ≤ 1e-4 · max |cpu|.
// Matmul and the conv filter gradient have two paths, both checked: lapo's SIMD module (wasm/kernels.c, the
// default) and the XNNPACK-only path that runs when the module cannot be loaded.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/backend/tf.js';
import { setupWasm } from '../../src/backend/wasm.js';
import { lapoWasmKernelNames } from '../../src/backend/wasm-kernels/index.js';
import { capSimdThreads, setSimdEnabled, simd, simdStatus } from '../../src/backend/wasm-kernels/simd.js';
import type { WasmBackendLike } from '../../src/backend/wasm-kernels/backend.js';
import { Adam } from '../../src/nn/adam.js';
import { imagesToTensor } from '../../src/backend/native.js';
import { Rng } from '../../src/util/rng.js';

const rng = new Rng(1234);
const TOL = 1e-4;

function randn(n: number): Float32Array {
  return rng.normals(new Float32Array(n));
}

type Host = { shape: number[]; data: Float32Array | Int32Array | Uint8Array; dtype: tf.DataType };

function host(shape: number[], dtype: tf.DataType = 'float32'): Host {
  const n = shape.reduce((a, b) => a * b, 1);
  if (dtype === 'int32') return { shape, dtype, data: Int32Array.from({ length: n }, () => rng.int(2000) - 1000) };
  if (dtype === 'bool') return { shape, dtype, data: Uint8Array.from({ length: n }, () => rng.int(2)) };
  return { shape, dtype, data: randn(n) };
}

/** Runs `f` on fresh tensors of `inputs` on `backend`, returning every output as host arrays. */
async function runOn(backend: string, inputs: Host[], f: (...t: tf.Tensor[]) => tf.Tensor | tf.Tensor[]) {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const ts = inputs.map((h) => tf.tensor(h.data, h.shape, h.dtype));
    const out = f(...ts);
    return (Array.isArray(out) ? out : [out]).map((o) => ({ shape: o.shape, data: o.dataSync() }));
  });
}

async function checkAgainstCpu(what: string, inputs: Host[], f: (...t: tf.Tensor[]) => tf.Tensor | tf.Tensor[]) {
  const ref = await runOn('cpu', inputs, f);
  const got = await runOn('wasm', inputs, f);
  assert.equal(got.length, ref.length, `${what}: number of outputs`);
  ref.forEach((r, k) => {
    assert.deepEqual(got[k].shape, r.shape, `${what}: output ${k} shape`);
    let maxRef = 0;
    let maxErr = 0;
    for (let i = 0; i < r.data.length; i++) {
      maxRef = Math.max(maxRef, Math.abs(Number(r.data[i])));
      maxErr = Math.max(maxErr, Math.abs(Number(got[k].data[i]) - Number(r.data[i])));
    }
    assert.ok(Number.isFinite(maxErr), `${what}: non-finite output`);
    assert.ok(maxRef > 0 || r.data.length === 0 || maxErr === 0, `${what}: reference is all zeros, test is vacuous`);
    assert.ok(maxErr <= TOL * maxRef, `${what}: max abs err ${maxErr.toExponential(2)} > ${TOL} × ${maxRef.toExponential(2)}`);
  });
}

function runKernel(name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>): tf.Tensor {
  return tf.engine().runKernel(name, inputs as never, attrs as never) as tf.Tensor;
}

before(async () => {
  // Two threads whatever the machine's core count, so that the pool test below splits every kernel the same way.
  await setupWasm(2);
});

test('lapo registers its kernels on wasm', () => {
  for (const name of ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'BatchMatMul', '_FusedMatMul', 'Slice', 'Sum']) {
    assert.ok(lapoWasmKernelNames.includes(name), `${name} missing from lapo's list`);
    assert.ok(tf.getKernel(name, 'wasm'), `${name} not registered`);
  }
});

type ConvCase = { n: number; h: number; w: number; ci: number; co: number; k: [number, number]; s: [number, number]; pad: 'valid' | 'same' | number };
const convCases: ConvCase[] = [
  { n: 1, h: 7, w: 7, ci: 1, co: 1, k: [3, 3], s: [1, 1], pad: 'valid' },
  { n: 1, h: 9, w: 11, ci: 3, co: 8, k: [3, 3], s: [2, 2], pad: 'valid' },
  { n: 2, h: 8, w: 8, ci: 9, co: 32, k: [3, 3], s: [2, 2], pad: 'same' },
  { n: 3, h: 13, w: 9, ci: 32, co: 32, k: [3, 3], s: [1, 1], pad: 'same' },
  { n: 2, h: 10, w: 10, ci: 64, co: 16, k: [3, 3], s: [2, 2], pad: 'valid' },
  { n: 1, h: 6, w: 5, ci: 16, co: 64, k: [3, 3], s: [1, 1], pad: 'valid' },
  { n: 2, h: 11, w: 12, ci: 5, co: 7, k: [5, 3], s: [2, 1], pad: 'same' },
  { n: 2, h: 9, w: 9, ci: 4, co: 6, k: [2, 2], s: [2, 2], pad: 'valid' },
  { n: 1, h: 12, w: 13, ci: 2, co: 3, k: [4, 4], s: [3, 3], pad: 'same' },
  { n: 2, h: 7, w: 8, ci: 3, co: 5, k: [3, 3], s: [1, 1], pad: 1 },
  { n: 2, h: 5, w: 5, ci: 8, co: 8, k: [1, 1], s: [2, 2], pad: 'valid' },
  { n: 4, h: 16, w: 16, ci: 32, co: 32, k: [3, 3], s: [2, 2], pad: 'valid' },
];

function convOutShape(c: ConvCase): number[] {
  const info = tf.backend_util.computeConv2DInfo([c.n, c.h, c.w, c.ci], [c.k[0], c.k[1], c.ci, c.co], c.s, 1, c.pad);
  return info.outShape;
}

const tag = (c: ConvCase) => `n${c.n} ${c.h}x${c.w}x${c.ci}→${c.co} k${c.k} s${c.s} ${c.pad}`;

/** Runs `body` once with lapo's SIMD kernels and once on the XNNPACK-only path. */
async function bothPaths(body: (path: string) => Promise<void>): Promise<void> {
  assert.equal(simdStatus(), '', 'the SIMD module did not load');
  await body('simd');
  setSimdEnabled(false);
  try {
    await body('xnnpack');
  } finally {
    setSimdEnabled(true);
  }
}

test('Conv2DBackpropFilter matches cpu', async () => {
  await bothPaths(async (path) => {
    for (const c of convCases) {
      const attrs = { strides: c.s, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: [c.k[0], c.k[1], c.ci, c.co] };
      await checkAgainstCpu(`${path} BackpropFilter ${tag(c)}`, [host([c.n, c.h, c.w, c.ci]), host(convOutShape(c))], (x, dy) =>
        runKernel('Conv2DBackpropFilter', { x, dy }, attrs));
    }
  });
});

test('Conv2DBackpropInput matches cpu', async () => {
  for (const c of convCases) {
    const attrs = { strides: c.s, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: undefined, inputShape: [c.n, c.h, c.w, c.ci] };
    await checkAgainstCpu(`BackpropInput ${tag(c)}`, [host(convOutShape(c)), host([c.k[0], c.k[1], c.ci, c.co])], (dy, filter) =>
      runKernel('Conv2DBackpropInput', { dy, filter }, attrs));
  }
});

test('BatchMatMul and _FusedMatMul match cpu for every transpose combination', async () => {
  const shapes: [number[], number[]][] = [
    // Small batch × wide layer (lapo packs the activations: "swapped"), tall × narrow (packs b: "plain"), batched.
    [[1, 1], [1, 1]], [[64, 37], [37, 256]], [[5, 256], [256, 17]], [[1, 33], [33, 64]], [[4, 64], [64, 300]],
    [[300, 20], [20, 8]], [[256, 64], [64, 9]], [[3, 7, 5], [3, 5, 9]], [[1, 8, 6], [4, 6, 3]],
    // one b for several matrices of a (packed once when transposed), with a tail of N mod 8 columns
    [[3, 130, 5], [1, 5, 11]],
  ];
  await bothPaths(async (path) => {
    for (const [sa, sb] of shapes) {
      for (const ta of [false, true]) {
        for (const tb of [false, true]) {
          const r = sa.length;
          const swap = (s: number[], t: boolean) => (t ? [...s.slice(0, r - 2), s[r - 1], s[r - 2]] : s);
          const what = `${path} ${sa}×${sb} tA=${ta} tB=${tb}`;
          const a = host(swap(sa, ta)), b = host(swap(sb, tb));
          await checkAgainstCpu(`matMul ${what}`, [a, b], (x, y) => tf.matMul(x, y, ta, tb));
          if (r === 2) {
            const bias = host([sb[1]]);
            await checkAgainstCpu(`fused matMul relu ${what}`, [a, b, bias], (x, y, z) =>
              tf.fused.matMul({ a: x as tf.Tensor2D, b: y as tf.Tensor2D, transposeA: ta, transposeB: tb, bias: z, activation: 'relu' }));
          }
        }
      }
    }
  });
});

test('a tensor reused as matmul weights under another shape still multiplies correctly', async () => {
  // XNNPACK caches its packed weights by tensor id, not shape; a reshape shares the id (stock tfjs-wasm trap).
  await bothPaths(async (path) => {
    for (const [m, k] of [[300, 8], [2, 8]]) {
      await checkAgainstCpu(`${path} w [8,12] then as [24,4], batch ${m}`, [host([m, 8]), host([m, 24]), host([8, 12])], (x1, x2, w) => {
        const y1 = tf.matMul(x1, w);
        const y2 = tf.matMul(x2, tf.reshape(w, [24, 4]));
        const y3 = tf.fused.matMul({ a: x1 as tf.Tensor2D, b: w as tf.Tensor2D, activation: 'relu' });
        return [y1, y2, y3];
      });
    }
  });
});

test('SIMD GEMM edges: row and column remainders, K across blocks, wide b packed, bias and ReLU', async () => {
  // 4×8 register tiles with 1×8, 1×4 and 1×1 tails; K blocks of 256; b packed into panels when transposed or when
  // N ≥ 1024. Every (M, K, N) here ends somewhere else in that scheme.
  const cases: [number, number, number][] = [
    [1, 1, 1], [3, 5, 7], [4, 8, 8], [5, 255, 9], [7, 256, 12], [9, 257, 17], [13, 600, 3], [2, 40, 1029], [6, 3, 1030],
  ];
  for (const [m, k, n] of cases) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        const a = host(ta ? [k, m] : [m, k]), b = host(tb ? [n, k] : [k, n]), bias = host([n]);
        const what = `M${m} K${k} N${n} tA=${ta} tB=${tb}`;
        await checkAgainstCpu(`gemm ${what}`, [a, b, bias], (x, y, z) => [
          tf.matMul(x, y, ta, tb),
          tf.fused.matMul({ a: x as tf.Tensor2D, b: y as tf.Tensor2D, transposeA: ta, transposeB: tb, bias: z, activation: 'relu' }),
        ]);
      }
    }
  }
});

test('the SIMD pool: split products are bit-identical to one thread, split filter gradients agree', async () => {
  await tf.setBackend('wasm');
  const rt = simd(tf.backend() as unknown as WasmBackendLike);
  assert.ok(rt, 'SIMD module not loaded');
  assert.equal(await rt.whenReady(), 2, 'the pool did not start two threads');
  const products: [number[], number[], boolean, boolean][] = [
    [[64, 3936], [3936, 256], false, false], // column panels, b in place
    [[64, 256], [3936, 256], false, true], // b transposed: each thread packs its own panels
    [[64, 3936], [64, 256], true, false], // dW = Xᵀ·dY
    [[300, 257], [257, 13], false, false], // one panel + tail: split by rows
  ];
  const conv = { x: [16, 31, 31, 32], f: [3, 3, 32, 32], s: 2 };
  const inputs = [...products.flatMap(([sa, sb]) => [host(sa), host(sb)]), host(conv.x)];
  const dyShape = convOutShape({ n: 16, h: 31, w: 31, ci: 32, co: 32, k: [3, 3], s: [2, 2], pad: 'valid' });
  inputs.push(host(dyShape));
  const compute = async () =>
    runOn('wasm', inputs, (...t) => [
      ...products.map(([, , ta, tb], i) => tf.matMul(t[2 * i], t[2 * i + 1], ta, tb)),
      runKernel('Conv2DBackpropFilter', { x: t[8], dy: t[9] }, { strides: 2, pad: 'valid', dataFormat: 'NHWC', filterShape: conv.f }),
    ]);
  const two = await compute();
  capSimdThreads(1);
  let one;
  try {
    one = await compute();
  } finally {
    capSimdThreads(Infinity);
  }
  products.forEach((p, i) => assert.deepEqual(two[i].data, one[i].data, `product ${p[0]}×${p[1]} differs between 2 threads and 1`));
  const [g2, g1] = [two[4].data, one[4].data];
  let maxRef = 0, maxErr = 0;
  g1.forEach((v, i) => ((maxRef = Math.max(maxRef, Math.abs(v))), (maxErr = Math.max(maxErr, Math.abs(v - g2[i])))));
  assert.ok(maxErr > 0 || maxRef > 0);
  assert.ok(maxErr <= 1e-5 * maxRef, `filter gradient: 2 threads vs 1 differ by ${maxErr} (max ${maxRef})`);
});

test('LapoAdam is bit-identical to the tf-op Adam chain', async () => {
  await tf.setBackend('wasm');
  const shapes = [[257, 33], [5], [3, 3, 9, 32]];
  const init = shapes.map((s) => host(s));
  const grads = [0, 1, 2].map(() => shapes.map((s) => host(s)));
  const run = () =>
    tf.tidy(() => {
      const params = init.map((h, i) => tf.variable(tf.tensor(h.data, h.shape), true, `adam-test-${i}-${Math.random()}`));
      const opt = new Adam(params.map((_, i) => `p${i}`), params, { lr: 3e-3 });
      for (const g of grads) opt.step(g.map((h) => tf.tensor(h.data, h.shape)));
      const state = opt.getState();
      const out = [...params.map((p) => p.dataSync()), ...[...state.values()].map((t) => t.dataSync())];
      tf.dispose([...state.values()]);
      opt.dispose();
      params.forEach((p) => p.dispose());
      return out;
    });
  const fused = run();
  setSimdEnabled(false);
  let chain;
  try {
    chain = run();
  } finally {
    setSimdEnabled(true);
  }
  assert.equal(fused.length, chain.length);
  fused.forEach((f, i) => assert.deepEqual(f, chain[i], `Adam output ${i} differs between LapoAdam and the tf-op chain`));
  assert.notDeepEqual(fused[0], init[0].data, 'Adam did not move the parameter');
});

test('uint8 images become x/255 bit-identical to the JavaScript conversion (all 256 values, odd lengths)', async () => {
  await tf.setBackend('wasm');
  for (const n of [256 * 3, 17, 1, 4099]) {
    const img = Uint8Array.from({ length: n }, (_, i) => (i * 37 + (i >> 8)) & 255);
    const shape: [number, number, number, number] = n === 256 * 3 ? [1, 16, 16, 3] : [1, 1, n, 1];
    const t = imagesToTensor(img, shape);
    assert.equal(tf.getBackend(), 'wasm');
    const got = t.dataSync();
    t.dispose();
    const want = Float32Array.from(img, (v) => v / 255);
    assert.deepEqual(got, want, `n=${n}`);
  }
});

test('clones share data safely (Identity, same-dtype Cast)', async () => {
  await tf.setBackend('wasm');
  const x = tf.tensor([1.5, -2, 3]);
  const c = tf.clone(x);
  const d = tf.cast(x, 'float32');
  x.dispose();
  assert.deepEqual(Array.from(c.dataSync()), [1.5, -2, 3]);
  c.dispose();
  assert.deepEqual(Array.from(d.dataSync()), [1.5, -2, 3]);
  d.dispose();
  await checkAgainstCpu('cast float32 -> int32 -> bool', [host([7])], (t) => [tf.cast(t, 'int32'), tf.cast(t, 'bool')]);
});

test('Slice and split match cpu (ranks 1–5, float32/int32/bool)', async () => {
  for (let trial = 0; trial < 40; trial++) {
    const rank = 1 + (trial % 5);
    const shape = Array.from({ length: rank }, () => 1 + rng.int(6));
    const begin = shape.map((d) => rng.int(d));
    const size = shape.map((d, i) => (rng.int(4) === 0 ? -1 : 1 + rng.int(d - begin[i])));
    const dtype = (['float32', 'int32', 'bool'] as const)[trial % 3];
    await checkAgainstCpu(`slice ${shape} begin ${begin} size ${size} ${dtype}`, [host(shape, dtype)], (x) => tf.slice(x, begin, size));
  }
  await checkAgainstCpu('split [4,6,10] axis 2 into 3,5,2', [host([4, 6, 10])], (x) => tf.split(x, [3, 5, 2], 2));
  await checkAgainstCpu('split [6,3] axis 0 into 3', [host([6, 3])], (x) => tf.split(x, 3, 0));
});

test('Sum matches cpu over leading axes (bias gradients) and other axes', async () => {
  const cases: [number[], number[] | number, boolean][] = [
    [[64, 31, 31, 32], [0, 1, 2], false], [[1, 5, 5, 1], [0, 1, 2], true], [[256, 256], 0, false], [[3, 7, 5], [0, 1], false],
    [[7, 9], 1, false], [[4, 5, 6], [0, 2], true], [[33], 0, false],
  ];
  for (const [shape, axis, keep] of cases) {
    await checkAgainstCpu(`sum ${shape} axis ${axis} keepDims ${keep}`, [host(shape)], (x) => tf.sum(x, axis, keep));
  }
});

test('gradients of a small conv net match cpu (tf.variableGrads)', async () => {
  // Two conv layers (stride 2 then 1, 'valid'), bias + ReLU, flatten, dense head; every parameter's gradient.
  const shapes = { c1: [3, 3, 6, 8], b1: [8], c2: [3, 3, 8, 16], b2: [16], d: [16 * 3 * 3, 5], bd: [5] };
  const init = Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, host(s)]));
  const x = host([3, 11, 11, 6]);
  const y = host([3, 5]);
  const grads = async (backend: string) => {
    await tf.setBackend(backend);
    const vars = Object.fromEntries(Object.entries(init).map(([k, h]) => [k, tf.variable(tf.tensor(h.data, h.shape), true, `${backend}-${k}`)]));
    const out = tf.tidy(() => {
      const xt = tf.tensor4d(x.data as Float32Array, x.shape as [number, number, number, number]);
      const { grads: g } = tf.variableGrads(() => {
        let h = tf.relu(tf.add(tf.conv2d(xt, vars.c1 as tf.Tensor4D, 2, 'valid'), vars.b1));
        h = tf.fused.conv2d({ x: h as tf.Tensor4D, filter: vars.c2 as tf.Tensor4D, strides: 1, pad: 'valid', bias: vars.b2, activation: 'relu' });
        const flat = tf.reshape(h, [3, 16 * 3 * 3]) as tf.Tensor2D;
        const o = tf.add(tf.matMul(flat, vars.d as tf.Tensor2D), vars.bd);
        return tf.mean(tf.square(tf.sub(o, tf.tensor(y.data, y.shape)))) as tf.Scalar;
      });
      return Object.keys(shapes).map((k) => g[`${backend}-${k}`].dataSync());
    });
    Object.values(vars).forEach((v) => v.dispose());
    return out;
  };
  const ref = await grads('cpu');
  const got = await grads('wasm');
  Object.keys(shapes).forEach((k, i) => {
    const maxRef = Math.max(...Array.from(ref[i], Math.abs));
    const maxErr = Math.max(...Array.from(ref[i], (r, j) => Math.abs(r - got[i][j])));
    assert.ok(maxRef > 0, `${k}: zero reference gradient`);
    assert.ok(maxErr <= TOL * maxRef, `grad ${k}: max abs err ${maxErr.toExponential(2)} > ${TOL} × ${maxRef.toExponential(2)}`);
  });
});

test('lapo kernels leave no tensors or wasm buffers behind', async () => {
  await tf.setBackend('wasm');
  const x = tf.randomNormal([2, 9, 9, 4]);
  const w = tf.variable(tf.randomNormal([3, 3, 4, 8]));
  const step = () =>
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => tf.sum(tf.square(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same'))) as tf.Scalar, [w]);
      const m = tf.matMul(tf.reshape(grads[w.name], [9, 32]), tf.ones([9, 4]), true, false);
      return tf.sum(tf.slice(m, [0, 0], [16, 2]), 0).dataSync();
    });
  step();
  const backend = tf.backend() as unknown as { numDataIds(): number };
  const before = { tensors: tf.memory().numTensors, ids: backend.numDataIds() };
  for (let i = 0; i < 5; i++) step();
  assert.equal(tf.memory().numTensors, before.tensors);
  assert.equal(backend.numDataIds(), before.ids);
  x.dispose();
  w.dispose();
});
