// Which observation keys are camera views and which are state vectors.
//   image: uint8 with one H×W×C (channel-last) or C×H×W (channel-first) frame per row, C in {1, 3, 4}; channel-last
//          wins when both readings fit (e.g. [N,3,64,3]). Channel-first frames are converted to channel-last.
//          A rank-3 uint8 array [N,H,W] is a greyscale view of 1 channel (its bytes are those of [N,H,W,1]; there is
//          no channel axis, so it is never read as channel-first) when H and W are both >= 8; a smaller uint8 grid
//          (and one with a side of 1, 3 or 4, which looks like a channel axis) is an image only when named in
//          --image-keys. Rank-3 arrays of any other dtype are never images (float [N,T,D] is a state sequence).
//   state: float32/float64 with one vector (or one scalar) per row. With --state-keys, integer and bool keys are
//          accepted too.
// Without --image-keys / --state-keys, every key that fits is used, in sorted key order (the order HDF5 lists a
// group by default; the LAPO fork's views come out as global_image, left_image, right_image). The order is the
// order views are stacked on the channel axis and state vectors concatenated; pass the flags to choose another.
// Every view must have the same H×W unless --image-size N resizes them all to N×N.
import { LapoError } from '../errors.js';
import { dataErrors } from './messages.js';
import type { DatasetPlan, ObsKeyInfo } from './plan.js';
import type { ObsSpec } from './types.js';

export interface ImageView {
  key: string;
  info: ObsKeyInfo;
  srcH: number;
  srcW: number;
  channels: number;
  /** Stored channel-first (converted at load). */
  chw: boolean;
  /** Stored as [N,H,W] without a channel axis (1 channel, the same bytes as [N,H,W,1]). */
  greyscale: boolean;
}

export interface StateKey {
  key: string;
  info: ObsKeyInfo;
  dim: number;
}

export interface ResolvedSpec {
  spec: ObsSpec;
  views: ImageView[];
  states: StateKey[];
  /** Keys neither used as images nor as state. */
  ignored: ObsKeyInfo[];
}

export interface SpecOptions {
  imageKeys?: string[];
  stateKeys?: string[];
  imageSize?: number;
}

const CHANNELS = new Set([1, 3, 4]);
/** Smallest H and W of a [N,H,W] uint8 array taken as a greyscale view without --image-keys. */
export const MIN_GREYSCALE_SIDE = 8;

function found(k: ObsKeyInfo): string {
  return `${k.dtype} [${['N', ...k.rowShape].join(',')}]`;
}

/** How key `k` reads as an image view, or null; `explicit`: named in --image-keys (any [N,H,W] uint8 then). */
export function asImage(k: ObsKeyInfo, explicit = false): Omit<ImageView, 'key' | 'info'> | null {
  if (k.kind !== 'uint' || k.bytes !== 1) return null;
  if (k.rowShape.length === 2) {
    const [h, w] = k.rowShape;
    const min = explicit ? 1 : MIN_GREYSCALE_SIDE;
    return h >= min && w >= min ? { srcH: h, srcW: w, channels: 1, chw: false, greyscale: true } : null;
  }
  if (k.rowShape.length !== 3) return null;
  const [a, b, c] = k.rowShape;
  if (CHANNELS.has(c)) return { srcH: a, srcW: b, channels: c, chw: false, greyscale: false };
  if (CHANNELS.has(a)) return { srcH: b, srcW: c, channels: a, chw: true, greyscale: false };
  return null;
}

function asState(k: ObsKeyInfo, explicit: boolean): number | null {
  const numeric = k.kind === 'float' || (explicit && (k.kind === 'int' || k.kind === 'uint' || k.kind === 'bool'));
  if (!numeric || k.rowShape.length > 1) return null;
  return k.rowShape.length === 0 ? 1 : k.rowShape[0];
}

export function resolveSpec(plan: DatasetPlan, opts: SpecOptions = {}): ResolvedSpec {
  const byKey = new Map(plan.obsKeys.map((k) => [k.key, k]));
  const available = plan.obsKeys.map((k) => k.key);
  for (const k of opts.imageKeys ?? []) if (opts.stateKeys?.includes(k)) {
    throw new LapoError('usage', `--image-keys/--state-keys: expected each key in one list, found ${JSON.stringify(k)} in both`);
  }
  const pick = (flag: string, keys: string[] | undefined, auto: (k: ObsKeyInfo) => boolean): ObsKeyInfo[] => {
    if (!keys || keys.length === 0) return plan.obsKeys.filter(auto);
    return keys.map((key) => {
      const info = byKey.get(key);
      if (!info) throw dataErrors.flagKey(flag, key, available);
      return info;
    });
  };
  const imageInfos = pick('--image-keys', opts.imageKeys, (k) => asImage(k) !== null && !opts.stateKeys?.includes(k.key));
  const stateInfos = pick('--state-keys', opts.stateKeys, (k) => asState(k, false) !== null && !opts.imageKeys?.includes(k.key));

  const views: ImageView[] = imageInfos.map((info) => {
    const img = asImage(info, true);
    if (!img) throw dataErrors.key(plan.file, info.pathPattern, 'uint8 frames [N,H,W,C] or [N,C,H,W] with C in 1,3,4, or greyscale [N,H,W]', found(info));
    return { key: info.key, info, ...img };
  });
  const states: StateKey[] = stateInfos.map((info) => {
    const dim = asState(info, true);
    if (dim === null) throw dataErrors.key(plan.file, info.pathPattern, 'numeric state vectors [N,D]', found(info));
    return { key: info.key, info, dim };
  });
  if (views.length === 0 && states.length === 0) throw dataErrors.noObservations(plan.file, plan.obsKeys.map((k) => `${k.key} ${found(k)}`));

  let imageSize: [number, number] | null = null;
  if (views.length > 0) {
    if (opts.imageSize !== undefined) imageSize = [opts.imageSize, opts.imageSize];
    else {
      const first = views[0];
      for (const v of views) {
        if (v.srcH !== first.srcH || v.srcW !== first.srcW) {
          throw dataErrors.viewSize(plan.file, v.info.pathPattern, [v.srcH, v.srcW], first.key, [first.srcH, first.srcW]);
        }
      }
      imageSize = [first.srcH, first.srcW];
    }
  }
  const used = new Set([...views.map((v) => v.key), ...states.map((s) => s.key)]);
  return {
    spec: {
      imageKeys: views.map((v) => v.key),
      viewChannels: views.map((v) => v.channels),
      imageSize,
      stateKeys: states.map((s) => s.key),
      stateDims: states.map((s) => s.dim),
    },
    views,
    states,
    ignored: plan.obsKeys.filter((k) => !used.has(k.key)),
  };
}
