// The `lapo` command line: global flags, one file per command (parsing only), and the single place where
// errors become one line on stderr and an exit code.
import { Command, CommanderError, Option } from 'commander';
import { createRequire } from 'node:module';
import { isLapoError } from '../errors.js';
import { osError } from '../util/os-error.js';
import { BACKENDS } from '../backend/init.js';
import { intFlag } from './parse.js';
import { registerTrain } from './train.js';
import { registerDataset } from './dataset.js';
import { registerDiagnoseGradients } from './diagnose-gradients.js';
import { registerEval } from './eval.js';
import { registerDemo } from './demo.js';
import { registerPlot } from './plot.js';
import { registerExperiment } from './experiment.js';

const require = createRequire(import.meta.url);
const pkg = require('../../package.json') as { version: string };

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('lapo')
    .description('Offline RL from multimodal HDF5 datasets: LAPO with a learned observation encoder')
    .version(pkg.version)
    .addOption(new Option('--backend <name>', 'TensorFlow.js backend').choices([...BACKENDS]).default('auto'))
    .option('--threads <n>', 'worker threads for the native/wasm backends (default: all cores)', intFlag('--threads', 1))
    .option('--verbose', 'show stack traces of errors', false)
    .configureHelp({ sortSubcommands: false });
  registerTrain(program);
  registerDataset(program);
  registerDiagnoseGradients(program);
  registerEval(program);
  registerDemo(program);
  registerPlot(program);
  registerExperiment(program);
  // Every subcommand reports errors through main() instead of exiting on its own.
  // Commander's own parse errors become the same one-line `lapo: ...` form as ours.
  const override = (c: Command) => {
    c.exitOverride();
    c.configureOutput({ outputError: (str, write) => write(`lapo: ${str.replace(/^error: /, '')}`) });
    c.commands.forEach(override);
  };
  override(program);
  return program;
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  const verbose = argv.includes('--verbose');
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version "errors" are normal exits; commander already printed the message.
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return e.exitCode === 0 ? 0 : 2;
    }
    if (isLapoError(e)) {
      process.stderr.write(`lapo: ${e.message}\n`);
      if (e.hint) process.stderr.write(`hint: ${e.hint}\n`);
      if (verbose && e.stack) process.stderr.write(`${e.stack}\n`);
      return e.exitCode;
    }
    // An operating-system error no command explained (a full disk, a read-only folder): still one line.
    const os = osError(e, (e as NodeJS.ErrnoException)?.syscall ?? 'accessing it');
    if (os) {
      process.stderr.write(`lapo: ${os.message}\n`);
      if (verbose && (e as Error).stack) process.stderr.write(`${(e as Error).stack}\n`);
      return os.exitCode;
    }
    const err = e as Error;
    process.stderr.write(`lapo: internal error: ${err?.message ?? String(e)}\n`);
    if (verbose && err?.stack) process.stderr.write(`${err.stack}\n`);
    else process.stderr.write('(run again with --verbose for the stack trace)\n');
    return 1;
  }
}
