// Multi-layer perceptron as the official LAPO networks build it: Linear+ReLU for every hidden layer, a linear
// output layer. Layer names are given by the caller so they match the PyTorch attribute names (l1..l4, pi1..pi4).
import { tf } from '../backend/tf.js';
import type { Rng } from '../util/rng.js';
import { Linear } from './linear.js';
import { prefixed, type Module, type NamedVariable } from './module.js';

export class Mlp implements Module {
  readonly layers: Linear[];
  readonly names: string[];

  constructor(layers: Linear[], names: string[]) {
    if (layers.length !== names.length) throw new Error('Mlp: one name per layer');
    this.layers = layers;
    this.names = names;
  }

  /** inDim -> hidden... -> outDim, PyTorch default init for every layer. */
  static create(inDim: number, hidden: readonly number[], outDim: number, names: string[], rng: Rng): Mlp {
    const dims = [inDim, ...hidden, outDim];
    const layers = dims.slice(1).map((d, i) => Linear.create(dims[i], d, rng));
    return new Mlp(layers, names);
  }

  get outDim(): number {
    return this.layers[this.layers.length - 1].outDim;
  }

  clone(trainable: boolean): Mlp {
    return new Mlp(
      this.layers.map((l) => l.clone(trainable)),
      [...this.names],
    );
  }

  /** ReLU after every layer but the last. */
  apply(x: tf.Tensor): tf.Tensor2D {
    let h = x as tf.Tensor2D;
    const n = this.layers.length;
    for (let i = 0; i < n; i++) h = this.layers[i].apply(h, i < n - 1 ? 'relu' : 'linear');
    return h;
  }

  namedVariables(): NamedVariable[] {
    return this.layers.flatMap((l, i) => prefixed(this.names[i], l.namedVariables()));
  }

  dispose(): void {
    for (const l of this.layers) l.dispose();
  }
}

/** Layer names l{start}..l{start+n-1} (or any prefix), as the official Critic numbers its layers. */
export function layerNames(prefix: string, count: number, start = 1): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${start + i}`);
}
