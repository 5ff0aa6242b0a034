// The one TensorFlow.js import of the project. tfjs-core plus the pure-JS cpu backend (always available, the
// reference for kernel tests); other backends are registered by initBackend().
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core's Node entry registers no gradient functions (tf.grads would throw). The @tensorflow/tfjs bundle
// registers them on this same tfjs-core instance (its ESM gradient modules cannot be imported from Node
// directly: they use directory imports).
import '@tensorflow/tfjs';

export { tf };
export type Tensor = tf.Tensor;
export type Variable = tf.Variable;

// PROD silences tfjs's console banners ("looks like you are running TensorFlow.js in Node.js...", which would
// tell our users to install a backend that cannot be installed offline); backend choice is lapo's own message.
tf.env().set('PROD', true);
