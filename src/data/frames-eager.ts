// Every frame in memory: views already converted, resized and interleaved into one [H, W, sum(C)] uint8 row per
// frame, so building a batch is one contiguous copy per sample. Rows live in blocks of at most 256 MiB (a typed
// array cannot exceed 4 GiB on Node 20, and smaller blocks are easier on the allocator). The file is read in
// bounded row blocks aligned to its chunks, so each compressed chunk is decompressed once.
import type { H5Reader } from './h5.js';
import { keyPath } from './layout-common.js';
import type { DatasetPlan } from './plan.js';
import { FrameGeometry, readStateRows, type FrameSource } from './frames.js';

const BLOCK_BYTES = 256 * 2 ** 20;
const READ_BYTES = 32 * 2 ** 20;

export class EagerFrames implements FrameSource {
  readonly mode = 'eager' as const;
  private readonly blocks: Uint8Array[] = [];
  private readonly rowsPerBlock: number;
  private readonly state: Float32Array;

  private constructor(private readonly g: FrameGeometry, numFrames: number) {
    this.rowsPerBlock = g.frameBytes > 0 ? Math.max(1, Math.floor(BLOCK_BYTES / g.frameBytes)) : 0;
    if (g.frameBytes > 0) {
      for (let f = 0; f < numFrames; f += this.rowsPerBlock) {
        this.blocks.push(new Uint8Array(Math.min(this.rowsPerBlock, numFrames - f) * g.frameBytes));
      }
    }
    this.state = new Float32Array(numFrames * g.stateDim);
  }

  /** Reads every frame of the plan into memory. `onProgress` gets (frames done, total) per segment. */
  static load(r: H5Reader, plan: DatasetPlan, g: FrameGeometry, onProgress?: (done: number, total: number) => void): EagerFrames {
    const ef = new EagerFrames(g, plan.numFrames);
    for (const seg of plan.segments) {
      g.resolved.views.forEach((v, vi) => {
        const path = keyPath(seg, v.key);
        const info = r.info(path);
        const rowBytes = v.srcH * v.srcW * v.channels;
        const chunkRows = info.chunks?.[0] ?? 1;
        const step = Math.max(chunkRows, Math.floor(READ_BYTES / rowBytes / chunkRows) * chunkRows);
        // align reads to chunk boundaries in the file's row numbering
        let row = 0;
        while (row < seg.rows) {
          const fileRow = seg.fileStart + row;
          const end = Math.min(seg.rows, Math.floor((fileRow + step) / chunkRows) * chunkRows - seg.fileStart);
          const n = Math.max(1, end - row);
          r.withRows(path, fileRow, n, (bytes) => {
            for (let i = 0; i < n; i++) ef.decodeInto(seg.frameStart + row + i, vi, bytes, i * rowBytes);
          });
          row += n;
        }
      });
      g.resolved.states.forEach((s, si) => {
        readStateRows(r, seg, s, 0, seg.rows, ef.state, seg.frameStart, g.stateDim, g.stateOffsets[si]);
      });
      onProgress?.(seg.frameStart + seg.rows, plan.numFrames);
    }
    return ef;
  }

  private decodeInto(frame: number, view: number, src: Uint8Array, srcOff: number): void {
    const g = this.g;
    const b = Math.floor(frame / this.rowsPerBlock);
    const off = (frame - b * this.rowsPerBlock) * g.frameBytes;
    g.decoders[view].decode(src, srcOff, this.blocks[b], off, g.channels, g.channelOffsets[view]);
  }

  fillImages(frames: Int32Array, dst: Uint8Array): void {
    const fb = this.g.frameBytes;
    const rpb = this.rowsPerBlock;
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i];
      const b = Math.floor(f / rpb);
      const off = (f - b * rpb) * fb;
      dst.set(this.blocks[b].subarray(off, off + fb), i * fb);
    }
  }

  fillState(frames: Int32Array, dst: Float32Array): void {
    const d = this.g.stateDim;
    for (let i = 0; i < frames.length; i++) dst.set(this.state.subarray(frames[i] * d, frames[i] * d + d), i * d);
  }

  forEachStateBlock(cb: (frameStart: number, rows: number, data: Float32Array) => void): void {
    if (this.g.stateDim > 0) cb(0, this.state.length / this.g.stateDim, this.state);
  }

  close(): void {
    this.blocks.length = 0;
  }
}
