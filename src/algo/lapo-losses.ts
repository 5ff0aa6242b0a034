// The LAPO losses and targets (the equations are in lapo-step.ts's header), as pure functions of the model and
// tensors: no optimizer, no tape, no order. lapo-step.ts composes them into one iteration.
import { tf } from '../backend/tf.js';
import type { Observation } from '../nn/encoder.js';
import type { LapoModel, LapoNets } from './model.js';
import type { PartScalars } from './metrics.js';

type T2 = tf.Tensor2D;

export interface StepInputs {
  obs: Observation;
  nextObs: Observation;
  action: T2; // [B, actionDim]
  reward: T2; // [B, 1]
  notDone: T2; // [B, 1]
  targetNoise: T2; // [B, latent], raw N(0,1)
  vaeEps: T2; // [B, latent], raw N(0,1)
}

const mse = (a: tf.Tensor, b: tf.Tensor): tf.Scalar => tf.mean(tf.squaredDifference(a, b)) as tf.Scalar;

/** Qmix of a critic at (f, action): dq·min(Q1,Q2) + (1−dq)·max(Q1,Q2). */
export function mixedQ(m: LapoModel, critic: LapoNets['critic'], f: T2, action: T2): T2 {
  const [q1, q2] = critic.qs(f, action);
  return tf.add(tf.mul(tf.minimum(q1, q2), m.c.doubleqMin), tf.mul(tf.maximum(q1, q2), m.c.oneMinusDoubleqMin)) as T2;
}

/** V target: clamp(Qmixᵗ(f, decᵗ(f, actorᵗ(f) + clamp(0.1n, ±0.2))), min_v, max_v). */
export function computeVTarget(m: LapoModel, f: T2, noise: T2): T2 {
  const t = m.target;
  const latent: T2 = tf.add(t.actor.apply(f), tf.clipByValue(tf.mul(noise, m.c.targetNoiseScale), -0.2, 0.2));
  const a = t.vae.decode(f, latent);
  return tf.clipByValue(mixedQ(m, t.critic, f, a), m.hp.minV, m.hp.maxV);
}

/** r + γ·(1−d)·v, in the official operation order. */
export function bootstrap(m: LapoModel, inp: StepInputs, v: T2): T2 {
  return tf.add(inp.reward, tf.mul(tf.mul(inp.notDone, m.c.discount), v)) as T2;
}


/** L_c (critic_loss) and its terms from features f (with or without gradient), the Q target and the V target. */
export function computeCriticLoss(m: LapoModel, f: T2, action: T2, targetQ: T2, targetV: T2): PartScalars<'critic'> {
  const [q1, q2] = m.online.critic.qs(f, action);
  const v = m.online.critic.value(f);
  const vLoss = mse(v, targetV);
  const q1Loss = mse(q1, targetQ);
  const q2Loss = mse(q2, targetQ);
  const loss = tf.add(tf.add(q1Loss, q2Loss), vLoss) as tf.Scalar;
  return {
    critic_loss: loss,
    q1_loss: q1Loss,
    q2_loss: q2Loss,
    v_loss: vLoss,
    q_mean: tf.mean(q1) as tf.Scalar,
    v_mean: tf.mean(v) as tf.Scalar,
  };
}

/** A = r + γ(1−d)·nextQ − V(f) and the expectile weights. */
export function computeAdvantage(m: LapoModel, inp: StepInputs, f: T2, nextQ: T2): { advantage: T2; weights: T2 } {
  const advantage = tf.sub(bootstrap(m, inp, nextQ), m.online.critic.value(f)) as T2;
  const weights = tf.where(tf.greater(advantage, m.c.zero), m.c.expectile, m.c.oneMinusExpectile) as tf.Tensor as T2;
  return { advantage, weights };
}

/** L_vae (vae_loss) = mean(w·(Σ(â−a)² + β·KL)); vae_recon and vae_kl are their unweighted batch means. */
export function computeVaeLoss(m: LapoModel, f: T2, action: T2, weights: T2, eps: T2): PartScalars<'vae'> {
  const vae = m.online.vae;
  const { mean, logVar } = vae.encode(f, action);
  const z: T2 = tf.add(mean, tf.mul(tf.exp(tf.mul(logVar, m.c.half)), eps));
  const recon = tf.sum(tf.squaredDifference(vae.decode(f, z), action), 1, true);
  const klTerms = tf.sub(tf.sub(tf.add(m.c.one, logVar), tf.square(mean)), tf.exp(logVar));
  const kl = tf.mul(m.c.minusHalf, tf.sum(klTerms, 1, true));
  const loss = tf.mean(tf.mul(tf.add(recon, tf.mul(kl, m.c.klBeta)), weights)) as tf.Scalar;
  return { vae_loss: loss, vae_recon: tf.mean(recon) as tf.Scalar, vae_kl: tf.mean(kl) as tf.Scalar };
}

/** L_π (actor_loss) = −mean Q1(f, decᵗ(f, actor(f))). */
export function computeActorLoss(m: LapoModel, f: T2): PartScalars<'actor'> {
  const latent = m.online.actor.apply(f);
  const action = m.target.vae.decode(f, latent);
  return { actor_loss: tf.neg(tf.mean(m.online.critic.q1Value(f, action))) as tf.Scalar };
}
