// The training configuration: one strict zod schema. Unknown keys and bad values fail with one line naming the
// key (robomimic-style locking without its silent filtering). Keys are camelCase; CLI flags are the kebab-case
// spelling (--critic-lr, generated in flags.ts); resolve.ts fills the data-dependent nulls. Defaults are the official LAPO command-line defaults (pcchenxi/LAPO-offlienRL
// main_d4rl.py): lr 2e-4 ×3, tau 0.005, discount 0.99, expectile 0.9, kl_beta 1, max_latent_action 2,
// doubleq_min 1, latent_dim = 2·action_dim, hidden 256×3, batch 512 (state-only). Every field has .describe(),
// which --help prints.
import { z } from 'zod';
import { LapoError } from '../errors.js';

/** What each key expects, in words, for error messages (kept beside the schema so they cannot drift apart). */
const EXPECTED: Record<string, string> = {};

function field<T extends z.ZodType>(key: string, expected: string, schema: T, description: string): T {
  EXPECTED[key] = expected;
  return schema.describe(description) as T;
}

const int = () => z.number().int();
const posInt = () => z.number().int().positive();
const intList = () => z.array(posInt()).min(1);

export const ALGOS = ['lapo', 'bc'] as const;
export type AlgoName = (typeof ALGOS)[number];
/** LAPO's encoder modes. */
export const ENCODER_GRAD = ['critic', 'vae', 'both', 'frozen'] as const;
export type EncoderGrad = (typeof ENCODER_GRAD)[number];
/** BC's encoder modes. */
export const BC_ENCODER_GRAD = ['actor', 'frozen'] as const;
export type BcEncoderGrad = (typeof BC_ENCODER_GRAD)[number];
/** Every value the encoderGrad key takes (each algorithm accepts its own subset). */
export const ANY_ENCODER_GRAD = ['critic', 'vae', 'both', 'frozen', 'actor'] as const;
export type AnyEncoderGrad = (typeof ANY_ENCODER_GRAD)[number];
/**
 * Which --encoder-grad modes each algorithm takes, and its default. LAPO: the value loss (critic), the VAE loss
 * (vae: the historical defect), both, or nothing (frozen). BC: its own action loss (actor) or nothing (frozen).
 */
export const ALGO_ENCODER_MODES: Readonly<Record<AlgoName, { modes: readonly AnyEncoderGrad[]; default: AnyEncoderGrad }>> = {
  lapo: { modes: ENCODER_GRAD, default: 'both' },
  bc: { modes: BC_ENCODER_GRAD, default: 'actor' },
};
export const FEATURE_NORMS = ['none', 'layernorm'] as const;
export const IMAGE_POOLS = ['flatten', 'spatial-softmax'] as const;
export type FeatureNorm = (typeof FEATURE_NORMS)[number];
export const POLICY_FEATURES = ['online', 'target'] as const;
export const LAYOUTS = ['d4rl', 'minari', 'robomimic', 'd3rlpy'] as const;
export const REWARD_MODES = ['max', 'antmaze', 'none'] as const;
export const AUGMENTS = ['shift', 'none'] as const;

