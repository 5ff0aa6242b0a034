// lapo demo: parsing only; the work is src/eval/demo.ts.
import type { Command } from 'commander';
import { globalsOf, startBackend } from './context.js';
import { intFlag } from './parse.js';
import type { DemoOptions } from '../eval/demo.js';

/** The demo's options as commander hands them over (the rest comes from the global flags). */
type DemoFlags = Omit<DemoOptions, 'backend' | 'argv'>;

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('generate a small dataset of the built-in pixel task, train LAPO on it for a few minutes, evaluate, show where everything is')
    .option('--task <id>', 'built-in task', 'maze2d-umaze-dense-v0')
    .option('--policy <spec>', 'behaviour policy of the dataset (see lapo dataset generate --help)', 'mixed')
    .option('--episodes <n>', 'dataset episodes', intFlag('--episodes', 1), 300)
    .option('--image-size <px>', 'frame size', intFlag('--image-size', 8), 32)
    .option('--steps <n>', 'training steps', intFlag('--steps', 1), 6000)
    .option('--eval-episodes <n>', 'episodes per evaluation', intFlag('--eval-episodes', 1), 20)
    .option('--seed <n>', 'seed of the dataset and the run', intFlag('--seed', 0), 0)
    .option('--datasets-dir <dir>', 'where the dataset goes', 'datasets')
    .option('--runs-dir <dir>', 'where the run folder goes', 'runs')
    .option('--quiet', 'no progress output', false)
    .action(async (o: DemoFlags, cmd: Command) => {
      const backend = await startBackend(globalsOf(cmd), { quiet: o.quiet });
      // Imported lazily so that `lapo --help` does not load the trainer.
      const { runDemo } = await import('../eval/demo.js');
      const say = (line: string) => {
        if (!o.quiet) process.stderr.write(`${line}\n`);
      };
      const r = await runDemo({ ...o, backend, argv: process.argv.slice(2) }, say);
      process.stdout.write(
        `${r.table}\n` +
          `dataset      ${r.dataset}\n` +
          `run folder   ${r.runDir}\n` +
          `metrics      ${r.metricsCsv}\n` +
          `evaluations  ${r.evalCsv}\n` +
          `eval.json    ${r.evalJson}\n` +
          `frames       ${r.frames}\n` +
          `next: lapo plot ${r.runDir} --metric eval:q_mse,eval:score --out ${r.runDir}/curves.png\n` +
          `      lapo eval --checkpoint ${r.runDir} --episodes 50\n`,
      );
    });
}
