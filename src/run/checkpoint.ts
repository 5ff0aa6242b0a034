// Checkpoints: runs/<name>/checkpoints/step_<N>/ holds everything a run needs to continue bit-for-bit
// (as CORL's state_dict):
//   checkpoint.json  step, resolved config, obs spec, action dim, normalisation stats, RNG states (agent's noise,
//                    batch sampler, augmentation), training wall time so far, and the two blob manifests
//   weights.bin      every variable of the agent, targets included (names from agent.namedVariables())
//   optimizer.bin    every optimizer's state (Adam moments and step counts, agent.optimizerState())
// The folder is built under a temp name and renamed, so a crash never leaves half a checkpoint; a folder without
// checkpoint.json is never picked up. By default every checkpoint is kept (as d3rlpy and robomimic do);
// `--keep-checkpoints K` keeps the K newest.
import { existsSync, readdirSync, readFileSync, promises as fsp } from 'node:fs';
import { join, resolve } from 'node:path';
import { tf } from '../backend/tf.js';
import { LapoError, fmtShape } from '../errors.js';
import type { RngState } from '../util/rng.js';
import type { NormStats, ObsSpec } from '../data/types.js';
import { writeDirAtomic } from './atomic.js';
import { readJson } from './run-folder.js';
import { createAgent } from '../algo/algorithm.js';
import type { TrainableAgent } from '../algo/agent-types.js';
import { parseConfig } from '../config/schema.js';
import { type ResolvedConfig } from '../config/resolve.js';
import { toHost, packBlob, unpackBlob, fromHost, type BlobManifest, type HostTensor } from './tensor-blob.js';

/** What a checkpoint needs from an agent (every TrainableAgent implements it). */
export interface Checkpointable {
  namedVariables(): Map<string, tf.Variable>;
  optimizerState(): Map<string, tf.Tensor>;
  loadOptimizerState(state: Map<string, tf.Tensor>, source?: string): void;
  rngState(): unknown;
  setRngState(state: never): void;
}

/** The trainer-side state saved with the agent. */
export interface CheckpointExtra {
  step: number;
  config: Record<string, unknown>;
  spec: ObsSpec;
  actionDim: number;
  stats: NormStats;
  samplerRng: RngState;
  augmentRng: RngState;
  /** Seconds spent training up to this step (wall_s continues from here after a resume). */
  wallSeconds: number;
}

export interface CheckpointManifest extends Omit<CheckpointExtra, 'samplerRng' | 'augmentRng'> {
  format: 'lapo-checkpoint';
  version: 1;
  createdAt: string;
  rng: { agent: unknown; sampler: RngState; augment: RngState };
  weights: BlobManifest;
  optimizer: BlobManifest;
}

export interface LoadedCheckpoint {
  dir: string;
  manifest: CheckpointManifest;
  weights: Map<string, HostTensor>;
  optimizer: Map<string, HostTensor>;
}

/** Thrown by saveCheckpoint instead of writing weights that are NaN or infinite. */
export class NonFiniteWeightError extends LapoError {
  constructor(
    readonly weight: string,
    readonly value: number,
    readonly step: number,
  ) {
    super('runtime', `non-finite weight ${weight} (${value}) at step ${step}; the checkpoint was not written`);
  }
}

export const CHECKPOINT_FILE = 'checkpoint.json';

export function checkpointDirName(step: number): string {
  return `step_${step}`;
}

