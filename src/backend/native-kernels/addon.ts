// Loads native/build/Release/lapo_native.node (built by scripts/build-native.mjs during `npm ci`) and types
// its functions. Every function works on the typed arrays the cpu backend stores tensors in (views with a
// byte offset allowed) and writes into output arrays allocated on the JavaScript side.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

type F32 = Float32Array;
type Typed = Float32Array | Int32Array | Uint8Array;

export interface NativeAddon {
  setThreads(n: number): number;
  info(): { threads: number; hardwareThreads: number; blasCore: string; blasConfig: string; dnnl: boolean; convEngine: string };
  /** false: im2col + OpenBLAS convolutions even when built with oneDNN. Returns whether oneDNN is now used. */
  setConvEngine(oneDnn: boolean): boolean;
  matmul(
    a: F32, b: F32, out: F32, batch: number, m: number, n: number, k: number, transA: boolean, transB: boolean,
    aBatchStride: number, bBatchStride: number, bias: F32 | null, biasScalar: boolean, act: number, alpha: number,
  ): void;
  conv2d(x: F32, w: F32, y: F32, ...dimsBiasActAlpha: (number | F32 | null)[]): void;
  conv2dBackpropInput(dy: F32, w: F32, dx: F32, ...dims: number[]): void;
  conv2dBackpropFilter(x: F32, dy: F32, dw: F32, ...dims: number[]): void;
  unary(op: number, x: F32, y: F32, alpha: number, beta: number): void;
  binary(op: number, a: F32, b: F32, y: F32 | Uint8Array, outShape: Int32Array, aStrides: Int32Array, bStrides: Int32Array): void;
  addN(y: F32, ...xs: F32[]): void;
  castToFloat(x: Int32Array | Uint8Array, y: F32, divisor: number): void;
  select(cond: Uint8Array, a: F32, b: F32, y: F32, rowLen: number): void;
  reluGrad(dy: F32, x: F32, y: F32): void;
  reduce(op: number, x: F32, y: F32, outer: number, red: number, inner: number): void;
  sumSquares(x: F32): number;
  transpose(x: Typed, y: Typed, shape: Int32Array, perm: Int32Array, bytes: number): void;
  slice(x: Typed, y: Typed, shape: Int32Array, begin: Int32Array, size: Int32Array, bytes: number): void;
  concat(y: Typed, outer: number, bytes: number, ...xsAndInner: (Typed | number)[]): void;
  gather(x: Typed, indices: Int32Array, y: Typed, outer: number, axisLen: number, inner: number, bytes: number): void;
  adam(
    p: F32, g: F32, m: F32, v: F32, beta1: number, oneMinusBeta1: number, beta2: number, oneMinusBeta2: number,
    bc2Sqrt: number, eps: number, stepSize: number,
  ): void;
  polyak(target: F32, source: F32, tau: number, oneMinusTau: number): void;
}

/** Activation codes of native/src/common.h. */
export const ACT: Record<string, number> = { linear: 0, relu: 1, elu: 2, relu6: 3, sigmoid: 4, leakyrelu: 5 };

/**
 * The fused activation of a _FusedMatMul / FusedConv2D call as the addon's code and alpha; null when the addon
 * has no such activation (prelu, an unknown name), so the kernel falls back to the cpu backend's.
 */
export function fusedActivation(inputs: Record<string, unknown>, attrs: Record<string, unknown>): { act: number; alpha: number } | null {
  if (inputs.preluActivationWeights) return null;
  const activation = String(attrs.activation ?? 'linear');
  if (!(activation in ACT)) return null;
  return { act: ACT[activation], alpha: Number(attrs.leakyreluAlpha ?? 0.2) };
}

const here = dirname(fileURLToPath(import.meta.url));
/** src/backend/native-kernels/ and dist/backend/native-kernels/ both sit three levels below the package root. */
export const addonPath = resolve(here, '..', '..', '..', 'native', 'build', 'Release', 'lapo_native.node');

let loaded: NativeAddon | null | undefined;
let loadError = '';

/** The addon, or null when it is not built (or fails to load: loadFailure() says why). */
export function loadAddon(): NativeAddon | null {
  if (loaded !== undefined) return loaded;
  if (!existsSync(addonPath)) {
    loadError = `${addonPath} not built`;
    loaded = null;
    return loaded;
  }
  try {
    loaded = createRequire(import.meta.url)(join(addonPath)) as NativeAddon;
  } catch (e) {
    loadError = `${addonPath}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
    loaded = null;
  }
  return loaded;
}

export function loadFailure(): string {
  return loadError;
}
