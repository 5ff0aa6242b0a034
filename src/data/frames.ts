// Where observation frames come from when a batch is built: all in memory (eager) or read from the file on demand
// (lazy). Both give the same bytes for the same frame; the dataset class does not know which one it has.
import { typedView, type H5Reader } from './h5.js';
import { keyPath } from './layout-common.js';
import { dataErrors } from './messages.js';
import type { FrameSegment } from './plan.js';
import type { ResolvedSpec, StateKey } from './obs-spec.js';
import { ViewDecoder } from './view-decoder.js';

export interface FrameSource {
  readonly mode: 'eager' | 'lazy';
  /** dst[b] = the stacked views of frames[b], [B, H, W, sum(C)] uint8. */
  fillImages(frames: Int32Array, dst: Uint8Array): void;
  /** Optional faster way to fill a batch's images and next images together (lazy: one read per pair). */
  fillImagePairs?(obs: Int32Array, next: Int32Array, dstObs: Uint8Array, dstNext: Uint8Array): void;
  /** dst[b] = the raw (un-normalised) state vector of frames[b], [B, stateDim]. */
  fillState(frames: Int32Array, dst: Float32Array): void;
  /** Every frame's raw state in frame order, in blocks (for statistics). */
  forEachStateBlock(cb: (frameStart: number, rows: number, data: Float32Array) => void): void;
  close(): void;
}

/** Index of the segment holding `frame` (segments are sorted by frameStart and contiguous). */
export function segmentOf(segments: readonly FrameSegment[], frame: number): number {
  let lo = 0;
  let hi = segments.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (segments[mid].frameStart <= frame) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The layout shared by both sources: decoders per view, channel offsets, state column offsets. */
export class FrameGeometry {
  readonly decoders: ViewDecoder[];
  readonly channelOffsets: number[];
  readonly channels: number;
  readonly frameBytes: number;
  readonly stateOffsets: number[];
  readonly stateDim: number;

  constructor(readonly resolved: ResolvedSpec) {
    const [H, W] = resolved.spec.imageSize ?? [0, 0];
    this.decoders = resolved.views.map((v) => new ViewDecoder(v.srcH, v.srcW, v.channels, v.chw, H, W));
    this.channelOffsets = [];
    let c = 0;
    for (const v of resolved.views) {
      this.channelOffsets.push(c);
      c += v.channels;
    }
    this.channels = c;
    this.frameBytes = H * W * c;
    this.stateOffsets = [];
    let d = 0;
    for (const s of resolved.states) {
      this.stateOffsets.push(d);
      d += s.dim;
    }
    this.stateDim = d;
  }
}

/**
 * Reads rows [start, start+rows) of one state key in one segment and writes them as float32 into `dst` (a
 * [rows, stateDim] block) at column `col`, refusing NaN/Inf with the key's path and file row.
 */
export function readStateRows(
  r: H5Reader,
  seg: FrameSegment,
  s: StateKey,
  start: number,
  rows: number,
  dst: Float32Array,
  dstRow0: number,
  stateDim: number,
  col: number,
): void {
  const path = keyPath(seg, s.key);
  const info = r.info(path);
  r.withRows(path, seg.fileStart + start, rows, (bytes) => {
    const v = typedView(bytes, info);
    const dim = s.dim;
    let bad = 0;
    let firstBad = -1;
    for (let i = 0; i < rows; i++) {
      const o = (dstRow0 + i) * stateDim + col;
      for (let j = 0; j < dim; j++) {
        const x = Number(v[i * dim + j]);
        if (!Number.isFinite(x)) {
          bad++;
          if (firstBad < 0) firstBad = seg.fileStart + start + i;
        }
        dst[o + j] = x;
      }
    }
    if (bad > 0) throw dataErrors.nonFinite(r.file, path.slice(1), bad, firstBad);
  });
}
