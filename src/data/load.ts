// loadDataset: file → TransitionDataset. Detect (or take) the layout, build the transition plan, choose image and
// state keys, split by episodes, pick eager or lazy by the memory estimate, and compute the normalisation
// statistics on the training split. Nothing is written anywhere.
import { totalmem } from 'node:os';
import { LapoError, errors } from '../errors.js';
import { LoadedDataset } from './dataset.js';
import { EagerFrames } from './frames-eager.js';
import { LazyFrames } from './frames-lazy.js';
import { FrameGeometry, type FrameSource } from './frames.js';
import { H5Reader } from './h5.js';
import { robomimicMasks } from './layout-episodic.js';
import { LAYOUTS, detectLayout, readPlan } from './layout.js';
import { dataErrors } from './messages.js';
import { MomentAccumulator, actionMoments, rewardScale, valueBounds, type RewardMode } from './normalize.js';
import { resolveSpec } from './obs-spec.js';
import { checkScratchDir } from './shadow-store.js';
import type { DatasetPlan } from './plan.js';
import { assignSplits, robomimicSplit, splitIndices } from './split.js';
import type { LayoutName, NormStats } from './types.js';

export interface LoadOptions {
  /** Skip detection and read the file as this layout. */
  layout?: LayoutName;
  /** Image views in stacking order (default: every uint8 image key, sorted). */
  imageKeys?: string[];
  /** State keys in concatenation order (default: every float vector key, sorted). */
  stateKeys?: string[];
  /** Resize every view to N×N at load (area when shrinking, bilinear when enlarging). */
  imageSize?: number;
  /** Fraction of episodes held out for validation (default 0.1; ignored when robomimic masks decide). */
  validFraction?: number;
  /** Seed of the episode split (default 0). */
  seed?: number;
  /** Reward normalisation (default 'max'). */
  rewardMode?: RewardMode;
  /** Discount used for min_v / max_v (default 0.99). */
  discount?: number;
  /** Memory budget for the in-memory copy (default: half of the machine's RAM). */
  maxMemoryMB?: number;
  /** Lazy mode's block cache (default: a quarter of maxMemoryMB, at least 64 MiB). */
  cacheMB?: number;
  /** Lazy mode reads contiguous uncompressed arrays with pread at their file offset (default true; false sends
   * every read through h5wasm, ~10x slower: for comparison and as a way around a file the offset reader misreads). */
  lazyDirect?: boolean;
  /** Lazy mode copies compressed/chunked arrays, uncompressed, into a nameless scratch file here as batches first
   * touch them (default: the OS temp directory unless it is a tmpfs or lacks the room; null: no copy, every sample
   * of a compressed array then decompresses a chunk through the block cache). A named directory must exist and be
   * writable, whatever the mode (a LapoError naming --scratch-dir otherwise). */
  scratchDir?: string | null;
  /** 'auto' (default): eager when the estimate fits maxMemoryMB, else lazy. */
  mode?: 'auto' | 'eager' | 'lazy';
  /** robomimic: the mask naming the training demos (default `train` when the file has masks). */
  split?: string;
  /** Progress of the eager load: (frames read, total frames). */
  onProgress?: (done: number, total: number) => void;
}

/** Half of the machine's memory: the rest is for the networks, the batch tensors and the OS. */
export function defaultMaxMemoryMB(): number {
  return Math.floor(totalmem() / 2 ** 20 / 2);
}

/** Bytes the eager mode would hold: frames (uint8 views, float32 state) plus per-transition arrays. */
export function estimateBytes(plan: DatasetPlan, g: FrameGeometry): number {
  const perFrame = g.frameBytes + 4 * g.stateDim;
  const perTransition = 4 * plan.actionDim + 4 + 4 + 4 + 1;
  return plan.numFrames * perFrame + plan.obsFrame.length * perTransition;
}

