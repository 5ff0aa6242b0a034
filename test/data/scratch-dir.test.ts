// --scratch-dir (LoadOptions.scratchDir): a named directory must exist, be a directory and be writable (one line
// naming the flag and the path, exit code 2); the loader makes its scratch copy there; the lazy-storage line says
// which arrays are read straight from the file and whether a copy is used (where) or skipped (why), and
// `dataset info` shows the same line in lazy mode. The CLI checks run bin/lapo.js: `npm run build` first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { datasetInfo, formatInfo } from '../../src/data/info.js';
import { describeLazyStorage } from '../../src/data/lazy-report.js';
import type { LazyStorage } from '../../src/data/frames-lazy.js';
import { loadDataset } from '../../src/data/load.js';
import { checkScratchDir } from '../../src/data/shadow-store.js';
import { LapoError } from '../../src/errors.js';
import { Rng } from '../../src/util/rng.js';
import { tempDir, writeD4rl } from './helpers.js';

const dir = tempDir();
const scratch = join(dir, 'scratch');
mkdirSync(scratch);
const gz = join(dir, 'gzip-views.h5');
const plain = join(dir, 'plain-views.h5');
// 1500 frames of two 16x16 views + 4-d state: an eager estimate of ~2.3 MiB, over --max-memory-mb 1
const EPISODES = [500, 500, 500];

function lapo(...args: string[]) {
  return spawnSync(process.execPath, ['bin/lapo.js', ...args], { encoding: 'utf8' });
}

function expectFlagError(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof LapoError, String(e));
    assert.equal(e.message, message);
    assert.equal(e.exitCode, 2);
    return true;
  });
}

test('checkScratchDir: missing, a file, not writable, and a good directory', async () => {
  await writeD4rl(gz, { episodes: EPISODES, h: 16, w: 16, views: 2, chunks: 50, gzip: 1 });
  await writeD4rl(plain, { episodes: EPISODES, h: 16, w: 16, views: 2 });
  const missing = join(dir, 'no', 'such');
  expectFlagError(() => checkScratchDir(missing), `--scratch-dir: expected a writable directory, found ${JSON.stringify(missing)} (no such directory)`);
  expectFlagError(() => checkScratchDir(gz), `--scratch-dir: expected a writable directory, found ${JSON.stringify(gz)} (not a directory)`);
  checkScratchDir(scratch);
  if (process.getuid?.() !== 0) {
    // root may write anywhere: only an ordinary user can see this refusal
    const ro = join(dir, 'read-only');
    mkdirSync(ro, 0o555);
    expectFlagError(() => checkScratchDir(ro), `--scratch-dir: expected a writable directory, found ${JSON.stringify(ro)} (not writable: EACCES)`);
    chmodSync(ro, 0o755);
  }
});

test('the loader makes its scratch copy in the named directory, and says so', async () => {
  const l = await loadDataset(gz, { mode: 'lazy', scratchDir: scratch });
  try {
    l.sample('train', 32, new Rng(1));
    const st = l.lazyStorage as LazyStorage;
    assert.equal(st.scratch?.dir, scratch);
    assert.ok((st.scratch?.bytes ?? 0) > 0, 'rows were copied');
    assert.deepEqual(st.arrays, [
      { key: 'view0', read: 'scratch' },
      { key: 'view1', read: 'scratch' },
      { key: 'state', read: 'file' },
    ]);
    assert.equal(describeLazyStorage(st), `straight from the file: state; from a scratch copy in ${scratch}: view0, view1`);
  } finally {
    l.close();
  }
  const off = await loadDataset(gz, { mode: 'lazy', scratchDir: null });
  try {
    assert.equal(describeLazyStorage(off.lazyStorage as LazyStorage), 'straight from the file: state; through the block cache, a chunk decoded per sample (slower): view0, view1; no scratch copy: turned off');
  } finally {
    off.close();
  }
  const direct = await loadDataset(plain, { mode: 'lazy', scratchDir: scratch });
  try {
    assert.equal(describeLazyStorage(direct.lazyStorage as LazyStorage), 'straight from the file: view0, view1, state; no scratch copy needed');
  } finally {
    direct.close();
  }
});

test('a skipped copy names the reason and the flag', () => {
  const st: LazyStorage = {
    resolved: 2,
    direct: 0,
    scratch: null,
    scratchSkipped: '/dev/shm is a tmpfs (memory): name a disk directory for the copy',
    cache: { hits: 0, misses: 0 },
    arrays: [{ key: 'image', read: 'cache' }, { key: 'joint', read: 'cache' }],
  };
  assert.equal(
    describeLazyStorage(st),
    'straight from the file: (none); through the block cache, a chunk decoded per sample (slower): image, joint; ' +
      'no scratch copy: /dev/shm is a tmpfs (memory): name a disk directory for the copy (pass --scratch-dir DIR)',
  );
});

test('dataset info shows the same lazy line (lazy mode only) and refuses a bad --scratch-dir', async () => {
  const s = await datasetInfo(gz, { maxMemoryMB: 1, scratchDir: scratch });
  assert.equal(s.memory.mode, 'lazy');
  assert.equal(s.lazy, `straight from the file: state; from a scratch copy in ${scratch}: view0, view1`);
  assert.match(formatInfo(s), new RegExp(`^lazy {9}straight from the file: state; from a scratch copy in ${scratch}: view0, view1$`, 'm'));
  const eager = await datasetInfo(gz, { scratchDir: scratch });
  assert.equal(eager.memory.mode, 'eager');
  assert.equal(eager.lazy, null);
  assert.doesNotMatch(formatInfo(eager), /^lazy/m);
  const missing = join(dir, 'missing');
  await assert.rejects(datasetInfo(gz, { scratchDir: missing }), { message: `--scratch-dir: expected a writable directory, found ${JSON.stringify(missing)} (no such directory)` });
});

test('lapo dataset info --scratch-dir: the lazy line, and one error line (exit 2) for a bad directory', () => {
  const r = lapo('dataset', 'info', gz, '--max-memory-mb', '1', '--scratch-dir', scratch);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.stdout.includes(`\nlazy         straight from the file: state; from a scratch copy in ${scratch}: view0, view1\n`), r.stdout);
  const file = join(dir, 'a-file');
  writeFileSync(file, 'x');
  for (const [bad, why] of [[join(dir, 'missing'), 'no such directory'], [file, 'not a directory']]) {
    const e = lapo('dataset', 'info', gz, '--max-memory-mb', '1', '--scratch-dir', bad);
    assert.equal(e.status, 2, e.stderr);
    assert.equal(e.stdout, '');
    assert.equal(e.stderr, `lapo: --scratch-dir: expected a writable directory, found ${JSON.stringify(bad)} (${why})\n`);
  }
});
