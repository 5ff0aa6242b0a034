// The bench's reference workload, built from the trainer's own classes: 3 camera views of 64×64×3 uint8 stacked on
// channels + a 16-d state, 16-d actions, lapo's default image model (conv 3×3, 32 channels, strides 2,2,1,1 ->
// 256 features; MLPs 256×3; latent 2×16 = 32), and LapoAgent.step as the trainer calls it.
// bench/torch_reference.py builds the same networks and iteration in PyTorch.
import { LapoAgent } from '../src/algo/agent.js';
import { parseConfig } from '../src/config/schema.js';
import type { HostBatch, ObsSpec } from '../src/data/types.js';
import { Rng } from '../src/util/rng.js';

export const VIEWS = 3;
export const STATE_DIM = 16;
export const ACTION_DIM = 16;

export function referenceSpec(size: number): ObsSpec {
  return {
    imageKeys: ['left_image', 'right_image', 'global_image'],
    viewChannels: Array(VIEWS).fill(3),
    imageSize: [size, size],
    stateKeys: ['joint'],
    stateDims: [STATE_DIM],
  };
}

export function referenceAgent(size: number, seed = 0): LapoAgent {
  const cfg = parseConfig({ dataset: 'bench' }, 'bench');
  return LapoAgent.create({ spec: referenceSpec(size), actionDim: ACTION_DIM, minV: -100, maxV: 100 }, cfg, seed);
}

/** A batch of uniform uint8 images and N(0,1) vectors (what the trainer hands to step()). */
export function randomBatch(rng: Rng, batch: number, size: number): HostBatch {
  const img = () => {
    const a = new Uint8Array(batch * size * size * 3 * VIEWS);
    for (let i = 0; i < a.length; i++) a[i] = rng.nextU32() & 255;
    return a;
  };
  const normal = (n: number) => rng.normals(new Float32Array(n));
  return {
    size: batch,
    image: img(),
    nextImage: img(),
    state: normal(batch * STATE_DIM),
    nextState: normal(batch * STATE_DIM),
    action: normal(batch * ACTION_DIM),
    reward: normal(batch),
    notDone: new Float32Array(batch).fill(1),
    index: Int32Array.from({ length: batch }, (_, i) => i),
  };
}
