// One LAPO iteration (Chen et al., "LAPO: Latent-Variable Advantage-Weighted Policy Optimization for Offline RL",
// NeurIPS 2022), following the official code line by line: pcchenxi/LAPO-offlienRL, algos/algos_vae.py,
// Latent.train (main branch). f = online encoder features, f' = target encoder features of the next observation,
// primes on networks mean targets, n ~ N(0,1), ε ~ N(0,1) (both injectable), B = batch mean:
//
//   critic   y_Q   = r + γ·(1−d)·V(f')                                       (online V, before this update)
//            ℓ     = actorᵗ(f) + clamp(0.1·n, −0.2, 0.2);  ã = decᵗ(f, ℓ)
//            y_V   = clamp(Qmixᵗ(f, ã), min_v, max_v),  Qmix = dq·min(Q1,Q2) + (1−dq)·max(Q1,Q2)
//            L_c   = B[(Q1(f,a)−y_Q)²] + B[(Q2(f,a)−y_Q)²] + B[(V(f)−y_V)²]            -> critic group steps
//   advantage A    = r + γ·(1−d)·Qmixᵗ(f', decᵗ(f', actorᵗ(f'))) − V(f)   (V after the critic step, no noise)
//            w     = A > 0 ? expectile : 1 − expectile
//   VAE      μ, log σ² = enc(f, a);  z = μ + exp(log σ²/2)·ε;  â = dec(f, z)
//            KL    = −½·Σ(1 + log σ² − μ² − exp(log σ²))
//            L_vae = B[w·(Σ(â − a)² + β·KL)]                                    -> actorVae group steps
//   actor    L_π   = −B[Q1(f, decᵗ(f, actor(f)))]       (Q1 after the critic step)  -> actor group steps
//   targets  θᵗ ← τ·θ + (1−τ)·θᵗ for critic, actor, VAE (and the encoder)
//
// Differences from the official code, each deliberate:
//  1. Observations pass through an encoder (identity on the normalised state for state-only data, which makes
//     the iteration the official one: the parity test checks it against the official numbers). With images a
//     target encoder, soft-updated with τ like the other targets, encodes the next observation (f'). f is the
//     online encoder at the start of the step, computed once: the V target, the advantage and (with
//     --policy-features online) the VAE and actor all read it, detached; the target networks at s read f too.
//  2. The encoder belongs to the optimizer group(s) of groups.ts chosen by --encoder-grad: critic (default: only
//     the value loss trains it; the VAE and actor see detached features, so their steps neither move the
//     encoder nor produce a gradient for it), vae (the historical defect: the VAE loss is computed through the
//     encoder, which the VAE optimizer steps; the critic loss's encoder gradient is never applied), both (both
//     losses flow into it; the VAE step recomputes features with the encoder the critic step just moved),
//     frozen (never changes; its target is then not soft-updated, so both stay bit-identical).
//  3. --policy-features target makes the VAE and actor read the target encoder's features of s instead of f.
//  4. Random draws (n, ε) come from the agent's seeded Rng, not torch's generator, so runs are reproducible
//     and resumable; tests inject the official run's recorded draws.
//  5. Linear kernels are stored [in, out] (PyTorch: [out, in]); values are identical, float summation order in
//     matmuls may differ in the last bits.
//  6. Extra logged quantities (q_mean, v_mean, advantage stats, gradient norms, parameter changes) cost nothing
//     in the update itself; gradient norms and changes are computed only on `measure` steps.
import { tf } from '../backend/tf.js';
import { detached } from '../nn/detach.js';
import { nativePolyakUpdate } from '../backend/native.js';
import type { Observation } from '../nn/encoder.js';
import type { NamedVariable } from '../nn/module.js';
import type { LapoModel, LapoNets } from './model.js';
import type { GroupName, Groups } from './groups.js';
import { conv1AppliedNorm, globalNorm, groupGradients, type GradResult } from './step-grads.js';
import { CORE_COLUMNS, changeNorm, parameterSets, snapshot } from './metrics.js';

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

/** Scalars of one iteration, named as the metrics.csv columns. */
export type ScalarMap = Partial<Record<string, tf.Scalar>>;

