// LapoAgent: the LAPO networks, their optimizer groups and the noise generator behind a host-side API that takes
// HostBatch and returns plain numbers. One step = one official LAPO iteration (lapo-step.ts) inside one tf.tidy,
// one read-back of the stacked metrics. The trainer, checkpoints, eval and diagnostics use only this class.
import { tf } from '../backend/tf.js';
import { Rng, type RngState } from '../util/rng.js';
import { LapoError } from '../errors.js';
import type { HostBatch } from '../data/types.js';
import type { Observation } from '../nn/encoder.js';
import type { NamedVariable } from '../nn/module.js';
import { type LapoConfig } from '../config/schema.js';
import { lapoEncoderGrad } from '../config/resolve.js';
import { buildGroups, checkGroups, type Groups } from './groups.js';
import { GROUP_NAMES, GROUP_TABLE, type GroupName } from './group-table.js';
import { encoderShapeOf, expectLength, observationOf } from './observation.js';
import { lapoIteration, type StepInputs } from './lapo-step.js';
import { toMetrics, type StepMetrics } from './metrics.js';
import type { AgentDims, Evaluation, GradNorm, StepOutcome, TrainableAgent } from './agent-types.js';
import { buildNets, disposeNets, makeHyperTensors, modelVariables, type LapoModel } from './model.js';

export type { StepMetrics } from './metrics.js';
export type { AgentDims, Evaluation, GradNorm } from './agent-types.js';

/** Raw N(0,1) draws of one step, row-major [B, latentDim] each. */
export interface StepNoise {
  targetLatentNoise: Float32Array;
  vaeEps: Float32Array;
}

export interface StepOptions {
  noise?: StepNoise;
  /** Fill the enc_grad_norm_* / enc_conv1_grad_norm / delta_* columns (extra cost; NaN otherwise). */
  measure?: boolean;
}

export class LapoAgent implements TrainableAgent {
  readonly model: LapoModel;
  readonly groups: Groups;
  readonly dims: AgentDims;
  readonly latentDim: number;
  private readonly rng: Rng;
  private readonly variables: Map<string, tf.Variable>;

  private constructor(model: LapoModel, groups: Groups, dims: AgentDims, latentDim: number, rng: Rng) {
    this.model = model;
    this.groups = groups;
    this.dims = dims;
    this.latentDim = latentDim;
    this.rng = rng;
    this.variables = new Map(modelVariables(model));
  }

  /** Builds the networks (PyTorch-default init from `seed`), targets as copies, and the checked groups. */
  static create(dims: AgentDims, cfg: LapoConfig, seed: number): LapoAgent {
    const encoderGrad = lapoEncoderGrad(cfg);
    const latentDim = cfg.latentDim ?? 2 * dims.actionDim;
    const hp = {
      discount: cfg.discount,
      tau: cfg.tau,
      expectile: cfg.expectile,
      klBeta: cfg.klBeta,
      maxLatentAction: cfg.maxLatentAction,
      doubleqMin: cfg.doubleqMin,
      minV: dims.minV,
      maxV: dims.maxV,
    };
    const c = makeHyperTensors(hp);
    const rng = new Rng(seed);
    const { online, target } = buildNets(
      {
        encoder: encoderShapeOf(dims.spec, cfg),
        actionDim: dims.actionDim,
        latentDim,
        hidden: cfg.hidden,
      },
      c,
      encoderGrad,
      rng,
    );
    const model: LapoModel = { online, target, hp, c, encoderGrad, policyFeatures: cfg.policyFeatures };
    const groups = buildGroups(online, { ...cfg, encoderGrad });
    const agent = new LapoAgent(model, groups, dims, latentDim, rng.fork());
    checkGroups(groups, agent.trainableVariables(), encoderGrad);
    return agent;
  }

  get valueSpec(): { discount: number; doubleqMin: number } {
    return this.model.hp;
  }

  /** The trainer's step: stepDetailed with grads.csv group names (GROUP_TABLE prefixes). */
  train(batch: HostBatch, opts: { measure: boolean; gradNorms: boolean }): StepOutcome {
    const r = this.stepDetailed(batch, opts);
    return { metrics: r.metrics, gradNorms: r.gradNorms?.map((g) => ({ ...g, group: GROUP_TABLE[g.group as GroupName].prefix })) ?? null };
  }

