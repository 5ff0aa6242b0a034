// A run that cannot write any more (here bash's `ulimit -f`, which cuts writes short as a full disk does): lapo
// train stops with one line naming the file, exit 1, the run marked failed with that line, and every CSV ends in
// whole rows. Compiled bin/lapo.js: `npm run build` first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture, readJsonFile, tempRuns } from '../run/fixtures.js';

test('a CSV append that hits the file size limit: one line naming the file, status failed, whole rows', () => {
  if (!existsSync('dist/cli/main.js')) throw new Error('dist/ is missing: run `npm run build` before the CLI tests');
  const runs = tempRuns();
  const dir = join(runs, 'full');
  const args = ['bin/lapo.js', 'train', '--dataset', fixture('minari-dict-obs.hdf5'), '--config', 'configs/smoke.json', '--backend', 'cpu', '--log-every', '1', '--save-every', '0', '--runs-dir', runs, '--run-name', 'full', '--quiet'];
  // 8 KiB per file: config.json and meta.json fit; grads.csv (~1.3 KB a logged step) fills up first.
  const r = spawnSync('bash', ['-c', 'ulimit -f 8 && exec "$0" "$@"', process.execPath, ...args], { encoding: 'utf8' });
  assert.equal(r.status, 1, r.stderr);
  const line = `${join(dir, 'grads.csv')}: appending rows (the file keeps its whole rows): expected the file to grow, found the file size limit reached (ulimit -f) (EFBIG)`;
  assert.equal(r.stderr, `lapo: ${line}\n`);
  const meta = readJsonFile<{ status: string; message: string }>(join(dir, 'meta.json'));
  assert.equal(meta.status, 'failed');
  assert.equal(meta.message, line);
  for (const file of ['grads.csv', 'metrics.csv']) {
    const text = readFileSync(join(dir, file), 'utf8');
    assert.ok(text.endsWith('\n'), file);
    const lines = text.trimEnd().split('\n');
    assert.ok(lines.length > 2, file);
    const fields = lines[0].split(',').length;
    assert.ok(lines.every((l) => l.split(',').length === fields), `${file}: every line has the header's ${fields} fields`);
  }
  assert.equal(existsSync(join(dir, '.lock')), false);
});
