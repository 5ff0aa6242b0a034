// `lapo dataset info`: the summary's numbers on the fixtures, and the CLI as a user runs it (text, --json, and a
// bad file giving one stderr line and exit code 1). Run `npm run build` first when testing a local change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { datasetInfo, formatInfo } from '../../src/data/info.js';
import { fixture, tempDir } from './helpers.js';

// The CLI as a user runs it: compiled bin/lapo.js (npm ci builds dist/ through the prepare script).
function lapo(...args: string[]) {
  return spawnSync(process.execPath, ['bin/lapo.js', ...args], { encoding: 'utf8' });
}

test('info on the d4rl fixture: counts, keys with roles, action range, reward statistics', async () => {
  const s = await datasetInfo(fixture('multimodal/d4rl-image-state.h5'));
  assert.equal(s.layout, 'd4rl');
  assert.equal(s.episodes, 3);
  assert.equal(s.steps, 25);
  assert.equal(s.transitions, 23);
  assert.equal(s.terminals, 1);
  assert.equal(s.timeLimitEnds, 2);
  assert.equal(s.droppedSteps, 2);
  const roles = Object.fromEntries(s.keys.map((k) => [k.path, [k.role, k.dtype, k.shape.join('x')]]));
  assert.deepEqual(roles['observations/image'], ['image', 'uint8', '25x32x32x3']);
  assert.deepEqual(roles['observations/state'], ['state', 'float32', '25x16']);
  assert.deepEqual(roles.timeouts, ['timeouts', 'bool', '25']);
  // action[:,0] = t + 0.5 over kept steps: t in 0..9 (episode 0), 0..4, 0..7
  assert.equal(s.action.min[0], 0.5);
  assert.equal(s.action.max[0], 9.5);
  const rewards = [...[...Array(10).keys()].map((t) => t / 100), ...[...Array(5).keys()].map((t) => t / 100 + 1), ...[...Array(8).keys()].map((t) => t / 100 + 2)];
  const mean = rewards.reduce((a, b) => a + b, 0) / rewards.length;
  assert.ok(Math.abs(s.reward.mean - mean) < 1e-6);
  assert.ok(Math.abs(s.reward.max - 2.07) < 1e-6);
  assert.match(formatInfo(s), /ends\s+1 terminal, 2 time-limit/);
});

test('lapo dataset info prints the summary; --json is machine-readable', () => {
  const file = fixture('real/minari-d4rl-door-human-v2.hdf5');
  const text = lapo('dataset', 'info', file);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /layout\s+minari/);
  assert.match(text.stdout, /episodes\s+25 /);
  assert.match(text.stdout, /transitions\s+6729 /);
  assert.match(text.stdout, /ends\s+0 terminal, 25 time-limit/);
  const json = lapo('dataset', 'info', file, '--json', '--valid-fraction', '0.2');
  assert.equal(json.status, 0, json.stderr);
  const s = JSON.parse(json.stdout);
  assert.equal(s.transitions, 6729);
  assert.equal(s.action.dim, 28);
  assert.equal(s.split.validEpisodes, 5);
  assert.deepEqual(s.spec.stateDims, [39]);
});

test('a bad file: one line on stderr naming the file, exit code 1, nothing on stdout', () => {
  const dir = tempDir();
  const bad = join(dir, 'bad.h5');
  writeFileSync(bad, 'not hdf5 at all');
  const r = lapo('dataset', 'info', bad);
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /^lapo: .*bad\.h5: expected an HDF5 file, found no HDF5 signature/);
  const flag = lapo('dataset', 'info', fixture('multimodal/fork-3view-joint.h5'), '--layout', 'hdf9');
  assert.equal(flag.status, 2);
  assert.match(flag.stderr, /--layout: expected d4rl\|minari\|robomimic\|d3rlpy/);
});
