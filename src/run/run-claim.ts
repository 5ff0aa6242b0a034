// Claiming runs/<name>/ for a new run: the folder is created (or taken) and locked (run-lock.ts) before the
// dataset is hashed and loaded. A folder that already holds a run is refused (that is what --resume is for),
// unless that run stopped before its first checkpoint: then there is nothing to resume, and the new run takes the
// folder over, saying so.
import { existsSync, mkdirSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { LapoError } from '../errors.js';
import { rethrowOsError } from '../util/os-error.js';
import { listCheckpoints } from './checkpoint.js';
import { describeRunStatus, runPaths } from './run-folder.js';
import { RunLock } from './run-lock.js';

/** A run folder claimed by this process for a new run. */
export interface RunClaim {
  dir: string;
  lock: RunLock;
  /** A line saying which run without a checkpoint the new one replaces, or null for a fresh folder. */
  replaces: string | null;
  /** Removes the replaced run's files; called once the new run has loaded its dataset and is about to write. */
  clearReplaced(): void;
  /** The start failed before the run was written: release the lock and remove the folder if the claim made it. */
  abandon(): void;
}

/** Files of a run that a new run in the same folder writes again. */
function runFiles(dir: string): string[] {
  const p = runPaths(dir);
  return [p.config, p.meta, p.metrics, p.eval, p.grads];
}

export function claimNewRunFolder(runsRoot: string, name: string): RunClaim {
  if (!/^[A-Za-z0-9._-]+$/.test(name) || name === '.' || name === '..') {
    throw new LapoError('usage', `--run-name: expected letters, digits, '.', '_' or '-', found ${JSON.stringify(name)}`);
  }
  const dir = join(runsRoot, name);
  const created = !existsSync(dir);
  let lock: RunLock;
  try {
    mkdirSync(join(dir, 'checkpoints'), { recursive: true });
    lock = RunLock.acquire(dir, 'lapo train');
  } catch (e) {
    // --runs-dir is the user's input: a file in its path, a read-only or full disk is a usage error
    rethrowOsError(e, 'creating the run folder (check --runs-dir)', dir, 'usage');
  }
  let replaces: string | null = null;
  if (runFiles(dir).slice(0, 2).some((f) => existsSync(f))) {
    if (listCheckpoints(dir).length > 0) {
      lock.release();
      throw new LapoError('usage', `${dir}: a run with this name exists`, `continue it with --resume ${dir}, or pick another --run-name`);
    }
    replaces = `lapo: ${dir}: starting again in this folder: its run (${describeRunStatus(dir)}) stopped before its first checkpoint, so there was nothing to resume; its config, meta.json and CSV logs are replaced`;
  }
  return {
    dir,
    lock,
    replaces,
    clearReplaced() {
      if (replaces) for (const f of runFiles(dir)) rmSync(f, { force: true });
    },
    abandon() {
      lock.release();
      if (!created) return;
      // rmdir only removes empty folders: anything written meanwhile stays.
      for (const d of [join(dir, 'checkpoints'), dir]) {
        try {
          rmdirSync(d);
        } catch {
          return;
        }
      }
    },
  };
}
