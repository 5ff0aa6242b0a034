// Atomic writes for files a user keeps (run folders, checkpoints, CSV rewrites): write to a temporary name in
// the same directory, flush it to disk, then rename over the final name. rename(2) within one filesystem is
// atomic, so a crash (or Ctrl-C, or a full disk) leaves either the old file or the new one, never half of one.
import { promises as fsp, openSync, writeSync, fsyncSync, closeSync, renameSync, rmSync, existsSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { rethrowOsError } from '../util/os-error.js';

/** A temp path beside `path` (same directory, hence same filesystem, so the final rename is atomic). */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/**
 * Writes `data` to `path` atomically (temp file, fsync, rename). An operating-system error (full disk, read-only
 * folder, a folder at `path`) becomes one line naming `path`, not the temp name.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  try {
    await writeViaTemp(path, data);
  } catch (e) {
    rethrowOsError(e, 'writing', path);
  }
}

async function writeViaTemp(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = tempPathFor(path);
  const fh = await fsp.open(tmp, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => undefined);
    await fsp.rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  try {
    await fsp.rename(tmp, path);
  } catch (e) {
    await fsp.rm(tmp, { force: true });
    throw e;
  }
}

/** Synchronous variant, for the few places that run inside a signal handler or a sync code path. */
export function writeFileAtomicSync(path: string, data: string | Uint8Array): void {
  const tmp = tempPathFor(path);
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
}

/** JSON with two-space indentation and a trailing newline, written atomically. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Builds a directory atomically: `fill` writes into a temp directory beside `dir`, which is then renamed to
 * `dir`. If `dir` already exists (a checkpoint of the same step written again after a resume from an earlier
 * one), the old one is first moved aside and removed only after the new one is in place.
 */
export async function writeDirAtomic(dir: string, fill: (tmpDir: string) => Promise<void>): Promise<void> {
  const tmp = tempPathFor(dir);
  await fsp.mkdir(tmp, { recursive: true });
  try {
    await fill(tmp);
  } catch (e) {
    await fsp.rm(tmp, { recursive: true, force: true });
    throw e;
  }
  let old: string | null = null;
  if (existsSync(dir)) {
    old = tempPathFor(dir);
    await fsp.rename(dir, old);
  }
  await fsp.rename(tmp, dir);
  await fsyncDir(dirname(dir));
  if (old) await fsp.rm(old, { recursive: true, force: true });
}

/** Makes a rename durable (best effort: some filesystems do not allow opening a directory). */
async function fsyncDir(dir: string): Promise<void> {
  try {
    const fh = await fsp.open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    /* not supported here; the rename itself is still atomic */
  }
}

/** Removes temp files/dirs left in `dir` by a process that died mid-write (names made by tempPathFor). */
export async function removeStaleTemps(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const removed: string[] = [];
  for (const name of await fsp.readdir(dir)) {
    if (/^\..+\.tmp-\d+-[0-9a-f]{8}$/.test(name)) {
      await fsp.rm(join(dir, name), { recursive: true, force: true });
      removed.push(name);
    }
  }
  return removed;
}
