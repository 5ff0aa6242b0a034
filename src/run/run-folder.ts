// The per-run folder runs/<name>/: config.json (the resolved config, written before step 1),
// meta.json (status, backend, versions, git commit, dataset path + sha256, resume history), metrics.csv,
// eval.csv, grads.csv and checkpoints/step_<N>/. Every JSON file is rewritten atomically.
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { tf } from '../backend/tf.js';
import type { BackendInfo } from '../backend/init.js';
import { LapoError } from '../errors.js';
import { writeJsonAtomic } from './atomic.js';

export type RunStatus = 'running' | 'completed' | 'failed' | 'interrupted';

export interface DatasetIdentity {
  /** Absolute path of the file trained on. */
  path: string;
  bytes: number;
  sha256: string;
}

export interface RunMeta {
  format: 'lapo-run';
  version: 1;
  name: string;
  status: RunStatus;
  /** Last completed step that was saved in a checkpoint (0 before the first save). */
  checkpointStep: number;
  /** Steps requested in the config. */
  steps: number;
  createdAt: string;
  updatedAt: string;
  /** Why the run stopped, when it failed or was interrupted. */
  message: string | null;
  backend: BackendInfo | null;
  versions: Record<string, string>;
  git: { commit: string | null; dirty: boolean | null };
  dataset: DatasetIdentity;
  host: { platform: string; arch: string; cpus: number; cpuModel: string; totalMemGiB: number };
  /** Run options that are not part of the algorithm's config (remembered across --resume). */
  options: { keepCheckpoints: number };
  /** The command line that started (or resumed) the run, one entry per start. */
  starts: { at: string; fromStep: number; argv: string[]; backend: string | null }[];
}

const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** `<stem>-s<seed>-<YYYYmmdd-HHMMSS>` in local time, e.g. `pixel-reach-s0-20250101-120000`. */
export function defaultRunName(stem: string, seed: number, now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  const clean = stem.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'run';
  return `${clean}-s${seed}-${stamp}`;
}

/** The dataset file's name without its extension(s): `door-human-v2.hdf5` → `door-human-v2`. */
export function datasetStem(file: string): string {
  return basename(file).replace(/\.(h5|hdf5|he5)$/i, '');
}

/** sha256 of a file, streamed (datasets can be many GB). */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  const stream = createReadStream(path, { highWaterMark: 1 << 22 });
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function datasetIdentity(file: string): Promise<DatasetIdentity> {
  const path = resolve(file);
  if (!existsSync(path)) throw new LapoError('data', `${file}: no such file`);
  return { path, bytes: statSync(path).size, sha256: await sha256File(path) };
}

/** The git commit of the lapo sources that run (null when lapo is not a git checkout, e.g. installed by npm). */
export function gitState(root = PACKAGE_ROOT): { commit: string | null; dirty: boolean | null } {
  const git = (...args: string[]) =>
    // GIT_OPTIONAL_LOCKS=0: `git status` must not take .git/index.lock (it would refresh the index), which a
    // killed lapo (or one over its file size limit) would leave behind, blocking the user's next git command.
    execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000, env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' } }).trim();
  try {
    if (!existsSync(join(root, '.git'))) return { commit: null, dirty: null };
    const commit = git('rev-parse', 'HEAD');
    let dirty: boolean | null = null;
    try {
      dirty = git('status', '--porcelain', '--untracked-files=no', '--', 'src').length > 0;
    } catch {
      dirty = null;
    }
    return { commit, dirty };
  } catch {
    return { commit: null, dirty: null };
  }
}

/** Version of an installed package, found by walking up from the module it resolves to (exports-safe). */
function packageVersion(pkg: string, entry: string): string {
  try {
    let dir = dirname(fileURLToPath(import.meta.resolve(entry)));
    for (let i = 0; i < 6; i++) {
      const f = join(dir, 'package.json');
      if (existsSync(f)) {
        const j = JSON.parse(readFileSync(f, 'utf8')) as { name?: string; version?: string };
        if (j.name === pkg && j.version) return j.version;
      }
      dir = dirname(dir);
    }
  } catch {
    /* not installed */
  }
  return 'unknown';
}

export function versions(): Record<string, string> {
  const own = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };
  return {
    lapo: own.version,
    node: process.versions.node,
    tfjs: tf.version_core,
    h5wasm: packageVersion('h5wasm', 'h5wasm/node'),
    zod: packageVersion('zod', 'zod'),
  };
}

export function hostInfo(): RunMeta['host'] {
  const cpus = os.cpus();
  return {
    platform: os.platform(),
    arch: os.arch(),
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    totalMemGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
  };
}

/** Paths inside a run folder. */
export function runPaths(runDir: string) {
  return {
    dir: runDir,
    config: join(runDir, 'config.json'),
    meta: join(runDir, 'meta.json'),
    metrics: join(runDir, 'metrics.csv'),
    eval: join(runDir, 'eval.csv'),
    grads: join(runDir, 'grads.csv'),
    checkpoints: join(runDir, 'checkpoints'),
  };
}

export async function writeMeta(runDir: string, meta: RunMeta): Promise<void> {
  meta.updatedAt = new Date().toISOString();
  await writeJsonAtomic(runPaths(runDir).meta, meta);
}

export function readMeta(runDir: string): RunMeta {
  return readJson(runPaths(runDir).meta) as RunMeta;
}

/** "status failed, started <time>" of a run, for messages ("meta.json unreadable" when it cannot be read). */
export function describeRunStatus(runDir: string): string {
  try {
    const m = readMeta(runDir);
    return `status ${m.status}, started ${m.createdAt}`;
  } catch {
    return 'meta.json unreadable';
  }
}

/** Reads a JSON file a user may have edited or truncated: one-line errors naming the file. */
export function readJson(path: string): unknown {
  if (!existsSync(path)) throw new LapoError('checkpoint', `${path}: no such file`);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new LapoError('checkpoint', `${path}: expected JSON, found unreadable text (${(e as Error).message})`);
  }
}
