// The checkpoint format on its own: blob packing, integrity checks, atomic folders, latest/prune, and applying
// weights + optimizer state + RNG to an agent (here a two-variable holder with the Checkpointable interface;
// the real LapoAgent round trip is in trainer.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf } from '../../src/backend/tf.js';
import { useCpuBackend } from '../helpers/backend.js';
import {
  saveCheckpoint, loadCheckpoint, applyCheckpoint, listCheckpoints, resolveCheckpointDir, pruneCheckpoints,
  type Checkpointable, type CheckpointExtra,
} from '../../src/run/checkpoint.js';
import { Rng } from '../../src/util/rng.js';

class Holder implements Checkpointable {
  vars = new Map<string, tf.Variable>();
  opt = new Map<string, tf.Variable>();
  rng: Rng;
  constructor(seed: number, wShape = [3, 2]) {
    const r = new Rng(seed);
    const n = wShape[0] * wShape[1];
    this.vars.set('net/l1/weight', tf.variable(tf.tensor(r.normals(new Float32Array(n)), wShape)));
    this.vars.set('target/net/l1/weight', tf.variable(tf.tensor(r.normals(new Float32Array(n)), wShape)));
    this.opt.set('critic/step', tf.variable(tf.scalar(seed, 'int32')));
    this.opt.set('critic/m/net/l1/weight', tf.variable(tf.tensor(r.normals(new Float32Array(n)), wShape)));
    this.rng = new Rng(seed + 100);
  }
  namedVariables() { return this.vars; }
  optimizerState() { return new Map([...this.opt].map(([k, v]) => [k, v.clone()] as [string, tf.Tensor])); }
  loadOptimizerState(m: Map<string, tf.Tensor>) { for (const [k, t] of m) this.opt.get(k)!.assign(t); }
  rngState() { return this.rng.getState(); }
  setRngState(s: never) { this.rng.setState(s); }
}

const extra = (step: number): CheckpointExtra => ({
  step,
  config: { seed: 1, steps: 10 },
  spec: { imageKeys: [], viewChannels: [], imageSize: null, stateKeys: ['state'], stateDims: [3] },
  actionDim: 2,
  stats: { stateMean: [0, 0, 0], stateStd: [1, 1, 1], actionMean: [0, 0], actionStd: [1, 1], rewardScale: 1, rewardMode: 'max', minV: -1, maxV: 1, discount: 0.99 },
  samplerRng: new Rng(5).getState(),
  augmentRng: new Rng(6).getState(),
  wallSeconds: 1.5,
});

test('save → load → apply restores every variable, optimizer state and RNG bit for bit', async () => {
  await useCpuBackend();
  const run = mkdtempSync(join(tmpdir(), 'lapo-ckpt-'));
  const a = new Holder(1);
  a.rng.normal(); // leaves a cached spare: it must survive too
  const dir = join(run, 'checkpoints', 'step_7');
  await saveCheckpoint(dir, a, extra(7));
  assert.deepEqual(readdirSync(dir).sort(), ['checkpoint.json', 'optimizer.bin', 'weights.bin']);
  const b = new Holder(2);
  const ck = loadCheckpoint(run);
  assert.equal(ck.manifest.step, 7);
  assert.equal(ck.manifest.wallSeconds, 1.5);
  assert.deepEqual(ck.manifest.rng.sampler, new Rng(5).getState());
  applyCheckpoint(b, ck);
  for (const [k, v] of a.vars) assert.deepEqual(b.vars.get(k)!.dataSync(), v.dataSync());
  for (const [k, v] of a.opt) assert.deepEqual(b.opt.get(k)!.dataSync(), v.dataSync());
  assert.equal(b.opt.get('critic/step')!.dtype, 'int32');
  assert.equal(b.rng.normal(), a.rng.normal());
  assert.equal(b.rng.nextU32(), a.rng.nextU32());
});

test('a shape mismatch is one error line naming the weight, expected and found shapes', async () => {
  await useCpuBackend();
  const run = mkdtempSync(join(tmpdir(), 'lapo-ckpt-'));
  await saveCheckpoint(join(run, 'checkpoints', 'step_1'), new Holder(1, [3, 2]), extra(1));
  const other = new Holder(2, [4, 2]);
  assert.throws(() => applyCheckpoint(other, loadCheckpoint(run)), (e: Error) => {
    assert.equal(e.name, 'LapoError');
    assert.match(e.message, /weights\.bin: net\/l1\/weight: expected \[4,2\] \(from its config\), found \[3,2\]$/);
    assert.doesNotMatch(e.message, /\n/);
    return true;
  });
});

test('a corrupted or truncated blob is refused', async () => {
  await useCpuBackend();
  const run = mkdtempSync(join(tmpdir(), 'lapo-ckpt-'));
  const dir = join(run, 'checkpoints', 'step_3');
  await saveCheckpoint(dir, new Holder(1), extra(3));
  const w = readFileSync(join(dir, 'weights.bin'));
  w[0] ^= 1;
  writeFileSync(join(dir, 'weights.bin'), w);
  assert.throws(() => loadCheckpoint(dir), /weights\.bin: sha256 does not match/);
  writeFileSync(join(dir, 'weights.bin'), w.subarray(0, 8));
  assert.throws(() => loadCheckpoint(dir), /weights\.bin: expected \d+ bytes, found 8/);
});

test('latest checkpoint: complete folders only, numeric order; prune keeps the newest K', async () => {
  await useCpuBackend();
  const run = mkdtempSync(join(tmpdir(), 'lapo-ckpt-'));
  for (const s of [5, 20, 100]) await saveCheckpoint(join(run, 'checkpoints', `step_${s}`), new Holder(s), extra(s));
  mkdirSync(join(run, 'checkpoints', 'step_200')); // half-written by a crashed process without atomic rename
  assert.deepEqual(listCheckpoints(run).map((c) => c.step), [5, 20, 100]);
  assert.equal(resolveCheckpointDir(run), join(run, 'checkpoints', 'step_100'));
  assert.deepEqual(await pruneCheckpoints(run, 0), []);
  assert.deepEqual(await pruneCheckpoints(run, 2), [5]);
  assert.deepEqual(listCheckpoints(run).map((c) => c.step), [20, 100]);
  assert.throws(() => resolveCheckpointDir(join(run, 'nope')), /no such run or checkpoint folder/);
  const empty = mkdtempSync(join(tmpdir(), 'lapo-ckpt-'));
  assert.throws(() => resolveCheckpointDir(empty), /found no checkpoint/);
});
