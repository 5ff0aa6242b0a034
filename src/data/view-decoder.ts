// One camera view's frame as stored (H×W×C or C×H×W uint8, any size; a greyscale H×W frame is H×W×1, the same
// bytes) → channel-last at the training size, written into a batch row where all views are interleaved on the
// channel axis ([H, W, sum(C)]).
//
// Resizing (--image-size) is separable, per axis: area averaging when shrinking (each output pixel is the mean of
// the source area it covers, as OpenCV's INTER_AREA; no aliasing of fine texture), bilinear with half-pixel centres
// when enlarging (OpenCV's INTER_LINEAR). Results are rounded to the nearest uint8. Frames that need neither
// resizing nor transposing take a plain copy path.

interface Tap {
  idx: Int32Array;
  w: Float32Array;
  /** taps[o] = [start, end) into idx/w. */
  start: Int32Array;
}

/** Source taps and weights for resampling `src` pixels to `dst` pixels along one axis. */
export function axisTaps(src: number, dst: number): Tap {
  const idx: number[] = [];
  const w: number[] = [];
  const start = new Int32Array(dst + 1);
  const scale = src / dst;
  for (let o = 0; o < dst; o++) {
    start[o] = idx.length;
    if (scale > 1) {
      const a = o * scale;
      const b = (o + 1) * scale;
      for (let i = Math.floor(a); i < Math.min(Math.ceil(b), src); i++) {
        const overlap = Math.min(b, i + 1) - Math.max(a, i);
        if (overlap > 1e-9) {
          idx.push(i);
          w.push(overlap / scale);
        }
      }
    } else {
      const x = Math.min(Math.max((o + 0.5) * scale - 0.5, 0), src - 1);
      const i0 = Math.floor(x);
      const f = x - i0;
      idx.push(i0);
      w.push(1 - f);
      if (f > 0 && i0 + 1 < src) {
        idx.push(i0 + 1);
        w.push(f);
      }
    }
  }
  start[dst] = idx.length;
  return { idx: Int32Array.from(idx), w: Float32Array.from(w), start };
}

export class ViewDecoder {
  readonly frameBytes: number;
  private readonly sy: number;
  private readonly sx: number;
  private readonly sc: number;
  private readonly ty: Tap | null;
  private readonly tx: Tap | null;
  private readonly tmp: Float32Array;

  constructor(
    readonly srcH: number,
    readonly srcW: number,
    readonly channels: number,
    readonly chw: boolean,
    readonly dstH: number,
    readonly dstW: number,
  ) {
    this.frameBytes = srcH * srcW * channels;
    // element strides of the stored frame along y, x, c
    this.sy = chw ? srcW : srcW * channels;
    this.sx = chw ? 1 : channels;
    this.sc = chw ? srcH * srcW : 1;
    const resize = srcH !== dstH || srcW !== dstW;
    this.ty = resize ? axisTaps(srcH, dstH) : null;
    this.tx = resize ? axisTaps(srcW, dstW) : null;
    this.tmp = new Float32Array(resize ? srcH * dstW * channels : 0);
  }

  /**
   * Writes the frame at src[srcOff ...] into dst at dstOff, a [dstH, dstW, dstC] row, channels [cOff, cOff + C).
   */
  decode(src: Uint8Array, srcOff: number, dst: Uint8Array, dstOff: number, dstC: number, cOff: number): void {
    const C = this.channels;
    if (!this.ty || !this.tx) {
      if (!this.chw && dstC === C) dst.set(src.subarray(srcOff, srcOff + this.frameBytes), dstOff);
      else if (!this.chw) interleave(src, srcOff, this.srcH * this.srcW, C, dst, dstOff + cOff, dstC);
      else this.transpose(src, srcOff, dst, dstOff + cOff, dstC);
      return;
    }
    this.resize(src, srcOff, dst, dstOff, dstC, cOff);
  }

  /** Channel-first → channel-last, one channel plane at a time (sequential reads). */
  private transpose(src: Uint8Array, srcOff: number, dst: Uint8Array, o0: number, dstC: number): void {
    const plane = this.srcH * this.srcW;
    for (let c = 0; c < this.channels; c++) {
      const s0 = srcOff + c * plane;
      for (let p = 0, o = o0 + c; p < plane; p++, o += dstC) dst[o] = src[s0 + p];
    }
  }

  private resize(src: Uint8Array, srcOff: number, dst: Uint8Array, dstOff: number, dstC: number, cOff: number): void {
    const C = this.channels;
    const { sy, sx, sc, tmp } = this;
    const tx = this.tx as Tap;
    const ty = this.ty as Tap;
    const W = this.dstW;
    // horizontal pass: tmp[y, ox, c]
    for (let y = 0; y < this.srcH; y++) {
      for (let ox = 0; ox < W; ox++) {
        const base = (y * W + ox) * C;
        for (let c = 0; c < C; c++) tmp[base + c] = 0;
        for (let k = tx.start[ox]; k < tx.start[ox + 1]; k++) {
          const p = srcOff + y * sy + tx.idx[k] * sx;
          const wk = tx.w[k];
          for (let c = 0; c < C; c++) tmp[base + c] += wk * src[p + c * sc];
        }
      }
    }
    // vertical pass into the interleaved destination
    for (let oy = 0; oy < this.dstH; oy++) {
      for (let ox = 0; ox < W; ox++) {
        const o = dstOff + (oy * W + ox) * dstC + cOff;
        for (let c = 0; c < C; c++) {
          let v = 0;
          for (let k = ty.start[oy]; k < ty.start[oy + 1]; k++) v += ty.w[k] * tmp[(ty.idx[k] * W + ox) * C + c];
          const r = Math.round(v);
          dst[o + c] = r < 0 ? 0 : r > 255 ? 255 : r;
        }
      }
    }
  }
}

/** Copies `pixels` pixels of C channels into every dstC-th byte run of dst (views stacked on channels). */
function interleave(src: Uint8Array, s: number, pixels: number, C: number, dst: Uint8Array, o: number, dstC: number): void {
  // specialised loops: the generic one is several times slower in V8 (this runs over every frame at eager load)
  if (C === 3) {
    for (let p = 0; p < pixels; p++, s += 3, o += dstC) {
      dst[o] = src[s];
      dst[o + 1] = src[s + 1];
      dst[o + 2] = src[s + 2];
    }
  } else if (C === 1) {
    for (let p = 0; p < pixels; p++, o += dstC) dst[o] = src[s + p];
  } else {
    for (let p = 0; p < pixels; p++, s += C, o += dstC) for (let c = 0; c < C; c++) dst[o + c] = src[s + c];
  }
}
