// An uncompressed copy of the arrays lazy mode cannot pread from the HDF5 file (compressed, or stored in a way
// direct-rows.ts does not follow), filled one chunk at a time the first time a batch needs a row of it, in a
// scratch file. Why: uniform random sampling touches a different chunk for nearly every transition, so a bounded
// in-memory chunk cache mostly misses and every sample pays a whole chunk's decompression per view (gzip, 16 rows
// of 64x64x3: ~300 samples per CPU-second, whatever the cache policy). With the copy each chunk is
// decompressed once per run; afterwards its rows are one pread away, as fast as an uncompressed file. Batches are
// the same as without it (same rows, same bytes); only the first pass over the chunks is as slow as before.
//
// The file is created in the scratch directory and unlinked at once: it has no name, so nothing is left behind
// when the process ends, however it ends; the OS frees the space when the descriptor closes. Its size grows to
// the uncompressed size of the copied arrays (holes until filled).
import { accessSync, closeSync, constants, openSync, rmSync, statSync, statfsSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LapoError } from '../errors.js';
import type { H5Reader } from './h5.js';
import { keyPath } from './layout-common.js';
import type { FrameSegment } from './plan.js';

const TMPFS_MAGIC = 0x01021994;
const PAGE = 4096;
/** Rows per block of an unchunked array (one that is contiguous but not directly readable): about this many bytes. */
const UNCHUNKED_BLOCK_BYTES = 256 * 1024;
/** Free space to leave on the scratch file system beyond the copy's full size. */
const SPARE_BYTES = 2 ** 30;

export interface ScratchChoice {
  dir: string;
  /** The user named the directory: use it even on tmpfs. */
  explicit: boolean;
}

/** Why no copy is made, or null when `dir` can hold `need` bytes (plus 1 GiB spare) on a disk-backed file system. */
export function scratchProblem(choice: ScratchChoice, need: number): string | null {
  let st;
  try {
    st = statfsSync(choice.dir);
  } catch {
    return `${choice.dir} does not exist`;
  }
  if (!choice.explicit && Number(st.type) === TMPFS_MAGIC) return `${choice.dir} is a tmpfs (memory): name a disk directory for the copy`;
  const free = Number(st.bavail) * Number(st.bsize);
  if (free < need + SPARE_BYTES) return `${choice.dir} has ${gib(free)} GiB free, the copy needs ${gib(need)} GiB (+1 GiB spare)`;
  return null;
}

function scratchError(why: string): LapoError {
  return new LapoError(
    'usage',
    `--scratch-dir: expected room for lazy mode's uncompressed copy, found: ${why}`,
    'name another directory, or none to read compressed chunks through the memory cache (slower)',
  );
}

/**
 * A scratch directory the user named (--scratch-dir, config key scratchDir) must exist, be a directory and be
 * writable: checked before anything is read, in every mode, so a typo fails at once rather than after a long
 * eager load or silently in a lazy run.
 */
