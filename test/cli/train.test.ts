// lapo train parsing, in process: commander with exitOverride and an injected use case (nothing trains here).
// Flags map kebab-case → camelCase, --config supplies a base that flags override, every bad input is one line
// naming the flag / file and key, and the presets in configs/ are valid with alphabetical keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerTrain, type TrainRequest } from '../../src/cli/train.js';
import { parseConfig, CONFIG_KEYS, flagFor } from '../../src/config/schema.js';

async function parse(...args: string[]): Promise<TrainRequest> {
  let got: TrainRequest | null = null;
  const program = new Command()
    .option('--backend <name>', 'backend', 'cpu')
    .option('--threads <n>')
    .option('--verbose', '', false)
    .exitOverride();
  registerTrain(program, async (req) => {
    got = req;
  });
  program.commands.forEach((c) => c.exitOverride());
  await program.parseAsync(['node', 'lapo', 'train', '--quiet', ...args]);
  assert.ok(got, 'the use case ran');
  return got;
}

function tmpFile(name: string, text: string): string {
  const p = join(mkdtempSync(join(tmpdir(), 'lapo-cfg-')), name);
  writeFileSync(p, text);
  return p;
}

async function rejects(args: string[], re: RegExp, exitCode = 2) {
  await assert.rejects(parse(...args), (e: Error & { exitCode?: number }) => {
    assert.equal(e.name, 'LapoError');
    assert.match(e.message, re);
    assert.doesNotMatch(e.message, /\n/);
    assert.equal(e.exitCode, exitCode);
    return true;
  });
}

test('kebab-case flags of every config key', () => {
  assert.equal(flagFor('batchSize'), '--batch-size');
  assert.equal(flagFor('maxMemoryMB'), '--max-memory-mb');
  assert.equal(flagFor('doubleqMin'), '--doubleq-min');
  assert.equal(flagFor('policyFeatures'), '--policy-features');
  assert.equal(new Set(CONFIG_KEYS.map(flagFor)).size, CONFIG_KEYS.length);
});

test('flags become the camelCase config fields, defaults fill the rest', async () => {
  const req = await parse(
    '--dataset', 'd.h5', '--batch-size', '16', '--hidden', '64,64', '--critic-lr', '1e-3', '--augment', 'none',
    '--image-keys', 'left_image, right_image', '--max-memory-mb', '100', '--policy-features', 'target',
    '--encoder-grad', 'vae', '--latent-dim', 'null', '--steps', '20', '--keep-checkpoints', '2', '--runs-dir', 'elsewhere',
  );
  assert.equal(req.kind, 'new');
  if (req.kind !== 'new') return;
  const c = req.config;
  assert.equal(c.dataset, 'd.h5');
  assert.equal(c.batchSize, 16);
  assert.deepEqual(c.hidden, [64, 64]);
  assert.equal(c.criticLr, 1e-3);
  assert.equal(c.augment, 'none');
  assert.deepEqual(c.imageKeys, ['left_image', 'right_image']);
  assert.equal(c.maxMemoryMB, 100);
  assert.equal(c.policyFeatures, 'target');
  assert.equal(c.encoderGrad, 'vae');
  assert.equal(c.latentDim, null);
  assert.equal(c.steps, 20);
  assert.equal(c.vaeLr, 2e-4);
  assert.equal(c.tau, 0.005);
  assert.equal(req.options.keepCheckpoints, 2);
  assert.equal(req.options.runsDir, 'elsewhere');
  assert.equal(req.options.quiet, true);
  assert.equal(req.options.backend?.name, 'cpu');
});

test('--config supplies a base and flags override it', async () => {
  const file = tmpFile('c.json', JSON.stringify({ dataset: 'a.h5', batchSize: 32, tau: 0.01, hidden: [8, 8] }));
  const req = await parse('--config', file, '--batch-size', '16');
  assert.equal(req.kind, 'new');
  if (req.kind !== 'new') return;
  assert.equal(req.config.batchSize, 16);
  assert.equal(req.config.tau, 0.01);
  assert.deepEqual(req.config.hidden, [8, 8]);
  assert.equal(req.config.dataset, 'a.h5');
});

