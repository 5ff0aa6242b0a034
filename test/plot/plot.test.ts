import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { plotRuns } from '../../src/plot/plot.js';
import { readRun } from '../../src/plot/run-data.js';
import { buildSeries, groupRuns } from '../../src/plot/series.js';
import { summarize, tQuantile975 } from '../../src/plot/stats.js';
import { LapoError } from '../../src/errors.js';
import { tempRoot, writeRun } from './fake-runs.js';

/**
 * Six runs: encoderGrad critic/vae × seeds 0,1,2; critic_loss offset = (vae ? 0.5 : 0) + 0.05·seed. Seed 1 was
 * kept differently (time-based checkpoints, more evaluation episodes), which does not change what it learned.
 */
function sixRuns(): { root: string; dirs: string[] } {
  const root = tempRoot();
  const dirs: string[] = [];
  for (const [g, off] of [['critic', 0], ['vae', 0.5]] as const) {
    for (const seed of [0, 1, 2]) dirs.push(writeRun(root, { name: `lapo-${g}-s${seed}`, seed, encoderGrad: g, offset: off + 0.05 * seed, withEval: true,
      extra: seed === 1 ? { saveEveryMinutes: 5, evalEpisodes: 20 } : {} }));
  }
  return { root, dirs };
}

/** Well-formedness of the SVG: every opened element is closed in order (vega writes no comments/CDATA). */
function assertBalancedXml(svg: string): void {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z][\w:-]*)([^>]*?)(\/?)>/g)) {
    const [, close, name, , selfClose] = m;
    if (selfClose) continue;
    if (close) assert.equal(stack.pop(), name, `closing </${name}> does not match`);
    else stack.push(name);
  }
  assert.deepEqual(stack, [], 'unclosed SVG elements');
}

/** Lines drawn per panel: vega writes one `mark-line` group per series, classed `concat_<panel>_...`. */
function linesPerPanel(svg: string): number[] {
  const counts: number[] = [];
  for (const m of svg.matchAll(/<g class="mark-line role-mark concat_(\d+)_[^"]*"[^>]*><path /g)) {
    const panel = Number(m[1]);
    counts[panel] = (counts[panel] ?? 0) + 1;
  }
  return counts;
}

test('t quantiles and the band statistics match hand-computed values', () => {
  assert.equal(tQuantile975(2), 4.303);
  assert.ok(Math.abs(tQuantile975(60) - 2.0003) < 0.002);
  const ci = summarize([1, 2, 3], 'ci95');
  assert.equal(ci.mean, 2);
  assert.ok(Math.abs((ci.hi as number) - (2 + 4.303 / Math.sqrt(3))) < 1e-12);
  assert.ok(Math.abs((ci.lo as number) - (2 - 4.303 / Math.sqrt(3))) < 1e-12);
  assert.deepEqual(summarize([1, 2, 3], 'minmax'), { n: 3, mean: 2, lo: 1, hi: 3 });
  assert.deepEqual(summarize([1, 2, 3], 'std'), { n: 3, mean: 2, lo: 1, hi: 3 });
  assert.deepEqual(summarize([5], 'ci95'), { n: 1, mean: 5, lo: null, hi: null });
});

