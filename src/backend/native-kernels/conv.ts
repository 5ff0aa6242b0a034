// Conv2D, FusedConv2D, Conv2DBackpropInput and Conv2DBackpropFilter for NHWC tensors (tfjs's default
// layout): im2col + sgemm in native/src/conv.cc. NCHW, grouped/depthwise and prelu fall back to the cpu kernels.
import { tf } from '../tf.js';
import { fusedActivation } from './addon.js';
import { f32, size, type NativeKernel } from './util.js';

type ConvInfo = ReturnType<typeof tf.backend_util.computeConv2DInfo>;

/** The 15 dimensions native/src/conv.cc expects, in order. */
function dims(c: ConvInfo): number[] {
  return [
    c.batchSize, c.inHeight, c.inWidth, c.inChannels, c.outHeight, c.outWidth, c.outChannels,
    c.filterHeight, c.filterWidth, c.strideHeight, c.strideWidth, c.dilationHeight, c.dilationWidth,
    c.padInfo.top, c.padInfo.left,
  ];
}

function info(xShape: number[], filterShape: number[], attrs: tf.NamedAttrMap, dilations: unknown): ConvInfo | null {
  const format = tf.backend_util.convertConv2DDataFormat(String(attrs.dataFormat ?? 'NHWC') as 'NHWC' | 'NCHW');
  if (format !== 'channelsLast') return null;
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides as number | [number, number],
    (dilations ?? 1) as number | [number, number],
    attrs.pad as 'valid' | 'same' | number | tf.backend_util.ExplicitPadding,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
    false,
    format,
  );
}

function forward(args: Parameters<NativeKernel>[0], addon: Parameters<NativeKernel>[1], fused: boolean): tf.TensorInfo | null {
  const { inputs, backend, attrs = {} } = args;
  const x = inputs.x as tf.TensorInfo;
  const filter = inputs.filter as tf.TensorInfo;
  const xv = f32(backend, x);
  const wv = f32(backend, filter);
  if (!xv || !wv || x.shape.length !== 4) return null;
  const c = info(x.shape, filter.shape, attrs, attrs.dilations);
  if (!c) return null;
  let bias: Float32Array | null = null;
  let act = 0;
  let alpha = 0;
  if (fused) {
    const fa = fusedActivation(inputs, attrs);
    if (!fa) return null;
    ({ act, alpha } = fa);
    const biasT = inputs.bias as tf.TensorInfo | undefined;
    if (biasT) {
      bias = f32(backend, biasT);
      if (!bias || size(biasT.shape) !== c.outChannels) return null;
    }
  }
  const y = backend.allocF32(size(c.outShape));
  addon.conv2d(xv, wv, y, ...dims(c), bias, act, alpha);
  return backend.makeTensorInfo(c.outShape, 'float32', y);
}

export const conv2d: NativeKernel = (args, addon) => forward(args, addon, false);
export const fusedConv2d: NativeKernel = (args, addon) => forward(args, addon, true);

export const conv2dBackpropInput: NativeKernel = ({ inputs, backend, attrs = {} }, addon) => {
  const dy = inputs.dy as tf.TensorInfo;
  const filter = inputs.filter as tf.TensorInfo;
  const dyv = f32(backend, dy);
  const wv = f32(backend, filter);
  if (!dyv || !wv) return null;
  const inputShape = attrs.inputShape as number[];
  const c = info(inputShape, filter.shape, attrs, 1);
  if (!c) return null;
  const dx = backend.allocF32(size(inputShape));
  addon.conv2dBackpropInput(dyv, wv, dx, ...dims(c));
  return backend.makeTensorInfo(inputShape, 'float32', dx);
};

export const conv2dBackpropFilter: NativeKernel = ({ inputs, backend, attrs = {} }, addon) => {
  const x = inputs.x as tf.TensorInfo;
  const dy = inputs.dy as tf.TensorInfo;
  const xv = f32(backend, x);
  const dyv = f32(backend, dy);
  if (!xv || !dyv) return null;
  const filterShape = attrs.filterShape as number[];
  const c = info(x.shape, filterShape, attrs, 1);
  if (!c) return null;
  const dw = backend.allocF32(size(filterShape));
  addon.conv2dBackpropFilter(xv, dyv, dw, ...dims(c));
  return backend.makeTensorInfo(filterShape, 'float32', dw);
};
