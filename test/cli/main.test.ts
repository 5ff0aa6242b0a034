import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

// The CLI as a user runs it: compiled bin/lapo.js (npm ci builds dist/ through the prepare script).
function lapo(...args: string[]) {
  return spawnSync(process.execPath, ['bin/lapo.js', ...args], { encoding: 'utf8' });
}

test('lapo --help lists the commands with one-line descriptions', () => {
  const r = lapo('--help');
  assert.equal(r.status, 0);
  for (const cmd of ['dataset']) assert.match(r.stdout, new RegExp(`\\n  ${cmd}\\b.*\\S`));
});

test('an unknown command is one line on stderr and exit 2', () => {
  const r = lapo('frobnicate');
  assert.equal(r.status, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /^lapo: unknown command 'frobnicate'/);
});

test('a bad backend names the flag and the choices, no stack trace', () => {
  const r = lapo('--backend', 'gpu9000', 'dataset', 'info', 'x.h5');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--backend/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});
