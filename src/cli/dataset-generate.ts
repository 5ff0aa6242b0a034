// lapo dataset generate: parsing only; the work is src/env/generate.ts.
import type { Command } from 'commander';
import { generateDataset } from '../env/generate.js';
import { BASE_POLICIES, POLICY_PRESETS } from '../env/policies.js';
import { TASK_IDS } from '../env/tasks.js';
import { intFlag } from './parse.js';

interface GenerateFlags {
  task: string;
  policy: string;
  episodes: number;
  imageSize: number;
  seed: number;
  out?: string;
  gzip: number;
  progress?: boolean;
}

export function registerDatasetGenerate(parent: Command): void {
  parent
    .command('generate')
    .description('roll out a behaviour policy in a built-in maze task and write a D4RL-layout HDF5 dataset')
    .requiredOption('--task <id>', `task id: ${TASK_IDS.join(', ')}`)
    .option(
      '--policy <spec>',
      `behaviour policy: ${[...BASE_POLICIES, ...POLICY_PRESETS].join(', ')}, or a mixture name:weight,... (one component per episode)`,
      'expert',
    )
    .option('--episodes <n>', 'number of episodes', intFlag('--episodes', 1), 100)
    .option('--image-size <px>', 'height = width of the rendered frames', intFlag('--image-size', 8), 64)
    .option('--seed <n>', 'seed of starts, goals, mixture draws and policy noise', intFlag('--seed', 0), 0)
    .option('--out <file>', 'output file (default: datasets/<task>-<policy>-<episodes>ep-<size>px.h5)')
    .option('--gzip <level>', 'gzip level 1-9 for every column; 0 = uncompressed, fastest to train from', intFlag('--gzip', 0), 0)
    .option('--no-progress', 'no progress bar (it is drawn only on a terminal anyway)')
    .action(async (o: GenerateFlags) => {
      const out = o.out ?? `datasets/${o.task}-${o.policy.replace(/[^a-z0-9-]+/gi, '_')}-${o.episodes}ep-${o.imageSize}px.h5`;
      const r = await generateDataset({
        task: o.task,
        policy: o.policy,
        episodes: o.episodes,
        imageSize: o.imageSize,
        seed: o.seed,
        out,
        gzip: Math.min(9, o.gzip),
        progress: o.progress === false ? false : undefined,
      });
      const modes = Object.entries(r.componentCounts)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
      process.stdout.write(
        `wrote ${out}: ${r.episodes} episodes, ${r.transitions} transitions (${modes}); ` +
          `return ${r.returnMean.toFixed(3)} ± ${r.returnStd.toFixed(3)}, success ${(100 * r.successRate).toFixed(1)}%, ` +
          `normalised score ${r.normalizedScore.toFixed(1)}; ${r.seconds.toFixed(1)} s\n`,
      );
    });
}
