// Conv2D gradients for the wasm backend, each expressed as ONE forward Conv2D (XNNPACK, multi-threaded).
//
// Conv2DBackpropFilter (tfjs-backend-wasm has none, tfjs#8474). With x [N,H,W,Ci], dy [N,Ho,Wo,Co], stride s,
// top/left padding p:  dW[a,b,ci,co] = Σ_{n,i,j} x[n, i·s+a−p, j·s+b−p, ci] · dy[n,i,j,co].
// Read ci as the batch and n as the contracted channel: xᵀ = x→[Ci,H,W,N], dyᵀ = dy→[Ho,Wo,N,Co]; then
// conv2d(xᵀ, filter = dyᵀ, stride 1, dilation s, pad top/left p) is [Ci,kh,kw,Co], transposed to [kh,kw,Ci,Co].
// Bottom/right padding is whatever makes the output exactly kh×kw; when it would be negative (rows of x that no
// output reads, e.g. 'valid' with (H−k) mod s ≠ 0) the conv runs unpadded and the extra rows are cropped.
//
// Conv2DBackpropInput (stock: a scalar loop, 10–60× slower than the forward conv). dx[n,y,x,ci] sums dy[i]·W[a]
// over i·s + a = y + p. Split t = y + p into t = m·s + r (sub-pixel phase r); then a = c·s + r and i = m − c, so
// each phase is a stride-1 correlation of dy with the flipped sub-filter W[(kq−1−u)·s + r] (kq = ⌈k/s⌉). All s²
// phases run as one conv whose output channels are (ry, rx, ci); a reshape/transpose interleaves the phases
// (depth-to-space) and a crop of p rows/cols gives dx. The only extra work is the zero taps when k mod s ≠ 0.
import { tf } from '../tf.js';
import {
  dispose, reshape, run, stock, transpose,
  type Attrs, type WasmBackendLike,
} from './backend.js';

type TensorInfo = tf.TensorInfo;

function convInfo(xShape: number[], filterShape: number[], attrs: Attrs) {
  if (attrs.dataFormat !== undefined && attrs.dataFormat !== 'NHWC') {
    throw new Error(`wasm Conv2D gradients support dataFormat NHWC only, got ${String(attrs.dataFormat)}`);
  }
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as [number, number] | number,
    1,
    attrs.pad as 'valid' | 'same' | number,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
  );
}

function conv(backend: WasmBackendLike, x: TensorInfo, filter: TensorInfo, pad: number[][], dilation: number[]): TensorInfo {
  return stock('Conv2D', backend, { x, filter }, {
    strides: [1, 1], pad, dilations: dilation, dataFormat: 'NHWC', dimRoundingMode: undefined,
  });
}

/** Crops a 4-D tensor to `want` starting at `begin` (no-op when it already has that shape). */
function crop4(backend: WasmBackendLike, t: TensorInfo, begin: number[], want: number[]): TensorInfo {
  if (want.every((d, i) => d === t.shape[i])) return t;
  const out = run('Slice', backend, { x: t }, { begin, size: want });
  dispose(backend, t);
  return out;
}

export function conv2DBackpropFilter(args: { inputs: Record<string, TensorInfo>; attrs: Attrs; backend: WasmBackendLike }): TensorInfo {
  const { inputs: { x, dy }, attrs, backend } = args;
  const filterShape = attrs.filterShape as number[];
  const info = convInfo(x.shape, filterShape, attrs);
  const [, H, W, Ci] = x.shape;
  const [kh, kw, , Co] = filterShape;
  const { strideHeight: sh, strideWidth: sw, outHeight: Ho, outWidth: Wo } = info;
  const { top, left } = info.padInfo;
  const xt = transpose(backend, x, [3, 1, 2, 0]);
  const dyt = transpose(backend, dy, [1, 2, 0, 3]);
  const bottom = Math.max(0, kh - 1 + (Ho - 1) * sh + 1 - H - top);
  const right = Math.max(0, kw - 1 + (Wo - 1) * sw + 1 - W - left);
  const r = conv(backend, xt, dyt, [[0, 0], [top, bottom], [left, right], [0, 0]], [sh, sw]);
  dispose(backend, xt, dyt);
  const rc = crop4(backend, r, [0, 0, 0, 0], [Ci, kh, kw, Co]);
  const out = transpose(backend, rc, [1, 2, 0, 3]);
  dispose(backend, rc);
  return out;
}

