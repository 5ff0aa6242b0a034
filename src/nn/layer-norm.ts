// LayerNorm over the last axis, as torch.nn.LayerNorm(dim) (eps 1e-5, biased variance, gain 1 and bias 0 at init).
import { tf } from '../backend/tf.js';
import { makeVariable, type Module, type NamedVariable } from './module.js';

export class LayerNorm implements Module {
  private readonly eps: tf.Scalar;

  constructor(
    readonly gamma: tf.Variable,
    readonly beta: tf.Variable,
  ) {
    this.eps = tf.keep(tf.scalar(1e-5));
  }

  static create(dim: number, trainable = true): LayerNorm {
    return new LayerNorm(makeVariable(new Float32Array(dim).fill(1), [dim], trainable), makeVariable(new Float32Array(dim), [dim], trainable));
  }

  clone(trainable: boolean): LayerNorm {
    return new LayerNorm(tf.variable(this.gamma, trainable), tf.variable(this.beta, trainable));
  }

  apply(x: tf.Tensor2D): tf.Tensor2D {
    const { mean, variance } = tf.moments(x, 1, true);
    const normed = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, this.eps)));
    return tf.add(tf.mul(normed, this.gamma), this.beta) as tf.Tensor2D;
  }

  namedVariables(): NamedVariable[] {
    return [
      ['gamma', this.gamma],
      ['beta', this.beta],
    ];
  }

  dispose(): void {
    this.gamma.dispose();
    this.beta.dispose();
    this.eps.dispose();
  }
}
