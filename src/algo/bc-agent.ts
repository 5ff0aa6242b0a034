// Behaviour cloning, the baseline every offline-RL result is read against (CORL's BC, robomimic's BC): the same
// observation encoder as LAPO, an MLP policy pi1..pi{n+1} (hidden sizes `hidden`, linear output: actions are
// z-scored), trained on the mean squared error to the dataset's actions, in one optimizer group `actor` (lr
// `actorLr`) that also holds the encoder unless --encoder-grad frozen. No target networks, no random draws.
//
//   f = enc(s);  â = π(f);  L = mean over batch and action dims of (â − a)²   -> one Adam step of `actor`
import { tf } from '../backend/tf.js';
import { Rng, type RngState } from '../util/rng.js';
import { LapoError } from '../errors.js';
import type { HostBatch } from '../data/types.js';
import { Adam } from '../nn/adam.js';
import { ObservationEncoder, type Observation } from '../nn/encoder.js';
import { Mlp, layerNames } from '../nn/mlp.js';
import { prefixed, type NamedVariable } from '../nn/module.js';
import { type LapoConfig } from '../config/schema.js';
import { encoderGradOf } from '../config/resolve.js';
import { encoderShapeOf, observationOf } from './observation.js';
import type { AgentDims, Evaluation, GradNorm, StepOutcome, TrainableAgent } from './agent-types.js';

export const BC_CORE_COLUMNS = ['bc_loss'] as const;
export const BC_MEASURE_COLUMNS = ['enc_grad_norm_actor', 'enc_conv1_grad_norm', 'delta_encoder', 'delta_actor'] as const;

export class BcAgent implements TrainableAgent {
  readonly valueSpec: { discount: number; doubleqMin: number };
  private readonly variables: Map<string, tf.Variable>;
  /** The group's variables: the encoder's (when it trains) first, then the policy's. */
  private readonly groupVars: NamedVariable[];
  private readonly optimizer: Adam;

  private constructor(
    readonly dims: AgentDims,
    readonly encoder: ObservationEncoder,
    readonly policy: Mlp,
    cfg: LapoConfig,
    private readonly rng: Rng,
  ) {
    this.valueSpec = { discount: cfg.discount, doubleqMin: 1 };
    const enc = prefixed('encoder', encoder.namedVariables());
    const pol = prefixed('actor', policy.namedVariables());
    this.variables = new Map([...enc, ...pol]);
    this.groupVars = [...enc.filter(([, v]) => v.trainable), ...pol];
    this.optimizer = new Adam(
      this.groupVars.map(([n]) => n),
      this.groupVars.map(([, v]) => v),
      { lr: cfg.actorLr },
    );
  }

  static create(dims: AgentDims, cfg: LapoConfig, seed: number): BcAgent {
    const mode = encoderGradOf(cfg);
    if (mode !== 'actor' && mode !== 'frozen') throw new LapoError('config', `encoderGrad: expected one of actor|frozen with algo bc, found "${mode}"`);
    const rng = new Rng(seed);
    const encoder = ObservationEncoder.create(
      encoderShapeOf(dims.spec, cfg),
      rng.fork(),
      mode !== 'frozen',
    );
    const policy = Mlp.create(encoder.outDim, cfg.hidden, dims.actionDim, layerNames('pi', cfg.hidden.length + 1, 1), rng.fork());
    return new BcAgent(dims, encoder, policy, cfg, rng.fork());
  }

