// Fused layer kernels (matmul/conv + bias + ReLU in one kernel) that stay fused inside gradient closures.
// tfjs's tf.fused.* ops give up fusion under a tape when the activation is ReLU (they run matMul, add and relu as
// three kernels, each a full pass over the activations, plus the ReLU gradient's extra kernels), and for a linear
// activation they use a customGrad that computes every input gradient, needed or not (for the first conv layer
// that would be a full Conv2DBackpropInput onto the image). tfjs registers no gradient for the fused kernels
// themselves, so lapo registers one here: the tape then records a single node whose per-input gradients are
// lazy, and backprop evaluates only the inputs on a path to a differentiated variable.
// Supported: NHWC, no transposes, dilation 1, activation 'relu' or 'linear' (what lapo's layers use).
import { tf } from '../backend/tf.js';
import { reluGradient } from '../backend/native.js';

export type FusedActivation = 'relu' | 'linear';

let registered = false;

function activationGrad(dy: tf.Tensor, y: tf.Tensor, activation: unknown): tf.Tensor {
  if (activation === 'linear') return dy;
  if (activation === 'relu') return reluGradient(dy, y); // one fused pass on the native backend
  throw new Error(`lapo fused-kernel gradient: activation ${String(activation)} is not supported`);
}

function registerFusedGradients(): void {
  if (registered) return;
  registered = true;
  tf.registerGradient({
    kernelName: '_FusedMatMul',
    inputsToSave: ['a', 'b'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [a, b, y] = saved;
      const at = attrs as { transposeA?: boolean; transposeB?: boolean; activation?: string };
      if (at.transposeA || at.transposeB) throw new Error('lapo fused-kernel gradient: transposed matmul not supported');
      const g = activationGrad(dy as tf.Tensor, y, at.activation);
      return {
        a: () => tf.matMul(g as tf.Tensor3D, b as tf.Tensor3D, false, true),
        b: () => tf.matMul(a as tf.Tensor3D, g as tf.Tensor3D, true, false),
        bias: () => tf.sum(g, g.rank === 3 ? [0, 1] : [0]),
      };
    },
  });
  tf.registerGradient({
    kernelName: 'FusedConv2D',
    inputsToSave: ['x', 'filter'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, filter, y] = saved;
      const at = attrs as { strides: number | [number, number]; pad: 'valid' | 'same'; dataFormat: string; dilations: number | [number, number]; dimRoundingMode?: string; activation?: string };
      const dil = Array.isArray(at.dilations) ? at.dilations : [at.dilations, at.dilations];
      if (at.dataFormat !== 'NHWC' || dil[0] !== 1 || dil[1] !== 1) throw new Error('lapo fused-kernel gradient: NHWC, dilation 1 only');
      const g = activationGrad(dy as tf.Tensor, y, at.activation);
      const common = { strides: at.strides, pad: at.pad, dataFormat: at.dataFormat, dimRoundingMode: at.dimRoundingMode };
      return {
        x: () => tf.engine().runKernel('Conv2DBackpropInput', { dy: g, filter }, { ...common, inputShape: x.shape } as unknown as tf.NamedAttrMap) as tf.Tensor,
        filter: () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: g }, { ...common, filterShape: filter.shape } as unknown as tf.NamedAttrMap) as tf.Tensor,
        bias: () => tf.sum(g, [0, 1, 2]),
      };
    },
  });
}

/** y = act(x·K + b) for x [B,in], K [in,out], b [out]: one kernel forward, lazy per-input gradients. */
export function fusedLinear(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D, activation: FusedActivation): tf.Tensor2D {
  registerFusedGradients();
  const attrs = { transposeA: false, transposeB: false, activation };
  // The native backend takes the 2-D operands as they are: no reshape kernels, and no reshaped view sharing the
  // kernel variable's storage until the step ends (which would make the in-place Adam update copy it first).
  // The wasm and cpu kernels take rank-3 operands (docs/dev/decisions/0003-fused-layer-gradients.md).
  if (tf.getBackend() === 'native') return tf.engine().runKernel('_FusedMatMul', { a: x, b: kernel, bias }, attrs) as tf.Tensor2D;
  const [b, inDim] = x.shape;
  const outDim = kernel.shape[1];
  const a3 = tf.reshape(x, [1, b, inDim]);
  const k3 = tf.reshape(kernel, [1, inDim, outDim]);
  const y = tf.engine().runKernel('_FusedMatMul', { a: a3, b: k3, bias }, attrs) as tf.Tensor;
  return tf.reshape(y, [b, outDim]);
}

/** y = act(conv2d(x, K, stride, 'valid') + b), NHWC: one kernel forward, lazy per-input gradients. */
export function fusedConv2d(x: tf.Tensor4D, kernel: tf.Tensor4D, bias: tf.Tensor1D, stride: number, activation: FusedActivation): tf.Tensor4D {
  registerFusedGradients();
  return tf.engine().runKernel(
    'FusedConv2D',
    { x, filter: kernel, bias },
    { strides: [stride, stride], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1], activation },
  ) as tf.Tensor4D;
}