export function checkScratchDir(dir: string): void {
  const bad = (why: string) => new LapoError('usage', `--scratch-dir: expected a writable directory, found ${JSON.stringify(dir)} (${why})`);
  let st;
  try {
    st = statSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw bad(code === 'ENOENT' || code === 'ENOTDIR' ? 'no such directory' : `cannot read it: ${code ?? String(e)}`);
  }
  if (!st.isDirectory()) throw bad('not a directory');
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch (e) {
    throw bad(`not writable: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

/**
 * The scratch copy for `need` bytes in `dir` (undefined: the OS temp directory; null: none). A directory the user
 * named must work (else a LapoError); the default one is skipped, with the reason, when it cannot hold the copy.
 */
export function openScratchCopy(dir: string | null | undefined, need: number, create: (dir: string) => ShadowStore): { store: ShadowStore | null; skipped: string | null } {
  if (need === 0) return { store: null, skipped: null };
  if (dir === null) return { store: null, skipped: 'turned off' };
  const choice = { dir: dir ?? tmpdir(), explicit: dir !== undefined };
  let skipped = scratchProblem(choice, need);
  if (!skipped) {
    try {
      return { store: create(choice.dir), skipped: null };
    } catch (e) {
      skipped = `cannot create a file in ${choice.dir} (${(e as NodeJS.ErrnoException).code ?? String(e)})`;
    }
  }
  if (choice.explicit) throw scratchError(skipped);
  return { store: null, skipped };
}

function gib(b: number): string {
  return (b / 2 ** 30).toFixed(1);
}

export type BlockLoader = (s: number, k: number, start: number, n: number, use: (bytes: Uint8Array) => void) => void;

export class ShadowStore {
  readonly fd: number;
  /** [segment * keys + key] → position of row 0 in the scratch file, or -1 before the array's first use. */
  private readonly regions: Float64Array;
  private readonly present = new Map<number, Uint8Array>();
  private readonly blockRowsOf: Int32Array;
  private end = 0;
  private closed = false;
  blocksLoaded = 0;

  constructor(
    private readonly r: H5Reader,
    private readonly segments: readonly FrameSegment[],
    private readonly keys: readonly string[],
    private readonly rowBytes: readonly number[],
    readonly dir: string,
    /** Rows [start, start+n) of key k in segment s, handed to `use` (default: h5wasm). */
    private readonly load: BlockLoader = (s, k, start, n, use) => r.withRows(keyPath(segments[s], keys[k]), start, n, use),
  ) {
    const path = join(dir, `.lapo-lazy-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
    this.fd = openSync(path, 'wx+', 0o600);
    try {
      unlinkSync(path);
    } catch (e) {
      // a platform that cannot unlink an open file (Windows): no copy rather than a file left behind
      closeSync(this.fd);
      rmSync(path, { force: true });
      throw e;
    }
    this.regions = new Float64Array(segments.length * keys.length).fill(-1);
    this.blockRowsOf = new Int32Array(keys.length);
  }

  /** Bytes copied so far. */
  copied = 0;

  private blockRows(k: number, path: string): number {
    if (this.blockRowsOf[k] === 0) {
      const info = this.r.info(path);
      this.blockRowsOf[k] = info.chunks ? Math.max(1, info.chunks[0]) : Math.max(1, Math.floor(UNCHUNKED_BLOCK_BYTES / Math.max(1, this.rowBytes[k])));
    }
    return this.blockRowsOf[k];
  }

  /**
   * Position in the scratch file (read it with `fd`) of rows [row, row + count) of key k in segment s, copying the
   * blocks that hold them from the HDF5 file first when this is their first use.
   */
  locate(s: number, k: number, row: number, count: number): number {
    const i = s * this.keys.length + k;
    const seg = this.segments[s];
    const rb = this.rowBytes[k];
    if (this.regions[i] < 0) {
      this.regions[i] = this.end;
      this.end += Math.ceil((seg.rows * rb) / PAGE) * PAGE;
    }
    // rows are the segment's file rows [fileStart, fileStart + rows); the copy holds them from its row 0
    const path = keyPath(seg, this.keys[k]);
    const br = this.blockRows(k, path);
    const first = row - seg.fileStart;
    let bits = this.present.get(i);
    if (!bits) this.present.set(i, (bits = new Uint8Array(Math.ceil((seg.fileStart + seg.rows) / br))));
    for (let b = Math.floor(row / br); b <= Math.floor((row + count - 1) / br); b++) {
      if (bits[b]) continue;
      // whole chunks in the file's row numbering (what HDF5 decompresses), clipped to the segment
      const start = Math.max(b * br, seg.fileStart);
      const n = Math.min((b + 1) * br, seg.fileStart + seg.rows) - start;
      const pos = this.regions[i] + (start - seg.fileStart) * rb;
      this.load(s, k, start, n, (bytes) => {
        let done = 0;
        try {
          while (done < bytes.byteLength) done += writeSync(this.fd, bytes, done, bytes.byteLength - done, pos + done);
        } catch (e) {
          // e.g. ENOSPC: the disk filled up after the check at open
          const code = (e as NodeJS.ErrnoException).code ?? String(e);
          throw new LapoError('runtime', `${this.r.file}: ${path}: copying chunks to the scratch directory ${this.dir} failed (${code})`, 'free space there, or name another scratch directory');
        }
        this.copied += done;
      });
      bits[b] = 1;
      this.blocksLoaded++;
    }
    return this.regions[i] + first * rb;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.present.clear();
    closeSync(this.fd);
  }
}
