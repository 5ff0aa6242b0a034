// Registers lapo's training kernels on the 'wasm' backend, replacing the stock ones where they exist
// (one file per kernel family; each file's header says what stock does and why ours is faster).
// Must run before the backend is first initialised: tfjs calls each kernel's setupFunc at initialisation, and a
// replaced stock kernel that we still call internally needs its own setupFunc (its cwrap) run too.
import { tf } from '../tf.js';
import { adamKernels } from './adam.js';
import { captureStock, type KernelFn } from './backend.js';
import { convFilterGradKernels } from './conv-filter-grad.js';
import { convInputGradKernels } from './conv-input-grad.js';
import { identityKernels } from './identity.js';
import { matmulKernels } from './matmul.js';
import { reduceKernels } from './reduce.js';
import { sliceKernels } from './slice.js';

const LAPO_KERNELS: { kernelName: string; kernelFunc: KernelFn }[] = [
  ...convFilterGradKernels,
  ...convInputGradKernels,
  ...matmulKernels,
  ...sliceKernels,
  ...reduceKernels,
  ...identityKernels,
  ...adamKernels,
];

let registered = false;

export function registerWasmTrainingKernels(): void {
  if (registered) return;
  // Remember every stock kernel we replace before it leaves the registry (our kernels call some of them).
  const replaced = LAPO_KERNELS.map((k) => k.kernelName).filter((name) => captureStock(name));
  // Idempotent (a cwrap each): re-runs the stock setups of the kernels we replaced, which tfjs no longer will.
  const setupStock = (backend: object) => {
    for (const name of replaced) captureStock(name)?.setupFunc?.(backend as never);
  };
  LAPO_KERNELS.forEach(({ kernelName, kernelFunc }, i) => {
    if (tf.getKernel(kernelName, 'wasm')) tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({
      kernelName,
      backendName: 'wasm',
      kernelFunc: kernelFunc as unknown as tf.KernelFunc,
      setupFunc: i === 0 ? (setupStock as tf.KernelSetupFunc) : undefined,
    });
  });
  registered = true;
}

/** Names of the kernels lapo registers on 'wasm' (for the note and tests). */
export const lapoWasmKernelNames = LAPO_KERNELS.map((k) => k.kernelName);
