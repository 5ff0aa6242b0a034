// Elementwise float32 kernels: unary maths, binary arithmetic/comparisons with broadcasting, AddN, Cast to
// float32, Select, and the constant fills. Op codes match native/src/elementwise.cc.
import { tf } from '../tf.js';
import { allocLike, broadcastStrides, f32, size, type NativeKernel } from './util.js';

/** Kernel name -> [op code, attr giving alpha, attr giving beta]. */
const UNARY: Record<string, [number, string?, string?]> = {
  Relu: [0], Relu6: [1], Neg: [2], Exp: [3], Log: [4], Sqrt: [5], Rsqrt: [6], Square: [7], Abs: [8],
  Tanh: [9], Sigmoid: [10], Step: [11, 'alpha'], Elu: [12], Softplus: [13], Reciprocal: [14],
  ClipByValue: [15, 'clipValueMin', 'clipValueMax'], LeakyRelu: [16, 'alpha'], Sign: [17], Log1p: [18],
  Expm1: [19], Floor: [20], Ceil: [21],
};

const BINARY: Record<string, number> = {
  Add: 0, Sub: 1, Multiply: 2, RealDiv: 3, Maximum: 4, Minimum: 5, SquaredDifference: 6, Pow: 7,
  Greater: 10, GreaterEqual: 11, Less: 12, LessEqual: 13, Equal: 14, NotEqual: 15,
};

export const unaryKernels: Record<string, NativeKernel> = Object.fromEntries(
  Object.entries(UNARY).map(([name, [op, alphaAttr, betaAttr]]) => {
    const k: NativeKernel = ({ inputs, backend, attrs = {} }, addon) => {
      const x = inputs.x as tf.TensorInfo;
      const xv = f32(backend, x);
      if (!xv) return null;
      const alpha = alphaAttr ? Number(attrs[alphaAttr] ?? (name === 'LeakyRelu' ? 0.2 : 0)) : 0;
      const beta = betaAttr ? Number(attrs[betaAttr]) : 0;
      const y = backend.allocF32(xv.length);
      addon.unary(op, xv, y, alpha, beta);
      return backend.makeTensorInfo(x.shape, 'float32', y);
    };
    return [name, k];
  }),
);

export const binaryKernels: Record<string, NativeKernel> = Object.fromEntries(
  Object.entries(BINARY).map(([name, op]) => {
    const k: NativeKernel = ({ inputs, backend }, addon) => {
      const a = inputs.a as tf.TensorInfo;
      const b = inputs.b as tf.TensorInfo;
      const av = f32(backend, a);
      const bv = f32(backend, b);
      if (!av || !bv) return null;
      const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
      if (outShape.length > 6) return null;
      const n = size(outShape);
      const compare = op >= 10;
      const y = compare ? new Uint8Array(n) : backend.allocF32(n);
      if (n > 0) {
        addon.binary(op, av, bv, y, Int32Array.from(outShape), broadcastStrides(a.shape, outShape), broadcastStrides(b.shape, outShape));
      }
      return backend.makeTensorInfo(outShape, compare ? 'bool' : 'float32', y);
    };
    return [name, k];
  }),
);

export const addN: NativeKernel = ({ inputs, backend }, addon) => {
  const list = Object.values(inputs) as tf.TensorInfo[];
  const arrays = list.map((t) => f32(backend, t));
  if (list.length === 0 || arrays.some((a) => a === null || a.length !== arrays[0]!.length)) return null;
  const y = backend.allocF32(arrays[0]!.length);
  addon.addN(y, ...(arrays as Float32Array[]));
  return backend.makeTensorInfo(list[0].shape, 'float32', y);
};

export const cast: NativeKernel = ({ inputs, backend, attrs = {} }, addon) => {
  const x = inputs.x as tf.TensorInfo;
  if (attrs.dtype !== 'float32' || (x.dtype !== 'int32' && x.dtype !== 'bool')) return null;
  const v = backend.data.get(x.dataId).values;
  if (!(v instanceof Int32Array || v instanceof Uint8Array)) return null;
  const y = backend.allocF32(v.length);
  addon.castToFloat(v, y, 1);
  return backend.makeTensorInfo(x.shape, 'float32', y);
};

export const select: NativeKernel = ({ inputs, backend }, addon) => {
  const cond = inputs.condition as tf.TensorInfo;
  const a = inputs.t as tf.TensorInfo;
  const b = inputs.e as tf.TensorInfo;
  const cv = backend.data.get(cond.dataId).values;
  const av = f32(backend, a);
  const bv = f32(backend, b);
  if (!av || !bv || !(cv instanceof Uint8Array) || av.length !== bv.length) return null;
  const sameShape = cond.shape.length === a.shape.length;
  const row = sameShape ? 1 : size(a.shape.slice(1));
  if ((sameShape && cv.length !== av.length) || (!sameShape && cv.length * row !== av.length)) return null;
  const y = backend.allocF32(av.length);
  addon.select(cv, av, bv, y, row);
  return backend.makeTensorInfo(a.shape, 'float32', y);
};

function filled(value: number): NativeKernel {
  return ({ inputs, backend }) => {
    const x = inputs.x as tf.TensorInfo;
    if (x.dtype !== 'float32') return null;
    const y = backend.allocF32(size(x.shape));
    y.fill(value);
    return backend.makeTensorInfo(x.shape, 'float32', y);
  };
}

export const zerosLike = filled(0);
export const onesLike = filled(1);

export const fill: NativeKernel = ({ backend, attrs = {} }) => {
  const shape = attrs.shape as number[];
  const dtype = (attrs.dtype ?? 'float32') as tf.DataType;
  if (dtype !== 'float32' || typeof attrs.value !== 'number') return null;
  const y = allocLike(backend, dtype, size(shape)) as Float32Array;
  y.fill(attrs.value);
  return backend.makeTensorInfo(shape, dtype, y);
};

/** LapoReluGrad: dy · step(x) in one pass (tfjs's Relu gradient is Step, Cast and Multiply: three kernels). */
export const reluGrad: NativeKernel = ({ inputs, backend }, addon) => {
  const dy = inputs.dy as tf.TensorInfo;
  const x = inputs.x as tf.TensorInfo;
  const dv = f32(backend, dy);
  const xv = f32(backend, x);
  if (!dv || !xv || dv.length !== xv.length) return null;
  const y = backend.allocF32(dv.length);
  addon.reluGrad(dv, xv, y);
  return backend.makeTensorInfo(dy.shape, 'float32', y);
};
