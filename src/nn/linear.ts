// Fully connected layer, PyTorch-compatible. The kernel is stored [in, out] (y = x·K + b) because tfjs's matmul
// kernels are fastest without a transposed operand (wasm/XNNPACK only take the fast path then); a PyTorch
// state-dict weight [out, in] loads through loadTorch(), which transposes it, so values are identical.
// One fused kernel (matmul + bias + activation) forward, with or without a tape (see fused.ts).
import { tf } from '../backend/tf.js';
import type { Rng } from '../util/rng.js';
import { makeVariable, type Module, type NamedVariable } from './module.js';
import { torchUniformBound, transpose2d, uniformArray } from './init.js';
import { fusedLinear } from './fused.js';

export type Activation = 'relu' | 'linear';

export class Linear implements Module {
  readonly inDim: number;
  readonly outDim: number;
  readonly kernel: tf.Variable; // [in, out]
  readonly bias: tf.Variable; // [out]

  private constructor(inDim: number, outDim: number, kernel: tf.Variable, bias: tf.Variable) {
    this.inDim = inDim;
    this.outDim = outDim;
    this.kernel = kernel;
    this.bias = bias;
  }

  /** PyTorch default init: weight and bias ~ U(±1/√in); the weight is drawn in PyTorch's [out,in] order. */
  static create(inDim: number, outDim: number, rng: Rng, trainable = true): Linear {
    const bound = torchUniformBound(inDim);
    const w = uniformArray(rng, outDim * inDim, bound);
    const b = uniformArray(rng, outDim, bound);
    return new Linear(
      inDim,
      outDim,
      makeVariable(transpose2d(w, outDim, inDim), [inDim, outDim], trainable),
      makeVariable(b, [outDim], trainable),
    );
  }

  clone(trainable: boolean): Linear {
    return new Linear(
      this.inDim,
      this.outDim,
      tf.variable(this.kernel, trainable),
      tf.variable(this.bias, trainable),
    );
  }

  apply(x: tf.Tensor, activation: Activation = 'linear'): tf.Tensor2D {
    return fusedLinear(x as tf.Tensor2D, this.kernel as tf.Tensor2D, this.bias as tf.Tensor1D, activation);
  }

  /** Loads a PyTorch nn.Linear state-dict pair: weight [out,in] row-major, bias [out]. */
  loadTorch(weight: ArrayLike<number>, bias: ArrayLike<number>): void {
    if (weight.length !== this.inDim * this.outDim || bias.length !== this.outDim) {
      throw new Error(
        `Linear(${this.inDim}->${this.outDim}).loadTorch: got weight of ${weight.length} and bias of ${bias.length} values`,
      );
    }
    tf.tidy(() => {
      this.kernel.assign(tf.tensor2d(transpose2d(weight, this.outDim, this.inDim), [this.inDim, this.outDim]));
      this.bias.assign(tf.tensor1d(Float32Array.from(bias)));
    });
  }

  namedVariables(): NamedVariable[] {
    return [
      ['kernel', this.kernel],
      ['bias', this.bias],
    ];
  }

  dispose(): void {
    this.kernel.dispose();
    this.bias.dispose();
  }
}
