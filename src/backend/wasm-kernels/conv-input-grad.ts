// Conv2DBackpropInput for the wasm backend (stock: a scalar loop, 10–60× slower than the forward conv), built
// from forward Conv2Ds (XNNPACK, multi-threaded).
// dx[n,y,x,ci] sums dy[i]·W[a] over i·s + a = y + p. Split t = y + p into t = m·s + r (sub-pixel phase r): then
// a = c·s + r and i = m − c, so phase r is a stride-1 correlation of dy with the flipped sub-filter
// G_r[u] = W[(n_r−1−u)·s + r], n_r = ⌈(k−r)/s⌉ taps. Per row phase ry we run one conv whose output channels hold
// all column phases (rx, ci) (columns with fewer taps get zero taps); its output [N, My, Mx, sw·Ci] already is
// rows m·sh + ry of dx in memory order, so stacking the sh row phases (one Concat of whole rows) gives
// [N, My·sh, Mx·sw, Ci] without any transpose, and a crop of p rows/cols gives dx.
// For 3×3 stride 2 that is 12 taps per output quad instead of 16 with all phases in one conv (9 would be exact).
import { tf } from '../tf.js';
import { dispose, heapBytes, byteOffset, reshape, run, size, stock, type Attrs, type WasmBackendLike } from './backend.js';
import { conv, convInfo, crop4, fromValues } from './conv-common.js';

type TensorInfo = tf.TensorInfo;

/** Row phase ry's filter [nr, kqw, Co, sw·Ci] from W [kh, kw, Ci, Co] (small: a JS loop is fine). */
function rowPhaseFilter(w: Float32Array, kh: number, kw: number, ci: number, co: number, sh: number, sw: number, ry: number) {
  const nr = Math.ceil((kh - ry) / sh);
  const kqw = Math.ceil(kw / sw);
  const oc = sw * ci;
  const g = new Float32Array(nr * kqw * co * oc);
  for (let u = 0; u < nr; u++) {
    const a = (nr - 1 - u) * sh + ry;
    for (let v = 0; v < kqw; v++) {
      for (let rx = 0; rx < sw; rx++) {
        const b = (kqw - 1 - v) * sw + rx;
        if (b >= kw) continue;
        for (let c = 0; c < ci; c++) {
          const src = ((a * kw + b) * ci + c) * co;
          const dst = (u * kqw + v) * co * oc + rx * ci + c;
          for (let o = 0; o < co; o++) g[dst + o * oc] = w[src + o];
        }
      }
    }
  }
  return { g, shape: [nr, kqw, co, oc] };
}

function zeros(backend: WasmBackendLike, shape: number[]): TensorInfo {
  const out = backend.makeOutput(shape, 'float32');
  new Float32Array(heapBytes(backend).buffer, byteOffset(backend, out), size(shape)).fill(0);
  return out;
}

export function conv2DBackpropInput(args: { inputs: Record<string, TensorInfo>; attrs: Attrs; backend: WasmBackendLike }): TensorInfo {
  const { inputs: { dy, filter }, attrs, backend } = args;
  const inputShape = attrs.inputShape as number[];
  const info = convInfo(inputShape, filter.shape, attrs);
  const [N, H, W, Ci] = inputShape;
  const [kh, kw, , Co] = filter.shape;
  const { strideHeight: sh, strideWidth: sw, outHeight: Ho, outWidth: Wo } = info;
  const { top, left } = info.padInfo;
  const kqw = Math.ceil(kw / sw);
  const My = Math.ceil((H + top) / sh), Mx = Math.ceil((W + left) / sw);
  // dy rows/cols past My/Mx reach only dx positions past the input: drop them so every phase has My×Mx outputs.
  const Hc = Math.min(Ho, My), Wc = Math.min(Wo, Mx);
  const dyc = Hc === Ho && Wc === Wo ? dy : run('Slice', backend, { x: dy }, { begin: [0, 0, 0, 0], size: [N, Hc, Wc, Co] });
  const w = backend.readSync(filter.dataId) as Float32Array;
  const phases: TensorInfo[] = [];
  for (let ry = 0; ry < sh; ry++) {
    const nr = Math.ceil((kh - ry) / sh);
    if (nr <= 0) {
      phases.push(zeros(backend, [N, My, Mx, sw * Ci]));
      continue;
    }
    const { g, shape } = rowPhaseFilter(w, kh, kw, Ci, Co, sh, sw, ry);
    const gInfo = fromValues(backend, shape, g);
    phases.push(conv(backend, dyc, gInfo, [[0, 0], [nr - 1, My - Hc], [kqw - 1, Mx - Wc], [0, 0]], [1, 1]));
    dispose(backend, gInfo);
  }
  if (dyc !== dy) dispose(backend, dyc);
  let full: TensorInfo;
  if (sh === 1) {
    full = reshape(backend, phases[0], [N, My, Mx * sw, Ci]);
  } else {
    const rows = phases.map((p) => reshape(backend, p, [N, My, 1, Mx * sw * Ci]));
    const stacked = stock('Concat', backend, rows as unknown as Record<string, TensorInfo>, { axis: 2 });
    dispose(backend, ...rows);
    full = reshape(backend, stacked, [N, My * sh, Mx * sw, Ci]);
    dispose(backend, stacked);
  }
  dispose(backend, ...phases);
  return crop4(backend, full, [0, top, left, 0], [N, H, W, Ci]);
}

export const convInputGradKernels = [{ kernelName: 'Conv2DBackpropInput', kernelFunc: conv2DBackpropInput }];
