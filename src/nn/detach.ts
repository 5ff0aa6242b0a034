// Values computed off the gradient tape, from inside a gradient closure. tfjs has no stopGradient, and the LAPO
// critic closure needs the V target from the same encoder features it differentiates (computing the features a
// second time outside the closure would cost a full conv forward pass). tf.customGrad runs its forward function
// with the tape paused (the engine's kernelDepth > 0), and a customGrad node with no tensor inputs lies on no path
// from any variable to the loss, so backprop never visits it: `fn` reads captured tensors and its result carries
// no gradient, exactly like torch.no_grad() / .detach().
import { tf } from '../backend/tf.js';

export function detached<T extends tf.Tensor>(fn: () => T): T {
  const op = tf.customGrad(() => ({ value: fn(), gradFunc: () => [] as tf.Tensor[] }));
  return (op as unknown as () => T)();
}
