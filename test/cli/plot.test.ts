import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lapo, lapoMany } from '../plot/cli-runner.js';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tempRoot, writeRun } from '../plot/fake-runs.js';

test('lapo plot NAME... resolves names under ./runs, writes the file and lists the lines', () => {
  const root = tempRoot();
  try {
    for (const seed of [0, 1]) writeRun(root, { name: `px-s${seed}`, seed, encoderGrad: 'critic', offset: seed });
    writeRun(root, { name: 'px-frozen', seed: 0, encoderGrad: 'frozen', offset: 0 });
    const r = lapo(['plot', 'px-s0', 'px-s1', 'px-frozen', '--metric', 'critic_loss,q_mean', '--metric', 'delta_critic', '--band', 'minmax', '--out', 'out/fig.png'], root);
    assert.equal(r.stderr, '');
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^wrote out\/fig\.png \(png, \d+ bytes\): 3 panel\(s\) \[critic_loss, q_mean, delta_critic\], 2 line\(s\):/);
    assert.match(r.stdout, /\n {2}encoderGrad=critic \(2 seeds\): px-s0, px-s1\n {2}encoderGrad=frozen: px-frozen\n$/);
    assert.equal(readFileSync(join(root, 'out', 'fig.png')).toString('ascii', 1, 4), 'PNG');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('lapo plot errors: one line on stderr, exit 1 for data, 2 for usage', () => {
  const root = tempRoot();
  try {
    writeRun(root, { name: 'a', seed: 0, encoderGrad: 'critic', offset: 0 });
    const cases: [string[], number, RegExp][] = [
      [['plot', 'missing', '--out', 'x.svg'], 1, /^lapo: missing: no such run folder/],
      [['plot', 'a', '--metric', 'nope', '--out', 'x.svg'], 2, /^lapo: --metric nope: no such column in /],
      [['plot', 'a'], 2, /^lapo: required option '--out <file>' not specified/],
      [['plot', 'a', '--band', 'wide', '--out', 'x.svg'], 2, /^lapo: --band: expected ci95\|minmax\|std\|none, found "wide"/],
      [['plot', 'a', '--out', 'x.pdf'], 2, /^lapo: --out x\.pdf: expected a file name ending in \.png or \.svg/],
    ];
    const results = lapoMany(cases.map(([args]) => args), root);
    for (const [i, [args, status, re]] of cases.entries()) {
      const r = results[i];
      assert.equal(r.status, status, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, re);
    }
    assert.ok(!existsSync(join(root, 'x.svg')));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
