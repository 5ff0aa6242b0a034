// Everything a LAPO iteration reads: online and target networks, the optimizer groups and the
// hyper-parameters (numbers, plus the same numbers as scalar tensors made once, because tfjs turns every JS
// number operand into a fresh tensor).
import { tf } from '../backend/tf.js';
import { Rng } from '../util/rng.js';
import { copyInto, prefixed, type NamedVariable } from '../nn/module.js';
import { ObservationEncoder, type EncoderShape } from '../nn/encoder.js';
import { ConditionalVae, LatentActor, TwinCritic } from './networks.js';
import type { EncoderGrad } from '../config/schema.js';
import { ENCODER_NAMES, GROUP_TABLE } from './group-table.js';
import { ENCODER_MODES } from './encoder-modes.js';

export interface LapoNets {
  encoder: ObservationEncoder;
  critic: TwinCritic;
  actor: LatentActor;
  vae: ConditionalVae;
}

export interface Hyper {
  discount: number;
  tau: number;
  expectile: number;
  klBeta: number;
  maxLatentAction: number;
  doubleqMin: number;
  minV: number;
  maxV: number;
}

/** Scalar tensors of the hyper-parameters, kept for the agent's lifetime. */
export interface HyperTensors {
  discount: tf.Scalar;
  tau: tf.Scalar;
  oneMinusTau: tf.Scalar;
  expectile: tf.Scalar;
  oneMinusExpectile: tf.Scalar;
  klBeta: tf.Scalar;
  maxLatentAction: tf.Scalar;
  doubleqMin: tf.Scalar;
  oneMinusDoubleqMin: tf.Scalar;
  zero: tf.Scalar;
  one: tf.Scalar;
  half: tf.Scalar;
  minusHalf: tf.Scalar;
  targetNoiseScale: tf.Scalar;
}

export interface NetShape {
  encoder: EncoderShape;
  actionDim: number;
  latentDim: number;
  hidden: readonly number[];
}

export interface LapoModel {
  online: LapoNets;
  target: LapoNets;
  hp: Hyper;
  c: HyperTensors;
  encoderGrad: EncoderGrad;
  policyFeatures: 'online' | 'target';
}

export function makeHyperTensors(hp: Hyper): HyperTensors {
  const s = (v: number) => tf.keep(tf.scalar(v, 'float32'));
  return {
    discount: s(hp.discount),
    tau: s(hp.tau),
    oneMinusTau: s(1 - hp.tau),
    expectile: s(hp.expectile),
    oneMinusExpectile: s(1 - hp.expectile),
    klBeta: s(hp.klBeta),
    maxLatentAction: s(hp.maxLatentAction),
    doubleqMin: s(hp.doubleqMin),
    oneMinusDoubleqMin: s(1 - hp.doubleqMin),
    zero: s(0),
    one: s(1),
    half: s(0.5),
    minusHalf: s(-0.5),
    targetNoiseScale: s(0.1),
  };
}

/**
 * Online networks with PyTorch-default init from `rng` (encoder, critic, actor, VAE, in that order) and targets
 * as exact copies. The encoder is created non-trainable where its mode says so (frozen).
 */
export function buildNets(shape: NetShape, c: HyperTensors, encoderGrad: EncoderGrad, rng: Rng): { online: LapoNets; target: LapoNets } {
  const featDim = shape.encoder.imageSize === null ? shape.encoder.stateDim : shape.encoder.featureDim;
  const encoder = ObservationEncoder.create(shape.encoder, rng.fork(), ENCODER_MODES[encoderGrad].trainable);
  const critic = TwinCritic.create(featDim, shape.actionDim, shape.hidden, rng.fork());
  const actor = LatentActor.create(featDim, shape.latentDim, shape.hidden, c.maxLatentAction, rng.fork());
  const vae = ConditionalVae.create(featDim, shape.actionDim, shape.latentDim, shape.hidden, rng.fork());
  const online = { encoder, critic, actor, vae };
  const target = {
    encoder: encoder.clone(false),
    critic: critic.clone(false),
    actor: actor.clone(false),
    vae: vae.clone(false),
  };
  return { online, target };
}

/** Stable names of one set of nets: encoder/..., critic/..., actor/..., actor_vae/... */
export function netVariables(nets: LapoNets): NamedVariable[] {
  return [
    ...prefixed(ENCODER_NAMES.prefix, nets.encoder.namedVariables()),
    ...prefixed(GROUP_TABLE.critic.prefix, nets.critic.namedVariables()),
    ...prefixed(GROUP_TABLE.actor.prefix, nets.actor.namedVariables()),
    ...prefixed(GROUP_TABLE.actorVae.prefix, nets.vae.namedVariables()),
  ];
}

/** Every variable of the model, targets under `target/`. */
export function modelVariables(m: { online: LapoNets; target: LapoNets }): NamedVariable[] {
  return [...netVariables(m.online), ...prefixed('target', netVariables(m.target))];
}

export function syncTargets(m: { online: LapoNets; target: LapoNets }): void {
  copyInto(m.online.encoder, m.target.encoder);
  copyInto(m.online.critic, m.target.critic);
  copyInto(m.online.actor, m.target.actor);
  copyInto(m.online.vae, m.target.vae);
}

export function disposeNets(n: LapoNets): void {
  n.encoder.dispose();
  n.critic.dispose();
  n.actor.dispose();
  n.vae.dispose();
}