test('runs that differ only by seed form one group; its line is the mean across seeds', () => {
  const { root, dirs } = sixRuns();
  try {
    const runs = dirs.map(readRun);
    const groups = groupRuns(runs, null);
    assert.deepEqual(groups.map((g) => g.label), ['encoderGrad=critic (3 seeds)', 'encoderGrad=vae (3 seeds)']);
    assert.deepEqual(groups[1].runs.map((r) => r.name), ['lapo-vae-s0', 'lapo-vae-s1', 'lapo-vae-s2']);
    const pts = buildSeries(groups, ['critic_loss'], 'minmax');
    const at100 = pts.find((p) => p.group.startsWith('encoderGrad=vae') && p.step === 100);
    // critic_loss(100) = 1/(1+1) + 0.5 + 0.05·seed → mean 1.05, min 1.0, max 1.1
    assert.ok(at100 && Math.abs(at100.mean - 1.05) < 1e-12 && at100.n === 3);
    assert.ok(Math.abs((at100.lo as number) - 1.0) < 1e-12 && Math.abs((at100.hi as number) - 1.1) < 1e-12);
    assert.equal(groupRuns(runs, ['run']).length, 6);
    assert.deepEqual(groupRuns(runs, ['augment']).map((g) => g.label), ['augment=shift (6 seeds)']);
    // a caller's own names (an experiment's arms) pool and label the runs instead of config keys
    const byArm = groupRuns(runs, null, (r) => r.name.replace(/-s\d+$/, '').replace('lapo-', 'arm '));
    assert.deepEqual(byArm.map((g) => `${g.label}: ${g.runs.map((r) => r.name).join(',')}`), [
      'arm critic (3 seeds): lapo-critic-s0,lapo-critic-s1,lapo-critic-s2',
      'arm vae (3 seeds): lapo-vae-s0,lapo-vae-s1,lapo-vae-s2',
    ]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('SVG output: well-formed, axis titles, legend entries, one line per group in every panel', async () => {
  const { root, dirs } = sixRuns();
  try {
    const out = join(root, 'fig', 'curves.svg');
    const r = await plotRuns({ runs: dirs, metrics: ['critic_loss', 'eval:return_mean'], groupBy: null, band: 'ci95', out });
    const svg = readFileSync(out, 'utf8');
    assert.match(svg, /^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assertBalancedXml(svg);
    for (const text of ['step (gradient updates)', 'critic_loss', 'eval:return_mean', 'encoderGrad=critic (3 seeds)', 'encoderGrad=vae (3 seeds)', '95% confidence interval of the mean across seeds']) {
      assert.ok(svg.includes(text), `SVG lacks "${text}"`);
    }
    assert.deepEqual(linesPerPanel(svg), [2, 2]);
    assert.equal(r.groups.length, 2);
    assert.equal(r.bytes, Buffer.byteLength(svg));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('--group-by run draws every run; the default metric set includes the eval score', async () => {
  const { root, dirs } = sixRuns();
  try {
    const out = join(root, 'all.svg');
    const r = await plotRuns({ runs: dirs, metrics: [], groupBy: ['run'], band: 'none', out });
    assert.deepEqual(r.metrics, ['critic_loss', 'vae_loss', 'actor_loss', 'q_mean', 'score']);
    assert.deepEqual(linesPerPanel(readFileSync(out, 'utf8')), [6, 6, 6, 6, 6]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('PNG output: PNG signature, 2x the SVG size, not blank', async () => {
  const { root, dirs } = sixRuns();
  try {
    const svgOut = join(root, 'a.svg');
    const pngOut = join(root, 'a.png');
    await plotRuns({ runs: dirs, metrics: ['critic_loss'], groupBy: null, band: 'minmax', out: svgOut, logY: true });
    await plotRuns({ runs: dirs, metrics: ['critic_loss'], groupBy: null, band: 'minmax', out: pngOut, logY: true });
    const png = readFileSync(pngOut);
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.equal(png.toString('ascii', 12, 16), 'IHDR');
    const svg = readFileSync(svgOut, 'utf8');
    const w = Number(/^<svg[^>]* width="(\d+)"/.exec(svg)?.[1]);
    const h = Number(/^<svg[^>]* height="(\d+)"/.exec(svg)?.[1]);
    assert.ok(w > 300 && h > 200, `svg ${w}x${h}`);
    assert.equal(png.readUInt32BE(16), 2 * w);
    assert.equal(png.readUInt32BE(20), 2 * h);
    assert.ok(png.length > 20_000, `PNG of ${png.length} bytes is too small to hold a plot`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a partial last row (run still writing, or killed mid-write) is left out', () => {
  const root = tempRoot();
  try {
    const dir = writeRun(root, { name: 'live', seed: 0, encoderGrad: 'critic', offset: 0 });
    writeFileSync(join(dir, 'metrics.csv'), `${readFileSync(join(dir, 'metrics.csv'), 'utf8')}550,12.5,3`);
    const run = readRun(dir);
    assert.equal(run.metrics.rows.length, 10);
    assert.equal(run.metrics.rows.at(-1)?.step, 500);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

async function plotError(o: Partial<Parameters<typeof plotRuns>[0]> & { runs: string[] }): Promise<LapoError> {
  try {
    await plotRuns({ metrics: [], groupBy: null, band: 'ci95', out: '/tmp/never-written.svg', ...o });
  } catch (e) {
    assert.ok(e instanceof LapoError, `expected a LapoError, got ${String(e)}`);
    assert.equal(e.message.split('\n').length, 1);
    return e;
  }
  assert.fail('expected plotRuns to throw');
}

test('bad inputs are one-line LapoErrors naming the run, flag or file', async () => {
  const { root, dirs } = sixRuns();
  try {
    assert.match((await plotError({ runs: [join(root, 'runs', 'nope')] })).message, /runs\/nope: no such run folder/);
    const unknown = await plotError({ runs: dirs, metrics: ['critic_los'] });
    assert.match(unknown.message, /^--metric critic_los: no such column in .*lapo-critic-s0\/metrics.csv or eval.csv \(columns: step, wall_s/);
    assert.equal(unknown.code, 'usage');
    assert.match((await plotError({ runs: dirs, out: join(root, 'x.jpg') })).message, /--out .*x\.jpg: expected a file name ending in \.png or \.svg/);
    assert.match((await plotError({ runs: dirs, groupBy: ['encoderGrd'] })).message, /--group-by encoderGrd: .*config.json has no key "encoderGrd"/);
    assert.match((await plotError({ runs: dirs, metrics: ['enc_grad_norm_vae'] })).message, /--metric enc_grad_norm_vae: no finite value/);
    assert.match((await plotError({ runs: [dirs[0], dirs[0]] })).message, /run given twice/);
    rmSync(join(dirs[1], 'config.json'));
    assert.match((await plotError({ runs: dirs })).message, /lapo-critic-s1\/config.json: no such file/);
    writeFileSync(join(dirs[2], 'metrics.csv'), 'step,critic_loss\n1,2,3\n');
    assert.match((await plotError({ runs: [dirs[2]] })).message, /lapo-critic-s2\/metrics.csv: CSV: expected comma-separated rows/);
    assert.ok(!existsSync('/tmp/never-written.svg'));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
