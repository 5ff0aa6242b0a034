// Conv2DBackpropFilter for the wasm backend (tfjs-backend-wasm has none, tfjs#8474).
// With lapo's SIMD kernels: im2col in chunks of output positions, each followed by dW += colᵀ·dy on their GEMM
// (wasm/kernels.c conv_filter_grad), 4–5× faster than the XNNPACK formulation below, which packs an operand as big
// as dy. Without them (the module failed to load), as ONE forward Conv2D:
// With x [N,H,W,Ci], dy [N,Ho,Wo,Co], stride s, top/left padding p:
//   dW[a,b,ci,co] = Σ_{n,i,j} x[n, i·s+a−p, j·s+b−p, ci] · dy[n,i,j,co].
// Read ci as the batch and n as the contracted channel: xᵀ = x→[Ci,H,W,N], dyᵀ = dy→[Ho,Wo,N,Co]; then
// conv2d(xᵀ, filter = dyᵀ, stride 1, dilation s, pad top/left p) is [Ci,kh,kw,Co], transposed to [kh,kw,Ci,Co].
// Bottom/right padding is whatever makes the output exactly kh×kw (rows of x that no output reads are cut first).
// xᵀ is built in two transposes ([N, H·W·Ci] → [H·W·Ci, N], then whole N-runs [H·W, Ci, N] → [Ci, H·W, N]):
// the direct 4-D permutation gathers single floats with a stride of H·W·Ci and is 2–2.5× slower at batch 64.
import { tf } from '../tf.js';
import { byteOffset, dispose, reshape, run, transpose, type Attrs, type WasmBackendLike } from './backend.js';
import { conv, convInfo } from './conv-common.js';
import { simd, type LapoSimd } from './simd.js';

type TensorInfo = tf.TensorInfo;

/** x [N,H,W,C] → [C,H,W,N]. */
function batchToChannels(backend: WasmBackendLike, x: TensorInfo): TensorInfo {
  const [n, h, w, c] = x.shape;
  const flat = reshape(backend, x, [n, h * w * c]);
  const t = transpose(backend, flat, [1, 0]);
  dispose(backend, flat);
  if (c === 1) {
    const out = reshape(backend, t, [1, h, w, n]);
    dispose(backend, t);
    return out;
  }
  const blocks = reshape(backend, t, [h * w, c, n]);
  const moved = transpose(backend, blocks, [1, 0, 2]);
  dispose(backend, t, blocks);
  const out = reshape(backend, moved, [c, h, w, n]);
  dispose(backend, moved);
  return out;
}

/** Output positions per im2col chunk: the chunk (≤ 256 × 288 floats) and dy's rows stay in L2 for the GEMM. */
const CHUNK = 256;

function simdFilterGrad(rt: LapoSimd, backend: WasmBackendLike, x: TensorInfo, dy: TensorInfo, filterShape: number[],
  info: ReturnType<typeof convInfo>): TensorInfo {
  const [N, H, W, Ci] = x.shape;
  const [KH, KW, , Co] = filterShape;
  const mTotal = N * info.outHeight * info.outWidth;
  // One share per thread, but never less than a few chunks each (waking a worker costs tens of microseconds).
  const T = Math.max(1, Math.min(rt.threads(), Math.floor(mTotal / (4 * CHUNK))));
  const dwSize = KH * KW * Ci * Co;
  const out = backend.makeOutput(filterShape, 'float32');
  const cols = Array.from({ length: T }, () => backend.makeOutput([CHUNK * KH * KW * Ci], 'float32'));
  const partials = Array.from({ length: T - 1 }, () => backend.makeOutput([dwSize], 'float32'));
  const at = (t: TensorInfo) => byteOffset(backend, t);
  rt.filterGrad(at(x), at(dy), at(out), cols.map(at), partials.map(at), dwSize, mTotal, [
    N, H, W, Ci, info.outHeight, info.outWidth, Co, KH, KW, info.strideHeight, info.strideWidth, info.padInfo.top,
    info.padInfo.left, info.dilationHeight, info.dilationWidth, CHUNK,
  ]);
  dispose(backend, ...cols, ...partials);
  return out;
}

export function conv2DBackpropFilter(args: { inputs: Record<string, TensorInfo>; attrs: Attrs; backend: WasmBackendLike }): TensorInfo {
  const { inputs: { x, dy }, attrs, backend } = args;
  const filterShape = attrs.filterShape as number[];
  const info = convInfo(x.shape, filterShape, attrs);
  const rt = simd(backend);
  if (rt && x.dtype === 'float32' && dy.dtype === 'float32') return simdFilterGrad(rt, backend, x, dy, filterShape, info);
  const [, H, W, Ci] = x.shape;
  const [kh, kw, , Co] = filterShape;
  const { strideHeight: sh, strideWidth: sw, outHeight: Ho, outWidth: Wo } = info;
  const { top, left } = info.padInfo;
  // Rows/cols of x that no output reads (e.g. 'valid' with (H−k) mod s ≠ 0) are cut first: left in, they would
  // make the conv compute (k+1)² taps instead of k² (78% extra work on the 64×64 stride-2 layer).
  const Hn = Math.min(H, kh + (Ho - 1) * sh - top), Wn = Math.min(W, kw + (Wo - 1) * sw - left);
  const xc = Hn === H && Wn === W ? x : run('Slice', backend, { x }, { begin: [0, 0, 0, 0], size: [x.shape[0], Hn, Wn, Ci] });
  const xt = batchToChannels(backend, xc);
  if (xc !== x) dispose(backend, xc);
  const dyt = transpose(backend, dy, [1, 2, 0, 3]);
  const bottom = kh - 1 + (Ho - 1) * sh + 1 - Hn - top;
  const right = kw - 1 + (Wo - 1) * sw + 1 - Wn - left;
  const r = conv(backend, xt, dyt, [[0, 0], [top, bottom], [left, right], [0, 0]], [sh, sw]);
  dispose(backend, xt, dyt);
  const out = transpose(backend, r, [1, 2, 0, 3]);
  dispose(backend, r);
  return out;
}

export const convFilterGradKernels = [{ kernelName: 'Conv2DBackpropFilter', kernelFunc: conv2DBackpropFilter }];
