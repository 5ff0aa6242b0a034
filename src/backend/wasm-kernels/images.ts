// uint8 images → float32 tensor of x/255 on the wasm backend: the bytes are copied into tfjs's heap and converted
// by one SIMD pass (wasm/kernels.c u8_to_f32), instead of a JavaScript loop over every pixel and a second copy of
// the floats into the heap. The reference batch at 256 × 64×64×9 pixels: 47 ms per call in JavaScript; a training
// step converts two such batches (s and s').
import { tf } from '../tf.js';
import { byteOffset, dispose, heapBytes, type WasmBackendLike } from './backend.js';
import { simd } from './simd.js';

/** The tensor, or null when the wasm backend with lapo's SIMD module is not the active one. */
export function wasmImagesToTensor(images: Uint8Array, shape: [number, number, number, number]): tf.Tensor4D | null {
  if (tf.getBackend() !== 'wasm' || images.length === 0) return null;
  const backend = tf.backend() as unknown as WasmBackendLike;
  const rt = simd(backend);
  if (!rt) return null;
  const out = backend.makeOutput(shape, 'float32');
  const bytes = backend.makeOutput([Math.ceil(images.length / 4)], 'float32'); // scratch for the raw bytes
  const src = byteOffset(backend, bytes);
  heapBytes(backend).set(images, src); // after both allocations: an allocation may grow (replace) the heap
  rt.k.u8_to_f32(src, byteOffset(backend, out), images.length, 255);
  dispose(backend, bytes);
  return tf.engine().makeTensorFromTensorInfo(out, tf.backend()) as tf.Tensor4D;
}
