// lapo experiment <run|report>: parsing only; the work is src/experiment/.
import type { Command } from 'commander';
import { openSync, mkdirSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { ARMS, parseArms } from '../experiment/arms.js';
import { reportExperiment, runExperiment, type ExperimentOptions } from '../experiment/runner.js';
import { pick, SUITES, suiteByName } from '../experiment/suite-def.js';
import { reportSuite } from '../experiment/suite-report.js';
import { runSuite } from '../experiment/suite.js';
import { LapoError } from '../errors.js';
import { globalsOf, startBackend } from './context.js';
import { floatFlag, intFlag, listFlag } from './parse.js';

/** The experiment's options as commander hands them over: arms by name, the network overrides as flags. */
type ExperimentFlags = Omit<ExperimentOptions, 'arms' | 'base' | 'backend' | 'log'> & {
  arms?: string[];
  suite?: string;
  cells?: string[];
  jobs?: number;
  hidden?: string[];
  featureDim?: number;
  detach?: boolean;
};

/** A suite's value of a flag the user left at its default (the encoder experiment's defaults differ). */
function suiteValue<T>(cmd: Command, key: string, given: T, suiteDefault: T): T {
  return cmd.getOptionValueSource(key) === 'default' || given === undefined ? suiteDefault : given;
}

/** `--suite NAME`: the benchmark suite (suite-def.ts) instead of the encoder-gradient experiment. */
async function suiteAction(o: ExperimentFlags, cmd: Command, mode: 'run' | 'report'): Promise<void> {
  const def = suiteByName(o.suite!);
  const dir = resolve(cmd.getOptionValueSource('dir') === 'default' ? `runs/suite-${def.name}` : o.dir);
  const common = {
    dir,
    suite: def.name,
    cells: pick(def.cells, o.cells, '--cells'),
    arms: pick(def.arms, o.arms, '--arms'),
    seeds: suiteValue(cmd, 'seeds', o.seeds, def.seeds),
    steps: cmd.getOptionValueSource('steps') === 'default' ? null : o.steps,
    finalEvals: o.finalEvals,
    targets: { defaultArm: def.defaultArm, baselineArm: def.baselineArm, list: def.targets },
  };
  if (mode === 'report') {
    process.stdout.write((await reportSuite(common)).table);
    return;
  }
  const g = globalsOf(cmd);
  const base: Record<string, unknown> = {};
  if (o.hidden) base.hidden = o.hidden.map((h) => intFlag('--hidden', 1)(h));
  if (o.featureDim) base.featureDim = o.featureDim;
  const r = await runSuite({
    ...common,
    evalEvery: suiteValue(cmd, 'evalEvery', o.evalEvery, def.evalEvery),
    evalEpisodes: suiteValue(cmd, 'evalEpisodes', o.evalEpisodes, def.evalEpisodes),
    dataSeed: def.dataSeed,
    jobs: o.jobs ?? 2,
    threads: g.threads ?? 1,
    backend: g.backend,
    base,
    log: (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`),
  });
  process.stdout.write(r.table);
  if (r.failed.length > 0) throw new LapoError('runtime', `suite ${def.name}: ${r.failed.length} run(s) failed: ${r.failed.join(', ')} (their logs name the error)`);
}

function shared(c: Command): Command {
  return c
    .option('--suite <name>', `benchmark suite instead of the encoder experiment: ${Object.keys(SUITES).join('|')} (folder runs/suite-<name>)`)
    .option('--cells <list>', 'suite cells to run or report (default all)', listFlag)
    .option('--dir <folder>', 'experiment folder (data, runs, results)', 'runs/experiment-encoder')
    .option('--arms <list>', `arms in order (default all): ${ARMS.map((a) => a.name).join(',')}`, listFlag)
    .option('--seeds <n>', 'seeds per arm', intFlag('--seeds', 1), 3)
    .option('--steps <n>', 'training steps per run (the budget)', intFlag('--steps', 1), 20000)
    .option('--q-threshold <x>', 'threshold on validation Q MSE / Var(returns) for steps-to-threshold', floatFlag('--q-threshold', 0), 0.5)
    .option('--final-evals <n>', 'evaluation rows averaged into the final numbers', intFlag('--final-evals', 1), 3);
}

export function registerExperiment(program: Command): void {
  const exp = program.command('experiment').description('rerunnable experiments: the encoder-gradient experiment, or a benchmark suite (--suite): cells x arms x seeds, with results tables');
  shared(exp.command('run'))
    .description('generate the data once, train every arm and seed (resumes where it stopped), write results.md and plots')
    .option('--task <id>', 'built-in task (its goal is visible only in the image)', 'maze2d-umaze-dense-v0')
    .option('--policy <spec>', 'behaviour policy mixture of the dataset', 'mixed')
    .option('--dataset-episodes <n>', 'episodes in the generated dataset', intFlag('--dataset-episodes', 2), 400)
    .option('--image-size <px>', 'frame size of the generated dataset', intFlag('--image-size', 8), 32)
    .option('--eval-every <n>', 'evaluate (validation Q MSE, task score) every N steps', intFlag('--eval-every', 1), 1000)
    .option('--eval-episodes <n>', 'task episodes per evaluation', intFlag('--eval-episodes', 1), 20)
    .option('--batch-size <n>', 'batch size of every run', intFlag('--batch-size', 1), 64)
    .option('--hidden <list>', 'MLP hidden sizes of every run (default: the trainer default 256,256,256)', listFlag)
    .option('--feature-dim <n>', 'encoder feature size of every run', intFlag('--feature-dim', 1))
    .option('--jobs <n>', 'suite: runs at a time, each on --threads threads (default 2, threads 1)', intFlag('--jobs', 1))
    .option('--detach', 'run in the background; output goes to <dir>/experiment.log')
    .action(async (o: ExperimentFlags, cmd: Command) => {
      const dir = resolve(o.suite && cmd.getOptionValueSource('dir') === 'default' ? `runs/suite-${o.suite}` : o.dir);
      if (o.detach) {
        mkdirSync(dir, { recursive: true });
        const log = join(dir, 'experiment.log');
        const fd = openSync(log, 'a');
        const args = process.argv.slice(1).filter((a) => a !== '--detach');
        const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', fd, fd] });
        child.unref();
        process.stdout.write(`experiment running in the background (pid ${child.pid}); log: ${log}; results: ${join(dir, 'results.md')}\n`);
        return;
      }
      if (o.suite) return suiteAction(o, cmd, 'run');
      const backend = await startBackend(globalsOf(cmd));
      const base: Record<string, unknown> = {};
      if (o.hidden) base.hidden = o.hidden.map((h) => intFlag('--hidden', 1)(h));
      if (o.featureDim) base.featureDim = o.featureDim;
      const r = await runExperiment({
        dir,
        arms: parseArms(o.arms),
        seeds: o.seeds,
        task: o.task,
        policy: o.policy,
        datasetEpisodes: o.datasetEpisodes,
        imageSize: o.imageSize,
        steps: o.steps,
        evalEvery: o.evalEvery,
        evalEpisodes: o.evalEpisodes,
        batchSize: o.batchSize,
        qThreshold: o.qThreshold,
        finalEvals: o.finalEvals,
        base,
        backend,
        log: (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`),
      });
      process.stdout.write(r.table);
    });
  shared(exp.command('report'))
    .description('rewrite results.md, results.json and the plots from the runs present (works while it runs)')
    .action(async (o: ExperimentFlags, cmd: Command) => {
      if (o.suite) return suiteAction(o, cmd, 'report');
      const r = await reportExperiment({ dir: resolve(o.dir), arms: parseArms(o.arms), seeds: o.seeds, qThreshold: o.qThreshold, finalEvals: o.finalEvals, steps: o.steps });
      process.stdout.write(r.table);
    });
}