test('bad config: one line naming the flag or the file and key', async () => {
  await rejects(['--dataset', 'd.h5', '--batch-size', 'abc'], /^--batch-size: expected an integer >= 1 or null, found "abc"$/);
  await rejects(['--dataset', 'd.h5', '--tau', '2'], /^--tau: expected a number in \[0, 1\], found 2$/);
  await rejects(['--dataset', 'd.h5', '--encoder-grad', 'actor'], /^--encoder-grad: expected one of critic\|vae\|both\|frozen with algo lapo, found "actor"$/);
  await rejects(['--dataset', 'd.h5', '--algo', 'bc', '--encoder-grad', 'both'], /^--encoder-grad: expected one of actor\|frozen with algo bc, found "both"$/);
  await rejects(['--dataset', 'd.h5', '--algo', 'dqn'], /^--algo: expected one of lapo\|bc, found "dqn"$/);
  // the algorithm may come from the config file: its modes apply to the flag
  const bcFile = tmpFile('bc.json', JSON.stringify({ algo: 'bc' }));
  const req = await parse('--dataset', 'd.h5', '--config', bcFile, '--encoder-grad', 'frozen');
  assert.equal(req.kind === 'new' && req.config.encoderGrad, 'frozen');
  const bc = await parse('--dataset', 'd.h5', '--algo', 'bc', '--encoder-grad', 'actor');
  assert.equal(bc.kind === 'new' && `${bc.config.algo}/${bc.config.encoderGrad}`, 'bc/actor');
  await rejects(['--dataset', 'd.h5', '--hidden', '64,x'], /^--hidden: expected a non-empty list of integers >= 1, found \[64,"x"\]$/);
  await rejects([], /^--dataset: required/);
  const typo = tmpFile('typo.json', JSON.stringify({ dataset: 'd.h5', batchsize: 8 }));
  await rejects(['--config', typo], new RegExp(`^${typo}: batchsize: expected a config key \\(did you mean batchSize\\?\\), found an unknown key$`));
  const bad = tmpFile('bad.json', JSON.stringify({ dataset: 'd.h5', discount: 1.5 }));
  await rejects(['--config', bad], new RegExp(`^${bad}: discount: expected a number in \\[0, 1\\), found 1.5$`));
  const notJson = tmpFile('broken.json', '{"dataset": ');
  await rejects(['--config', notJson], new RegExp(`^${notJson}: expected JSON, found unreadable text`));
  await rejects(['--config', tmpFile('arr.json', '[1]')], /expected a JSON object of config keys, found an array$/);
  await rejects(['--config', '/nonexistent/c.json'], /^--config \/nonexistent\/c\.json: no such file$/);
});

test('--scratch-dir: the config key scratchDir (null: the OS temp directory), also on --resume', async () => {
  const req = await parse('--dataset', 'd.h5', '--scratch-dir', '/data/scratch');
  assert.equal(req.kind === 'new' && req.config.scratchDir, '/data/scratch');
  const dflt = await parse('--dataset', 'd.h5');
  assert.equal(dflt.kind === 'new' && dflt.config.scratchDir, null);
  const back = await parse('--resume', 'runs/x', '--scratch-dir', 'null');
  assert.deepEqual(back.kind === 'resume' && back.overrides, { scratchDir: null });
  await rejects(['--dataset', 'd.h5', '--scratch-dir', ''], /^--scratch-dir: expected a directory path or null, found ""$/);
});

test('--resume passes only the keys given explicitly', async () => {
  const req = await parse('--resume', 'runs/x', '--steps', '2000');
  assert.equal(req.kind, 'resume');
  if (req.kind !== 'resume') return;
  assert.deepEqual(req.overrides, { steps: 2000 });
  assert.equal(req.options.resume, 'runs/x');
  assert.equal(req.source, 'command line');
});

test('presets in configs/ are valid configs with keys in alphabetical order', () => {
  const files = readdirSync('configs').filter((f) => f.endsWith('.json'));
  assert.ok(files.length >= 3);
  for (const f of files) {
    const obj = JSON.parse(readFileSync(join('configs', f), 'utf8')) as Record<string, unknown>;
    const keys = Object.keys(obj);
    assert.deepEqual(keys, [...keys].sort(), f);
    parseConfig({ dataset: 'd.h5', ...obj }, f);
  }
});

test("--runs-dir '' is refused instead of writing the run into the current folder", async () => {
  await rejects(['--dataset', 'd.h5', '--runs-dir', ''], /^--runs-dir: expected a folder path, found ""$/);
});