/** The s²-phase sub-pixel filter [kqh, kqw, Co, sh·sw·Ci] built from W [kh, kw, Ci, Co] (small: JS is fine). */
function subPixelFilter(w: Float32Array, kh: number, kw: number, ci: number, co: number, sh: number, sw: number) {
  const kqh = Math.ceil(kh / sh), kqw = Math.ceil(kw / sw);
  const oc = sh * sw * ci;
  const g = new Float32Array(kqh * kqw * co * oc);
  for (let u = 0; u < kqh; u++) {
    for (let v = 0; v < kqw; v++) {
      for (let ry = 0; ry < sh; ry++) {
        const a = (kqh - 1 - u) * sh + ry;
        if (a >= kh) continue;
        for (let rx = 0; rx < sw; rx++) {
          const b = (kqw - 1 - v) * sw + rx;
          if (b >= kw) continue;
          const phase = (ry * sw + rx) * ci;
          for (let c = 0; c < ci; c++) {
            const src = ((a * kw + b) * ci + c) * co;
            for (let o = 0; o < co; o++) g[((u * kqw + v) * co + o) * oc + phase + c] = w[src + o];
          }
        }
      }
    }
  }
  return { g, shape: [kqh, kqw, co, oc] };
}

export function conv2DBackpropInput(args: { inputs: Record<string, TensorInfo>; attrs: Attrs; backend: WasmBackendLike }): TensorInfo {
  const { inputs: { dy, filter }, attrs, backend } = args;
  const inputShape = attrs.inputShape as number[];
  const info = convInfo(inputShape, filter.shape, attrs);
  const [N, H, W, Ci] = inputShape;
  const [kh, kw, , Co] = filter.shape;
  const { strideHeight: sh, strideWidth: sw, outHeight: Ho, outWidth: Wo } = info;
  const { top, left } = info.padInfo;
  const kqh = Math.ceil(kh / sh), kqw = Math.ceil(kw / sw);
  const My = Math.ceil((H + top) / sh), Mx = Math.ceil((W + left) / sw);
  const { g, shape } = subPixelFilter(backend.readSync(filter.dataId) as Float32Array, kh, kw, Ci, Co, sh, sw);
  const gInfo = (backend as unknown as { makeOutput(s: number[], d: string, o?: number, v?: Float32Array): TensorInfo })
    .makeOutput(shape, 'float32', undefined, g);
  const pad = [[0, 0], [kqh - 1, Math.max(0, My - Ho)], [kqw - 1, Math.max(0, Mx - Wo)], [0, 0]];
  const phases = conv(backend, dy, gInfo, pad, [1, 1]);
  dispose(backend, gInfo);
  const R = phases.shape[1], C = phases.shape[2];
  let full: TensorInfo;
  if (sh === 1 && sw === 1) {
    full = phases;
  } else {
    const six = reshape(backend, phases, [N, R, C, sh, sw, Ci]);
    const inter = transpose(backend, six, [0, 1, 3, 2, 4, 5]);
    dispose(backend, six, phases);
    full = reshape(backend, inter, [N, R * sh, C * sw, Ci]);
    dispose(backend, inter);
  }
  return crop4(backend, full, [0, top, left, 0], [N, H, W, Ci]);
}

export const convBackpropKernels = [
  { kernelName: 'Conv2DBackpropFilter', kernelFunc: conv2DBackpropFilter },
  { kernelName: 'Conv2DBackpropInput', kernelFunc: conv2DBackpropInput },
];

