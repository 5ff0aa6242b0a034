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
//  2. The encoder belongs to the optimizer group(s) of groups.ts chosen by --encoder-grad: critic (only the
//     value loss trains it; the VAE and actor see detached features, so their steps neither move the encoder
//     nor produce a gradient for it), vae (the historical defect: the VAE loss is computed through the encoder,
//     which the VAE optimizer steps; the critic loss's encoder gradient is never applied), both (the default:
//     both losses flow into it; the VAE step recomputes features with the encoder the critic step just moved),
//     frozen (never changes; its target is then not soft-updated, so both stay bit-identical).
//  3. --policy-features target makes the VAE and actor read the target encoder's features of s instead of f.
//  4. Random draws (n, ε) come from the agent's seeded Rng, not torch's generator, so runs are reproducible
//     and resumable; tests inject the official run's recorded draws.
//  5. Linear kernels are stored [in, out] (PyTorch: [out, in]); values are identical, float summation order in
//     matmuls may differ in the last bits.
import { tf } from '../backend/tf.js';
import { detached } from '../nn/detach.js';
import { nativePolyakUpdate } from '../backend/native.js';
import type { NamedVariable } from '../nn/module.js';
import type { LapoModel } from './model.js';
import { GROUP_NAMES, GROUP_TABLE, type GroupName, type GroupPart } from './group-table.js';
import type { Groups } from './groups.js';
import { ENCODER_MODES } from './encoder-modes.js';
import { groupGradients, type GradResult } from './step-grads.js';
import { measuredScalars, snapshot } from './step-measure.js';
import {
  bootstrap,
  computeActorLoss,
  computeAdvantage,
  computeCriticLoss,
  computeVaeLoss,
  computeVTarget,
  mixedQ,
  type StepInputs,
} from './lapo-losses.js';
import { CORE_COLUMNS, MEASURE_COLUMNS, type CoreColumn, type PartScalars } from './metrics.js';

export type { StepInputs } from './lapo-losses.js';

type T2 = tf.Tensor2D;

/** The parts of one iteration, in the order LapoStep.run takes them. */
export const STEP_PARTS = ['critic', 'advantage', 'vae', 'actor', 'targets'] as const;
export type StepPart = (typeof STEP_PARTS)[number];

/** What a part hands to `afterPart`: its scalars by column, and for an optimizer step its gradients. */
export interface PartOutcome {
  scalars: Partial<Record<CoreColumn, tf.Scalar>>;
  /** The group's gradients and the encoder gradients its loss reached (optimizer parts only). */
  grads: GradResult | null;
}

export interface IterationOptions {
  /** Also compute encoder-gradient norms and parameter changes (the MEASURE_COLUMNS). */
  measure: boolean;
  /** Return the advantage tensor too (tests, diagnostics). */
  keepAdvantage?: boolean;
  /** Also return the norm of the gradient each group applied, per variable (grads.csv). */
  gradNorms?: boolean;
  /** Called after each part, inside the step's tidy, with the variables as that part left them. */
  afterPart?: (part: StepPart, outcome: PartOutcome) => void;
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
  const step = new LapoStep(m, groups, inp, opts);
  try {
    return step.run();
  } finally {
    step.dispose();
  }
}

/** One iteration's state: the model, its groups, whether it measures, and the tensors passed between parts. */
class LapoStep {
  /** Target-encoder features of the next observation. */
  private readonly fNext: T2;
  /** r + γ(1−d)V(f') with the critic before its update. */
  private readonly targetQ: T2;
  /** Qmixᵗ at the next observation (for the advantage). */
  private readonly nextQ: T2;
  /** Online features of s at the start of the step (null until the critic part computes them on its tape). */
  private f: T2 | null;
  /** Features the VAE and actor read when they do not train the encoder. */
  private fPolicy: T2 | null = null;
  private weights: T2 | null = null;
  private advantage: T2 | null = null;
  /** Tensors kept out of gradient tidies; dispose() releases them. */
  private kept: tf.Tensor[] = [];
  private readonly measure: boolean;

  constructor(
    private readonly m: LapoModel,
    private readonly groups: Groups,
    private readonly inp: StepInputs,
    private readonly opts: IterationOptions,
  ) {
    this.measure = opts.measure;
    // Targets from the networks before any update, and f when the critic loss does not need it on the tape.
    this.fNext = m.target.encoder.apply(inp.nextObs);
    this.targetQ = bootstrap(m, inp, m.online.critic.value(this.fNext));
    const latentNext = m.target.actor.apply(this.fNext);
    this.nextQ = mixedQ(m, m.target.critic, this.fNext, m.target.vae.decode(this.fNext, latentNext));
    this.f = this.flowsIntoEncoder('critic') ? null : m.online.encoder.apply(inp.obs);
  }