export const LapoConfigSchema = z
  .object({
    dataset: field('dataset', 'a dataset file path', z.string().min(1), 'HDF5 dataset to train on'),
    algo: field('algo', 'one of lapo|bc', z.enum(ALGOS).default('lapo'),
      'algorithm: lapo (critic, VAE, latent actor) or bc (behaviour cloning: encoder + MLP policy on action MSE)'),
    runName: field('runName', 'a non-empty string or null', z.string().min(1).nullable().default(null),
      'run folder name under runs/ (null: <task>-<timestamp>)'),
    seed: field('seed', 'an integer >= 0', int().min(0).default(0), 'seed of weights, sampling, augmentation and noise'),
    steps: field('steps', 'an integer >= 1', posInt().default(1_000_000), 'training iterations (gradient steps)'),
    batchSize: field('batchSize', 'an integer >= 1 or null', posInt().nullable().default(null),
      'transitions per step (null: 512 for state-only data, 64 with images)'),
    criticLr: field('criticLr', 'a number > 0', z.number().positive().default(2e-4),
      'Adam learning rate of the critic group (Q1, Q2, V, and the encoder under --encoder-grad critic or both)'),
    vaeLr: field('vaeLr', 'a number > 0', z.number().positive().default(2e-4),
      'Adam learning rate of the actorVae group (the conditional VAE)'),
    actorLr: field('actorLr', 'a number > 0', z.number().positive().default(2e-4),
      'Adam learning rate of the actor group (LAPO: the latent policy; BC: the policy and, unless frozen, the encoder)'),
    tau: field('tau', 'a number in [0, 1]', z.number().min(0).max(1).default(0.005), 'soft target update rate'),
    discount: field('discount', 'a number in [0, 1)', z.number().min(0).lt(1).default(0.99), 'discount factor gamma'),
    expectile: field('expectile', 'a number in [0, 1]', z.number().min(0).max(1).default(0.9),
      'VAE sample weight for positive advantage (1 - expectile for the rest)'),
    klBeta: field('klBeta', 'a number >= 0', z.number().min(0).default(1), 'weight of the KL term of the VAE loss'),
    maxLatentAction: field('maxLatentAction', 'a number > 0', z.number().positive().default(2),
      'latent policy output bound: maxLatentAction * tanh(.)'),
    doubleqMin: field('doubleqMin', 'a number in [0, 1]', z.number().min(0).max(1).default(1),
      'weight of min(Q1,Q2) in the target value (the rest goes to max)'),
    latentDim: field('latentDim', 'an integer >= 1 or null', posInt().nullable().default(null),
      'VAE latent size (null: 2 x action dimension)'),
    hidden: field('hidden', 'a non-empty list of integers >= 1', intList().default([256, 256, 256]),
      'hidden layer sizes of every MLP (critic, VAE, actor)'),
    featureDim: field('featureDim', 'an integer >= 1', posInt().default(256), 'encoder feature size (image data)'),
    convChannels: field('convChannels', 'an integer >= 1', posInt().default(32), 'filters of each 3x3 conv layer'),
    convStrides: field('convStrides', 'a non-empty list of integers >= 1', intList().default([2, 2, 1, 1]),
      'one 3x3 valid conv layer per stride'),
    stateHidden: field('stateHidden', 'an integer >= 1', posInt().default(64),
      'width of the 2-layer state MLP beside the conv stack'),
    augment: field('augment', 'one of shift|none or null', z.enum(AUGMENTS).nullable().default(null),
      'image augmentation: none, or shift (random shift by up to augmentPad px) (null: none)'),
    augmentPad: field('augmentPad', 'an integer >= 0', int().min(0).default(4), 'random shift range in pixels'),
    encoderGrad: field('encoderGrad', 'one of critic|vae|both|frozen (lapo), actor|frozen (bc), or null',
      z.enum(ANY_ENCODER_GRAD).nullable().default(null),
      'which losses train the encoder: lapo critic (value loss), vae (historical defect), both, frozen; bc actor, frozen (null: the algorithm default)'),
    imagePool: field('imagePool', 'one of flatten|spatial-softmax', z.enum(IMAGE_POOLS).default('flatten'),
      'conv maps to a vector: flatten, or spatial-softmax (robomimic: the expected (x, y) of each channel)'),
    featureNorm: field('featureNorm', 'one of none|layernorm', z.enum(FEATURE_NORMS).default('none'),
      'encoder output: none (Linear + ReLU) or layernorm (Linear + LayerNorm + tanh, as DrQ-v2)'),
    policyFeatures: field('policyFeatures', 'one of online|target', z.enum(POLICY_FEATURES).default('online'),
      'encoder whose (detached) features the VAE and actor read'),
    logEvery: field('logEvery', 'an integer >= 1', posInt().default(1000), 'metrics.csv row every N steps'),
    saveEvery: field('saveEvery', 'an integer >= 0', int().min(0).default(50_000),
      'checkpoint every N steps (0: only at the end)'),
    saveEveryMinutes: field('saveEveryMinutes', 'a number >= 0', z.number().min(0).default(10),
      'also checkpoint when N minutes have passed since the last checkpoint (0: off), so a crash loses at most N minutes'),
    layout: field('layout', 'one of d4rl|minari|robomimic|d3rlpy or null', z.enum(LAYOUTS).nullable().default(null),
      'dataset layout (null: detect)'),
    imageKeys: field('imageKeys', 'a list of dataset keys or null', z.array(z.string().min(1)).nullable().default(null),
      'image views, stacked on channels in this order (null: every image key)'),
    stateKeys: field('stateKeys', 'a list of dataset keys or null', z.array(z.string().min(1)).nullable().default(null),
      'state vectors, concatenated in this order (null: every vector key)'),
    imageSize: field('imageSize', 'an integer >= 1 or null', posInt().nullable().default(null),
      'resize views to N x N (null: keep)'),
    validFraction: field('validFraction', 'a number in [0, 1)', z.number().min(0).lt(1).default(0.1),
      'fraction of episodes held out for validation'),
    rewardMode: field('rewardMode', 'one of max|antmaze|none', z.enum(REWARD_MODES).default('max'),
      'reward normalisation: r/max r (official), antmaze (r*100), none'),
    maxMemoryMB: field('maxMemoryMB', 'an integer >= 1 or null', posInt().nullable().default(null),
      'load the dataset into memory up to this size, else read batches lazily (null: automatic)'),
    scratchDir: field('scratchDir', 'a directory path or null', z.string().min(1).nullable().default(null),
      'lazy mode: directory for the uncompressed copy of compressed arrays (null: the OS temp directory)'),
    evalEvery: field('evalEvery', 'an integer >= 0', int().min(0).default(0), 'evaluate every N steps (0: off)'),
    evalEpisodes: field('evalEpisodes', 'an integer >= 1', posInt().default(10), 'episodes per evaluation'),
  })
  .strict();

