// The three LAPO networks, layer for layer as the official algos_vae.py (Critic, ActorVAE, Actor), reading
// encoder features instead of the raw state. Layer names are the PyTorch attribute names, grouped:
//   critic/q1/l1..l4, critic/q2/l5..l8, critic/v/v1..v4; actor/pi1..pi4;
//   actor_vae/e1..e3, actor_vae/mean, actor_vae/log_var, actor_vae/d1..d4   (for 3 hidden layers).
import { tf } from '../backend/tf.js';
import type { Rng } from '../util/rng.js';
import { Linear } from '../nn/linear.js';
import { Mlp, layerNames } from '../nn/mlp.js';
import { prefixed, type Module, type NamedVariable } from '../nn/module.js';

/** Q1(s,a), Q2(s,a) and V(s), three separate MLPs as in the official Critic. */
export class TwinCritic implements Module {
  constructor(
    readonly q1: Mlp,
    readonly q2: Mlp,
    readonly v: Mlp,
  ) {}

  static create(featDim: number, actionDim: number, hidden: readonly number[], rng: Rng): TwinCritic {
    const n = hidden.length + 1;
    return new TwinCritic(
      Mlp.create(featDim + actionDim, hidden, 1, layerNames('l', n, 1), rng),
      Mlp.create(featDim + actionDim, hidden, 1, layerNames('l', n, n + 1), rng),
      Mlp.create(featDim, hidden, 1, layerNames('v', n, 1), rng),
    );
  }

  clone(trainable: boolean): TwinCritic {
    return new TwinCritic(this.q1.clone(trainable), this.q2.clone(trainable), this.v.clone(trainable));
  }

  /** [Q1, Q2], each [B,1]; `feat` and `action` are concatenated once for both heads. */
  qs(feat: tf.Tensor2D, action: tf.Tensor2D): [tf.Tensor2D, tf.Tensor2D] {
    const sa = tf.concat([feat, action], 1);
    return [this.q1.apply(sa), this.q2.apply(sa)];
  }

  q1Value(feat: tf.Tensor2D, action: tf.Tensor2D): tf.Tensor2D {
    return this.q1.apply(tf.concat([feat, action], 1));
  }

  value(feat: tf.Tensor2D): tf.Tensor2D {
    return this.v.apply(feat);
  }

  namedVariables(): NamedVariable[] {
    return [
      ...prefixed('q1', this.q1.namedVariables()),
      ...prefixed('q2', this.q2.namedVariables()),
      ...prefixed('v', this.v.namedVariables()),
    ];
  }

  dispose(): void {
    this.q1.dispose();
    this.q2.dispose();
    this.v.dispose();
  }
}

/** Conditional VAE over actions (official ActorVAE): encoder e1..e3 -> mean, log_var; decoder d1..d4. */
export class ConditionalVae implements Module {
  constructor(
    readonly enc: Mlp,
    readonly mean: Linear,
    readonly logVar: Linear,
    readonly dec: Mlp,
  ) {}

  static create(featDim: number, actionDim: number, latentDim: number, hidden: readonly number[], rng: Rng): ConditionalVae {
    const dims = [featDim + actionDim, ...hidden];
    const enc = new Mlp(
      dims.slice(1).map((d, i) => Linear.create(dims[i], d, rng)),
      layerNames('e', hidden.length, 1),
    );
    const last = hidden[hidden.length - 1];
    const mean = Linear.create(last, latentDim, rng);
    const logVar = Linear.create(last, latentDim, rng);
    const dec = Mlp.create(featDim + latentDim, hidden, actionDim, layerNames('d', hidden.length + 1, 1), rng);
    return new ConditionalVae(enc, mean, logVar, dec);
  }

  get latentDim(): number {
    return this.mean.outDim;
  }

  clone(trainable: boolean): ConditionalVae {
    return new ConditionalVae(
      this.enc.clone(trainable),
      this.mean.clone(trainable),
      this.logVar.clone(trainable),
      this.dec.clone(trainable),
    );
  }

  /** Posterior parameters: mean and log-variance, each [B, latent]. Every encoder layer has a ReLU. */
  encode(feat: tf.Tensor2D, action: tf.Tensor2D): { mean: tf.Tensor2D; logVar: tf.Tensor2D } {
    let h: tf.Tensor2D = tf.concat([feat, action], 1);
    for (const l of this.enc.layers) h = l.apply(h, 'relu');
    return { mean: this.mean.apply(h), logVar: this.logVar.apply(h) };
  }

  /** Action from features and a latent (official decode with z given: no clipping, linear output). */
  decode(feat: tf.Tensor2D, z: tf.Tensor2D): tf.Tensor2D {
    return this.dec.apply(tf.concat([feat, z], 1));
  }

  namedVariables(): NamedVariable[] {
    return [
      ...this.enc.namedVariables(),
      ...prefixed('mean', this.mean.namedVariables()),
      ...prefixed('log_var', this.logVar.namedVariables()),
      ...this.dec.namedVariables(),
    ];
  }

  dispose(): void {
    this.enc.dispose();
    this.mean.dispose();
    this.logVar.dispose();
    this.dec.dispose();
  }
}

/** Latent policy (official Actor): pi1..pi4, output maxLatentAction·tanh(.). */
export class LatentActor implements Module {
  constructor(
    readonly net: Mlp,
    readonly maxLatentAction: tf.Scalar,
  ) {}

  static create(featDim: number, latentDim: number, hidden: readonly number[], maxLatent: tf.Scalar, rng: Rng): LatentActor {
    return new LatentActor(Mlp.create(featDim, hidden, latentDim, layerNames('pi', hidden.length + 1, 1), rng), maxLatent);
  }

  clone(trainable: boolean): LatentActor {
    return new LatentActor(this.net.clone(trainable), this.maxLatentAction);
  }

  apply(feat: tf.Tensor2D): tf.Tensor2D {
    return tf.mul(this.maxLatentAction, tf.tanh(this.net.apply(feat)));
  }

  namedVariables(): NamedVariable[] {
    return this.net.namedVariables();
  }

  /** The scalar belongs to the owner of the hyper-parameters; only the layers are disposed here. */
  dispose(): void {
    this.net.dispose();
  }
}
