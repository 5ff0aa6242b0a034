// Synthetic run folders for the plot tests: the files `lapo train` writes (config.json, metrics.csv, eval.csv),
// with known values so a test can check the aggregation.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const METRIC_COLUMNS = [
  'step', 'wall_s', 'updates_per_s', 'critic_loss', 'q1_loss', 'q2_loss', 'v_loss', 'vae_loss', 'vae_recon', 'vae_kl',
  'actor_loss', 'q_mean', 'v_mean', 'adv_mean', 'adv_pos_frac', 'enc_grad_norm_critic', 'enc_grad_norm_vae',
  'enc_grad_norm_actor', 'enc_conv1_grad_norm', 'delta_encoder', 'delta_critic', 'delta_actor_vae', 'delta_actor',
];

export function tempRoot(): string {
  return mkdtempSync(join(tmpdir(), 'lapo-plot-'));
}

export interface FakeRun {
  name: string;
  seed: number;
  encoderGrad: string;
  /** critic_loss at step s = scale / (1 + s/100) + offset. */
  offset: number;
  steps?: number;
  withEval?: boolean;
  /** More config keys (e.g. bookkeeping keys that differ between repetitions). */
  extra?: Record<string, unknown>;
}

/** Writes runs/<name>/ under `root`; returns the folder. */
export function writeRun(root: string, r: FakeRun): string {
  const dir = join(root, 'runs', r.name);
  mkdirSync(dir, { recursive: true });
  const config = {
    dataset: '/data/pixel.h5', runName: r.name, seed: r.seed, steps: r.steps ?? 500, batchSize: 64,
    encoderGrad: r.encoderGrad, augment: 'shift', logEvery: 50, saveEvery: 250, hidden: [256, 256, 256],
    ...r.extra,
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2));
  const lines = [METRIC_COLUMNS.join(',')];
  for (let s = 50; s <= (r.steps ?? 500); s += 50) {
    const row = METRIC_COLUMNS.map((c) => {
      if (c === 'step') return String(s);
      if (c === 'critic_loss') return String(1 / (1 + s / 100) + r.offset);
      if (c === 'enc_grad_norm_vae') return 'NaN';
      return String(Math.sin(s / 70) + r.offset);
    });
    lines.push(row.join(','));
  }
  writeFileSync(join(dir, 'metrics.csv'), `${lines.join('\n')}\n`);
  if (r.withEval) {
    const ev = ['step,episodes,return_mean,return_std,score,success_rate,seed'];
    for (let s = 100; s <= (r.steps ?? 500); s += 100) ev.push(`${s},10,${s / 10 + r.offset},1,${s / 5 + r.offset},0.5,${r.seed}`);
    writeFileSync(join(dir, 'eval.csv'), `${ev.join('\n')}\n`);
  }
  return dir;
}
