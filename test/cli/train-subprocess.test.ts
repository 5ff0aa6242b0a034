// lapo train as a user runs it: the compiled CLI (bin/lapo.js → dist/, built by `npm ci` / `npm run build`) in a
// child process on the cpu backend: a short run, Ctrl-C (SIGINT → checkpoint, exit 130), and one-line errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fixture, readJsonFile, tempRuns } from '../run/fixtures.js';

function needBuild(): void {
  if (!existsSync('dist/cli/main.js')) throw new Error('dist/ is missing: run `npm run build` (npm ci does it) before the CLI tests');
}

const tiny = ['--config', 'configs/smoke.json', '--backend', 'cpu'];

test('lapo train runs a few steps on a fixture and prints the run folder on stdout', () => {
  needBuild();
  const runs = tempRuns();
  const r = spawnSync(
    process.execPath,
    ['bin/lapo.js', 'train', '--dataset', fixture('d4rl-image-state.h5'), ...tiny, '--steps', '6', '--log-every', '3', '--runs-dir', runs, '--run-name', 's'],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `${join(runs, 's')}\n`);
  assert.match(r.stderr, /^lapo: backend cpu \(1 thread; /);
  assert.match(r.stderr, /lapo: run completed at step 6: /);
  const csv = readFileSync(join(runs, 's', 'metrics.csv'), 'utf8').trim().split('\n');
  assert.equal(csv.length, 3);
  assert.ok(csv[0].startsWith('step,wall_s,updates_per_s,critic_loss,'));
  assert.equal(readJsonFile<{ status: string; backend: { name: string } }>(join(runs, 's', 'meta.json')).backend.name, 'cpu');
});

test('Ctrl-C finishes the step, saves a checkpoint and exits 130 with a message', async () => {
  needBuild();
  const runs = tempRuns();
  const dir = join(runs, 'c');
  const child = spawn(
    process.execPath,
    ['bin/lapo.js', 'train', '--dataset', fixture('fork-3view-joint.h5'), ...tiny, '--steps', '100000', '--log-every', '1', '--save-every', '0', '--runs-dir', runs, '--run-name', 'c'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const csv = join(dir, 'metrics.csv');
  for (let i = 0; i < 600; i++) {
    if (existsSync(csv) && readFileSync(csv, 'utf8').trim().split('\n').length >= 3) break;
    await sleep(100);
  }
  child.kill('SIGINT');
  const code = await exited;
  assert.equal(code, 130, stderr);
  const m = /interrupted at step (\d+); saved (\S+); continue with: lapo train --resume (\S+)/.exec(stderr);
  assert.ok(m, stderr);
  const step = Number(m[1]);
  assert.ok(step >= 2);
  assert.equal(m[3], dir);
  assert.ok(existsSync(join(dir, 'checkpoints', `step_${step}`, 'checkpoint.json')));
  const meta = readJsonFile<{ status: string; checkpointStep: number }>(join(dir, 'meta.json'));
  assert.equal(meta.status, 'interrupted');
  assert.equal(meta.checkpointStep, step);
});

test('SIGHUP (terminal closed, output gone) saves a checkpoint and marks the run interrupted, as SIGTERM does', async () => {
  needBuild();
  const runs = tempRuns();
  const dir = join(runs, 'h');
  const child = spawn(
    process.execPath,
    ['bin/lapo.js', 'train', '--dataset', fixture('minari-dict-obs.hdf5'), ...tiny, '--steps', '100000', '--log-every', '1', '--save-every', '0', '--runs-dir', runs, '--run-name', 'h'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const csv = join(dir, 'metrics.csv');
  for (let i = 0; i < 600; i++) {
    if (existsSync(csv) && readFileSync(csv, 'utf8').trim().split('\n').length >= 3) break;
    await sleep(100);
  }
  // the terminal is gone: every later write to stdout/stderr fails
  child.stdout.destroy();
  child.stderr.destroy();
  child.kill('SIGHUP');
  assert.equal(await exited, 130);
  const meta = readJsonFile<{ status: string; checkpointStep: number; message: string }>(join(dir, 'meta.json'));
  assert.equal(meta.status, 'interrupted');
  assert.ok(meta.checkpointStep >= 2);
  assert.match(meta.message, new RegExp(`^interrupted at step ${meta.checkpointStep}; saved `));
  assert.ok(existsSync(join(dir, 'checkpoints', `step_${meta.checkpointStep}`, 'checkpoint.json')));
  assert.equal(existsSync(join(dir, '.lock')), false);
});

test('bad flags and config files: one line on stderr, exit 2, no stack trace', () => {
  needBuild();
  const run = (...args: string[]) => spawnSync(process.execPath, ['bin/lapo.js', 'train', ...args], { encoding: 'utf8' });
  for (const [args, re] of [
    [['--dataset', 'x.h5', '--tau', '2'], /^lapo: --tau: expected a number in \[0, 1\], found 2\n$/],
    [['--dataset', 'x.h5', '--batchsize', '2'], /^lapo: unknown option '--batchsize'/],
    [['--steps', '5'], /^lapo: --dataset: required/],
  ] as [string[], RegExp][]) {
    const r = run(...args);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, re);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
  const missing = run('--dataset', 'nope/none.h5', '--backend', 'cpu', '--quiet');
  assert.equal(missing.status, 1);
  assert.equal(missing.stderr, 'lapo: nope/none.h5: no such file\n');
});
