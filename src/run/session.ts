// Everything the training loop needs before step 1, for a new run or a resumed one: the validated config, the
// dataset, the agent (fresh, or restored bit-for-bit from a checkpoint), the sampler and augmentation RNGs, the
// run folder with config.json and meta.json written, and the CSV logs opened (on resume, cut back to the
// checkpoint's step so the files end up as a straight run writes them).
import { basename, dirname, join, resolve } from 'node:path';
import { existsSync, promises as fsp } from 'node:fs';
import { BOOKKEEPING_KEYS, parseConfig, type LapoConfig } from '../config/schema.js';
import { resolveConfig, type ResolvedConfig } from '../config/resolve.js';
import { createAgent } from '../algo/algorithm.js';
import type { TrainableAgent } from '../algo/agent-types.js';
import { loadDataset, type LoadOptions } from '../data/load.js';
import { H5Reader } from '../data/h5.js';
import { checkScratchDir } from '../data/shadow-store.js';
import type { TransitionDataset } from '../data/types.js';
import type { BackendInfo } from '../backend/init.js';
import { LapoError } from '../errors.js';
import { Rng } from '../util/rng.js';
import { writeJsonAtomic, removeStaleTemps } from './atomic.js';
import { applyCheckpoint, listCheckpoints, loadCheckpoint, resolveCheckpointDir, type LoadedCheckpoint } from './checkpoint.js';
import { EVAL_CSV_BASE_COLUMNS, GRADS_CSV_COLUMNS, metricsCsvColumns } from './columns.js';
import { CsvLog } from './metrics-csv.js';
import { RunLock } from './run-lock.js';
import { claimNewRunFolder } from './run-claim.js';
import {
  datasetIdentity, datasetStem, describeRunStatus, defaultRunName, gitState, hostInfo, readMeta, runPaths, versions,
  writeMeta, type RunMeta,
} from './run-folder.js';

/** Config keys that may change on --resume (run length and bookkeeping); every other key is fixed by the run. */
export const RESUME_MUTABLE_KEYS: readonly (keyof LapoConfig)[] = [
  'steps', 'dataset', ...BOOKKEEPING_KEYS.filter((k) => k !== 'runName'),
];

export interface SessionOptions {
  runsDir: string;
  resume?: string;
  resumeSource?: string;
  backend: BackendInfo | null;
  argv: string[];
  runNameStem?: string;
  /** Extra eval.csv columns (after step, episodes, return_mean, return_std, seed); null when no evaluator. */
  evalColumns: readonly string[] | null;
  gradsCsv: boolean;
  /** Keep the K newest checkpoints (0: all); on resume, undefined keeps the run's setting. */
  keepCheckpoints?: number;
}

export interface Session {
  runDir: string;
  cfg: ResolvedConfig;
  meta: RunMeta;
  dataset: TransitionDataset;
  agent: TrainableAgent;
  samplerRng: Rng;
  augmentRng: Rng;
  /** Step of the checkpoint resumed from (0 for a new run). */
  startStep: number;
  /** Training seconds before this start (wall_s continues from here). */
  wallBase: number;
  metrics: CsvLog;
  evalLog: CsvLog | null;
  gradsLog: CsvLog | null;
  /** This process's claim on the run folder; released when training ends. */
  lock: RunLock;
  /** Lines to show before step 1 (e.g. a stale owner taken over). */
  notices: string[];
}

/** The built-in task a dataset was generated for (root attribute `task`, written by lapo dataset generate). */
async function taskAttribute(file: string): Promise<string | null> {
  const r = await H5Reader.open(file);
  try {
    const task = r.attr('/', 'task');
    return typeof task === 'string' && task.length > 0 ? task : null;
  } finally {
    r.close();
  }
}

/** Independent, seeded streams for batch sampling and augmentation (the agent draws its own noise). */
export function trainerRngs(seed: number): { sampler: Rng; augment: Rng } {
  const root = new Rng((seed ^ 0x6c61706f) >>> 0);
  return { sampler: root.fork(), augment: root.fork() };
}

