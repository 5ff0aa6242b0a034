// lapo dataset <info|generate>: the two dataset subcommands live in their own files.
import type { Command } from 'commander';
import { registerDatasetInfo } from './dataset-info.js';
import { registerDatasetGenerate } from './dataset-generate.js';

export function registerDataset(program: Command): void {
  const dataset = program.command('dataset').description('inspect an HDF5 dataset or generate one from the built-in pixel task');
  registerDatasetInfo(dataset);
  registerDatasetGenerate(dataset);
}
