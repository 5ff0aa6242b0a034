// 2-D convolution, NHWC, 'valid' padding, square kernel. Kernel stored [kh, kw, in, out] (tfjs layout); PyTorch
// default init U(±1/√(in·kh·kw)) for kernel and bias, as nn.Conv2d.reset_parameters. loadTorch() takes a
// PyTorch [out, in, kh, kw] weight.
import { tf } from '../backend/tf.js';
import type { Rng } from '../util/rng.js';
import { makeVariable, type Module, type NamedVariable } from './module.js';
import { torchUniformBound, uniformArray } from './init.js';
import { fusedConv2d } from './fused.js';

export class Conv2d implements Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly size: number;
  readonly stride: number;
  readonly kernel: tf.Variable;
  readonly bias: tf.Variable;

  private constructor(inC: number, outC: number, size: number, stride: number, kernel: tf.Variable, bias: tf.Variable) {
    this.inChannels = inC;
    this.outChannels = outC;
    this.size = size;
    this.stride = stride;
    this.kernel = kernel;
    this.bias = bias;
  }

  static create(inC: number, outC: number, size: number, stride: number, rng: Rng, trainable = true): Conv2d {
    const fanIn = inC * size * size;
    const bound = torchUniformBound(fanIn);
    // Drawn in PyTorch's [out, in, kh, kw] order, then laid out as [kh, kw, in, out].
    const w = uniformArray(rng, outC * fanIn, bound);
    const k = new Float32Array(w.length);
    for (let o = 0; o < outC; o++)
      for (let i = 0; i < inC; i++)
        for (let y = 0; y < size; y++)
          for (let x = 0; x < size; x++) k[((y * size + x) * inC + i) * outC + o] = w[((o * inC + i) * size + y) * size + x];
    const b = uniformArray(rng, outC, bound);
    return new Conv2d(
      inC,
      outC,
      size,
      stride,
      makeVariable(k, [size, size, inC, outC], trainable),
      makeVariable(b, [outC], trainable),
    );
  }

  /** Output height/width of a 'valid' convolution. */
  outSize(inSize: number): number {
    return Math.floor((inSize - this.size) / this.stride) + 1;
  }

  clone(trainable: boolean): Conv2d {
    return new Conv2d(
      this.inChannels,
      this.outChannels,
      this.size,
      this.stride,
      tf.variable(this.kernel, trainable),
      tf.variable(this.bias, trainable),
    );
  }

  apply(x: tf.Tensor4D, activation: 'relu' | 'linear' = 'relu'): tf.Tensor4D {
    return fusedConv2d(x, this.kernel as tf.Tensor4D, this.bias as tf.Tensor1D, this.stride, activation);
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