export function loadOptions(cfg: LapoConfig): LoadOptions {
  const o: LoadOptions = {
    validFraction: cfg.validFraction,
    seed: cfg.seed,
    rewardMode: cfg.rewardMode,
    discount: cfg.discount,
  };
  if (cfg.layout !== null) o.layout = cfg.layout;
  if (cfg.imageKeys !== null) o.imageKeys = cfg.imageKeys;
  if (cfg.stateKeys !== null) o.stateKeys = cfg.stateKeys;
  if (cfg.imageSize !== null) o.imageSize = cfg.imageSize;
  if (cfg.maxMemoryMB !== null) o.maxMemoryMB = cfg.maxMemoryMB;
  if (cfg.scratchDir !== null) o.scratchDir = cfg.scratchDir;
  return o;
}

function agentFor(dataset: TransitionDataset, cfg: ResolvedConfig): TrainableAgent {
  const { spec, actionDim, stats } = dataset;
  return createAgent({ spec, actionDim, minV: stats.minV, maxV: stats.maxV }, cfg, cfg.seed);
}

/** The checkpoint a resume continues from, as far as the CSV logs care. */
interface ResumePoint {
  step: number;
  /** The config that wrote the checkpoint (and the rows up to its step). */
  config: Record<string, unknown>;
}

/**
 * On resume: which rows stay. Every row up to the checkpoint's step stays, whatever interval the resume uses;
 * rows after it are cut (a run that crashed later wrote them), and so is the extra row a finished run writes at
 * its last step when that step is off its interval, so that the file ends up as a straight run writes it.
 */
export function keepRowsUpTo(point: ResumePoint, intervalKey: 'logEvery' | 'evalEvery'): (step: number) => boolean {
  const every = Number(point.config[intervalKey]);
  const finalOffInterval = Number(point.config.steps) === point.step && !(every > 0 && point.step % every === 0);
  return (s) => s < point.step || (s === point.step && !finalOffInterval);
}

async function openLogs(runDir: string, opts: SessionOptions, cfg: ResolvedConfig, after: ResumePoint | null) {
  const p = runPaths(runDir);
  const keep = (key: 'logEvery' | 'evalEvery') => (after === null ? undefined : keepRowsUpTo(after, key));
  const metrics = await CsvLog.open(p.metrics, metricsCsvColumns(cfg.algo), { keepRow: keep('logEvery') });
  const evalLog =
    opts.evalColumns && cfg.evalEvery > 0
      ? await CsvLog.open(p.eval, [...EVAL_CSV_BASE_COLUMNS, ...opts.evalColumns], { keepRow: keep('evalEvery') })
      : null;
  const gradsLog = opts.gradsCsv ? await CsvLog.open(p.grads, GRADS_CSV_COLUMNS, { keepRow: keep('logEvery') }) : null;
  return { metrics, evalLog, gradsLog };
}

function startRecord(opts: SessionOptions, fromStep: number): RunMeta['starts'][number] {
  return { at: new Date().toISOString(), fromStep, argv: opts.argv, backend: opts.backend?.name ?? null };
}

/** The built-in task recorded in the file, or null when there is none or the file does not open (loading says why). */
async function taskAttributeOrNull(file: string): Promise<string | null> {
  try {
    return await taskAttribute(file);
  } catch {
    return null;
  }
}

