// TensorFlow.js WebAssembly backend set up for training (placeholder: stock single-threaded backend; the
// training kernels and the two-thread loader replace this file).
import { tf } from './tf.js';
import '@tensorflow/tfjs-backend-wasm';

export async function setupWasm(_threads?: number): Promise<{ name: 'wasm'; threads: number; detail: string }> {
  await tf.setBackend('wasm');
  await tf.ready();
  return { name: 'wasm', threads: 1, detail: `tfjs-backend-wasm ${tf.version_core}` };
}
