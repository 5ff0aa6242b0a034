// Micro-benchmark of the heavy kernels of the reference workload (batch 64 by default), one at a time:
//   node --import tsx bench/micro-kernels.ts [--batch 64] [--threads 1] [--reps 20]
// Reports ms per call (wall) and GFLOP/s for each conv/matmul shape of one LAPO step. With --threads 1 the
// figures are per-core and barely disturbed by other processes on the machine; use them to compare kernel
// variants. The step-level numbers belong to bench-step.ts.
import { parseArgs } from 'node:util';
import { tf } from '../src/backend/tf.js';
import { initBackend, parseBackend } from '../src/backend/init.js';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'native' },
    batch: { type: 'string', default: '64' },
    threads: { type: 'string', default: '0' },
    reps: { type: 'string', default: '20' },
    only: { type: 'string', default: '' },
  },
});
const B = Number(values.batch);
const reps = Number(values.reps);
const info = await initBackend(parseBackend(values.backend!), { threads: Number(values.threads) || undefined });
console.log(`${info.name}, ${info.threads} thread(s): ${info.detail}`);

const rnd = (shape: number[]) => tf.randomUniform(shape, -1, 1, 'float32', 7);

function time(name: string, flops: number, f: () => tf.Tensor | tf.Tensor[]): void {
  if (values.only && !name.includes(values.only)) return;
  tf.dispose(tf.tidy(f));
  tf.dispose(tf.tidy(f));
  let best = Infinity;
  let bestCpu = Infinity;
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const out = tf.tidy(f);
    const dt = performance.now() - t0;
    const c = process.cpuUsage(c0);
    tf.dispose(out);
    best = Math.min(best, dt);
    bestCpu = Math.min(bestCpu, (c.user + c.system) / 1000);
  }
  // CPU time (all threads) is the steadier figure on a shared machine; with --threads 1 it is the kernel's cost.
  const gf = flops > 0 ? `${(flops / best / 1e6).toFixed(1)} GFLOP/s wall, ${(flops / bestCpu / 1e6).toFixed(1)} per cpu-s` : '';
  console.log(`${name.padEnd(34)} wall ${best.toFixed(3).padStart(8)} ms  cpu ${bestCpu.toFixed(3).padStart(8)} ms  ${gf}`);
}

const convs: [number, number, number, number][] = [
  // [inSize, inChannels, stride, outSize]
  [64, 9, 2, 31],
  [31, 32, 2, 15],
  [15, 32, 1, 13],
  [13, 32, 1, 11],
];
for (const [i, [h, ci, s, o]] of convs.entries()) {
  const x = rnd([B, h, h, ci]);
  const w = rnd([3, 3, ci, 32]);
  const bias = rnd([32]);
  const dy = rnd([B, o, o, 32]);
  const flops = 2 * B * o * o * 32 * 9 * ci;
  time(`conv${i + 1} forward+bias+relu`, flops, () => tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: s, pad: 'valid', bias, activation: 'relu' }));
  time(`conv${i + 1} backprop filter`, flops, () =>
    tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: s, pad: 'valid', dataFormat: 'NHWC', filterShape: [3, 3, ci, 32] }) as tf.Tensor,
  );
  if (i > 0) {
    time(`conv${i + 1} backprop input`, flops, () =>
      tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { strides: s, pad: 'valid', dataFormat: 'NHWC', inputShape: [B, h, h, ci] }) as tf.Tensor,
    );
  }
  time(`conv${i + 1} relu grad (step·dy)`, 0, () => tf.mul(dy, tf.step(dy)));
  time(`conv${i + 1} bias grad (sum 0,1,2)`, 0, () => tf.sum(dy, [0, 1, 2]));
}
const mm: [string, number, number, number, boolean, boolean][] = [
  ['fc 3936->256', B, 256, 3936, false, false],
  ['fc dW (xT·dy)', 3936, 256, B, true, false],
  ['fc dX (dy·wT)', B, 3936, 256, false, true],
  ['mlp 256x256', B, 256, 256, false, false],
  ['mlp dW', 256, 256, B, true, false],
  ['mlp dX', B, 256, 256, false, true],
];
for (const [name, m, n, k, ta, tb] of mm) {
  const a = rnd(ta ? [k, m] : [m, k]);
  const b = rnd(tb ? [n, k] : [k, n]);
  time(name, 2 * m * n * k, () => tf.matMul(a, b, ta, tb));
}
const big = rnd([B, 31, 31, 32]);
time('add same shape (2M)', 0, () => tf.add(big, big));
time('add bias broadcast (2M)', 0, () => tf.add(big, rnd([32])));
time('image uint8->float (2.4M)', 0, () => tf.div(tf.cast(tf.tensor(new Int32Array(B * 64 * 64 * 9)), 'float32'), 255));
process.exit(0);