export async function newSession(config: LapoConfig, opts: SessionOptions): Promise<Session> {
  const cfg0 = parseConfig(config, 'config');
  if (cfg0.scratchDir !== null) checkScratchDir(cfg0.scratchDir); // before hashing a large dataset
  if (!existsSync(cfg0.dataset)) throw new LapoError('data', `${cfg0.dataset}: no such file`);
  const stem = opts.runNameStem ?? (await taskAttributeOrNull(cfg0.dataset)) ?? datasetStem(cfg0.dataset);
  const runName = cfg0.runName ?? defaultRunName(stem, cfg0.seed);
  // The folder is claimed before the dataset is hashed and loaded: a name in use is refused at once.
  const claim = claimNewRunFolder(opts.runsDir, runName);
  try {
    const identity = await datasetIdentity(cfg0.dataset);
    const dataset = await loadDataset(cfg0.dataset, loadOptions(cfg0));
    try {
      const resolved = resolveConfig(cfg0, { hasImages: dataset.spec.imageSize !== null, actionDim: dataset.actionDim });
      const cfg: ResolvedConfig = { ...resolved, runName };
      const agent = agentFor(dataset, cfg);
      try {
        const runDir = claim.dir;
        const p = runPaths(runDir);
        claim.clearReplaced();
        await writeJsonAtomic(p.config, cfg);
        const now = new Date().toISOString();
        const meta: RunMeta = {
          format: 'lapo-run',
          version: 1,
          name: runName,
          status: 'running',
          checkpointStep: 0,
          steps: cfg.steps,
          createdAt: now,
          updatedAt: now,
          message: null,
          backend: opts.backend,
          versions: versions(),
          git: gitState(),
          dataset: identity,
          host: hostInfo(),
          options: { keepCheckpoints: opts.keepCheckpoints ?? 0 },
          starts: [startRecord(opts, 0)],
        };
        await writeMeta(runDir, meta);
        const logs = await openLogs(runDir, opts, cfg, null);
        const { sampler, augment } = trainerRngs(cfg.seed);
        const notices = takeoverNotice(runDir, claim.lock);
        if (claim.replaces) notices.push(claim.replaces);
        return { runDir, cfg, meta, dataset, agent, samplerRng: sampler, augmentRng: augment, startStep: 0, wallBase: 0, lock: claim.lock, notices, ...logs };
      } catch (e) {
        agent.dispose();
        throw e;
      }
    } catch (e) {
      dataset.close();
      throw e;
    }
  } catch (e) {
    claim.abandon();
    throw e;
  }
}

/** "took over from pid N" when the lock was left by a process that is gone. */
function takeoverNotice(runDir: string, lock: RunLock): string[] {
  const o = lock.staleOwner;
  return o ? [`lapo: ${runDir}: took over from pid ${o.pid} (${o.command} since ${o.since}), which is no longer running`] : [];
}

/** The run folder of a run or checkpoint path (runs/x or runs/x/checkpoints/step_N). */
function runDirOf(path: string, ckptDir: string): string {
  return ckptDir === path ? dirname(dirname(ckptDir)) : path;
}

/** The checkpoint's config with the allowed overrides applied; a change to any other key is refused. */
export function resumeConfig(base: Record<string, unknown>, overrides: Partial<LapoConfig>, source: string, ckptStep: number): ResolvedConfig {
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined || RESUME_MUTABLE_KEYS.includes(key as keyof LapoConfig)) continue;
    if (JSON.stringify(value) !== JSON.stringify(base[key])) {
      throw new LapoError(
        'config',
        `${source}: ${key}: cannot change on --resume (the run has ${JSON.stringify(base[key])}, found ${JSON.stringify(value)})`,
        `only ${RESUME_MUTABLE_KEYS.join(', ')} may change; start a new run for other settings`,
      );
    }
  }
  const cfg = parseConfig({ ...base, ...overrides }, source) as ResolvedConfig;
  if (cfg.steps <= ckptStep) {
    throw new LapoError(
      'usage',
      `--steps: expected more than the checkpoint's step ${ckptStep}, found ${cfg.steps}`,
      `the run is at step ${ckptStep}; pass --steps N with N > ${ckptStep} to train further`,
    );
  }
  return cfg;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** --resume NAME: a path as given, else a run of that name under --runs-dir. */
export function resumePath(resume: string, runsDir: string): string {
  const under = join(runsDir, resume);
  return !existsSync(resume) && existsSync(under) ? under : resume;
}

export async function resumeSession(overrides: Partial<LapoConfig>, opts: SessionOptions & { resume: string }): Promise<Session> {
  // A run folder (meta.json) is locked before anything else is read: a run still training may write a newer
  // checkpoint and meta.json meanwhile, and may not have written its first checkpoint yet.
  const isRunFolder = existsSync(runPaths(opts.resume).meta);
  const runDir = isRunFolder ? opts.resume : runDirOf(opts.resume, resolveCheckpointDir(opts.resume));
  if (!isRunFolder) readMeta(runDir); // a checkpoint outside a run folder: one line naming the missing meta.json
  const lock = RunLock.acquire(runDir, 'lapo train --resume');
  try {
    if (isRunFolder) refuseRunWithoutCheckpoint(runDir);
    return await resumeLocked(overrides, opts, runDir, lock);
  } catch (e) {
    lock.release();
    throw e;
  }
}

