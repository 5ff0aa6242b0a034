// One bench measurement in its own process (backends are process-global): LapoAgent.step on the reference
// workload. Prints one JSON line: updates/s of each timed repetition, backend details, pool statistics.
//   node --import tsx bench/step-child.ts --backend native --batch 64 --reps 5 --steps 10 [--warmup 3] [--size 64]
import { parseArgs } from 'node:util';
import { tf } from '../src/backend/tf.js';
import { initBackend, parseBackend } from '../src/backend/init.js';
import { Rng } from '../src/util/rng.js';
import { randomBatch, referenceAgent } from './workload.js';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'native' },
    batch: { type: 'string', default: '64' },
    reps: { type: 'string', default: '5' },
    steps: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    size: { type: 'string', default: '64' },
    threads: { type: 'string', default: '0' },
  },
});
const batch = Number(values.batch);
const size = Number(values.size);
const info = await initBackend(parseBackend(values.backend!), { threads: Number(values.threads) || undefined });
const agent = referenceAgent(size);
const rng = new Rng(1);
const batches = Array.from({ length: 4 }, () => randomBatch(rng, batch, size));
let k = 0;
const stepOnce = () => {
  const m = agent.step(batches[k++ % batches.length]);
  if (!Number.isFinite(m.critic_loss)) throw new Error(`non-finite critic_loss ${m.critic_loss}`);
};
for (let i = 0; i < Number(values.warmup); i++) stepOnce();
const rates: number[] = [];
for (let r = 0; r < Number(values.reps); r++) {
  const steps = Number(values.steps);
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) stepOnce();
  rates.push(steps / ((performance.now() - t0) / 1000));
}
const backend = tf.backend() as unknown as { poolStats?: () => unknown };
console.log(
  JSON.stringify({
    backend: info.name,
    threads: info.threads,
    detail: info.detail,
    batch,
    updates_per_s: rates,
    tensors: tf.memory().numTensors,
    pool: backend.poolStats?.() ?? null,
  }),
);
agent.dispose();
process.exit(0); // the wasm backend's worker threads would keep the process alive