  /** One critic → VAE → actor iteration plus soft updates; returns the metrics.csv numbers of this step. */
  step(batch: HostBatch, opts: StepOptions = {}): StepMetrics {
    return this.stepDetailed(batch, opts).metrics;
  }

  /** step() that can also return the step's advantage A [B] (tests, diagnostics). */
  stepDetailed(batch: HostBatch, opts: StepOptions & { advantage?: boolean; gradNorms?: boolean } = {}): {
    metrics: StepMetrics;
    advantage: Float32Array | null;
    /** With `gradNorms`: the L2 norm of the gradient each group applied to each of its variables (grads.csv). */
    gradNorms: GradNorm[] | null;
  } {
    const measure = opts.measure ?? false;
    const noise = opts.noise ?? this.drawNoise(batch.size);
    const r = tf.tidy(() => {
      const inp = this.stepInputs(batch, noise);
      const it = lapoIteration(this.model, this.groups, inp, {
        measure,
        keepAdvantage: opts.advantage ?? false,
        gradNorms: opts.gradNorms ?? false,
      });
      const out: tf.Tensor[] = [it.values];
      if (it.advantage) out.push(it.advantage);
      if (it.gradNorms) out.push(it.gradNorms);
      return out;
    });
    // One read-back per step: the stacked scalars (and the advantage / gradient norms only when asked for).
    const data = r[0].dataSync();
    let k = 1;
    const advantage = opts.advantage ? (r[k++].dataSync() as Float32Array) : null;
    const gradNorms = opts.gradNorms ? this.namedGradNorms(r[k++].dataSync()) : null;
    tf.dispose(r);
    return { metrics: toMetrics(data, measure), advantage, gradNorms };
  }

  private namedGradNorms(norms: ArrayLike<number>): GradNorm[] {
    const out: GradNorm[] = [];
    let i = 0;
    for (const group of GROUP_NAMES) for (const [param] of this.groups[group].variables) out.push({ group, param, norm: norms[i++] });
    return out;
  }

  /** The step's raw draws, from the agent's own generator (target-latent noise first, then VAE ε). */
  drawNoise(batchSize: number): StepNoise {
    const n = batchSize * this.latentDim;
    const targetLatentNoise = this.rng.normals(new Float32Array(n));
    const vaeEps = this.rng.normals(new Float32Array(n));
    return { targetLatentNoise, vaeEps };
  }

  /** Normalised policy actions [B, actionDim]: decᵗ(f, actor(f)), as the official select_action. */
  act(batch: HostBatch): Float32Array {
    const out = tf.tidy(() => this.policyAction(this.policyFeatures(this.observation(batch, false))));
    const data = out.dataSync() as Float32Array;
    out.dispose();
    return data;
  }

  /**
   * Critic and VAE read-outs for evaluation, normalised units: Q1, Q2 at the batch's actions, V, the policy
   * action, and the VAE's reconstruction of the batch's actions from the posterior mean (no sampling).
   */
  evaluate(batch: HostBatch): Evaluation {
    const outs = tf.tidy(() => {
      const o = this.model.online;
      const f = o.encoder.apply(this.observation(batch, false));
      const action = tf.tensor2d(batch.action, [batch.size, this.dims.actionDim]);
      const [q1, q2] = o.critic.qs(f, action);
      const v = o.critic.value(f);
      const { mean } = o.vae.encode(f, action);
      const recon = o.vae.decode(f, mean);
      const pi = this.policyAction(this.policyFeatures(this.observation(batch, false)));
      return [q1, q2, v, pi, recon];
    });
    const [q1, q2, v, action, recon] = outs.map((t) => t.dataSync() as Float32Array);
    tf.dispose(outs);
    return { q1, q2, v, action, recon };
  }

  /** Every variable, targets included, by stable name ('encoder/conv1/kernel', 'target/critic/q1/l1/kernel'). */
  namedVariables(): Map<string, tf.Variable> {
    return new Map(this.variables);
  }

  /** Trainable variables (the online networks; the encoder only when not frozen). */
  trainableVariables(): NamedVariable[] {
    return [...this.variables].filter(([, v]) => v.trainable);
  }