/** A run folder whose run stopped before its first checkpoint: say how to start it again. */
function refuseRunWithoutCheckpoint(path: string): void {
  if (listCheckpoints(path).length > 0) return;
  const name = basename(resolve(path));
  throw new LapoError(
    'checkpoint',
    `${path}: the run stopped before its first checkpoint (${describeRunStatus(path)}), so there is nothing to resume`,
    `start it again under the same name (lapo train --runs-dir ${dirname(path.replace(/\/+$/, ''))} --run-name ${name} ...): a folder without a checkpoint is reused`,
  );
}

async function resumeLocked(overrides: Partial<LapoConfig>, opts: SessionOptions & { resume: string }, runDir: string, lock: RunLock): Promise<Session> {
  const ckptDir = resolveCheckpointDir(opts.resume);
  const meta = readMeta(runDir);
  const notices = takeoverNotice(runDir, lock);
  if (meta.status === 'running') {
    // We hold the lock, so no process runs it: the last start was killed or the machine stopped.
    notices.push(`lapo: ${runDir}: meta.json said status running, but no process is training it: the last start ended without recording why (killed, or the machine stopped)`);
  }
  const ckpt: LoadedCheckpoint = loadCheckpoint(ckptDir);
  const m = ckpt.manifest;
  const cfg = resumeConfig(m.config, overrides, opts.resumeSource ?? 'command line', m.step);
  if (cfg.scratchDir !== null) checkScratchDir(cfg.scratchDir);
  const identity = await datasetIdentity(cfg.dataset);
  if (identity.sha256 !== meta.dataset.sha256) {
    throw new LapoError(
      'data',
      `${cfg.dataset}: sha256 ${identity.sha256.slice(0, 12)}… differs from the run's dataset (${meta.dataset.sha256.slice(0, 12)}…, ${meta.dataset.path})`,
      'resume needs the same dataset file; start a new run for different data',
    );
  }
  const dataset = await loadDataset(cfg.dataset, loadOptions(cfg));
  try {
    if (!sameJson(dataset.spec, m.spec) || dataset.actionDim !== m.actionDim || !sameJson(dataset.stats, m.stats)) {
      throw new LapoError('checkpoint', `${ckpt.dir}: the dataset now loads with other keys, sizes or statistics than when the checkpoint was written`);
    }
    const agent = agentFor(dataset, cfg);
    try {
      applyCheckpoint(agent, ckpt);
      const p = runPaths(runDir);
      await removeStaleTemps(runDir);
      await removeStaleTemps(p.checkpoints);
      // Resuming from an earlier checkpoint abandons the later ones (their CSV rows are cut too).
      for (const c of listCheckpoints(runDir)) if (c.step > m.step) await fsp.rm(c.dir, { recursive: true, force: true });
      await writeJsonAtomic(p.config, cfg);
      meta.status = 'running';
      meta.message = null;
      meta.steps = cfg.steps;
      meta.checkpointStep = m.step;
      meta.dataset = identity;
      meta.backend = opts.backend;
      meta.options = { keepCheckpoints: opts.keepCheckpoints ?? meta.options?.keepCheckpoints ?? 0 };
      meta.starts.push(startRecord(opts, m.step));
      await writeMeta(runDir, meta);
      const logs = await openLogs(runDir, opts, cfg, { step: m.step, config: m.config });
      return {
        runDir,
        cfg,
        meta,
        dataset,
        agent,
        samplerRng: new Rng(m.rng.sampler),
        augmentRng: new Rng(m.rng.augment),
        startStep: m.step,
        wallBase: m.wallSeconds,
        lock,
        notices,
        ...logs,
      };
    } catch (e) {
      agent.dispose();
      throw e;
    }
  } catch (e) {
    dataset.close();
    throw e;
  }
}