function checkOptions(o: LoadOptions): void {
  if (o.layout !== undefined && !LAYOUTS.includes(o.layout)) throw errors.badFlag('--layout', LAYOUTS.join('|'), String(o.layout));
  if (o.imageSize !== undefined && !(Number.isInteger(o.imageSize) && o.imageSize >= 1 && o.imageSize <= 4096)) {
    throw errors.badFlag('--image-size', 'an integer in [1, 4096]', String(o.imageSize));
  }
  if (o.validFraction !== undefined && !(o.validFraction >= 0 && o.validFraction < 1)) {
    throw errors.badFlag('--valid-fraction', 'a number in [0, 1)', String(o.validFraction));
  }
  if (o.discount !== undefined && !(o.discount >= 0 && o.discount < 1)) throw errors.badFlag('--discount', 'a number in [0, 1)', String(o.discount));
  if (o.cacheMB !== undefined && !(o.cacheMB >= 0)) throw errors.badFlag('cacheMB', 'a number of MiB >= 0', String(o.cacheMB));
  if (o.maxMemoryMB !== undefined && !(o.maxMemoryMB > 0)) throw errors.badFlag('--max-memory-mb', 'a positive number of MiB', String(o.maxMemoryMB));
  if (typeof o.scratchDir === 'string') checkScratchDir(o.scratchDir);
}

export async function loadDataset(file: string, opts: LoadOptions = {}): Promise<LoadedDataset> {
  checkOptions(opts);
  const r = await H5Reader.open(file);
  let handedOver = false;
  try {
    const layout = opts.layout ?? detectLayout(r);
    if (opts.split !== undefined && layout !== 'robomimic') {
      throw new LapoError('usage', `--split: expected a robomimic file (mask/<split>), found a ${layout} file`);
    }
    const rs = layout === 'robomimic' ? robomimicSplit(file, robomimicMasks(r), opts.split) : null;
    const plan = readPlan(r, layout, rs?.include);
    if (plan.obsFrame.length === 0) {
      const why = plan.counts.rows === 0 ? 'the file has no steps' : `all ${plan.counts.rows} steps end episodes by time limit without a next observation`;
      throw dataErrors.empty(file, plan.arrays[0]?.path ?? 'actions', why);
    }
    const resolved = resolveSpec(plan, opts);
    const g = new FrameGeometry(resolved);
    const episodes = assignSplits(plan.episodes, { validFraction: opts.validFraction ?? 0.1, seed: opts.seed ?? 0, validNames: rs?.validNames });

    const budget = (opts.maxMemoryMB ?? defaultMaxMemoryMB()) * 2 ** 20;
    const estimate = estimateBytes(plan, g);
    const mode = opts.mode === 'eager' || opts.mode === 'lazy' ? opts.mode : estimate <= budget ? 'eager' : 'lazy';
    let frames: FrameSource;
    if (mode === 'eager') {
      frames = EagerFrames.load(r, plan, g, opts.onProgress);
      r.close();
    } else {
      // the block cache takes a quarter of the budget (at least 64 MiB): the rest stays free for training
      const cache = opts.cacheMB !== undefined ? opts.cacheMB * 2 ** 20 : Math.max(64 * 2 ** 20, budget / 4);
      frames = new LazyFrames(r, plan, g, { cacheBytes: cache, direct: opts.lazyDirect, scratchDir: opts.scratchDir });
    }
    handedOver = true;
    const train = splitIndices(episodes, 'train');
    let stats: NormStats;
    try {
      stats = computeStats(plan, frames, g.stateDim, train, opts.rewardMode ?? 'max', opts.discount ?? 0.99);
    } catch (e) {
      frames.close();
      throw e;
    }
    return new LoadedDataset(plan, resolved.spec, episodes, stats, frames, g, { estimateBytes: estimate, budgetBytes: budget });
  } finally {
    if (!handedOver) r.close();
  }
}

function computeStats(plan: DatasetPlan, frames: FrameSource, stateDim: number, train: Int32Array, rewardMode: RewardMode, discount: number): NormStats {
  // how many training transitions start at each frame (the official statistics are over `state`, not next_state)
  const uses = new Uint32Array(plan.numFrames);
  for (let k = 0; k < train.length; k++) uses[plan.obsFrame[train[k]]]++;
  const acc = new MomentAccumulator(stateDim);
  frames.forEachStateBlock((start, rows, data) => acc.add(data, rows, (i) => uses[start + i]));
  const s = acc.result();
  const a = actionMoments(plan.actions, plan.actionDim, train);
  const scale = rewardScale(rewardMode, plan.rewards, train);
  const hasTerminals = plan.notDone.some((nd) => nd === 0);
  const { minV, maxV } = valueBounds(rewardMode, scale, plan.rewards, train, discount, hasTerminals);
  return {
    stateMean: s.mean,
    stateStd: s.std,
    actionMean: a.mean,
    actionStd: a.std,
    rewardScale: scale,
    rewardMode,
    minV,
    maxV,
    discount,
  };
}