/** Writes one checkpoint folder atomically. Resolves once every byte is on disk and renamed. */
export async function saveCheckpoint(dir: string, agent: Checkpointable, extra: CheckpointExtra): Promise<string> {
  const weights = await toHost(agent.namedVariables() as Map<string, tf.Tensor>);
  // A diverged weight must never overwrite the last good checkpoint (losses lag the update by one step).
  for (const [name, t] of weights) {
    const bad = t.data.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) throw new NonFiniteWeightError(name, t.data[bad], extra.step);
  }
  // optimizerState() hands out copies (the agent keeps its own); we dispose them once read back.
  const optState = agent.optimizerState();
  let optimizer: Map<string, HostTensor>;
  try {
    optimizer = await toHost(optState);
  } finally {
    for (const t of optState.values()) t.dispose();
  }
  const w = packBlob('weights.bin', weights);
  const o = packBlob('optimizer.bin', optimizer);
  const { samplerRng, augmentRng, ...rest } = extra;
  const manifest: CheckpointManifest = {
    format: 'lapo-checkpoint',
    version: 1,
    createdAt: new Date().toISOString(),
    ...rest,
    rng: { agent: agent.rngState(), sampler: samplerRng, augment: augmentRng },
    weights: w.manifest,
    optimizer: o.manifest,
  };
  await writeDirAtomic(dir, async (tmp) => {
    await writeSynced(join(tmp, 'weights.bin'), w.blob);
    await writeSynced(join(tmp, 'optimizer.bin'), o.blob);
    // checkpoint.json last: its presence marks a complete checkpoint even where rename is not atomic.
    await writeSynced(join(tmp, CHECKPOINT_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  });
  return dir;
}

async function writeSynced(path: string, data: string | Uint8Array): Promise<void> {
  const fh = await fsp.open(path, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Complete checkpoints of a run, oldest first: [{step, dir}]. */
export function listCheckpoints(runDir: string): { step: number; dir: string }[] {
  const root = join(runDir, 'checkpoints');
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .map((name) => ({ name, m: /^step_(\d+)$/.exec(name) }))
    .filter((x) => x.m && existsSync(join(root, x.name, CHECKPOINT_FILE)))
    .map((x) => ({ step: Number(x.m![1]), dir: join(root, x.name) }))
    .sort((a, b) => a.step - b.step);
}

/**
 * Accepts a checkpoint folder or a run folder (→ its newest checkpoint), as `lapo eval RUN` and
 * `--resume runs/<name>` do.
 */
export function resolveCheckpointDir(path: string): string {
  if (!existsSync(path)) throw new LapoError('checkpoint', `${path}: no such run or checkpoint folder`);
  if (existsSync(join(path, CHECKPOINT_FILE))) return path;
  const all = listCheckpoints(path);
  if (all.length === 0) {
    throw new LapoError('checkpoint', `${path}: expected a run folder with checkpoints/step_<N>/ or a checkpoint folder, found no checkpoint`);
  }
  return all[all.length - 1].dir;
}

/** Removes all but the `keep` newest checkpoints (keep <= 0 keeps all). Returns the removed steps. */
export async function pruneCheckpoints(runDir: string, keep: number): Promise<number[]> {
  if (keep <= 0) return [];
  const all = listCheckpoints(runDir);
  const drop = all.slice(0, Math.max(0, all.length - keep));
  for (const c of drop) await fsp.rm(c.dir, { recursive: true, force: true });
  return drop.map((c) => c.step);
}

/** Reads a checkpoint (run folder or checkpoint folder) into host memory, checking the blobs' integrity. */
export function loadCheckpoint(path: string): LoadedCheckpoint {
  const dir = resolveCheckpointDir(path);
  const file = join(dir, CHECKPOINT_FILE);
  const manifest = readJson(file) as CheckpointManifest;
  if (manifest?.format !== 'lapo-checkpoint') {
    throw new LapoError('checkpoint', `${file}: format: expected "lapo-checkpoint", found ${JSON.stringify(manifest?.format)}`);
  }
  if (manifest.version !== 1) {
    throw new LapoError('checkpoint', `${file}: version: expected 1, found ${JSON.stringify(manifest.version)}`);
  }
  const blob = (m: BlobManifest) => {
    const p = join(dir, m.file);
    if (!existsSync(p)) throw new LapoError('checkpoint', `${p}: no such file`);
    return unpackBlob(p, m, readFileSync(p));
  };
  return { dir: resolve(dir), manifest, weights: blob(manifest.weights), optimizer: blob(manifest.optimizer) };
}

/**
 * Copies a loaded checkpoint into an agent built from the same config: every variable must be present with the
 * same shape (one LapoError line naming the first mismatch otherwise). `optimizer: false` skips the optimizer
 * state and RNG (evaluation does not need them).
 */
export function applyCheckpoint(agent: Checkpointable, ckpt: LoadedCheckpoint, opts: { optimizer?: boolean } = {}): void {
  const where = join(ckpt.dir, 'weights.bin');
  const vars = agent.namedVariables();
  for (const [name, v] of vars) {
    const t = ckpt.weights.get(name);
    if (!t) throw new LapoError('checkpoint', `${where}: ${name}: expected ${fmtShape(v.shape)}, found no such weight (checkpoint from another model?)`);
    if (!sameShape(t.shape, v.shape)) {
      throw new LapoError('checkpoint', `${where}: ${name}: expected ${fmtShape(v.shape)} (from its config), found ${fmtShape(t.shape)}`);
    }
  }
  for (const name of ckpt.weights.keys()) {
    if (!vars.has(name)) throw new LapoError('checkpoint', `${where}: ${name}: the model built from its config has no such weight`);
  }
  for (const [name, v] of vars) {
    const t = fromHost(ckpt.weights.get(name)!);
    v.assign(t);
    t.dispose();
  }
  if (opts.optimizer === false) return;
  const current = agent.optimizerState();
  const optWhere = join(ckpt.dir, 'optimizer.bin');
  try {
    for (const [name, t] of ckpt.optimizer) {
      const cur = current.get(name);
      if (cur && !sameShape(cur.shape, t.shape)) {
        throw new LapoError('checkpoint', `${optWhere}: ${name}: expected ${fmtShape(cur.shape)}, found ${fmtShape(t.shape)}`);
      }
    }
  } finally {
    for (const t of current.values()) t.dispose();
  }
  const tensors = new Map<string, tf.Tensor>();
  for (const [name, t] of ckpt.optimizer) tensors.set(name, fromHost(t));
  try {
    agent.loadOptimizerState(tensors, optWhere);
  } finally {
    // The agent copies what it keeps (it owns its optimizer state); these host-built tensors are ours.
    for (const t of tensors.values()) t.dispose();
  }
  agent.setRngState(ckpt.manifest.rng.agent as never);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export interface RestoredAgent {
  agent: TrainableAgent;
  /** The run's resolved config at the checkpoint. */
  config: ResolvedConfig;
  stats: NormStats;
  spec: ObsSpec;
  actionDim: number;
  step: number;
  /** The checkpoint folder actually read (the newest one when given a run folder). */
  dir: string;
}

/**
 * Rebuilds the agent of a checkpoint (or of a run folder's newest checkpoint) for eval and diagnostics: networks
 * from its config, then every weight, the optimizer state and the noise RNG. The caller disposes the agent.
 */
export function restoreAgent(path: string, opts: { optimizer?: boolean } = {}): RestoredAgent {
  const ckpt = loadCheckpoint(path);
  const m = ckpt.manifest;
  const config = parseConfig(m.config, join(ckpt.dir, CHECKPOINT_FILE)) as ResolvedConfig;
  const agent = createAgent({ spec: m.spec, actionDim: m.actionDim, minV: m.stats.minV, maxV: m.stats.maxV }, config, config.seed);
  try {
    applyCheckpoint(agent, ckpt, opts);
  } catch (e) {
    agent.dispose();
    throw e;
  }
  return { agent, config, stats: m.stats, spec: m.spec, actionDim: m.actionDim, step: m.step, dir: ckpt.dir };
}
