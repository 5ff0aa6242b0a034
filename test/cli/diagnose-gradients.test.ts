import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lapo, lapoMany } from '../plot/cli-runner.js';
import { sharedFile, TINY_FLAGS } from '../diagnostics/fixtures.js';

// `lapo diagnose-gradients` as a user runs it, from the TypeScript sources, on the cpu backend.
const run = (...args: string[]) => lapo(['--backend', 'cpu', ...args]);

const FILE = () => sharedFile('fixtures', 'multimodal', 'minari-dict-obs.hdf5');

test('default mode: --json prints one JSON object, exit 0', () => {
  const r = run('diagnose-gradients', '--dataset', FILE(), ...TINY_FLAGS, '--json');
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { ok: boolean; failed: number; encoderGrad: string; checks: { name: string; status: string; value?: number }[] };
  assert.equal(report.ok, true);
  assert.equal(report.failed, 0);
  assert.equal(report.encoderGrad, 'critic');
  assert.ok((report.checks.find((c) => c.name === 'reach.critic.encoder/conv1')?.value ?? 0) > 0);
  assert.match(r.stderr, /^lapo: backend cpu/);
});

test('--encoder-grad vae: table with the failing checks last, the one-line meaning, exit 1', () => {
  const r = run('diagnose-gradients', '--dataset', FILE(), ...TINY_FLAGS, '--encoder-grad', 'vae');
  assert.equal(r.status, 1, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0], /^diagnose-gradients: .*minari-dict-obs\.hdf5, freshly initialised model, --encoder-grad vae, batch 16, backend cpu$/);
  assert.match(lines[1], /^check\s+measured\s+expected\s+result$/);
  assert.equal(lines.at(-1), 'meaning: the encoder receives no value gradient: it learns only from action reconstruction');
  assert.match(lines.at(-2)!, /^\d+ checks passed, 7 failed$/);
  const rows = lines.slice(3, -3);
  const fails = rows.filter((l) => l.endsWith(' FAIL'));
  assert.equal(fails.length, 7);
  assert.deepEqual(rows.slice(-7), fails, 'failing rows are last');
  assert.match(fails[0], /^reach\.critic\.encoder\/conv1 +0 \(.* computed, dropped: not in the critic optimizer\) +> 0 \(first conv layer\) +FAIL$/);
  assert.match(fails.at(-1)!, /^step\.critic\.encoder +0 +> 0 +FAIL$/);
});

test('usage errors are one line and exit 2; a missing dataset or checkpoint exits 1', () => {
  const cases: [string[], number, RegExp][] = [
    [['diagnose-gradients', ...TINY_FLAGS], 2, /^lapo: --dataset: required/],
    [['diagnose-gradients', '--checkpoint', 'runs/x', '--hidden', '64'], 2, /^lapo: --hidden: the model comes from --checkpoint runs\/x; only --dataset, --encoder-grad, --batch-size and --scratch-dir apply/],
    [['diagnose-gradients', '--dataset', FILE(), '--encoder-grad', 'sometimes'], 2, /^lapo: --encoder-grad: expected one of critic\|vae\|both\|frozen \(lapo\), actor\|frozen \(bc\), or null, found "sometimes"/],
    [['diagnose-gradients', '--dataset', FILE(), '--batch-from', 'test'], 2, /^lapo: --batch-from: expected train\|valid, found "test"/],
    [['diagnose-gradients', '--dataset', 'nope.h5', ...TINY_FLAGS], 1, /^lapo: nope\.h5: no such file/],
    [['diagnose-gradients', '--checkpoint', 'no/such/run'], 1, /^lapo: no\/such\/run: no such run or checkpoint folder/],
  ];
  const results = lapoMany(cases.map(([args]) => ['--backend', 'cpu', ...args]));
  for (const [i, [args, status, re]] of cases.entries()) {
    const r = results[i];
    assert.equal(r.status, status, `${args.join(' ')}: ${r.stderr}`);
    const errLines = r.stderr.split('\n').filter((l) => l.startsWith('lapo: ') && !l.startsWith('lapo: backend'));
    assert.equal(errLines.length, 1, r.stderr);
    assert.match(errLines[0], re);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    assert.equal(r.stdout, '');
  }
});
