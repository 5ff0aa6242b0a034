// Tiny multimodal setups for algorithm tests: 16×16 images (two views, 3+1 channels), a 4-d state, small MLPs.
import { LapoAgent } from '../../src/algo/agent.js';
import { parseConfig, type EncoderGrad } from '../../src/config/schema.js';
import type { HostBatch, ObsSpec } from '../../src/data/types.js';
import { Rng } from '../../src/util/rng.js';

export const TOY_SPEC: ObsSpec = {
  imageKeys: ['left', 'depth'],
  viewChannels: [3, 1],
  imageSize: [16, 16],
  stateKeys: ['joint'],
  stateDims: [4],
};
export const TOY_ACTION_DIM = 2;

export function toyAgent(encoderGrad: EncoderGrad, seed = 1, extra: Record<string, unknown> = {}, spec = TOY_SPEC): LapoAgent {
  const cfg = parseConfig(
    {
      dataset: 'toy',
      hidden: [32, 32, 32],
      featureDim: 32,
      convChannels: 8,
      convStrides: [2, 1],
      stateHidden: 16,
      encoderGrad,
      ...extra,
    },
    'toy',
  );
  return LapoAgent.create({ spec, actionDim: TOY_ACTION_DIM, minV: -100, maxV: 100 }, cfg, seed);
}

/** A random batch with every field filled; images uniform uint8. */
export function randomBatch(rng: Rng, size: number, spec: ObsSpec = TOY_SPEC, actionDim = TOY_ACTION_DIM): HostBatch {
  const [h, w] = spec.imageSize ?? [0, 0];
  const c = spec.viewChannels.reduce((a, b) => a + b, 0);
  const sd = spec.stateDims.reduce((a, b) => a + b, 0);
  const img = () => {
    const a = new Uint8Array(size * h * w * c);
    for (let i = 0; i < a.length; i++) a[i] = rng.int(256);
    return a;
  };
  const normal = (n: number) => rng.normals(new Float32Array(n));
  return {
    size,
    image: spec.imageSize ? img() : null,
    nextImage: spec.imageSize ? img() : null,
    state: sd > 0 ? normal(size * sd) : null,
    nextState: sd > 0 ? normal(size * sd) : null,
    action: normal(size * actionDim),
    reward: normal(size),
    notDone: Float32Array.from({ length: size }, () => (rng.uniform() < 0.9 ? 1 : 0)),
    index: Int32Array.from({ length: size }, (_, i) => i),
  };
}
