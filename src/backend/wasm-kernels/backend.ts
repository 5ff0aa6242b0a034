// What lapo's wasm kernels need from tfjs-backend-wasm: its tensor bookkeeping, the heap, and the stock kernels.
// The training kernels are written at the TensorInfo level (like the stock ones): they call other kernels'
// kernelFuncs directly, never tf ops, so nothing is recorded on the gradient tape or counted as a tensor, and
// every intermediate is released with dispose() before returning.
import { tf } from '../tf.js';

type TensorInfo = tf.TensorInfo;

export interface WasmBackendLike {
  wasm: { HEAPU8: Uint8Array; wasmMemory?: WebAssembly.Memory };
  dataIdMap: { get(dataId: object): { id: number; memoryOffset: number; shape: number[]; refCount: number } };
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number): TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
  incRef(dataId: object): void;
  readSync(dataId: object): Float32Array | Int32Array | Uint8Array;
}

export type Attrs = Record<string, unknown>;
export type KernelFn = (args: { inputs: Record<string, TensorInfo>; attrs: Attrs; backend: WasmBackendLike }) =>
  TensorInfo | TensorInfo[];

const stockKernels = new Map<string, tf.KernelConfig>();

/** Remembers tfjs-backend-wasm's own kernel before lapo replaces it (must run before any unregister). */
export function captureStock(name: string): tf.KernelConfig | undefined {
  if (!stockKernels.has(name)) {
    const k = tf.getKernel(name, 'wasm');
    if (k) stockKernels.set(name, k);
  }
  return stockKernels.get(name);
}

/** Runs tfjs-backend-wasm's own implementation of `name` (never a lapo replacement). */
export function stock(
  name: string,
  backend: WasmBackendLike,
  inputs: Record<string, TensorInfo>,
  attrs: Attrs = {},
): TensorInfo {
  const k = captureStock(name);
  if (!k) throw new Error(`wasm backend has no kernel ${name}`);
  return k.kernelFunc({ inputs, attrs, backend } as never) as TensorInfo;
}

/** Runs the kernel registered now (lapo's replacement if there is one). */
export function run(
  name: string,
  backend: WasmBackendLike,
  inputs: Record<string, TensorInfo>,
  attrs: Attrs = {},
): TensorInfo {
  const k = tf.getKernel(name, 'wasm');
  if (!k) throw new Error(`wasm backend has no kernel ${name}`);
  return k.kernelFunc({ inputs, attrs, backend } as never) as TensorInfo;
}

export function dispose(backend: WasmBackendLike, ...infos: TensorInfo[]): void {
  for (const t of infos) backend.disposeData(t.dataId);
}

/** A reshape sharing the data (refcounted, must be disposed like any other intermediate). */
export function reshape(backend: WasmBackendLike, x: TensorInfo, shape: number[]): TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape, dtype: x.dtype };
}

export function transpose(backend: WasmBackendLike, x: TensorInfo, perm: number[]): TensorInfo {
  return stock('Transpose', backend, { x }, { perm });
}

/** The current heap as bytes: the threaded build grows a SharedArrayBuffer whose old views go stale. */
export function heapBytes(backend: WasmBackendLike): Uint8Array {
  const mem = backend.wasm.wasmMemory;
  return mem ? new Uint8Array(mem.buffer) : backend.wasm.HEAPU8;
}

export function byteOffset(backend: WasmBackendLike, x: TensorInfo): number {
  return backend.dataIdMap.get(x.dataId).memoryOffset;
}

export function size(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