  train(batch: HostBatch, opts: { measure: boolean; gradNorms: boolean }): StepOutcome {
    const r = tf.tidy(() => {
      const obs = this.observation(batch);
      const action = tf.tensor2d(batch.action, [batch.size, this.dims.actionDim]);
      const watched = [...this.variables];
      const before = opts.measure ? watched.map(([, v]) => tf.clone(v)) : null;
      const { value: loss, grads } = tf.variableGrads(
        () => tf.mean(tf.squaredDifference(this.policy.apply(this.encoder.apply(obs)), action)) as tf.Scalar,
        this.groupVars.map(([, v]) => v),
      );
      const g = this.groupVars.map(([, v]) => grads[v.name] ?? null);
      const out: tf.Tensor[] = [loss];
      if (opts.measure) {
        const hasEncoder = !this.encoder.identity;
        const encGrads = g.filter((_, i) => this.groupVars[i][0].startsWith('encoder/')).filter((x): x is tf.Tensor => x !== null);
        const conv1 = g.filter((_, i) => this.groupVars[i][0].startsWith('encoder/conv1/')).filter((x): x is tf.Tensor => x !== null);
        out.push(hasEncoder ? norm(encGrads) : tf.scalar(NaN), hasEncoder ? norm(conv1) : tf.scalar(NaN));
      }
      if (opts.gradNorms) out.push(tf.stack(g.map((x) => (x ? tf.norm(x) : tf.scalar(0)))));
      this.optimizer.step(g);
      if (before) {
        const change = (prefix: string) => {
          const sq = watched.flatMap(([n, v], i) => (n.startsWith(prefix) ? [tf.sum(tf.squaredDifference(v, before[i]))] : []));
          return sq.length === 0 ? tf.scalar(NaN) : tf.sqrt(tf.addN(sq));
        };
        // NaN for a set with no variables (the identity encoder of state-only data)
        out.push(change('encoder/'), change('actor/'));
      }
      return out;
    });
    const values = r.map((t) => t.dataSync());
    tf.dispose(r);
    const metrics: Record<string, number> = { bc_loss: values[0][0] };
    for (const c of BC_MEASURE_COLUMNS) metrics[c] = NaN;
    let k = 1;
    if (opts.measure) {
      metrics.enc_grad_norm_actor = values[k][0];
      metrics.enc_conv1_grad_norm = values[k + 1][0];
      k += 2;
    }
    let gradNorms: GradNorm[] | null = null;
    if (opts.gradNorms) {
      const n = values[k++];
      gradNorms = this.groupVars.map(([param], i) => ({ group: 'actor', param, norm: n[i] }));
    }
    if (opts.measure) {
      metrics.delta_encoder = values[k][0];
      metrics.delta_actor = values[k + 1][0];
    }
    return { metrics: Object.freeze(metrics), gradNorms };
  }

  act(batch: HostBatch): Float32Array {
    const out = tf.tidy(() => this.policy.apply(this.encoder.apply(this.observation(batch))));
    const data = out.dataSync() as Float32Array;
    out.dispose();
    return data;
  }

  /** The policy's action; BC has no critic or VAE, so Q, V and the reconstruction are NaN. */
  evaluate(batch: HostBatch): Evaluation {
    const action = this.act(batch);
    const nan = (n: number) => new Float32Array(n).fill(NaN);
    return { q1: nan(batch.size), q2: nan(batch.size), v: nan(batch.size), action, recon: nan(action.length) };
  }

  namedVariables(): Map<string, tf.Variable> {
    return new Map(this.variables);
  }

  trainableVariables(): NamedVariable[] {
    return [...this.variables].filter(([, v]) => v.trainable);
  }

  /** Keyed `actor/<param>/{exp_avg,exp_avg_sq,step}`, as LAPO's groups. */
  optimizerState(): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    for (const [k, t] of this.optimizer.getState()) out.set(`actor/${k}`, t);
    return out;
  }

  loadOptimizerState(state: Map<string, tf.Tensor>, source = 'checkpoint'): void {
    const sub = new Map<string, tf.Tensor>();
    for (const [k, t] of state) if (k.startsWith('actor/')) sub.set(k.slice('actor/'.length), t);
    try {
      this.optimizer.setState(sub);
    } catch (e) {
      throw new LapoError('checkpoint', `${source}: actor optimizer: ${(e as Error).message}`);
    }
  }

  rngState(): RngState {
    return this.rng.getState();
  }

  setRngState(state: RngState): void {
    this.rng.setState(state);
  }

  dispose(): void {
    this.encoder.dispose();
    this.policy.dispose();
    this.optimizer.dispose();
  }

  private observation(batch: HostBatch): Observation {
    return observationOf(this.dims.spec, batch, false, 'BcAgent');
  }
}

function norm(grads: tf.Tensor[]): tf.Scalar {
  return grads.length === 0 ? tf.scalar(0) : (tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g))))) as tf.Scalar);
}
