// Reference returns and the normalised score, as D4RL defines it (d4rl/infos.py REF_MIN_SCORE/REF_MAX_SCORE):
//   score = 100 · (R − R_random) / (R_expert − R_random)
// Here the task module computes the references itself instead of shipping a table: the mean undiscounted return
// of the `random` and `expert` behaviour policies over REFERENCE_EPISODES episodes with a fixed seed. The rollouts
// need no rendering and take well under a second, are deterministic, and are cached per task for the process.
// Datasets record the values they were made with (attributes ref_random_return / ref_expert_return).
import { MazeEnv } from './maze-env.js';
import { parseBehaviour } from './policies.js';
import { episodeSeeds, runBehaviourEpisode } from './rollout.js';
import { parseTaskId, type TaskSpec } from './tasks.js';

export const REFERENCE_EPISODES = 500;
/** Different from the defaults of `dataset generate` (0) and `eval` (1000), so no reference episode is reused. */
export const REFERENCE_SEED = 20220601;

export interface PolicyStats {
  returnMean: number;
  returnStd: number;
  successRate: number;
  lengthMean: number;
}

export interface ReferenceReturns {
  task: string;
  version: number;
  episodes: number;
  seed: number;
  random: PolicyStats;
  expert: PolicyStats;
}

const cache = new Map<string, ReferenceReturns>();

export function summarise(returns: number[], successes: boolean[], lengths: number[]): PolicyStats {
  const n = returns.length;
  const mean = returns.reduce((a, b) => a + b, 0) / n;
  const variance = returns.reduce((a, r) => a + (r - mean) ** 2, 0) / n;
  return {
    returnMean: mean,
    returnStd: Math.sqrt(variance),
    successRate: successes.filter(Boolean).length / n,
    lengthMean: lengths.reduce((a, b) => a + b, 0) / n,
  };
}

/** Runs `policy` for `episodes` seeded episodes without rendering. */
export function policyStats(task: TaskSpec, policy: string, episodes: number, seed: number): PolicyStats {
  const env = new MazeEnv(task, { imageSize: 8 });
  const behaviour = parseBehaviour(policy);
  const returns: number[] = [];
  const successes: boolean[] = [];
  const lengths: number[] = [];
  for (const s of episodeSeeds(seed, episodes)) {
    const e = runBehaviourEpisode(env, behaviour, s);
    returns.push(e.ret);
    successes.push(e.success);
    lengths.push(e.length);
  }
  return summarise(returns, successes, lengths);
}

export function referenceReturns(task: TaskSpec | string): ReferenceReturns {
  const spec = typeof task === 'string' ? parseTaskId(task) : task;
  const hit = cache.get(spec.id);
  if (hit) return hit;
  const ref: ReferenceReturns = {
    task: spec.id,
    version: spec.version,
    episodes: REFERENCE_EPISODES,
    seed: REFERENCE_SEED,
    random: policyStats(spec, 'random', REFERENCE_EPISODES, REFERENCE_SEED),
    expert: policyStats(spec, 'expert', REFERENCE_EPISODES, REFERENCE_SEED),
  };
  cache.set(spec.id, ref);
  return ref;
}

/** D4RL's normalised score: 0 = the random policy, 100 = the expert. */
export function normalizedScore(task: TaskSpec | string, ret: number): number {
  const ref = referenceReturns(task);
  return (100 * (ret - ref.random.returnMean)) / (ref.expert.returnMean - ref.random.returnMean);
}
