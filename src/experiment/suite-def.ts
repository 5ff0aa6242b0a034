// The benchmark suites of `lapo experiment run --suite NAME`: cells (a built-in task and a behaviour mixture, one
// generated dataset each) × arms (config overrides, BC among them) × seeds, every run with the same budget and
// evaluation schedule. `pixels` is the suite the README's results table comes from.
import type { LapoConfig } from '../algo/config.js';
import { LapoError } from '../errors.js';

export interface SuiteCell {
  /** Folder name under the suite folder. */
  name: string;
  task: string;
  policy: string;
  episodes: number;
  imageSize: number;
}

export interface SuiteArm {
  name: string;
  overrides: Partial<LapoConfig>;
  what: string;
}

export interface SuiteDef {
  name: string;
  cells: readonly SuiteCell[];
  /** In priority order: the runner starts seed k of every arm before seed k+1 of any. */
  arms: readonly SuiteArm[];
  seeds: number;
  steps: number;
  evalEvery: number;
  evalEpisodes: number;
  /** Seed of every cell's dataset (fixed, so every arm and seed trains on the same file). */
  dataSeed: number;
}

/** Clearly suboptimal data: one noisy expert episode for two random ones (the data scores about 30). */
export const SUBOPTIMAL_MIX = 'noisy-expert:1,random:2';

const cell = (layout: string, tag: string, policy: string): SuiteCell => ({
  name: `${layout}-${tag}`,
  task: `maze2d-${layout}-dense-v0`,
  policy,
  episodes: 400,
  imageSize: 32,
});

export const SUITE_ARMS: readonly SuiteArm[] = [
  { name: 'bc', overrides: { algo: 'bc' }, what: 'behaviour cloning: encoder + MLP policy on action MSE' },
  { name: 'lapo-critic', overrides: { algo: 'lapo', encoderGrad: 'critic' }, what: 'LAPO, encoder trained by the value loss' },
  { name: 'lapo-both', overrides: { algo: 'lapo', encoderGrad: 'both' }, what: 'LAPO, encoder trained by the value and VAE losses' },
  { name: 'lapo-vae', overrides: { algo: 'lapo', encoderGrad: 'vae' }, what: 'LAPO, encoder trained by the VAE loss only' },
  {
    name: 'lapo-both-ln',
    overrides: { algo: 'lapo', encoderGrad: 'both', featureNorm: 'layernorm' },
    what: 'lapo-both with LayerNorm + tanh features',
  },
  {
    name: 'lapo-critic-ln',
    overrides: { algo: 'lapo', encoderGrad: 'critic', featureNorm: 'layernorm' },
    what: 'lapo-critic with LayerNorm + tanh features',
  },
];

export const SUITES: Readonly<Record<string, SuiteDef>> = {
  pixels: {
    name: 'pixels',
    cells: [cell('umaze', 'mixed', 'mixed'), cell('umaze', 'suboptimal', SUBOPTIMAL_MIX), cell('medium', 'mixed', 'mixed'), cell('medium', 'suboptimal', SUBOPTIMAL_MIX)],
    arms: SUITE_ARMS,
    seeds: 5,
    steps: 10000,
    evalEvery: 1000,
    evalEpisodes: 20,
    dataSeed: 12345,
  },
};

export function suiteByName(name: string): SuiteDef {
  const s = SUITES[name];
  if (!s) throw new LapoError('usage', `--suite: expected one of ${Object.keys(SUITES).join('|')}, found ${JSON.stringify(name)}`);
  return s;
}

/** The subset named by --cells / --arms (all when absent), in the suite's order; unknown names are refused. */
export function pick<T extends { name: string }>(all: readonly T[], names: string[] | undefined, flag: string): T[] {
  if (!names || names.length === 0) return [...all];
  for (const n of names) {
    if (!all.some((x) => x.name === n)) throw new LapoError('usage', `${flag}: expected names from ${all.map((x) => x.name).join('|')}, found ${JSON.stringify(n)}`);
  }
  return all.filter((x) => names.includes(x.name));
}
