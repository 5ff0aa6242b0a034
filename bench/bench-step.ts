// npm run bench: updates/s of the trainer's own step (LapoAgent.step) on the reference workload, per backend and
// batch size, next to the same workload in PyTorch measured in the same run.
//   npm run bench -- [--backend native,wasm,cpu] [--batch 64,256] [--reps 5] [--steps N] [--no-torch] [--json out.json]
// Each measurement runs in its own process (bench/step-child.ts, bench/torch_reference.py). PyTorch is tuned as
// docs/performance.md describes (OPENBLAS_NUM_THREADS=1, 2 torch threads, glibc malloc thresholds) and
// runs twice: with OPENBLAS_CORETYPE as this machine sets it, and with OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset
// (AVX-512 kernels where the CPU has them); when the machine sets nothing, the first row pins Haswell (AVX2).
// The cpu backend is skipped at batch 256 (it needs ~100 s per step at batch 64 already). Timings are only
// meaningful on an idle machine: the table prints the load average before and after.
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'native,wasm,cpu' },
    batch: { type: 'string', default: '64,256' },
    reps: { type: 'string', default: '5' },
    steps: { type: 'string' },
    warmup: { type: 'string', default: '3' },
    size: { type: 'string', default: '64' },
    'no-torch': { type: 'boolean', default: false },
    python: { type: 'string', default: '/usr/bin/python3' },
    json: { type: 'string' },
  },
});

interface Row {
  engine: string;
  setting: string;
  batch: number;
  median: number | null;
  runs: number[];
  note: string;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Steps per timed repetition: about 2–5 s each on the reference machine. */
function stepsFor(engine: string, batch: number): number {
  if (values.steps) return Number(values.steps);
  if (engine === 'cpu') return 1;
  return batch >= 256 ? 5 : 15;
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): { json: Record<string, unknown> | null; err: string } {
  const r = spawnSync(cmd, args, { env, encoding: 'utf8', maxBuffer: 1 << 24 });
  const line = (r.stdout ?? '').trim().split('\n').reverse().find((l) => l.startsWith('{'));
  if (r.status !== 0 || !line) return { json: null, err: `${(r.stderr || r.stdout || String(r.error)).trim().split('\n').slice(-1)[0]}` };
  return { json: JSON.parse(line) as Record<string, unknown>, err: '' };
}

const TUNED = {
  OPENBLAS_NUM_THREADS: '1',
  GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=2147483647:glibc.malloc.trim_threshold=2147483647',
};

function blasSettings(): { label: string; env: NodeJS.ProcessEnv }[] {
  const unset = { ...process.env };
  delete unset.OPENBLAS_CORETYPE;
  delete unset.OPENBLAS_L2_SIZE;
  const machine = process.env.OPENBLAS_CORETYPE;
  const first = machine
    ? { label: `OPENBLAS_CORETYPE=${machine} (machine)`, env: { ...process.env } }
    : { label: 'OPENBLAS_CORETYPE=Haswell', env: { ...unset, OPENBLAS_CORETYPE: 'Haswell' } };
  return [first, { label: 'OPENBLAS_CORETYPE unset', env: unset }];
}

function torchRow(batch: number, s: { label: string; env: NodeJS.ProcessEnv }): Row {
  const args = ['bench/torch_reference.py', '--batch', String(batch), '--reps', values.reps!, '--steps', String(stepsFor('torch', batch)), '--warmup', values.warmup!, '--size', values.size!, '--threads', '2'];
  const { json, err } = run(values.python!, args, { ...s.env, ...TUNED });
  const runs = (json?.updates_per_s as number[]) ?? [];
  return { engine: 'pytorch', setting: s.label, batch, median: json ? median(runs) : null, runs, note: json ? `torch ${json.torch}, OpenBLAS ${json.blas_core}` : `failed: ${err}` };
}

function lapoRow(engine: string, batch: number, s: { label: string; env: NodeJS.ProcessEnv }): Row {
  const args = ['--import', 'tsx', 'bench/step-child.ts', '--backend', engine, '--batch', String(batch), '--reps', values.reps!, '--steps', String(stepsFor(engine, batch)), '--warmup', engine === 'cpu' ? '1' : values.warmup!, '--size', values.size!];
  const { json, err } = run(process.execPath, args, s.env);
  const runs = (json?.updates_per_s as number[]) ?? [];
  return { engine, setting: engine === 'native' ? s.label : '', batch, median: json ? median(runs) : null, runs, note: json ? `${json.threads} threads; ${json.detail}` : `failed: ${err}` };
}

const engines = values.backend!.split(',').map((b) => b.trim()).filter(Boolean);
const batches = values.batch!.split(',').map(Number);
const settings = blasSettings();
const load0 = loadavg()[0];
const rows: Row[] = [];
for (const batch of batches) {
  if (!values['no-torch']) for (const s of settings) rows.push(torchRow(batch, s));
  for (const engine of engines) {
    if (engine === 'cpu' && batch >= 256) continue;
    if (engine === 'native') for (const s of settings) rows.push(lapoRow(engine, batch, s));
    else rows.push(lapoRow(engine, batch, settings[1]));
  }
}
const load1 = loadavg()[0];

const fmt = (x: number | null, d = 2) => (x === null || !Number.isFinite(x) ? '—' : x < 0.1 ? x.toPrecision(2) : x.toFixed(d));
const date = new Date().toISOString().slice(0, 16).replace('T', ' ');
console.log(`\nlapo bench: LapoAgent.step on the reference workload (3 views 64×64×3 + 16-d state, conv 32ch s2,2,1,1 → 256, MLPs 256×3)`);
console.log(`machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores; Node ${process.version}; ${date} UTC; 1-min load average ${load0.toFixed(2)} before, ${load1.toFixed(2)} after (the bench itself adds up to 2 while it runs)`);
console.log(`updates/s: median of ${values.reps} runs; ratio = lapo / PyTorch (same batch; vs the faster PyTorch setting, and vs the same OpenBLAS setting)\n`);
console.log('| engine | OpenBLAS setting | batch | updates/s | vs best PyTorch | vs PyTorch same setting | details |');
console.log('|---|---|---:|---:|---:|---:|---|');
for (const r of rows) {
  const torch = rows.filter((t) => t.engine === 'pytorch' && t.batch === r.batch && t.median !== null);
  const best = torch.length ? Math.max(...torch.map((t) => t.median!)) : null;
  const same = torch.find((t) => t.setting === r.setting)?.median ?? null;
  const isTorch = r.engine === 'pytorch';
  const vsBest = !isTorch && r.median !== null && best ? `${fmt(r.median / best)}×` : '';
  const vsSame = !isTorch && r.median !== null && same ? `${fmt(r.median / same)}×` : '';
  console.log(`| ${r.engine} | ${r.setting} | ${r.batch} | ${fmt(r.median)} | ${vsBest} | ${vsSame} | ${r.note} |`);
}
if (load0 > 0.5 * cpus().length) {
  console.log(`\nwarning: the machine was busy when the bench started (load average ${load0.toFixed(2)} on ${cpus().length} cores); re-run on an idle machine before quoting these figures.`);
}
if (values.json) writeFileSync(values.json, JSON.stringify({ date, cpu: cpus()[0]?.model, cores: cpus().length, load: [load0, load1], rows }, null, 2));
