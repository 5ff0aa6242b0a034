// Runs a trained agent in a built-in task: env observations → a HostBatch in the checkpoint's normalisation →
// agent.act → actions back in original units. The checkpoint must have been trained on data of the task's shape
// (one RGB view and/or the 4-d state, 2-d actions); anything else is one clear error line.
import { LapoError } from '../errors.js';
import type { HostBatch, NormStats, ObsSpec } from '../data/types.js';
import { ACTION_DIM, STATE_DIM } from '../env/maze-env.js';
import type { TaskSpec } from '../env/tasks.js';
import type { ObsBatch, PolicyFn } from './online.js';

export interface ActingAgent {
  act(batch: HostBatch): Float32Array;
}

function describeSpec(spec: ObsSpec, actionDim: number): string {
  const views = spec.imageKeys.map((k, i) => `${k} ${spec.imageSize?.join('×')}×${spec.viewChannels[i]}`);
  const states = spec.stateKeys.map((k, i) => `${k} [${spec.stateDims[i]}]`);
  return `${[...views, ...states].join(', ') || 'no observations'}, actions [${actionDim}]`;
}

/** Throws unless a checkpoint with this spec can act in `task`; returns the image size to render at (0 = none). */
export function checkTaskCompatible(task: TaskSpec, spec: ObsSpec, actionDim: number, source: string): number {
  const views = spec.viewChannels.length;
  const ok =
    actionDim === ACTION_DIM &&
    (views === 0 || (views === 1 && spec.viewChannels[0] === 3 && spec.imageSize !== null && spec.imageSize[0] === spec.imageSize[1])) &&
    (spec.stateDims.length === 0 || (spec.stateDims.length === 1 && spec.stateDims[0] === STATE_DIM)) &&
    views + spec.stateDims.length > 0;
  if (!ok) {
    throw new LapoError(
      'checkpoint',
      `${source}: cannot run ${task.id}: the checkpoint takes ${describeSpec(spec, actionDim)}; the task gives image S×S×3, state [${STATE_DIM}], actions [${ACTION_DIM}]`,
    );
  }
  return views === 1 ? spec.imageSize![0] : 0;
}

export function agentPolicy(agent: ActingAgent, spec: ObsSpec, stats: NormStats, actionDim: number): PolicyFn {
  const useImage = spec.viewChannels.length === 1;
  const useState = spec.stateDims.length === 1;
  return (obs: ObsBatch) => {
    const B = obs.size;
    let state: Float32Array | null = null;
    if (useState) {
      state = new Float32Array(B * STATE_DIM);
      for (let i = 0; i < B * STATE_DIM; i++) {
        const d = i % STATE_DIM;
        state[i] = (obs.state[i] - stats.stateMean[d]) / stats.stateStd[d];
      }
    }
    const batch: HostBatch = {
      size: B,
      image: useImage ? obs.image : null,
      nextImage: null,
      state,
      nextState: null,
      action: new Float32Array(B * actionDim),
      reward: new Float32Array(B),
      notDone: new Float32Array(B).fill(1),
      index: new Int32Array(B).fill(-1),
    };
    const a = agent.act(batch);
    const out = new Float32Array(B * actionDim);
    for (let i = 0; i < out.length; i++) {
      const d = i % actionDim;
      out[i] = a[i] * stats.actionStd[d] + stats.actionMean[d];
    }
    return out;
  };
}
