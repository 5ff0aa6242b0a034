// lapo eval: parsing only; the work is src/eval/run-eval.ts.
import type { Command } from 'commander';
import { runEval, type EvalCommandOptions } from '../eval/run-eval.js';
import { DEFAULT_EVAL_SEED } from '../eval/online.js';
import { MC_TAILS } from '../eval/returns.js';
import { globalsOf, startBackend } from './context.js';
import { choiceFlag, intFlag } from './parse.js';
import { LapoError } from '../errors.js';

/** The command's flags: runEval's options (backend comes from the global flag) plus --json. */
type EvalFlags = Omit<EvalCommandOptions, 'backend' | 'batchSize'> & { batchSize: number; json: boolean };

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('score a checkpoint: offline on held-out data (action, VAE and Q-value errors), online in the built-in task')
    .requiredOption('--checkpoint <dir>', 'a checkpoint folder (runs/<run>/checkpoints/step_<N>) or a run folder (its latest checkpoint)')
    .option('--dataset <file>', "score on this dataset (all of it) instead of the run's validation split")
    .option('--split <name>', 'which part of the dataset to score: valid|train|all', choiceFlag('--split', ['valid', 'train', 'all'] as const))
    .option('--task <id>', 'run the policy in this task (default: the task recorded in the dataset, if any)')
    .option('--episodes <n>', 'online episodes', intFlag('--episodes', 1), 10)
    .option('--seed <n>', 'seed of the online episodes (starts and goals)', intFlag('--seed', 0), DEFAULT_EVAL_SEED)
    .option('--frames <file.png>', 'save a strip of frames of the first online episode')
    .option('--mc-tail <how>', 'Monte-Carlo returns of episodes cut by a time limit: exclude|bootstrap', choiceFlag('--mc-tail', MC_TAILS), 'exclude')
    .option('--no-offline', 'skip the offline scores')
    .option('--no-online', 'skip the episodes in the task')
    .option('--batch-size <n>', 'rows per forward pass in the offline scores', intFlag('--batch-size', 1), 256)
    .option('--scratch-dir <dir>', 'lazy mode (a dataset over the run\'s maxMemoryMB): directory for the uncompressed copy of compressed arrays (default: the OS temp directory)')
    .option('--out <file.json>', 'write eval.json here (default: into the checkpoint folder)')
    .option('--json', 'print eval.json to stdout instead of the table', false)
    .action(async (o: EvalFlags, cmd: Command) => {
      const backend = await startBackend(globalsOf(cmd), { quiet: o.json });
      const { json, ...opts } = o;
      const { report, table, file, writeError } = await runEval({ ...opts, backend: backend.name });
      // The scores first: they stay on the screen (or in the pipe) even when eval.json cannot be written.
      if (json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else process.stdout.write(`${table}${writeError ? '' : `wrote ${file}\n`}`);
      if (writeError) {
        throw new LapoError('runtime', `${writeError.message}; the scores above were not saved there`, 'pass --out FILE.json to write eval.json elsewhere');
      }
    });
}
