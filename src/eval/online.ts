// Online evaluation: N seeded episodes of a policy in a built-in task, stepped in lockstep so that the policy
// sees one batch per time step (one forward pass for all live episodes instead of one per episode).
// Episode i with seed S starts exactly like episode i of `lapo dataset generate --seed S` (same start and goal),
// so the default eval seed (1000) differs from the generator's default (0).
import { ViewDecoder } from '../data/view-decoder.js';
import { MazeEnv } from '../env/maze-env.js';
import { normalizedScore, referenceReturns, summarise } from '../env/reference.js';
import { episodeSeeds } from '../env/rollout.js';
import type { TaskSpec } from '../env/tasks.js';

export const DEFAULT_EVAL_SEED = 1000;

/** Observations of the live episodes, in episode order: images [B,S,S,3] uint8 and raw states [B,4]. */
export interface ObsBatch {
  size: number;
  image: Uint8Array;
  state: Float32Array;
}

/** Maps a batch of observations to raw actions [B, 2] (the env clips them to [−1, 1]). */
export type PolicyFn = (obs: ObsBatch) => Float32Array;

export interface OnlineResult {
  task: string;
  episodes: number;
  seed: number;
  returns: number[];
  successes: boolean[];
  lengths: number[];
  returnMean: number;
  returnStd: number;
  successRate: number;
  lengthMean: number;
  normalizedScore: number;
  /** Standard deviation of the per-episode normalised scores. */
  normalizedScoreStd: number;
  refRandomReturn: number;
  refExpertReturn: number;
  /** Frames of the recorded episode at the render size (first = reset, last = final state), when asked for. */
  frames?: Uint8Array[];
}

export interface OnlineOptions {
  episodes: number;
  seed: number;
  /** Size of the images the policy takes. */
  imageSize: number;
  /**
   * Size to render at, when the policy was trained on frames resized from another size (--image-size): frames are
   * rendered at this size and resized exactly as the dataset loader resizes them (area / bilinear), so the policy
   * sees what it saw in training. Default: imageSize.
   */
  renderSize?: number;
  /** Record the frames of this episode index (e.g. 0 for --frames). */
  recordEpisode?: number;
}

export function evaluateOnline(task: TaskSpec, policy: PolicyFn, opts: OnlineOptions): OnlineResult {
  const S = opts.imageSize;
  const R = opts.renderSize ?? S;
  const resize = R !== S ? new ViewDecoder(R, R, 3, false, S, S) : null;
  const scratch = resize ? new Uint8Array(R * R * 3) : null;
  const seeds = episodeSeeds(opts.seed, opts.episodes);
  const envs = seeds.map((s) => {
    const env = new MazeEnv(task, { imageSize: R });
    env.reset(s.env);
    return env;
  });
  const returns = new Array<number>(envs.length).fill(0);
  const successes = new Array<boolean>(envs.length).fill(false);
  const frames: Uint8Array[] | undefined = opts.recordEpisode !== undefined ? [] : undefined;
  const rec = opts.recordEpisode ?? -1;
  if (frames && envs[rec]) frames.push(envs[rec].render());
  const frame = S * S * 3;
  for (;;) {
    const live = envs.map((e, i) => (e.done ? -1 : i)).filter((i) => i >= 0);
    if (live.length === 0) break;
    const obs: ObsBatch = { size: live.length, image: new Uint8Array(live.length * frame), state: new Float32Array(live.length * 4) };
    live.forEach((i, b) => {
      if (resize && scratch) resize.decode(envs[i].render(scratch), 0, obs.image, b * frame, 3, 0);
      else envs[i].render(obs.image.subarray(b * frame, (b + 1) * frame));
      envs[i].state(obs.state.subarray(b * 4, b * 4 + 4));
    });
    const actions = policy(obs);
    live.forEach((i, b) => {
      const r = envs[i].step([actions[b * 2], actions[b * 2 + 1]]);
      returns[i] += r.reward;
      successes[i] = r.success;
      if (i === rec && frames) frames.push(envs[i].render());
    });
  }
  const lengths = envs.map((e) => e.t);
  const st = summarise(returns, successes, lengths);
  const ref = referenceReturns(task);
  const scores = returns.map((r) => normalizedScore(task, r));
  const sm = scores.reduce((a, b) => a + b, 0) / scores.length;
  const sstd = Math.sqrt(scores.reduce((a, s) => a + (s - sm) ** 2, 0) / scores.length);
  return {
    task: task.id,
    episodes: opts.episodes,
    seed: opts.seed,
    returns,
    successes,
    lengths,
    returnMean: st.returnMean,
    returnStd: st.returnStd,
    successRate: st.successRate,
    lengthMean: st.lengthMean,
    normalizedScore: normalizedScore(task, st.returnMean),
    normalizedScoreStd: sstd,
    refRandomReturn: ref.random.returnMean,
    refExpertReturn: ref.expert.returnMean,
    frames,
  };
}
