// The TransitionDataset the trainer samples from. Raw actions, rewards and state stay as stored; normalisation is
// applied when a batch is built (a few hundred rows: cheaper than a normalised copy of the whole dataset, and the
// raw arrays stay available for returns and action errors). Images stay uint8 until the trainer makes tensors.
import { LapoError } from '../errors.js';
import type { Rng } from '../util/rng.js';
import type { FrameSource } from './frames.js';
import { LazyFrames, type LazyStorage } from './frames-lazy.js';
import type { FrameGeometry } from './frames.js';
import { zscore } from './normalize.js';
import type { DatasetPlan } from './plan.js';
import { splitIndices } from './split.js';
import type { EpisodeInfo, HostBatch, LayoutName, NormStats, ObsSpec, Split, TransitionDataset } from './types.js';

export class LoadedDataset implements TransitionDataset {
  readonly file: string;
  readonly layout: LayoutName;
  readonly actionDim: number;
  readonly numTransitions: number;
  private readonly splits: Record<Split, Int32Array>;

  constructor(
    private readonly plan: DatasetPlan,
    readonly spec: ObsSpec,
    readonly episodes: readonly EpisodeInfo[],
    readonly stats: NormStats,
    private readonly frames: FrameSource,
    private readonly geometry: FrameGeometry,
    /** The eager-size estimate and the budget it was compared with (bytes). */
    readonly memory: { estimateBytes: number; budgetBytes: number },
  ) {
    this.file = plan.file;
    this.layout = plan.layout;
    this.actionDim = plan.actionDim;
    this.numTransitions = plan.obsFrame.length;
    this.splits = { train: splitIndices(episodes, 'train'), valid: splitIndices(episodes, 'valid'), all: splitIndices(episodes, 'all') };
  }

  get mode(): 'eager' | 'lazy' {
    return this.frames.mode;
  }

  /** How lazy mode reads the file (direct reads, scratch copy, cache); null in eager mode. */
  get lazyStorage(): LazyStorage | null {
    return this.frames instanceof LazyFrames ? this.frames.storage : null;
  }

  indices(split: Split): Int32Array {
    return this.splits[split];
  }

  rawRewards(): Float32Array {
    return this.plan.rewards;
  }

  rawActions(): Float32Array {
    return this.plan.actions;
  }

  /** Next-observation frame and not_done of every transition (for tests and diagnostics). */
  transitionFrames(): { obs: Int32Array; next: Int32Array; notDone: Uint8Array } {
    return { obs: this.plan.obsFrame, next: this.plan.nextFrame, notDone: this.plan.notDone };
  }

  gather(idx: Int32Array): HostBatch {
    const B = idx.length;
    const { plan, geometry: g, stats } = this;
    for (let i = 0; i < B; i++) {
      if (!(idx[i] >= 0 && idx[i] < this.numTransitions)) throw new RangeError(`transition index ${idx[i]} outside [0, ${this.numTransitions})`);
    }
    const obs = new Int32Array(B);
    const next = new Int32Array(B);
    for (let i = 0; i < B; i++) {
      obs[i] = plan.obsFrame[idx[i]];
      next[i] = plan.nextFrame[idx[i]];
    }
    let image: Uint8Array | null = null;
    let nextImage: Uint8Array | null = null;
    if (g.frameBytes > 0) {
      image = new Uint8Array(B * g.frameBytes);
      nextImage = new Uint8Array(B * g.frameBytes);
      if (this.frames.fillImagePairs) this.frames.fillImagePairs(obs, next, image, nextImage);
      else {
        this.frames.fillImages(obs, image);
        this.frames.fillImages(next, nextImage);
      }
    }
    let state: Float32Array | null = null;
    let nextState: Float32Array | null = null;
    if (g.stateDim > 0) {
      state = new Float32Array(B * g.stateDim);
      nextState = new Float32Array(B * g.stateDim);
      this.frames.fillState(obs, state);
      this.frames.fillState(next, nextState);
      zscore(state, stats.stateMean, stats.stateStd);
      zscore(nextState, stats.stateMean, stats.stateStd);
    }
    const A = this.actionDim;
    const action = new Float32Array(B * A);
    const reward = new Float32Array(B);
    const notDone = new Float32Array(B);
    for (let i = 0; i < B; i++) {
      const t = idx[i];
      action.set(plan.actions.subarray(t * A, t * A + A), i * A);
      reward[i] = plan.rewards[t] * stats.rewardScale;
      notDone[i] = plan.notDone[t];
    }
    zscore(action, stats.actionMean, stats.actionStd);
    return { size: B, image, nextImage, state, nextState, action, reward, notDone, index: Int32Array.from(idx) };
  }

  sample(split: Split, batchSize: number, rng: Rng): HostBatch {
    const pool = this.splits[split];
    if (pool.length === 0) {
      throw new LapoError('data', `${this.file}: ${split} split: expected at least one transition, found 0 (check --valid-fraction and the episode count)`);
    }
    const idx = new Int32Array(batchSize);
    for (let i = 0; i < batchSize; i++) idx[i] = pool[rng.int(pool.length)];
    return this.gather(idx);
  }

  close(): void {
    this.frames.close();
  }
}
