// The contract between the dataset reader (src/data) and everything that consumes transitions (algo, eval,
// diagnostics). Images stay uint8 NHWC on the host until a batch is turned into tensors.

export type LayoutName = 'd4rl' | 'minari' | 'robomimic' | 'd3rlpy';
export type Split = 'train' | 'valid' | 'all';

/** Which keys are images and which are state vectors, after --image-keys/--state-keys/--image-size. */
export interface ObsSpec {
  /** Image views in the order they are stacked along the channel axis (e.g. left, right, global). */
  imageKeys: string[];
  /** Channels of each view (3 for RGB, 1 for depth/grey). */
  viewChannels: number[];
  /** Height and width shared by every view after resizing; null when there are no images. */
  imageSize: [number, number] | null;
  /** State vector keys, concatenated in this order. */
  stateKeys: string[];
  /** Length of each state key's vector. */
  stateDims: number[];
}

export function totalChannels(spec: ObsSpec): number {
  return spec.viewChannels.reduce((a, b) => a + b, 0);
}
export function stateDim(spec: ObsSpec): number {
  return spec.stateDims.reduce((a, b) => a + b, 0);
}

/** Normalisation as in the official LAPO (utils.py): z-scored state and actions, rewards / max. */
export interface NormStats {
  stateMean: number[];
  stateStd: number[];
  actionMean: number[];
  actionStd: number[];
  /** Normalised reward = raw reward * rewardScale (1 / max|r|, times 100 with --reward-scale antmaze). */
  rewardScale: number;
  rewardMode: 'max' | 'antmaze' | 'none';
  /** Bounds of the value target, from the normalised rewards and the discount. */
  minV: number;
  maxV: number;
  discount: number;
}

/**
 * One batch on the host. Row-major, batch first. `image`/`nextImage` hold all views stacked on the channel axis:
 * [B, H, W, sum(viewChannels)] uint8. State and actions are normalised; rewards are normalised.
 */
export interface HostBatch {
  size: number;
  image: Uint8Array | null;
  nextImage: Uint8Array | null;
  state: Float32Array | null; // [B, stateDim]
  nextState: Float32Array | null; // [B, stateDim]
  action: Float32Array; // [B, actionDim]
  reward: Float32Array; // [B]
  notDone: Float32Array; // [B], 0 after a true terminal, 1 otherwise (time-limit ends included)
  /** Transition indices the rows came from (for tests and diagnostics). */
  index: Int32Array;
}

/** One episode's transitions occupy [start, start+length) in transition order. */
export interface EpisodeInfo {
  id: number;
  start: number;
  length: number;
  /** True when the episode ends in a real terminal (not a time limit / truncation / dataset end). */
  terminal: boolean;
  split: 'train' | 'valid';
}

export interface TransitionDataset {
  readonly file: string;
  readonly layout: LayoutName;
  readonly spec: ObsSpec;
  readonly actionDim: number;
  readonly numTransitions: number;
  readonly episodes: readonly EpisodeInfo[];
  readonly stats: NormStats;
  /** Transition indices of each split. */
  indices(split: Split): Int32Array;
  /** Raw (un-normalised) rewards and actions of every transition, for Monte-Carlo returns and action error. */
  rawRewards(): Float32Array;
  rawActions(): Float32Array;
  /** Rows `idx` as a batch (normalised). */
  gather(idx: Int32Array): HostBatch;
  /** A uniformly random batch from a split, drawn with `rng`. */
  sample(split: Split, batchSize: number, rng: import('../util/rng.js').Rng): HostBatch;
  /** 'eager' (all in memory) or 'lazy' (reads batches from the file). */
  readonly mode: 'eager' | 'lazy';
  close(): void;
}
