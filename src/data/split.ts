// Train/validation split by whole episodes, so no validation transition shares an episode (and thus highly
// correlated neighbours) with a training one.
//   - robomimic files with masks: mask/<split> is the training set (default `train`); mask/<split with train →
//     valid> is the validation set when it exists, otherwise a seeded --valid-fraction of the training demos.
//     Demos in neither mask are not loaded.
//   - otherwise: ceil(valid-fraction × episodes) episodes, drawn with the seed, are validation (as scikit-learn's
//     train_test_split rounds, which d3rlpy users know), but at least one episode always stays in training.
import { LapoError } from '../errors.js';
import { Rng } from '../util/rng.js';
import type { PlanEpisode } from './plan.js';
import type { EpisodeInfo, Split } from './types.js';

export function validCount(episodes: number, fraction: number): number {
  if (fraction <= 0 || episodes < 2) return 0;
  return Math.min(episodes - 1, Math.ceil(fraction * episodes - 1e-9));
}

/** Marks `validCount` of the episodes (seeded) as validation. `pool` limits the draw to some episode names. */
export function assignSplits(
  episodes: readonly PlanEpisode[],
  opts: { validFraction: number; seed: number; validNames?: Set<string> | null },
): EpisodeInfo[] {
  let valid: Set<number>;
  if (opts.validNames) {
    valid = new Set(episodes.map((e, i) => (opts.validNames?.has(e.name) ? i : -1)).filter((i) => i >= 0));
  } else {
    const order = new Rng(opts.seed).shuffle(episodes.map((_, i) => i));
    valid = new Set(order.slice(0, validCount(episodes.length, opts.validFraction)));
  }
  return episodes.map((e, i) => ({ id: e.id, start: e.start, length: e.length, terminal: e.terminal, split: valid.has(i) ? 'valid' : 'train' }));
}

/** Transition indices of a split, in transition order. */
export function splitIndices(episodes: readonly EpisodeInfo[], split: Split): Int32Array {
  const chosen = episodes.filter((e) => split === 'all' || e.split === split);
  const out = new Int32Array(chosen.reduce((a, e) => a + e.length, 0));
  let k = 0;
  for (const e of chosen) for (let t = 0; t < e.length; t++) out[k++] = e.start + t;
  return out;
}

/** robomimic: which demos to load and which of them validate, from the file's masks and --split. */
export function robomimicSplit(
  file: string,
  masks: Map<string, string[]> | null,
  split: string | undefined,
): { include: Set<string>; validNames: Set<string> | null } | null {
  const name = split ?? (masks?.has('train') ? 'train' : undefined);
  if (name === undefined) return null;
  const found = masks ? [...masks.keys()] : [];
  const train = masks?.get(name);
  if (!train) {
    throw new LapoError('data', `${file}: mask/${name}: expected a robomimic split mask (--split ${name}), found ${found.length ? `masks ${found.join(', ')}` : 'no mask group'}`);
  }
  const validName = name.endsWith('train') ? `${name.slice(0, -'train'.length)}valid` : null;
  const valid = validName ? masks?.get(validName) : undefined;
  const include = new Set([...train, ...(valid ?? [])]);
  return { include, validNames: valid ? new Set(valid) : null };
}