export type LapoConfig = z.output<typeof LapoConfigSchema>;
export type LapoConfigInput = z.input<typeof LapoConfigSchema>;

/** Every default (all keys but `dataset`, which has none). */
/**
 * Keys that change how a run is kept (logging, checkpoints, evaluation, memory, names), never what it learns:
 * runs that differ only in these (and the seed) are repetitions of one configuration (`lapo plot` pools them),
 * and they may change on --resume.
 */
export const BOOKKEEPING_KEYS = [
  'runName', 'logEvery', 'saveEvery', 'saveEveryMinutes', 'evalEvery', 'evalEpisodes', 'maxMemoryMB', 'scratchDir',
] as const satisfies readonly (keyof LapoConfig)[];

export const configDefaults: Omit<LapoConfig, 'dataset'> = (() => {
  const { dataset: _d, ...rest } = LapoConfigSchema.parse({ dataset: '-' });
  return rest;
})();

export const CONFIG_KEYS: readonly string[] = Object.keys(LapoConfigSchema.shape);

/** The command-line flag of a key: criticLr -> --critic-lr, maxMemoryMB -> --max-memory-mb. */
export function flagFor(key: string): string {
  return `--${key.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()}`;
}

/** The description of a key (for --help and the README table). */
export function describeKey(key: string): string {
  const s = (LapoConfigSchema.shape as Record<string, z.ZodType>)[key];
  return s?.description ?? '';
}

/**
 * Validates a config object; throws LapoError('config') naming `source` and the first bad or unknown key. Keys in
 * `flagKeys` came from command-line flags: an error about one names the flag instead, and is reported first.
 */
export function parseConfig(obj: unknown, source: string, flagKeys: readonly string[] = []): LapoConfig {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    throw new LapoError('config', `${source}: expected a JSON object of config keys, found ${show(obj)}`);
  }
  const at = (key: string) => (flagKeys.includes(key) ? flagFor(key) : `${source}: ${key}`);
  const r = LapoConfigSchema.safeParse(obj);
  if (r.success) {
    const { algo, encoderGrad } = r.data;
    const allowed = ALGO_ENCODER_MODES[algo].modes;
    if (encoderGrad !== null && !allowed.includes(encoderGrad)) {
      throw new LapoError('config', `${at('encoderGrad')}: expected one of ${allowed.join('|')} with algo ${algo}, found ${show(encoderGrad)}`);
    }
    return r.data;
  }
  const issues = r.error.issues;
  const issue = issues.find((i) => flagKeys.includes(String(i.path[0] ?? ''))) ?? issues[0];
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0];
    const near = closest(key, CONFIG_KEYS);
    throw new LapoError(
      'config',
      `${source}: ${key}: expected a config key${near ? ` (did you mean ${near}?)` : ''}, found an unknown key`,
    );
  }
  const key = String(issue.path[0] ?? '');
  const value = (obj as Record<string, unknown>)[key];
  throw new LapoError('config', `${at(key)}: expected ${EXPECTED[key] ?? issue.message}, found ${show(value)}`);
}

export function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  try {
    const s = JSON.stringify(v);
    return s.length > 60 ? `${s.slice(0, 57)}...` : s;
  } catch {
    return String(v);
  }
}

function closest(key: string, keys: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  const norm = (s: string) => s.toLowerCase().replace(/[-_]/g, '');
  for (const k of keys) {
    const d = editDistance(norm(key), norm(k));
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return bestD <= Math.max(2, Math.floor(key.length / 3)) ? best : null;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}
