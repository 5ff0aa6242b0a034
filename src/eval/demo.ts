// `lapo demo`: the first thing a new user runs. Generates a small heterogeneous dataset of the built-in pixel task
// (or reuses it: generation is deterministic in its arguments, which the file name records), trains LAPO on it
// for a few minutes on 2 CPU cores, evaluates the final checkpoint (offline and
// in the task, with a frame strip), and says where everything is. It trains with lapo's default configuration
// except the encoder mode (DEMO_CONFIG).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BackendInfo } from '../backend/init.js';
import { generateDataset } from '../env/generate.js';
import { parseBehaviour } from '../env/policies.js';
import { parseTaskId } from '../env/tasks.js';
import { runPaths } from '../run/run-folder.js';
import { train } from '../run/trainer.js';
import { createTrainEvaluator } from './periodic.js';
import { runEval } from './run-eval.js';
import { DEFAULT_EVAL_SEED } from './online.js';

export interface DemoOptions {
  task: string;
  policy: string;
  episodes: number;
  imageSize: number;
  steps: number;
  evalEpisodes: number;
  seed: number;
  datasetsDir: string;
  runsDir: string;
  backend: BackendInfo | null;
  quiet: boolean;
  argv: string[];
}

export interface DemoResult {
  dataset: string;
  runDir: string;
  checkpoint: string;
  metricsCsv: string;
  evalCsv: string;
  evalJson: string;
  frames: string;
  table: string;
}

/**
 * The one key the demo sets: on its small dataset and short budget the critic-only encoder ended above the data
 * (96.5 at 6000 steps, seed 0) where the default `both` ended at 84.8 (docs/task-and-eval.md); `both` is the
 * default because it wins on the harder cells of the benchmark suite.
 */
export const DEMO_CONFIG = { encoderGrad: 'critic' } as const;

export async function runDemo(o: DemoOptions, say: (line: string) => void): Promise<DemoResult> {
  const task = parseTaskId(o.task);
  parseBehaviour(o.policy); // fail on a bad --policy before anything is written
  const safePolicy = o.policy.replace(/[^a-z0-9-]+/gi, '_');
  const dataset = join(o.datasetsDir, `demo-${task.id}-${safePolicy}-${o.episodes}ep-${o.imageSize}px-s${o.seed}.h5`);
  if (existsSync(dataset)) {
    say(`lapo demo: reusing ${dataset}`);
  } else {
    const g = await generateDataset({ task: task.id, policy: o.policy, episodes: o.episodes, imageSize: o.imageSize, seed: o.seed, out: dataset, progress: o.quiet ? false : undefined });
    say(`lapo demo: wrote ${dataset}: ${g.episodes} episodes, ${g.transitions} transitions, behaviour success ${(100 * g.successRate).toFixed(0)}%, score ${g.normalizedScore.toFixed(1)}`);
  }
  const evalEvery = Math.max(1, Math.round(o.steps / 4));
  say(`lapo demo: training ${o.steps} steps (evaluating every ${evalEvery})`);
  const res = await train(
    {
      ...DEMO_CONFIG,
      dataset,
      seed: o.seed,
      steps: o.steps,
      logEvery: Math.max(1, Math.round(o.steps / 20)),
      saveEvery: 0,
      evalEvery,
      evalEpisodes: o.evalEpisodes,
    },
    { runsDir: o.runsDir, backend: o.backend, quiet: o.quiet, argv: o.argv, runNameStem: `demo-${task.layout}`, evaluator: createTrainEvaluator() },
  );
  const paths = runPaths(res.runDir);
  const frames = join(res.runDir, 'frames.png');
  const ev = await runEval({
    checkpoint: res.checkpointDir,
    episodes: o.evalEpisodes,
    seed: DEFAULT_EVAL_SEED,
    frames,
    mcTail: 'exclude',
    offline: true,
    online: true,
    backend: o.backend?.name ?? null,
  });
  if (ev.writeError) throw ev.writeError;
  return {
    dataset,
    runDir: res.runDir,
    checkpoint: res.checkpointDir,
    metricsCsv: paths.metrics,
    evalCsv: paths.eval,
    evalJson: ev.file,
    frames,
    table: ev.table,
  };
}
