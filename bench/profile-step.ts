// Where one LapoAgent.step spends its time, kernel by kernel (tf.profile), on the reference workload:
//   node --import tsx bench/profile-step.ts --backend native --batch 64 [--steps 3]
// Prints a table: kernel, calls per step, total ms per step, share; and the time outside kernels (tfjs
// bookkeeping, tape, JavaScript of the step itself). Also process CPU time per step, which stays meaningful when
// other processes share the machine (wall-clock figures do not).
import { parseArgs } from 'node:util';
import { tf } from '../src/backend/tf.js';
import { initBackend, parseBackend } from '../src/backend/init.js';
import { Rng } from '../src/util/rng.js';
import { randomBatch, referenceAgent } from './workload.js';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'native' },
    batch: { type: 'string', default: '64' },
    steps: { type: 'string', default: '3' },
    size: { type: 'string', default: '64' },
    threads: { type: 'string', default: '0' },
  },
});
const batch = Number(values.batch);
const size = Number(values.size);
const steps = Number(values.steps);
await initBackend(parseBackend(values.backend!), { threads: Number(values.threads) || undefined });
const agent = referenceAgent(size);
const rng = new Rng(1);
const b = randomBatch(rng, batch, size);
agent.step(b);
agent.step(b);

const cpu0 = process.cpuUsage();
const t0 = performance.now();
for (let i = 0; i < steps; i++) agent.step(b);
const wall = (performance.now() - t0) / steps;
const cpu = process.cpuUsage(cpu0);
console.log(`wall ${wall.toFixed(1)} ms/step, cpu ${((cpu.user + cpu.system) / 1000 / steps).toFixed(1)} ms/step (user+sys, all threads)`);

const byName = new Map<string, { calls: number; ms: number }>();
let profWall = 0;
for (let i = 0; i < steps; i++) {
  const p0 = performance.now();
  const info = await tf.profile(() => {
    agent.step(b);
  });
  profWall += performance.now() - p0;
  for (const k of info.kernels) {
    // Op scopes (customGrad ops such as 'forward' or 'fusedConv2d__op') contain kernels already listed.
    if (k.name.endsWith('__op') || k.name === 'forward') continue;
    const e = byName.get(k.name) ?? { calls: 0, ms: 0 };
    e.calls += 1;
    e.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    byName.set(k.name, e);
  }
}
const rows = [...byName].map(([name, e]) => ({ name, calls: e.calls / steps, ms: e.ms / steps }));
rows.sort((p, q) => q.ms - p.ms);
const kernelMs = rows.reduce((s, r) => s + r.ms, 0);
const calls = rows.reduce((s, r) => s + r.calls, 0);
console.log(`profiled: ${(profWall / steps).toFixed(1)} ms/step, kernels ${kernelMs.toFixed(1)} ms in ${calls} calls`);
console.log('kernel'.padEnd(24), 'calls'.padStart(6), 'ms'.padStart(8), 'share'.padStart(7));
for (const r of rows) {
  console.log(r.name.padEnd(24), r.calls.toFixed(0).padStart(6), r.ms.toFixed(2).padStart(8), `${((100 * r.ms) / kernelMs).toFixed(1)}%`.padStart(7));
}
agent.dispose();
process.exit(0);
