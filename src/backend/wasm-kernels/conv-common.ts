// Shared pieces of the Conv2D gradient kernels: the forward-conv geometry and a stride-1 XNNPACK conv call.
import { tf } from '../tf.js';
import { dispose, run, stock, type Attrs, type WasmBackendLike } from './backend.js';

type TensorInfo = tf.TensorInfo;

export function convInfo(xShape: number[], filterShape: number[], attrs: Attrs) {
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

/** Stride-1 conv with explicit [[0,0],[top,bottom],[left,right],[0,0]] padding and the given dilation. */
export function conv(backend: WasmBackendLike, x: TensorInfo, filter: TensorInfo, pad: number[][], dilation: number[]): TensorInfo {
  return stock('Conv2D', backend, { x, filter }, {
    strides: [1, 1], pad, dilations: dilation, dataFormat: 'NHWC', dimRoundingMode: undefined,
  });
}

/** Crops a 4-D tensor to `want` starting at `begin` (no-op when it already has that shape); consumes `t`. */
export function crop4(backend: WasmBackendLike, t: TensorInfo, begin: number[], want: number[]): TensorInfo {
  if (want.every((d, i) => d === t.shape[i])) return t;
  const out = run('Slice', backend, { x: t }, { begin, size: want });
  dispose(backend, t);
  return out;
}

/** A float32 tensor holding `values` (small host arrays: filters). */
export function fromValues(backend: WasmBackendLike, shape: number[], values: Float32Array): TensorInfo {
  return (backend as unknown as { makeOutput(s: number[], d: string, o?: number, v?: Float32Array): TensorInfo })
    .makeOutput(shape, 'float32', undefined, values);
}
