// The one TensorFlow.js import of the project. tfjs-core plus the pure-JS cpu backend (always available, the
// reference for kernel tests); other backends are registered by initBackend().
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

export { tf };
export type Tensor = tf.Tensor;
export type Variable = tf.Variable;
