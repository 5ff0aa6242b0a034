import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../env/run-cli.js';

test('lapo demo (shortened): dataset, run folder, CSVs, eval.json and frames, and says where they are', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lapo-demo-'));
  try {
    const args = ['demo', '--steps', '8', '--episodes', '6', '--eval-episodes', '2', '--image-size', '32', '--datasets-dir', join(dir, 'datasets'), '--runs-dir', join(dir, 'runs'), '--quiet'];
    const r = runCli(args);
    assert.equal(r.code, 0, r.stderr);
    const where = (label: string) => {
      const m = new RegExp(`^${label}\\s+(\\S+)$`, 'm').exec(r.stdout);
      assert.ok(m, `no "${label}" line in:\n${r.stdout}`);
      return m[1];
    };
    for (const label of ['dataset', 'run folder', 'metrics', 'evaluations', 'eval.json', 'frames']) assert.ok(existsSync(where(label)), label);
    assert.ok(where('dataset').startsWith(join(dir, 'datasets')));
    assert.ok(where('run folder').startsWith(join(dir, 'runs')));
    const ev = JSON.parse(readFileSync(where('eval.json'), 'utf8'));
    assert.equal(ev.step, 8);
    assert.equal(ev.online.task, 'maze2d-umaze-dense-v0');
    assert.equal(readFileSync(where('evaluations'), 'utf8').trim().split('\n').length, 1 + 4, 'four evaluations');
    assert.match(r.stdout, /^next: lapo plot /m);
    // A second demo reuses the dataset (same arguments, same file) and makes a new run.
    const again = runCli(args.filter((a) => a !== '--quiet'));
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /lapo demo: reusing /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
