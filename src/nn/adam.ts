// Adam exactly as torch.optim.Adam (torch 1.13, single-tensor path, weight_decay 0, amsgrad off):
//   m ← β1·m + (1−β1)·g          v ← β2·v + (1−β2)·g²
//   p ← p − (lr / (1−β1^t)) · m / (√v / √(1−β2^t) + ε)
// tfjs's own AdamOptimizer differs: it adds ε to √v̂ after folding the bias corrections differently and keeps its
// state under tfjs variable names. The step count is per parameter, as in PyTorch (a parameter without a gradient
// in a step is skipped: no moment update, no count).
// The state (moments and counts) is exposed as named tensors so checkpoints resume bit-exactly.
// On the native backend each parameter is updated in place by one native pass, on wasm by one SIMD pass into fresh
// tensors (same operations, same order, bit-identical to the tf-op chain below); elsewhere the tf-op chain runs.
import { tf } from '../backend/tf.js';
import { makeVariable } from './module.js';
import { nativeAdamUpdate } from '../backend/native.js';
import { wasmAdamUpdate } from '../backend/wasm-kernels/adam.js';

export interface AdamOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
}

export class Adam {
  readonly names: string[];
  readonly params: tf.Variable[];
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  private readonly steps: number[];
  // Constants made once: tfjs turns every JS number operand into a new scalar tensor.
  private readonly cBeta1: tf.Scalar;
  private readonly cBeta2: tf.Scalar;
  private readonly c1mBeta1: tf.Scalar;
  private readonly c1mBeta2: tf.Scalar;
  private readonly cEps: tf.Scalar;

  /** `names` are the stable names of `params` (used for the saved state). */
  constructor(names: string[], params: tf.Variable[], opts: AdamOptions) {
    if (names.length !== params.length) throw new Error('Adam: one name per parameter');
    this.names = names;
    this.params = params;
    this.lr = opts.lr;
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    this.m = params.map((p) => makeVariable(new Float32Array(p.size), p.shape, false));
    this.v = params.map((p) => makeVariable(new Float32Array(p.size), p.shape, false));
    this.steps = params.map(() => 0);
    this.cBeta1 = tf.keep(tf.scalar(this.beta1));
    this.cBeta2 = tf.keep(tf.scalar(this.beta2));
    this.c1mBeta1 = tf.keep(tf.scalar(1 - this.beta1));
    this.c1mBeta2 = tf.keep(tf.scalar(1 - this.beta2));
    this.cEps = tf.keep(tf.scalar(this.eps));
  }

  /** One update. `grads[i]` belongs to `params[i]`; null skips that parameter (PyTorch: grad is None). */
  step(grads: (tf.Tensor | null | undefined)[]): void {
    if (grads.length !== this.params.length) throw new Error('Adam.step: one gradient slot per parameter');
    tf.tidy(() => {
      // Scalars shared by every parameter with the same count (all of them, in practice).
      const cache = new Map<number, { stepSize: tf.Scalar; bc2Sqrt: tf.Scalar }>();
      for (let i = 0; i < this.params.length; i++) {
        const g = grads[i];
        if (g == null) continue;
        const t = ++this.steps[i];
        const stepSize = this.lr / (1 - Math.pow(this.beta1, t));
        const bc2Sqrt = Math.sqrt(1 - Math.pow(this.beta2, t));
        // Native backend: the same float32 operations in one in-place pass (src/backend/native.ts).
        const consts = {
          beta1: this.beta1,
          oneMinusBeta1: 1 - this.beta1,
          beta2: this.beta2,
          oneMinusBeta2: 1 - this.beta2,
          bc2Sqrt,
          eps: this.eps,
          stepSize,
        };
        if (nativeAdamUpdate(this.params[i], g, this.m[i], this.v[i], consts)) continue;
        if (wasmAdamUpdate(this.params[i], g, this.m[i], this.v[i], consts)) continue;
        let c = cache.get(t);
        if (!c) {
          c = { stepSize: tf.scalar(stepSize), bc2Sqrt: tf.scalar(bc2Sqrt) };
          cache.set(t, c);
        }
        const m = tf.add(tf.mul(this.m[i], this.cBeta1), tf.mul(g, this.c1mBeta1));
        const v = tf.add(tf.mul(this.v[i], this.cBeta2), tf.mul(tf.mul(g, g), this.c1mBeta2));
        const denom = tf.add(tf.div(tf.sqrt(v), c.bc2Sqrt), this.cEps);
        this.params[i].assign(tf.sub(this.params[i], tf.mul(tf.div(m, denom), c.stepSize)));
        this.m[i].assign(m);
        this.v[i].assign(v);
      }
    });
  }

  /** Copies of the state, keyed `<param>/exp_avg`, `<param>/exp_avg_sq`, `<param>/step`; the caller disposes them. */
  getState(): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    this.names.forEach((n, i) => {
      out.set(`${n}/exp_avg`, this.m[i].clone());
      out.set(`${n}/exp_avg_sq`, this.v[i].clone());
      out.set(`${n}/step`, tf.scalar(this.steps[i]));
    });
    return out;
  }

  /** Restores getState()'s map (values are copied). Throws naming the first missing or mis-shaped entry. */
  setState(state: Map<string, tf.Tensor>): void {
    const need = (key: string, shape: number[]): tf.Tensor => {
      const t = state.get(key);
      if (!t) throw new Error(`missing optimizer state ${key}`);
      if (t.shape.length !== shape.length || t.shape.some((d, j) => d !== shape[j])) {
        throw new Error(`optimizer state ${key}: expected shape [${shape.join(',')}], found [${t.shape.join(',')}]`);
      }
      return t;
    };
    // Validate everything before changing anything.
    const rows = this.names.map((n, i) => ({
      m: need(`${n}/exp_avg`, this.params[i].shape),
      v: need(`${n}/exp_avg_sq`, this.params[i].shape),
      s: need(`${n}/step`, []),
    }));
    tf.tidy(() =>
      rows.forEach((r, i) => {
        this.m[i].assign(tf.cast(r.m, 'float32'));
        this.v[i].assign(tf.cast(r.v, 'float32'));
        this.steps[i] = Math.round(r.s.dataSync()[0]);
      }),
    );
  }

  /** The step count of each parameter (PyTorch keeps one per parameter). */
  stepCounts(): number[] {
    return [...this.steps];
  }

  dispose(): void {
    tf.dispose([...this.m, ...this.v, this.cBeta1, this.cBeta2, this.c1mBeta1, this.c1mBeta2, this.cEps]);
  }
}
