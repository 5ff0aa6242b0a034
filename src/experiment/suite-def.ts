// The benchmark suites of `lapo experiment run --suite NAME`: cells (a built-in task and a behaviour mixture, one
// generated dataset each) × arms (config overrides, BC among them) × seeds, every run with the same budget and
// evaluation schedule. `pixels` is the suite the README's results table comes from.
import type { LapoConfig } from '../config/schema.js';
import { LapoError } from '../errors.js';

export interface SuiteCell {
  /** Folder name under the suite folder. */
  name: string;
  task: string;
  policy: string;
  episodes: number;
  imageSize: number;
  /** Training steps of every run of the cell (the budget), unless --steps says otherwise. */
  steps: number;
}

export interface SuiteArm {
  name: string;
  overrides: Partial<LapoConfig>;
  what: string;
}

/** What the suite holds its default arm to (printed by the report; never asserted by a test). */
export type SuiteTarget =
  | { kind: 'min-score'; cell: string; value: number }
  | { kind: 'data-score'; cell: string }
  | { kind: 'above-bc'; cell: string }
  | { kind: 'not-below-bc' }
  | { kind: 'steps-to-data'; cell: string; steps: number }
  | { kind: 'stable'; points: number };

export interface SuiteDef {
  name: string;
  cells: readonly SuiteCell[];
  /** In priority order: the runner starts seed k of every arm before seed k+1 of any. */
  arms: readonly SuiteArm[];
  seeds: number;
  evalEvery: number;
  evalEpisodes: number;
  /** Seed of every cell's dataset (fixed, so every arm and seed trains on the same file). */
  dataSeed: number;
  /** The arm whose configuration is lapo's default (a test keeps them equal), and the baseline arm. */
  defaultArm: string;
  baselineArm: string;
  targets: readonly SuiteTarget[];
}

/** Clearly suboptimal data: one noisy expert episode for two random ones (the data scores about 30). */
export const SUBOPTIMAL_MIX = 'noisy-expert:1,random:2';

const cell = (layout: string, tag: string, policy: string, steps: number): SuiteCell => ({
  name: `${layout}-${tag}`,
  task: `maze2d-${layout}-dense-v0`,
  policy,
  episodes: 400,
  imageSize: 32,
  steps,
});

// Every arm names its augmentation: on this task the state vector holds the mass' absolute position and the image
// the goal's, so a random shift of the image moves the goal relative to the state (the `-shift` arms measure it).
const arm = (name: string, what: string, overrides: Partial<LapoConfig>): SuiteArm => ({ name, what, overrides: { augment: 'none', ...overrides } });

export const SUITE_ARMS: readonly SuiteArm[] = [
  arm('bc', 'behaviour cloning: encoder + MLP policy on action MSE', { algo: 'bc' }),
  arm('lapo-critic', 'LAPO, encoder trained by the value loss', { algo: 'lapo', encoderGrad: 'critic' }),
  arm('lapo-both', 'LAPO, encoder trained by the value and VAE losses', { algo: 'lapo', encoderGrad: 'both' }),
  arm('lapo-vae', 'LAPO, encoder trained by the VAE loss only (the historical defect)', { algo: 'lapo', encoderGrad: 'vae' }),
  arm('lapo-critic-shift', 'lapo-critic with random-shift augmentation (±4 px)', { algo: 'lapo', encoderGrad: 'critic', augment: 'shift', augmentPad: 4 }),
  arm('bc-shift', 'bc with random-shift augmentation (±4 px)', { algo: 'bc', augment: 'shift', augmentPad: 4 }),
  arm('lapo-both-ml1', 'lapo-both with the latent policy bounded to ±1 (maxLatentAction 1)', { algo: 'lapo', encoderGrad: 'both', maxLatentAction: 1 }),
  arm('lapo-both-ln', 'lapo-both with LayerNorm + tanh features', { algo: 'lapo', encoderGrad: 'both', featureNorm: 'layernorm' }),
  arm('lapo-both-ssm', 'lapo-both with spatial-softmax pooling over 9x9 maps (conv strides 2,1,1,1)', {
    algo: 'lapo',
    encoderGrad: 'both',
    imagePool: 'spatial-softmax',
    convStrides: [2, 1, 1, 1],
  }),
  arm('bc-ssm', 'bc with spatial-softmax pooling over 9x9 maps (conv strides 2,1,1,1)', { algo: 'bc', imagePool: 'spatial-softmax', convStrides: [2, 1, 1, 1] }),
];

export const SUITES: Readonly<Record<string, SuiteDef>> = {
  pixels: {
    name: 'pixels',
    // Budgets from the curves: umaze-mixed is flat from about 5 000 steps; on umaze-suboptimal LAPO was still
    // climbing at 10 000; medium's values take about twice umaze's steps to form (its episodes are twice as long).
    cells: [
      cell('umaze', 'mixed', 'mixed', 10000),
      cell('umaze', 'suboptimal', SUBOPTIMAL_MIX, 20000),
      cell('medium', 'mixed', 'mixed', 20000),
      cell('medium', 'suboptimal', SUBOPTIMAL_MIX, 20000),
    ],
    arms: SUITE_ARMS,
    seeds: 5,
    evalEvery: 1000,
    evalEpisodes: 20,
    dataSeed: 12345,
    defaultArm: 'lapo-both',
    baselineArm: 'bc',
    targets: [
      { kind: 'min-score', cell: 'umaze-mixed', value: 96 },
      { kind: 'data-score', cell: 'medium-mixed' },
      { kind: 'above-bc', cell: 'umaze-suboptimal' },
      { kind: 'above-bc', cell: 'medium-suboptimal' },
      { kind: 'not-below-bc' },
      { kind: 'steps-to-data', cell: 'umaze-mixed', steps: 5000 },
      { kind: 'stable', points: 2 },
    ],
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
