// One writer per run folder, with real lapo processes (compiled bin/lapo.js: `npm run build` first): two starts
// of the same --run-name, a second start or a --resume while a run trains (refused, naming the owner's pid), and a
// --resume after the owner was SIGKILLed (takes the folder over and says so).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fixture, readJsonFile, tempRuns } from '../run/fixtures.js';

const tiny = ['--config', 'configs/smoke.json', '--backend', 'cpu'];

function needBuild(): void {
  if (!existsSync('dist/cli/main.js')) throw new Error('dist/ is missing: run `npm run build` before the CLI tests');
}

function start(args: string[]) {
  const child = spawn(process.execPath, ['bin/lapo.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, stderr: () => stderr };
}

function csvSteps(file: string): number[] {
  return readFileSync(file, 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[0]));
}

test('two starts of the same --run-name at once: one trains, the other is refused; no row is written twice', async () => {
  needBuild();
  const runs = tempRuns();
  const args = ['train', '--dataset', fixture('minari-dict-obs.hdf5'), ...tiny, '--steps', '6', '--log-every', '3', '--runs-dir', runs, '--run-name', 'twin', '--quiet'];
  const a = start(args);
  const b = start(args);
  const codes = [await a.exited, await b.exited].sort();
  assert.deepEqual(codes, [0, 2], `${a.stderr()}\n${b.stderr()}`);
  const refused = codes[0] === (await a.exited) ? b.stderr() : a.stderr();
  assert.match(refused, /^lapo: .*twin: (in use by another lapo process \(pid \d+, lapo train since |a run with this name exists)/);
  assert.deepEqual(csvSteps(join(runs, 'twin', 'metrics.csv')), [3, 6]);
  assert.equal(existsSync(join(runs, 'twin', '.lock')), false, 'the lock is gone after the run');
});

test('a run that trains refuses a second start and a --resume naming its pid; after a SIGKILL, --resume takes over', async (t) => {
  needBuild();
  const runs = tempRuns();
  const dir = join(runs, 'busy');
  const owner = start(['train', '--dataset', fixture('minari-dict-obs.hdf5'), ...tiny, '--steps', '100000', '--log-every', '1', '--save-every', '2', '--keep-checkpoints', '2', '--runs-dir', runs, '--run-name', 'busy']);
  t.after(() => owner.child.kill('SIGKILL')); // a failed assertion must not leave it training
  for (let i = 0; i < 600 && !existsSync(join(dir, 'checkpoints', 'step_2', 'checkpoint.json')); i++) await sleep(100);
  const pid = owner.child.pid!;
  const again = spawnSync(process.execPath, ['bin/lapo.js', 'train', '--dataset', fixture('minari-dict-obs.hdf5'), ...tiny, '--runs-dir', runs, '--run-name', 'busy', '--quiet'], { encoding: 'utf8' });
  assert.equal(again.status, 2, again.stderr);
  assert.match(again.stderr, new RegExp(`^lapo: ${dir}: in use by another lapo process \\(pid ${pid}, lapo train since [^)]+\\)\\nhint: wait for it to finish or stop it \\(kill ${pid}\\)`));
  const resume = spawnSync(process.execPath, ['bin/lapo.js', 'train', '--resume', dir, '--steps', '100001', '--backend', 'cpu', '--quiet'], { encoding: 'utf8' });
  assert.equal(resume.status, 2, resume.stderr);
  assert.match(resume.stderr, new RegExp(`^lapo: ${dir}: in use by another lapo process \\(pid ${pid}, lapo train since `));
  owner.child.kill('SIGKILL');
  await owner.exited;
  const rows = csvSteps(join(dir, 'metrics.csv'));
  assert.deepEqual(rows, rows.map((_, i) => i + 1), 'one writer: steps 1, 2, 3... once each');
  const ckpt = readJsonFile<{ checkpointStep: number; status: string }>(join(dir, 'meta.json'));
  assert.equal(ckpt.status, 'running');
  const after = spawnSync(process.execPath, ['bin/lapo.js', 'train', '--resume', dir, '--steps', String(ckpt.checkpointStep + 2), '--backend', 'cpu'], { encoding: 'utf8' });
  assert.equal(after.status, 0, after.stderr);
  assert.match(after.stderr, new RegExp(`lapo: ${dir}: took over from pid ${pid} \\(lapo train since [^)]+\\), which is no longer running\\n`));
  assert.match(after.stderr, /meta\.json said status running, but no process is training it/);
  assert.equal(readJsonFile<{ status: string }>(join(dir, 'meta.json')).status, 'completed');
  assert.equal(existsSync(join(dir, '.lock')), false);
});
