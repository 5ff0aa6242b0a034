// `lapo experiment run`: the encoder-gradient experiment, rerunnable with one command and resumable.
//   1. data: one heterogeneous dataset from the built-in pixel task (goal visible only in the image), generated
//      once into <dir>/data.h5 and shared by every arm;
//   2. runs: for each arm (priority order) and seed, <dir>/runs/<arm>-s<seed>: skipped when completed, resumed
//      from its last checkpoint when interrupted, started otherwise — so killing and rerunning the command
//      loses at most --save-every steps of one run;
//   3. report: <dir>/results.json and results.md (per-arm mean and 95% interval), and plots of the validation
//      Q MSE and the task score, rewritten after every run so partial results are readable while it runs.
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { LapoConfig } from '../config/schema.js';
import type { BackendInfo } from '../backend/init.js';
import { generateDataset } from '../env/generate.js';
import { createTrainEvaluator } from '../eval/periodic.js';
import { plotRuns } from '../plot/plot.js';
import { writeFileAtomic } from '../run/atomic.js';
import { runState } from './run-state.js';
import { train } from '../run/trainer.js';
import type { Arm } from './arms.js';
import { markdownTable, readOutcome, summarizeArm, type ArmSummary, type RunOutcome } from './summary.js';

export interface ExperimentOptions {
  dir: string;
  arms: Arm[];
  seeds: number;
  task: string;
  policy: string;
  datasetEpisodes: number;
  imageSize: number;
  steps: number;
  evalEvery: number;
  evalEpisodes: number;
  batchSize: number;
  qThreshold: number;
  finalEvals: number;
  /** Extra config for every arm (e.g. smaller networks for a quick run). */
  base: Partial<LapoConfig>;
  backend: BackendInfo | null;
  log: (line: string) => void;
}

export interface ExperimentResult {
  summaries: ArmSummary[];
  outcomes: RunOutcome[];
  table: string;
}

async function ensureDataset(o: ExperimentOptions): Promise<string> {
  const file = join(o.dir, 'data.h5');
  if (existsSync(file)) return file;
  o.log(`experiment: generating ${file} (${o.task}, policy ${o.policy}, ${o.datasetEpisodes} episodes, ${o.imageSize}px)`);
  await generateDataset({ task: o.task, policy: o.policy, episodes: o.datasetEpisodes, imageSize: o.imageSize, seed: 12345, out: file, progress: false });
  return file;
}

export async function runExperiment(o: ExperimentOptions): Promise<ExperimentResult> {
  mkdirSync(join(o.dir, 'runs'), { recursive: true });
  const dataset = await ensureDataset(o);
  let result = await reportExperiment(o);
  for (const arm of o.arms) {
    for (let seed = 0; seed < o.seeds; seed++) {
      const name = `${arm.name}-s${seed}`;
      const runDir = join(o.dir, 'runs', name);
      const state = runState(runDir, o.steps);
      if (state === 'completed') continue;
      const cfg: Partial<LapoConfig> = {
        ...o.base,
        ...arm.overrides,
        dataset,
        runName: name,
        seed,
        steps: o.steps,
        batchSize: o.batchSize,
        evalEvery: o.evalEvery,
        evalEpisodes: o.evalEpisodes,
        logEvery: Math.max(1, Math.min(o.evalEvery, 500)),
        saveEvery: o.evalEvery * 4,
      };
      if (state === 'empty') {
        // A run that died before its first checkpoint: keep its folder aside and start it again.
        renameSync(runDir, `${runDir}.abandoned-${Date.now()}`);
      }
      o.log(`experiment: ${state === 'resumable' ? 'resuming' : 'starting'} ${name} (${arm.what})`);
      const r = await train(state === 'resumable' ? { steps: o.steps } : cfg, {
        runsDir: join(o.dir, 'runs'),
        resume: state === 'resumable' ? runDir : undefined,
        resumeSource: 'lapo experiment',
        backend: o.backend,
        quiet: true,
        keepCheckpoints: 1,
        evaluator: createTrainEvaluator(),
        argv: ['lapo', 'experiment', 'run'],
      });
      if (r.status !== 'completed') {
        o.log(`experiment: ${name} ended ${r.status}; rerun the command to resume it`);
        return result;
      }
      result = await reportExperiment(o);
      o.log(`experiment: ${name} done at step ${r.step}`);
    }
  }
  return result;
}

/** Reads every run of the experiment folder and rewrites results.json, results.md and the plots. */
export async function reportExperiment(o: Pick<ExperimentOptions, 'dir' | 'arms' | 'seeds' | 'qThreshold' | 'finalEvals' | 'steps'>): Promise<ExperimentResult> {
  const outcomes: RunOutcome[] = [];
  const summaries: ArmSummary[] = [];
  const runDirs: string[] = [];
  for (const arm of o.arms) {
    const runs: RunOutcome[] = [];
    for (let seed = 0; seed < o.seeds; seed++) {
      const runDir = join(o.dir, 'runs', `${arm.name}-s${seed}`);
      const out = readOutcome(runDir, arm.name, seed, o.qThreshold, o.finalEvals);
      if (out) {
        runs.push(out);
        runDirs.push(runDir);
      }
    }
    outcomes.push(...runs);
    if (runs.length > 0) summaries.push(summarizeArm(arm.name, runs, o.steps));
  }
  const table = markdownTable(summaries, o.qThreshold, o.steps);
  await writeFileAtomic(join(o.dir, 'results.json'), JSON.stringify({ qThreshold: o.qThreshold, budget: o.steps, summaries, outcomes }, null, 2) + '\n');
  await writeFileAtomic(join(o.dir, 'results.md'), table);
  if (runDirs.length > 0) {
    for (const [metric, file] of [['q_mse', 'q_mse.svg'], ['score', 'score.svg'], ['action_mse', 'action_mse.svg']] as const) {
      await plotRuns({ runs: runDirs, metrics: [`eval:${metric}`], groupBy: ['encoderGrad', 'augment', 'policyFeatures'], band: 'ci95', out: join(o.dir, file) });
    }
  }
  return { summaries, outcomes, table };
}
