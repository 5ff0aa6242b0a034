// --scratch-dir as a user runs it (compiled bin/lapo.js: `npm run build` first): `lapo train` in lazy mode prints
// one start-up line saying which arrays are read straight from the file and where the scratch copy is; a missing
// directory or a file is one stderr line naming the flag and the path, exit code 2, for train, eval and
// diagnose-gradients alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeD4rl } from '../data/helpers.js';
import { tempRuns } from '../run/fixtures.js';

const runs = tempRuns();
const gz = join(runs, 'gzip-views.h5');
const scratch = join(runs, 'scratch');
const missing = join(runs, 'missing');
const aFile = join(runs, 'a-file');
const tiny = ['--config', 'configs/smoke.json', '--backend', 'cpu', '--runs-dir', runs];

function lapo(...args: string[]) {
  if (!existsSync('dist/cli/main.js')) throw new Error('dist/ is missing: run `npm run build` before the CLI tests');
  return spawnSync(process.execPath, ['bin/lapo.js', ...args], { encoding: 'utf8' });
}

const refusal = (dir: string, why: string) => `lapo: --scratch-dir: expected a writable directory, found ${JSON.stringify(dir)} (${why})\n`;

test('lapo train --max-memory-mb 1 --scratch-dir DIR: the lazy start-up line names DIR', async () => {
  mkdirSync(scratch);
  writeFileSync(aFile, 'x');
  // two gzip 16x16 views + 4-d state, ~2.3 MiB in memory
  await writeD4rl(gz, { episodes: [500, 500, 500], h: 16, w: 16, views: 2, chunks: 50, gzip: 1 });
  const r = lapo('train', '--dataset', gz, ...tiny, '--steps', '2', '--max-memory-mb', '1', '--scratch-dir', scratch, '--run-name', 'lazy');
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stderr.split('\n');
  assert.ok(lines.includes(`lapo: lazy mode: straight from the file: state; from a scratch copy in ${scratch}: view0, view1`), r.stderr);
  assert.equal(lines.filter((l) => l.startsWith('lapo: lazy mode:')).length, 1);
});

test('a missing --scratch-dir or a file: one line naming the flag and the path, exit code 2', () => {
  for (const [dir, why] of [[missing, 'no such directory'], [aFile, 'not a directory']]) {
    const r = lapo('train', '--dataset', gz, ...tiny, '--steps', '2', '--scratch-dir', dir, '--run-name', 'bad');
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stdout, '');
    // the backend line comes first; the refusal is the only other line
    assert.deepEqual(r.stderr.split('\n').filter((l) => l && !l.startsWith('lapo: backend ')), [refusal(dir, why).trimEnd()]);
  }
  assert.equal(existsSync(join(runs, 'bad')), false);
  const ev = lapo('eval', '--checkpoint', join(runs, 'lazy'), '--backend', 'cpu', '--no-online', '--scratch-dir', missing);
  assert.equal(ev.status, 2, ev.stderr);
  assert.ok(ev.stderr.endsWith(refusal(missing, 'no such directory')), ev.stderr);
  const dg = lapo('diagnose-gradients', '--dataset', gz, '--config', 'configs/smoke.json', '--backend', 'cpu', '--scratch-dir', aFile);
  assert.equal(dg.status, 2, dg.stderr);
  assert.ok(dg.stderr.endsWith(refusal(aFile, 'not a directory')), dg.stderr);
});
