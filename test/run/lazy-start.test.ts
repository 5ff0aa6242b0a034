// The config key scratchDir (--scratch-dir): it reaches the loader (the scratch copy is made there), `lapo train`
// prints one start-up line in lazy mode saying how the arrays are read, a bad directory stops before anything is
// written, a run written before the key existed still resumes, and the key may change on --resume. eval and
// diagnose-gradients take their own --scratch-dir (the run's names a directory of the machine that trained).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { train, type TrainOptions } from '../../src/run/trainer.js';
import { listCheckpoints } from '../../src/run/checkpoint.js';
import { runEval } from '../../src/eval/run-eval.js';
import { diagnoseGradients } from '../../src/diagnostics/diagnose.js';
import { writeD4rl } from '../data/helpers.js';
import { readJsonFile, tempRuns, tinyConfig, useRunBackend } from './fixtures.js';

const runsDir = tempRuns();
const gz = join(runsDir, 'gzip-views.h5');
const scratch = join(runsDir, 'scratch');
const other = join(runsDir, 'other-scratch');
mkdirSync(scratch);
mkdirSync(other);

/** Runs train with progress lines captured (the start-up messages go through the progress reporter). */
async function trainCaptured(cfg: Parameters<typeof train>[0], opts: TrainOptions): Promise<string> {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d) => (text += d));
  await train(cfg, { runsDir, handleSignals: false, progress: 'lines', progressStream: stream as unknown as NodeJS.WriteStream, ...opts });
  return text;
}

const lazyLine = (dir: string) => `lapo: lazy mode: straight from the file: state; from a scratch copy in ${dir}: view0, view1\n`;

test('lazy mode: the start-up line names the directory of the scratch copy; eager mode prints none', async () => {
  await useRunBackend();
  // two gzip 16x16 views (the tiny model's size: no resize) + 4-d state, ~2.3 MiB in memory: lazy under 1 MiB
  await writeD4rl(gz, { episodes: [500, 500, 500], h: 16, w: 16, views: 2, chunks: 50, gzip: 1 });
  const text = await trainCaptured(tinyConfig(gz, { steps: 2, logEvery: 1, saveEvery: 0, maxMemoryMB: 1, scratchDir: scratch, runName: 'lazy' }), {});
  assert.ok(text.includes(lazyLine(scratch)), text);
  assert.equal(readJsonFile(join(runsDir, 'lazy', 'config.json')).scratchDir, scratch);
  const eager = await trainCaptured(tinyConfig(gz, { steps: 1, scratchDir: scratch, runName: 'eager' }), {});
  assert.doesNotMatch(eager, /lazy mode/);
});

test('a bad scratchDir stops before the dataset is read or a run folder is made', async () => {
  await useRunBackend();
  const missing = join(runsDir, 'missing');
  await assert.rejects(train(tinyConfig(gz, { steps: 1, scratchDir: missing, runName: 'bad' }), { runsDir, progress: 'none', handleSignals: false }), (e: Error & { exitCode?: number }) => {
    assert.equal(e.message, `--scratch-dir: expected a writable directory, found ${JSON.stringify(missing)} (no such directory)`);
    assert.equal(e.exitCode, 2);
    return true;
  });
  assert.equal(existsSync(join(runsDir, 'bad')), false);
});

test('a run written before scratchDir existed resumes; scratchDir may change on --resume', async () => {
  await useRunBackend();
  const dir = join(runsDir, 'lazy');
  // make the run look older: no scratchDir in config.json nor in the checkpoint's config
  const dropKey = (file: string, at: (j: Record<string, unknown>) => Record<string, unknown>) => {
    const j = readJsonFile<Record<string, unknown>>(file);
    assert.ok('scratchDir' in at(j), file);
    delete at(j).scratchDir;
    writeFileSync(file, `${JSON.stringify(j, null, 2)}\n`);
  };
  dropKey(join(dir, 'config.json'), (j) => j);
  const ckpt = listCheckpoints(dir).at(-1)!.dir;
  dropKey(join(ckpt, 'checkpoint.json'), (j) => j.config as Record<string, unknown>);
  // the old run has no scratchDir (default: the OS temp directory); this one names another directory
  const text = await trainCaptured({ steps: 3, scratchDir: other }, { resume: dir });
  assert.ok(text.includes(lazyLine(other)), text);
  assert.match(text, /lapo: resuming .* from step 2/);
  assert.equal(readJsonFile(join(dir, 'config.json')).scratchDir, other);
  assert.equal(listCheckpoints(dir).at(-1)!.step, 3);
});

test('eval and diagnose-gradients --checkpoint use their own --scratch-dir, not the run\'s', async () => {
  await useRunBackend();
  const ck = join(runsDir, 'lazy');
  const missing = join(runsDir, 'nowhere');
  const refused = { message: `--scratch-dir: expected a writable directory, found ${JSON.stringify(missing)} (no such directory)` };
  const base = { checkpoint: ck, episodes: 1, seed: 0, mcTail: 'exclude' as const, offline: true, online: false, backend: 'cpu' };
  await assert.rejects(runEval({ ...base, scratchDir: missing }), refused);
  await assert.rejects(diagnoseGradients({ checkpoint: ck, scratchDir: missing, backend: 'cpu' }), refused);
  assert.ok((await runEval({ ...base, scratchDir: scratch })).report.offline !== null);
  // a run whose scratchDir is gone (trained elsewhere): eval without the flag uses the OS temp directory
  const manifest = join(listCheckpoints(ck).at(-1)!.dir, 'checkpoint.json');
  const m = JSON.parse(readFileSync(manifest, 'utf8'));
  m.config.scratchDir = missing;
  writeFileSync(manifest, JSON.stringify(m));
  assert.ok((await runEval(base)).report.offline !== null);
});
