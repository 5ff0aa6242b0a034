// Registers lapo's training kernels on the 'wasm' backend, replacing the stock ones where they exist
// (one file per kernel family; each file's header says what stock does and why ours is faster).
// Must run before the backend is first initialised: tfjs calls each kernel's setupFunc at initialisation, and a
// replaced stock kernel that we still call internally needs its own setupFunc (its cwrap) run too.
import { tf } from '../tf.js';
import { captureStock, type KernelFn } from './backend.js';
import { convBackpropKernels } from './conv-backprop.js';
import { matmulKernels } from './matmul.js';
import { reduceKernels } from './reduce.js';
import { sliceKernels } from './slice.js';

const LAPO_KERNELS: { kernelName: string; kernelFunc: KernelFn }[] = [
  ...convBackpropKernels,
  ...matmulKernels,
  ...sliceKernels,
  ...reduceKernels,
];

// Stock kernels our replacements call: their setupFuncs must run even when they are not registered.
const STOCK_USED = ['Conv2D', 'Transpose', 'AvgPool', 'BatchMatMul', '_FusedMatMul', 'Slice', 'SplitV', 'Sum'];

let registered = false;

export function registerWasmTrainingKernels(): void {
  if (registered) return;
  for (const name of STOCK_USED) captureStock(name);
  // Idempotent (a cwrap each): harmless for the stock kernels that stay registered and get it from tfjs too.
  const setupStock = (backend: object) => {
    for (const name of STOCK_USED) captureStock(name)?.setupFunc?.(backend as never);
  };
  LAPO_KERNELS.forEach(({ kernelName, kernelFunc }, i) => {
    if (tf.getKernel(kernelName, 'wasm')) tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({
      kernelName,
      backendName: 'wasm',
      kernelFunc: kernelFunc as unknown as tf.KernelFunc,
      // One replacement runs the stock setups (cwraps) for all; the others need none.
      setupFunc: i === 0 ? (setupStock as tf.KernelSetupFunc) : undefined,
    });
  });
  registered = true;
}

/** Names of the kernels lapo registers on 'wasm' (for the note and tests). */
export const lapoWasmKernelNames = LAPO_KERNELS.map((k) => k.kernelName);