/** Tensors that flow between the parts of one iteration. */
export interface StepState {
  inp: StepInputs;
  /** Target-encoder features of the next observation. */
  fNext: T2;
  /** r + γ(1−d)V(f') with the critic before its update. */
  targetQ: T2;
  /** Qmixᵗ at the next observation (for the advantage). */
  nextQ: T2;
  /** Online features of s at the start of the step (null until computed). */
  f: T2 | null;
  /** Features the VAE and actor read when they do not train the encoder. */
  fPolicy: T2 | null;
  advantage: T2 | null;
  weights: T2 | null;
  scalars: ScalarMap;
  /** Tensors kept out of gradient tidies; disposeStep() releases them. */
  kept: tf.Tensor[];
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
function bootstrap(m: LapoModel, inp: StepInputs, v: T2): T2 {
  return tf.add(inp.reward, tf.mul(tf.mul(inp.notDone, m.c.discount), v)) as T2;
}

export interface CriticLoss {
  loss: tf.Scalar;
  q1Loss: tf.Scalar;
  q2Loss: tf.Scalar;
  vLoss: tf.Scalar;
  qMean: tf.Scalar;
  vMean: tf.Scalar;
}

/** L_c from features f (with or without gradient), the Q target and the V target. */
export function computeCriticLoss(m: LapoModel, f: T2, action: T2, targetQ: T2, targetV: T2): CriticLoss {
  const [q1, q2] = m.online.critic.qs(f, action);
  const v = m.online.critic.value(f);
  const vLoss = mse(v, targetV);
  const q1Loss = mse(q1, targetQ);
  const q2Loss = mse(q2, targetQ);
  const loss = tf.add(tf.add(q1Loss, q2Loss), vLoss) as tf.Scalar;
  return { loss, q1Loss, q2Loss, vLoss, qMean: tf.mean(q1) as tf.Scalar, vMean: tf.mean(v) as tf.Scalar };
}

/** A = r + γ(1−d)·nextQ − V(f) and the expectile weights. */
export function computeAdvantage(m: LapoModel, inp: StepInputs, f: T2, nextQ: T2): { advantage: T2; weights: T2 } {
  const advantage = tf.sub(bootstrap(m, inp, nextQ), m.online.critic.value(f)) as T2;
  const weights = tf.where(tf.greater(advantage, m.c.zero), m.c.expectile, m.c.oneMinusExpectile) as tf.Tensor as T2;
  return { advantage, weights };
}

export interface VaeLoss {
  loss: tf.Scalar;
  recon: tf.Scalar;
  kl: tf.Scalar;
}

/** L_vae = mean(w·(Σ(â−a)² + β·KL)); recon and kl are their unweighted batch means. */
export function computeVaeLoss(m: LapoModel, f: T2, action: T2, weights: T2, eps: T2): VaeLoss {
  const vae = m.online.vae;
  const { mean, logVar } = vae.encode(f, action);
  const z: T2 = tf.add(mean, tf.mul(tf.exp(tf.mul(logVar, m.c.half)), eps));
  const recon = tf.sum(tf.squaredDifference(vae.decode(f, z), action), 1, true);
  const klTerms = tf.sub(tf.sub(tf.add(m.c.one, logVar), tf.square(mean)), tf.exp(logVar));
  const kl = tf.mul(m.c.minusHalf, tf.sum(klTerms, 1, true));
  const loss = tf.mean(tf.mul(tf.add(recon, tf.mul(kl, m.c.klBeta)), weights)) as tf.Scalar;
  return { loss, recon: tf.mean(recon) as tf.Scalar, kl: tf.mean(kl) as tf.Scalar };
}

/** L_π = −mean Q1(f, decᵗ(f, actor(f))). */
export function computeActorLoss(m: LapoModel, f: T2): tf.Scalar {
  const latent = m.online.actor.apply(f);
  const action = m.target.vae.decode(f, latent);
  return tf.neg(tf.mean(m.online.critic.q1Value(f, action))) as tf.Scalar;
}

// ---------------------------------------------------------------------------------------------------------------
// The parts of the iteration, in order. Each runs inside the caller's tf.tidy.

/** Whether a loss is computed through the encoder this step (and so whether its features carry a gradient). */
export function lossFlowsIntoEncoder(m: LapoModel, groups: Groups, group: GroupName, measure: boolean): boolean {
  if (m.online.encoder.identity) return false;
  if (groups[group].ownsEncoder) return true;
  // The historical defect computed the critic loss through the encoder too, without applying that gradient; it
  // is reproduced (and measured) on measure steps only, since unapplied it cannot change the result.
  return group === 'critic' && m.encoderGrad === 'vae' && measure;
}

/** Targets from the networks before any update, and f when the critic loss does not need it on the tape. */
export function prepareStep(m: LapoModel, groups: Groups, inp: StepInputs, measure: boolean): StepState {
  const fNext = m.target.encoder.apply(inp.nextObs);
  const targetQ = bootstrap(m, inp, m.online.critic.value(fNext));
  const latentNext = m.target.actor.apply(fNext);
  const nextQ = mixedQ(m, m.target.critic, fNext, m.target.vae.decode(fNext, latentNext));
  const f = lossFlowsIntoEncoder(m, groups, 'critic', measure) ? null : m.online.encoder.apply(inp.obs);
  return { inp, fNext, targetQ, nextQ, f, fPolicy: null, advantage: null, weights: null, scalars: {}, kept: [] };
}

function keep<T extends tf.Tensor>(st: StepState, t: T): T {
  st.kept.push(tf.keep(t));
  return t;
}

/** Critic step: L_c through the encoder when the critic owns it, then Adam on the critic group. */
export function criticUpdate(m: LapoModel, groups: Groups, st: StepState, measure: boolean): GradResult {
  const group = groups.critic;
  const taped = lossFlowsIntoEncoder(m, groups, 'critic', measure);
  // (with measure but no tape, e.g. frozen, the encoder is still listed: its gradient is then honestly absent)
  const r = groupGradients(
    m,
    group,
    () => {
      const f = taped ? keep(st, m.online.encoder.apply(st.inp.obs)) : st.f!;
      st.f = f;
      const targetV = detached(() => computeVTarget(m, f, st.inp.targetNoise));
      const l = computeCriticLoss(m, f, st.inp.action, st.targetQ, targetV);
      st.scalars.critic_loss = keep(st, l.loss);
      st.scalars.q1_loss = keep(st, l.q1Loss);
      st.scalars.q2_loss = keep(st, l.q2Loss);
      st.scalars.v_loss = keep(st, l.vLoss);
      st.scalars.q_mean = keep(st, l.qMean);
      st.scalars.v_mean = keep(st, l.vMean);
      return l.loss;
    },
    taped || measure,
  );
  group.optimizer.step(r.groupGrads);
  return r;
}

/** Advantage with the updated critic, and the features the VAE/actor read. */
export function advantageAndPolicyFeatures(m: LapoModel, st: StepState): void {
  const { advantage, weights } = computeAdvantage(m, st.inp, st.f!, st.nextQ);
  st.advantage = advantage;
  st.weights = weights;
  st.scalars.adv_mean = tf.mean(advantage) as tf.Scalar;
  st.scalars.adv_pos_frac = tf.mean(tf.cast(tf.greater(advantage, m.c.zero), 'float32')) as tf.Scalar;
  st.fPolicy = m.policyFeatures === 'target' ? m.target.encoder.apply(st.inp.obs) : st.f;
}

/** VAE step: advantage-weighted conditional VAE; through the encoder only when actorVae owns it. */
export function vaeUpdate(m: LapoModel, groups: Groups, st: StepState, measure: boolean): GradResult {
  const group = groups.actorVae;
  const taped = group.ownsEncoder;
  const r = groupGradients(
    m,
    group,
    () => {
      const f = taped ? m.online.encoder.apply(st.inp.obs) : st.fPolicy!;
      const l = computeVaeLoss(m, f, st.inp.action, st.weights!, st.inp.vaeEps);
      st.scalars.vae_loss = keep(st, l.loss);
      st.scalars.vae_recon = keep(st, l.recon);
      st.scalars.vae_kl = keep(st, l.kl);
      return l.loss;
    },
    taped || measure,
  );
  group.optimizer.step(r.groupGrads);
  return r;
}

/** Actor step: maximise Q1 of the updated critic through the target decoder; never through the encoder. */
export function actorUpdate(m: LapoModel, groups: Groups, st: StepState, measure: boolean): GradResult {
  const group = groups.actor;
  const taped = group.ownsEncoder;
  const r = groupGradients(
    m,
    group,
    () => {
      const f = taped ? m.online.encoder.apply(st.inp.obs) : st.fPolicy!;
      const loss = computeActorLoss(m, f);
      st.scalars.actor_loss = keep(st, loss);
      return loss;
    },
    taped || measure,
  );
  group.optimizer.step(r.groupGrads);
  return r;
}

/** θᵗ ← τθ + (1−τ)θᵗ for every pair (in place, one native pass per variable, on the native backend). */
export function softUpdate(m: LapoModel, online: readonly NamedVariable[], target: readonly NamedVariable[]): void {
  if (online.length !== target.length) throw new Error('softUpdate: online and target differ');
  tf.tidy(() => {
    online.forEach(([, p], i) => {
      const t = target[i][1];
      if (nativePolyakUpdate(t, p, m.hp.tau, 1 - m.hp.tau)) return;
      t.assign(tf.add(tf.mul(p, m.c.tau), tf.mul(t, m.c.oneMinusTau)));
    });
  });
}

/** Official order: critic, actor, VAE; then the encoder (not under frozen: it never changes). */
export function softUpdateTargets(m: LapoModel): void {
  const { online: o, target: t } = m;
  softUpdate(m, o.critic.namedVariables(), t.critic.namedVariables());
  softUpdate(m, o.actor.namedVariables(), t.actor.namedVariables());
  softUpdate(m, o.vae.namedVariables(), t.vae.namedVariables());
  if (m.encoderGrad !== 'frozen') softUpdate(m, o.encoder.namedVariables(), t.encoder.namedVariables());
}

export function disposeStep(st: StepState): void {
  tf.dispose(st.kept);
  st.kept = [];
}


// ---------------------------------------------------------------------------------------------------------------
// The whole iteration.

export interface IterationOptions {
  /** Also compute encoder-gradient norms and parameter changes (the MEASURE_COLUMNS). */
  measure: boolean;
  /** Return the advantage tensor too (tests, diagnostics). */
  keepAdvantage?: boolean;
  /** Also return the norm of the gradient each group applied, per variable (grads.csv). */
  gradNorms?: boolean;
}

export interface IterationResult {
  /** CORE_COLUMNS (then MEASURE_COLUMNS when measuring), stacked for one read-back. */
  values: tf.Tensor1D;
  advantage: T2 | null;
  /** Per-variable applied gradient norms, groups in GROUP_NAMES order, variables in group order (absent: 0). */
  gradNorms: tf.Tensor1D | null;
}

/** critic → advantage → VAE → actor → soft updates. Call inside tf.tidy; the result tensors are tidy-tracked. */
export function lapoIteration(m: LapoModel, groups: Groups, inp: StepInputs, opts: IterationOptions): IterationResult {
  const { measure } = opts;
  const before = measure ? snapshot(m) : null;
  const st = prepareStep(m, groups, inp, measure);
  try {
    const c = criticUpdate(m, groups, st, measure);
    advantageAndPolicyFeatures(m, st);
    const v = vaeUpdate(m, groups, st, measure);
    const a = actorUpdate(m, groups, st, measure);
    softUpdateTargets(m);
    const core = CORE_COLUMNS.map((k) => st.scalars[k]!);
    let extra: tf.Scalar[] = [];
    if (measure) {
      const hasEncoder = !m.online.encoder.identity;
      const nan = () => tf.scalar(NaN);
      const sets = parameterSets(m);
      extra = [
        hasEncoder ? globalNorm(c.encoderGrads.values()) : nan(),
        hasEncoder ? globalNorm(v.encoderGrads.values()) : nan(),
        hasEncoder ? globalNorm(a.encoderGrads.values()) : nan(),
        hasEncoder ? conv1AppliedNorm(groups, [c, v, a]) : nan(),
        changeNorm(sets.delta_encoder, before!),
        changeNorm(sets.delta_critic, before!),
        changeNorm(sets.delta_actor_vae, before!),
        changeNorm(sets.delta_actor, before!),
      ];
    }
    const values = tf.stack([...core, ...extra]) as tf.Tensor1D;
    const advantage = opts.keepAdvantage ? tf.clone(st.advantage!) : null;
    const gradNorms = opts.gradNorms
      ? (tf.stack([c, v, a].flatMap((r) => r.groupGrads.map((g) => (g ? tf.norm(g) : tf.scalar(0))))) as tf.Tensor1D)
      : null;
    return { values, advantage, gradNorms };
  } finally {
    disposeStep(st);
  }
}
