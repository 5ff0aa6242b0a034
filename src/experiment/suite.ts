// `lapo experiment run --suite NAME`: generates each cell's dataset once, then trains every (seed, cell, arm) run
// as its own `lapo train` process, `jobs` at a time, each on `threads` threads. Order: seed 0 of every cell and
// arm first, then seed 1, ..., so a suite stopped early still has every arm on every cell. A completed run is
// skipped, an interrupted one resumed from its checkpoint (bit-exact, as `lapo train --resume`), so killing and
// rerunning the command loses at most one checkpoint interval per running job. results.md / results.json and the
// plots are rewritten after every run.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LapoConfig } from '../config/schema.js';
import { generateDataset } from '../env/generate.js';
import { LapoError } from '../errors.js';
import { writeJsonAtomic } from '../run/atomic.js';
import { runState } from './run-state.js';
import type { SuiteArm, SuiteCell } from './suite-def.js';
import { budgetOf, cellDir, reportSuite, runName, type ReportOptions } from './suite-report.js';

export interface SuiteRunOptions extends Pick<ReportOptions, 'targets'> {
  dir: string;
  suite: string;
  cells: SuiteCell[];
  arms: SuiteArm[];
  seeds: number;
  /** Budget of every run; null: each cell's own. */
  steps: number | null;
  evalEvery: number;
  evalEpisodes: number;
  finalEvals: number;
  dataSeed: number;
  /** Runs at a time, and threads per run. */
  jobs: number;
  threads: number;
  backend: string;
  /** Extra config for every run (e.g. smaller networks for a quick check). */
  base: Partial<LapoConfig>;
  log: (line: string) => void;
}

interface Job {
  cell: SuiteCell;
  arm: SuiteArm;
  seed: number;
  runDir: string;
}

const BIN = fileURLToPath(new URL('../../bin/lapo.js', import.meta.url));

/** The runs in the order they start: seed-major, then cell, then arm. */
export function suiteJobs(o: Pick<SuiteRunOptions, 'dir' | 'cells' | 'arms' | 'seeds'>): Job[] {
  const jobs: Job[] = [];
  for (let seed = 0; seed < o.seeds; seed++) {
    for (const cell of o.cells) {
      for (const arm of o.arms) jobs.push({ cell, arm, seed, runDir: join(cellDir(o.dir, cell), 'runs', runName(arm.name, seed)) });
    }
  }
  return jobs;
}

async function ensureData(o: SuiteRunOptions, c: SuiteCell): Promise<string> {
  const file = join(cellDir(o.dir, c), 'data.h5');
  if (existsSync(file)) return file;
  mkdirSync(cellDir(o.dir, c), { recursive: true });
  o.log(`suite: generating ${file} (${c.task}, policy ${c.policy}, ${c.episodes} episodes, ${c.imageSize}px)`);
  await generateDataset({ task: c.task, policy: c.policy, episodes: c.episodes, imageSize: c.imageSize, seed: o.dataSeed, out: file, progress: false });
  return file;
}

/** The `lapo train` arguments of one job (a fresh run from a config file, or a resume). */
async function trainArgs(o: SuiteRunOptions, job: Job, dataset: string, state: 'missing' | 'resumable' | 'empty'): Promise<string[]> {
  // a run completed at a smaller budget is 'resumable' too: it continues to the budget (bit-exact, as a straight run)
  const globals = ['--backend', o.backend, '--threads', String(o.threads)];
  const steps = budgetOf(job.cell, o.steps);
  if (state === 'resumable') return [...globals, 'train', '--resume', job.runDir, '--steps', String(steps), '--quiet'];
  if (state === 'empty') renameSync(job.runDir, `${job.runDir}.abandoned-${Date.now()}`);
  const cfg: Partial<LapoConfig> = {
    ...o.base,
    ...job.arm.overrides,
    dataset,
    runName: runName(job.arm.name, job.seed),
    seed: job.seed,
    steps,
    evalEvery: o.evalEvery,
    evalEpisodes: o.evalEpisodes,
    logEvery: Math.max(1, Math.min(o.evalEvery, 500)),
    saveEvery: o.evalEvery * 2,
  };
  const file = join(cellDir(o.dir, job.cell), 'configs', `${runName(job.arm.name, job.seed)}.json`);
  mkdirSync(join(cellDir(o.dir, job.cell), 'configs'), { recursive: true });
  await writeJsonAtomic(file, cfg);
  return [...globals, 'train', '--config', file, '--runs-dir', join(cellDir(o.dir, job.cell), 'runs'), '--keep-checkpoints', '1', '--quiet'];
}

export async function runSuite(o: SuiteRunOptions): Promise<{ table: string; failed: string[] }> {
  const data = new Map<string, string>();
  for (const c of o.cells) data.set(c.name, await ensureData(o, c));
  const pending = suiteJobs(o).filter((j) => runState(j.runDir, budgetOf(j.cell, o.steps)) !== 'completed');
  const report = () => reportSuite({ ...o, plots: true });
  let table = (await report()).table;
  o.log(`suite ${o.suite}: ${pending.length} runs to go, ${o.jobs} at a time, ${o.threads} thread(s) each`);
  const running = new Set<ChildProcess>();
  const failed: string[] = [];
  let stopping = false;
  const onSignal = (sig: NodeJS.Signals) => {
    stopping = true;
    o.log(`suite: ${sig}: asking ${running.size} run(s) to checkpoint and stop; rerun the command to continue`);
    for (const c of running) c.kill(sig);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const worker = async () => {
      while (!stopping) {
        const job = pending.shift();
        if (!job) return;
        const state = runState(job.runDir, budgetOf(job.cell, o.steps));
        if (state === 'completed') continue;
        const args = await trainArgs(o, job, data.get(job.cell.name)!, state);
        const name = `${job.cell.name}/${runName(job.arm.name, job.seed)}`;
        o.log(`suite: ${state === 'resumable' ? 'resuming' : 'starting'} ${name} to step ${budgetOf(job.cell, o.steps)} (${job.arm.what})`);
        mkdirSync(join(cellDir(o.dir, job.cell), 'logs'), { recursive: true });
        const fd = openSync(join(cellDir(o.dir, job.cell), 'logs', `${runName(job.arm.name, job.seed)}.log`), 'a');
        const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', fd, fd] });
        closeSync(fd);
        running.add(child);
        const code = await new Promise<number>((res) => child.on('exit', (c, sig) => res(c ?? (sig ? 128 : 1))));
        running.delete(child);
        if (code === 0) o.log(`suite: ${name} done`);
        else if (!stopping) {
          failed.push(name);
          o.log(`suite: ${name} exited ${code}; see ${join(cellDir(o.dir, job.cell), 'logs', `${runName(job.arm.name, job.seed)}.log`)}`);
        }
        table = (await report()).table;
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, o.jobs) }, worker));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (stopping) throw new LapoError('interrupted', `suite ${o.suite} stopped; rerun the same command to resume`);
  return { table, failed };
}
