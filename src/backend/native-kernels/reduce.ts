// Sum, Mean, Max, Min, Prod over float32 tensors. Reduced axes that form one contiguous block are reduced in
// place (x viewed as [outer, red, inner]); other axis sets are first moved to the end by the native transpose.
import { tf } from '../tf.js';
import { f32, size, type NativeKernel } from './util.js';

const OPS: Record<string, number> = { Sum: 0, Mean: 1, Max: 2, Min: 3, Prod: 4 };

function reduction(op: number): NativeKernel {
  return ({ inputs, backend, attrs = {} }, addon) => {
    const x = inputs.x as tf.TensorInfo;
    const xv = f32(backend, x);
    if (!xv || x.shape.length > 6) return null;
    const rank = x.shape.length;
    // Max names its axes `reductionIndices`; the others `axis`.
    const axisAttr = (attrs.axis ?? attrs.reductionIndices) as number | number[] | undefined;
    const axes = [...new Set(tf.util.parseAxisParam(axisAttr as number | number[], x.shape))].sort((p, q) => p - q);
    const keep = x.shape.filter((_, i) => !axes.includes(i));
    const outShape = attrs.keepDims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : keep;
    const red = size(axes.map((i) => x.shape[i]));
    if (red === 0 || xv.length === 0) return null;
    const y = backend.allocF32(size(keep));
    if (axes.length === 0) {
      y.set(xv);
      return backend.makeTensorInfo(outShape, 'float32', y);
    }
    const contiguous = axes[axes.length - 1] - axes[0] === axes.length - 1;
    if (contiguous) {
      const outer = size(x.shape.slice(0, axes[0]));
      const inner = size(x.shape.slice(axes[axes.length - 1] + 1));
      addon.reduce(op, xv, y, outer, red, inner);
    } else {
      const perm = [...Array(rank).keys()].filter((i) => !axes.includes(i)).concat(axes);
      const moved = backend.allocF32(xv.length);
      addon.transpose(xv, moved, Int32Array.from(x.shape), Int32Array.from(perm), 4);
      addon.reduce(op, moved, y, size(keep), red, 1);
      backend.releaseScratch(moved);
    }
    return backend.makeTensorInfo(outShape, 'float32', y);
  };
}

export const reduceKernels: Record<string, NativeKernel> = Object.fromEntries(
  Object.entries(OPS).map(([name, op]) => [name, reduction(op)]),
);
