// lapo dataset info FILE: parsing only; the work is src/data/info.ts.
import type { Command } from 'commander';
import { datasetInfo, formatInfo } from '../data/info.js';
import { LAYOUTS } from '../data/layout.js';
import type { LayoutName } from '../data/types.js';
import { choiceFlag, floatFlag, intFlag, listFlag } from './parse.js';

interface InfoFlags {
  layout?: LayoutName;
  imageKeys?: string[];
  stateKeys?: string[];
  imageSize?: number;
  validFraction: number;
  seed: number;
  split?: string;
  maxMemoryMb?: number;
  scratchDir?: string;
  json: boolean;
}

export function registerDatasetInfo(parent: Command): void {
  parent
    .command('info')
    .description('show layout, episodes, transitions, keys (shape, dtype, image/state), actions, rewards and ends of an HDF5 dataset')
    .argument('<file>', 'HDF5 dataset (D4RL, Minari, robomimic or d3rlpy v1 layout)')
    .option('--layout <name>', `read as this layout instead of detecting it: ${LAYOUTS.join('|')}`, choiceFlag('--layout', LAYOUTS))
    .option('--image-keys <a,b,c>', 'image views in stacking order (default: every uint8 image key, sorted)', listFlag)
    .option('--state-keys <x,y>', 'state keys in concatenation order (default: every float vector key, sorted)', listFlag)
    .option('--image-size <px>', 'resize every view to px×px', intFlag('--image-size', 1))
    .option('--valid-fraction <f>', 'fraction of episodes held out for validation', floatFlag('--valid-fraction', 0, 0.999), 0.1)
    .option('--seed <n>', 'seed of the episode split', intFlag('--seed', 0), 0)
    .option('--split <mask>', 'robomimic: the mask naming the training demos (default: train when present)')
    .option('--max-memory-mb <MiB>', 'memory budget that decides eager or lazy loading (default: half the RAM)', floatFlag('--max-memory-mb', 1))
    .option('--scratch-dir <dir>', "lazy mode: directory for the uncompressed copy of compressed arrays (default: the OS temp directory); shown in the lazy line")
    .option('--json', 'print the summary as JSON', false)
    .action(async (file: string, o: InfoFlags) => {
      const s = await datasetInfo(file, {
        layout: o.layout,
        imageKeys: o.imageKeys,
        stateKeys: o.stateKeys,
        imageSize: o.imageSize,
        validFraction: o.validFraction,
        seed: o.seed,
        split: o.split,
        maxMemoryMB: o.maxMemoryMb,
        scratchDir: o.scratchDir,
      });
      process.stdout.write(o.json ? `${JSON.stringify(s, null, 2)}\n` : formatInfo(s));
    });
}
