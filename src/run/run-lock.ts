// One process owns a run folder at a time. The owner holds runs/<name>/.lock, created atomically (a complete
// temp file hard-linked to the lock name; link(2) fails if the name exists), so of two processes claiming the
// folder together exactly one wins. The file holds the owner's pid, host and process start time; it is removed
// when the owner finishes, fails, is interrupted or exits. A lock left by a process that is gone (SIGKILL, power
// loss) is stale: the next claim takes it over and says so. Pid reuse is caught by comparing the start time the
// kernel reports for that pid (Linux /proc) with the recorded one.
import { closeSync, existsSync, linkSync, openSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { LapoError } from '../errors.js';

export const LOCK_FILE = '.lock';

export interface LockOwner {
  pid: number;
  host: string;
  /** The kernel's start time of the pid (clock ticks since boot), null where /proc is not available. */
  procStart: string | null;
  /** When the owner claimed the folder (ISO time). */
  since: string;
  /** What the owner runs, e.g. "lapo train". */
  command: string;
}

/** Start time of a process from /proc/<pid>/stat (field 22), or null where it cannot be read. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the pid exists but belongs to another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the recorded owner still runs; an owner on another host cannot be checked and counts as running. */
export function ownerAlive(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return true;
  if (!pidAlive(owner.pid)) return false;
  const start = processStartTime(owner.pid);
  return owner.procStart === null || start === null || start === owner.procStart;
}

function readOwner(path: string): LockOwner | null {
  try {
    const o = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    if (typeof o.pid !== 'number' || typeof o.host !== 'string') return null;
    return { pid: o.pid, host: o.host, procStart: o.procStart ?? null, since: String(o.since ?? '?'), command: String(o.command ?? 'lapo') };
  } catch {
    return null;
  }
}

function describeOwner(o: LockOwner): string {
  const where = o.host === hostname() ? '' : ` on ${o.host}`;
  return `pid ${o.pid}${where}, ${o.command} since ${o.since}`;
}

export class RunLock {
  private released = false;
  private readonly onExit = () => this.release();

  private constructor(
    readonly path: string,
    private readonly text: string,
    /** The previous owner when the lock was taken over from a process that is gone. */
    readonly staleOwner: LockOwner | null,
  ) {
    // process.exit() (second Ctrl-C) skips finally blocks; the lock must still go.
    process.on('exit', this.onExit);
  }

  /**
   * Claims `runDir` for this process. Refuses, with one line naming the run and the owner's pid, when another
   * live process holds it; takes over a lock whose owner is gone (staleOwner says whose).
   */
  static acquire(runDir: string, command: string): RunLock {
    const path = join(runDir, LOCK_FILE);
    const me: LockOwner = { pid: process.pid, host: hostname(), procStart: processStartTime(process.pid), since: new Date().toISOString(), command };
    const text = `${JSON.stringify(me)}\n`;
    let stale: LockOwner | null = null;
    for (let attempt = 0; attempt < 3; attempt++) {
      if (tryCreate(path, text)) return new RunLock(path, text, stale);
      const owner = readOwner(path);
      if (owner && ownerAlive(owner)) {
        throw new LapoError(
          'usage',
          `${runDir}: in use by another lapo process (${describeOwner(owner)})`,
          owner.host === hostname()
            ? `wait for it to finish or stop it (kill ${owner.pid}); a run folder has one writer at a time`
            : `if no lapo process runs on ${owner.host}, delete ${path}`,
        );
      }
      // Gone (or an unreadable lock file, e.g. torn by a crash between create and write): move it aside
      // atomically, so that of two processes taking over at once only one removes it.
      const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
      try {
        renameSync(path, aside);
      } catch {
        continue; // someone else moved it first; try the claim again
      }
      const moved = readOwner(aside);
      if (moved && ownerAlive(moved)) {
        // A live owner claimed it between our read and the rename: give it back and refuse.
        renameSync(aside, path);
        throw new LapoError('usage', `${runDir}: in use by another lapo process (${describeOwner(moved)})`);
      }
      rmSync(aside, { force: true });
      stale = stale ?? owner ?? moved;
    }
    throw new LapoError('runtime', `${path}: could not claim the run folder (another process keeps claiming it)`);
  }

  /** Removes the lock if it is still ours (idempotent, synchronous: it also runs on process exit). */
  release(): void {
    if (this.released) return;
    this.released = true;
    process.off('exit', this.onExit);
    try {
      if (existsSync(this.path) && readFileSync(this.path, 'utf8') === this.text) unlinkSync(this.path);
    } catch {
      /* the folder was removed or is read-only now: nothing left to release */
    }
  }
}

/**
 * Creates the lock file with its whole content or not at all: written to a temp name, then hard-linked to the
 * lock name (link(2) fails with EEXIST if it exists), so no reader ever sees an empty lock. Where the filesystem
 * has no hard links, an O_EXCL create is the fallback.
 */
function tryCreate(path: string, text: string): boolean {
  const tmp = `${path}.new-${process.pid}-${randomBytes(4).toString('hex')}`;
  writeFileSync(tmp, text, { flag: 'wx' });
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw e;
    return createExclusive(path, text);
  } finally {
    rmSync(tmp, { force: true });
  }
}

function createExclusive(path: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return true;
}
