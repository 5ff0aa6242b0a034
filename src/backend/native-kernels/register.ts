// Registers the `native` backend: every cpu kernel under the new name, then the native kernels on top.
// A native kernel returns null for cases it does not cover (another dtype, NCHW, prelu...), and the cpu
// backend's own kernel runs instead, so every op tfjs supports on cpu keeps working on native.
import { tf } from '../tf.js';
import type { NativeAddon } from './addon.js';
import { NativeBackend } from './backend.js';
import { batchMatMul, fusedMatMul } from './matmul.js';
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput, fusedConv2d } from './conv.js';
import { addN, binaryKernels, cast, fill, onesLike, reluGrad, select, unaryKernels, zerosLike } from './elementwise.js';
import { reduceKernels } from './reduce.js';
import { concat, gatherV2, pack, slice, splitV, transpose } from './layout.js';
import type { KernelArgs, NativeKernel } from './util.js';

export const NATIVE = 'native';
/** A kernel of our own (not in tfjs): the fused ReLU gradient. */
export const RELU_GRAD = 'LapoReluGrad';

/** Kernel name -> native implementation. */
export const NATIVE_KERNELS: Record<string, NativeKernel> = {
  BatchMatMul: batchMatMul,
  _FusedMatMul: fusedMatMul,
  Conv2D: conv2d,
  FusedConv2D: fusedConv2d,
  Conv2DBackpropInput: conv2dBackpropInput,
  Conv2DBackpropFilter: conv2dBackpropFilter,
  ...unaryKernels,
  ...binaryKernels,
  ...reduceKernels,
  AddN: addN,
  Cast: cast,
  Select: select,
  ZerosLike: zerosLike,
  OnesLike: onesLike,
  Fill: fill,
  Transpose: transpose,
  Slice: slice,
  SplitV: splitV,
  Concat: concat,
  Pack: pack,
  GatherV2: gatherV2,
};

let registered = false;

export function registerNativeBackend(addon: NativeAddon): void {
  if (registered) return;
  registered = true;
  tf.registerBackend(NATIVE, () => new NativeBackend(), 0);
  for (const config of tf.getKernelsForBackend('cpu')) {
    const native = NATIVE_KERNELS[config.kernelName];
    if (!native) {
      tf.registerKernel({ ...config, backendName: NATIVE });
      continue;
    }
    const cpuFunc = config.kernelFunc;
    tf.registerKernel({
      kernelName: config.kernelName,
      backendName: NATIVE,
      kernelFunc: (args) => native(args as unknown as KernelArgs, addon) ?? cpuFunc(args),
    });
  }
  registerReluGradient(addon);
}

/**
 * Relu's gradient, dy·step(x), as one native pass on this backend. Gradients are registered per kernel name for
 * every backend, so the replacement keeps tfjs's own gradient function for any other backend; on this one both
 * give the same values (tests compare them).
 */
function registerReluGradient(addon: NativeAddon): void {
  const stock = tf.getGradient('Relu');
  if (!stock) return;
  const cpuMul = tf.getKernel('Multiply', 'cpu')!.kernelFunc;
  const cpuStep = tf.getKernel('Step', 'cpu')!.kernelFunc;
  tf.registerKernel({
    kernelName: RELU_GRAD,
    backendName: NATIVE,
    kernelFunc: (args) => {
      const r = reluGrad(args as unknown as KernelArgs, addon);
      if (r) return r;
      // Not float32: the stock formula with the cpu kernels.
      const { inputs, backend } = args;
      const step = cpuStep({ inputs: { x: inputs.x }, backend, attrs: { alpha: 0 } }) as tf.TensorInfo;
      const out = cpuMul({ inputs: { a: inputs.dy, b: step }, backend });
      (backend as NativeBackend).disposeData(step.dataId);
      return out;
    },
  });
  tf.registerGradient({
    kernelName: 'Relu',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      if (tf.getBackend() !== NATIVE) return stock.gradFunc(dy, saved, attrs);
      const [x] = saved;
      return { x: () => tf.engine().runKernel(RELU_GRAD, { dy: dy as tf.Tensor, x }) as tf.Tensor };
    },
  });
}
