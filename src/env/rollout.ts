// Seeded episodes of a behaviour policy. Episode i of a run with seed S always gets the same start, goal,
// behaviour component and policy noise: one master Rng(S) hands out two uint32 seeds per episode, one for the
// environment's reset and one for the policy's own stream (which first draws the mixture component).
import { Rng } from '../util/rng.js';
import type { MazeEnv, StepResult } from './maze-env.js';
import { drawComponent, type Behaviour } from './policies.js';

export interface EpisodeSeed {
  env: number;
  policy: number;
}

/** The seeds of episodes 0..count-1 of a run with `seed`. */
export function episodeSeeds(seed: number, count: number): EpisodeSeed[] {
  const master = new Rng(seed);
  const out: EpisodeSeed[] = [];
  for (let i = 0; i < count; i++) out.push({ env: master.nextU32(), policy: master.nextU32() });
  return out;
}

export interface EpisodeSummary {
  /** Undiscounted sum of rewards. */
  ret: number;
  length: number;
  success: boolean;
  /** Which behaviour component acted (index into behaviour.components). */
  component: number;
}

export interface StepHooks {
  /** Called with the state before each step (observations are read here) and the action about to be taken. */
  before?(env: MazeEnv, action: Float64Array): void;
  after?(env: MazeEnv, result: StepResult): void;
}

/** Runs one episode of `behaviour` to its terminal or time limit. */
export function runBehaviourEpisode(env: MazeEnv, behaviour: Behaviour, seed: EpisodeSeed, hooks: StepHooks = {}): EpisodeSummary {
  env.reset(seed.env);
  const rng = new Rng(seed.policy);
  const component = drawComponent(behaviour, rng);
  const policy = behaviour.components[component];
  policy.reset(env, rng);
  const action = new Float64Array(2);
  let ret = 0;
  let success = false;
  while (!env.done) {
    policy.act(env, rng, action);
    hooks.before?.(env, action);
    const r = env.step(action);
    hooks.after?.(env, r);
    ret += r.reward;
    success = r.success;
  }
  return { ret, length: env.t, success, component };
}