  run(): IterationResult {
    const before = this.measure ? snapshot(this.m) : null;
    const critic = this.updateGroup('critic', (taped) => {
      const f = taped ? this.keep(this.m.online.encoder.apply(this.inp.obs)) : this.f!;
      this.f = f;
      const targetV = detached(() => computeVTarget(this.m, f, this.inp.targetNoise));
      return computeCriticLoss(this.m, f, this.inp.action, this.targetQ, targetV);
    });
    const advantage = this.advantagePart();
    const vae = this.updateGroup('actorVae', (taped) =>
      computeVaeLoss(this.m, this.policyInput(taped), this.inp.action, this.weights!, this.inp.vaeEps),
    );
    const actor = this.updateGroup('actor', (taped) => computeActorLoss(this.m, this.policyInput(taped)));
    this.softUpdateTargets();
    this.opts.afterPart?.('targets', { scalars: {}, grads: null });

    const core: Record<CoreColumn, tf.Scalar> = { ...critic.scalars, ...advantage, ...vae.scalars, ...actor.scalars };
    const grads: Record<GroupName, GradResult> = { critic: critic.grads, actorVae: vae.grads, actor: actor.grads };
    const measured = before ? measuredScalars(this.m, this.groups, grads, before) : null;
    const columns = [...CORE_COLUMNS.map((k) => core[k]), ...(measured ? MEASURE_COLUMNS.map((k) => measured[k]) : [])];
    const values = tf.stack(columns) as tf.Tensor1D;
    const gradNorms = this.opts.gradNorms
      ? (tf.stack(GROUP_NAMES.flatMap((g) => grads[g].groupGrads.map((x) => (x ? tf.norm(x) : tf.scalar(0))))) as tf.Tensor1D)
      : null;
    return { values, advantage: this.opts.keepAdvantage ? tf.clone(this.advantage!) : null, gradNorms };
  }

  dispose(): void {
    tf.dispose(this.kept);
    this.kept = [];
  }

  private keep<T extends tf.Tensor>(t: T): T {
    this.kept.push(tf.keep(t));
    return t;
  }

  /** Whether a group's loss is computed through the encoder this step (so its features carry a gradient). */
  private flowsIntoEncoder(group: GroupName): boolean {
    if (this.m.online.encoder.identity) return false;
    if (this.groups[group].ownsEncoder) return true;
    // The historical defect computed the critic loss through the encoder too, without applying that gradient; it
    // is reproduced (and measured) on measure steps only, since unapplied it cannot change the result.
    return group === 'critic' && ENCODER_MODES[this.m.encoderGrad].criticGradUnapplied && this.measure;
  }

  /**
   * One optimizer part: the group's loss (through the encoder when `taped`), one backward pass, one Adam step.
   * On measure steps the encoder is in the differentiation list even when untaped (e.g. frozen): its gradient
   * is then honestly absent.
   */
  private updateGroup<G extends GroupName>(
    name: G,
    lossFn: (taped: boolean) => PartScalars<GroupPart<G>>,
  ): { scalars: PartScalars<GroupPart<G>>; grads: GradResult } {
    const group = this.groups[name];
    const row = GROUP_TABLE[name];
    const taped = this.flowsIntoEncoder(name);
    let scalars: PartScalars<GroupPart<G>> | null = null;
    const grads = groupGradients(
      this.m,
      group,
      () => {
        const s = lossFn(taped);
        for (const v of Object.values<tf.Scalar>(s)) this.keep(v);
        scalars = s;
        return (s as Record<string, tf.Scalar>)[row.lossColumn];
      },
      taped || this.measure,
    );
    group.optimizer.step(grads.groupGrads);
    this.opts.afterPart?.(row.part, { scalars: scalars!, grads });
    return { scalars: scalars!, grads };
  }

  /** Advantage with the updated critic, and the features the VAE/actor read. */
  private advantagePart(): PartScalars<'advantage'> {
    const { advantage, weights } = computeAdvantage(this.m, this.inp, this.f!, this.nextQ);
    this.advantage = advantage;
    this.weights = weights;
    const scalars = {
      adv_mean: tf.mean(advantage) as tf.Scalar,
      adv_pos_frac: tf.mean(tf.cast(tf.greater(advantage, this.m.c.zero), 'float32')) as tf.Scalar,
    };
    this.fPolicy = this.m.policyFeatures === 'target' ? this.m.target.encoder.apply(this.inp.obs) : this.f;
    this.opts.afterPart?.('advantage', { scalars, grads: null });
    return scalars;
  }

  /** The VAE's and actor's input: fresh online features on the tape when their group owns the encoder. */
  private policyInput(taped: boolean): T2 {
    return taped ? this.m.online.encoder.apply(this.inp.obs) : this.fPolicy!;
  }

  /** Official order: critic, actor, VAE; then the encoder unless its mode keeps the target fixed. */
  private softUpdateTargets(): void {
    const { online: o, target: t } = this.m;
    softUpdate(this.m, o.critic.namedVariables(), t.critic.namedVariables());
    softUpdate(this.m, o.actor.namedVariables(), t.actor.namedVariables());
    softUpdate(this.m, o.vae.namedVariables(), t.vae.namedVariables());
    if (ENCODER_MODES[this.m.encoderGrad].softUpdatedTarget) softUpdate(this.m, o.encoder.namedVariables(), t.encoder.namedVariables());
  }
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