  /** Assigns saved values to every variable; throws LapoError('checkpoint') naming a missing or mis-shaped one. */
  setVariables(values: Map<string, tf.Tensor | Float32Array>, source = 'checkpoint'): void {
    for (const [name, v] of this.variables) {
      const val = values.get(name);
      if (val === undefined) throw new LapoError('checkpoint', `${source}: ${name}: missing`);
      const size = val instanceof Float32Array ? val.length : val.size;
      if (size !== v.size || (!(val instanceof Float32Array) && val.shape.join(',') !== v.shape.join(','))) {
        const found = val instanceof Float32Array ? `${size} values` : `[${val.shape.join(',')}]`;
        throw new LapoError('checkpoint', `${source}: ${name}: expected [${v.shape.join(',')}], found ${found}`);
      }
    }
    tf.tidy(() => {
      for (const [name, v] of this.variables) {
        const val = values.get(name)!;
        v.assign(val instanceof Float32Array ? tf.tensor(val, v.shape) : tf.reshape(tf.cast(val, 'float32'), v.shape));
      }
    });
  }

  /** Copies of every optimizer's state, keyed `<group>/<param>/{exp_avg,exp_avg_sq,step}`; the caller disposes. */
  optimizerState(): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    for (const g of GROUP_NAMES) {
      for (const [k, t] of this.groups[g].optimizer.getState()) out.set(`${g}/${k}`, t);
    }
    return out;
  }

  loadOptimizerState(state: Map<string, tf.Tensor>, source = 'checkpoint'): void {
    for (const g of GROUP_NAMES) {
      const prefix = `${g}/`;
      const sub = new Map<string, tf.Tensor>();
      for (const [k, t] of state) if (k.startsWith(prefix)) sub.set(k.slice(prefix.length), t);
      try {
        this.groups[g].optimizer.setState(sub);
      } catch (e) {
        throw new LapoError('checkpoint', `${source}: ${g} optimizer: ${(e as Error).message}`);
      }
    }
  }

  rngState(): RngState {
    return this.rng.getState();
  }

  setRngState(state: RngState): void {
    this.rng.setState(state);
  }

  /** Encoder layer names in forward order, the first conv layer first ('encoder/conv1', ...); [] when identity. */
  encoderLayers(): string[] {
    return this.model.online.encoder.layerNames().map((n) => `encoder/${n}`);
  }

  dispose(): void {
    disposeNets(this.model.online);
    disposeNets(this.model.target);
    for (const g of GROUP_NAMES) this.groups[g].optimizer.dispose();
    tf.dispose(Object.values(this.model.c));
  }

  // ---- host batch -> tensors ------------------------------------------------------------------------------------

  /** The step's input tensors (call inside tf.tidy): for tests and diagnostics that run the step's parts. */
  stepInputs(batch: HostBatch, noise: StepNoise): StepInputs {
    const b = batch.size;
    const a = this.dims.actionDim;
    const l = this.latentDim;
    expectLength('LapoAgent', 'action', batch.action, b * a);
    expectLength('LapoAgent', 'reward', batch.reward, b);
    expectLength('LapoAgent', 'notDone', batch.notDone, b);
    expectLength('LapoAgent', 'noise.targetLatentNoise', noise.targetLatentNoise, b * l);
    expectLength('LapoAgent', 'noise.vaeEps', noise.vaeEps, b * l);
    return {
      obs: this.observation(batch, false),
      nextObs: this.observation(batch, true),
      action: tf.tensor2d(batch.action, [b, a]),
      reward: tf.tensor2d(batch.reward, [b, 1]),
      notDone: tf.tensor2d(batch.notDone, [b, 1]),
      targetNoise: tf.tensor2d(noise.targetLatentNoise, [b, l]),
      vaeEps: tf.tensor2d(noise.vaeEps, [b, l]),
    };
  }

  private observation(batch: HostBatch, next: boolean): Observation {
    return observationOf(this.dims.spec, batch, next, 'LapoAgent');
  }

  private policyFeatures(obs: Observation): tf.Tensor2D {
    const enc = this.model.policyFeatures === 'target' ? this.model.target.encoder : this.model.online.encoder;
    return enc.apply(obs);
  }

  private policyAction(f: tf.Tensor2D): tf.Tensor2D {
    return this.model.target.vae.decode(f, this.model.online.actor.apply(f));
  }
}
