// What every algorithm's agent does with a batch's observations: the encoder's shape from the data's spec and the
// config, and the host batch's uint8 views and state as the encoder's input tensors.
import { tf } from '../backend/tf.js';
import { imagesToTensor } from '../backend/native.js';
import { stateDim, totalChannels, type HostBatch, type ObsSpec } from '../data/types.js';
import type { EncoderShape, Observation } from '../nn/encoder.js';
import type { LapoConfig } from '../config/schema.js';

type EncoderKeys = 'convChannels' | 'convStrides' | 'stateHidden' | 'featureDim' | 'featureNorm' | 'imagePool';

export function encoderShapeOf(spec: ObsSpec, cfg: Pick<LapoConfig, EncoderKeys>): EncoderShape {
  return {
    imageSize: spec.imageSize,
    channels: totalChannels(spec),
    stateDim: stateDim(spec),
    convChannels: cfg.convChannels,
    convStrides: cfg.convStrides,
    stateHidden: cfg.stateHidden,
    featureDim: cfg.featureDim,
    featureNorm: cfg.featureNorm,
    imagePool: cfg.imagePool,
  };
}

/**
 * The encoder's input for s (or s' with `next`): uint8 NHWC views -> float [0,1] (x/255 in one pass: natively on
 * the native backend), the state as is. Call inside tf.tidy. `who` names the agent in the errors of a bad batch.
 */
export function observationOf(spec: ObsSpec, batch: HostBatch, next: boolean, who: string): Observation {
  const b = batch.size;
  const sd = stateDim(spec);
  let image: tf.Tensor4D | null = null;
  let state: tf.Tensor2D | null = null;
  if (spec.imageSize) {
    const src = next ? batch.nextImage : batch.image;
    const [h, w] = spec.imageSize;
    const c = totalChannels(spec);
    if (!src) throw new Error(`${who}: batch has no ${next ? 'nextImage' : 'image'}`);
    expectLength(who, next ? 'nextImage' : 'image', src, b * h * w * c);
    image = imagesToTensor(src, [b, h, w, c]);
  }
  if (sd > 0) {
    const src = next ? batch.nextState : batch.state;
    if (!src) throw new Error(`${who}: batch has no ${next ? 'nextState' : 'state'}`);
    expectLength(who, next ? 'nextState' : 'state', src, b * sd);
    state = tf.tensor2d(src, [b, sd]);
  }
  return { image, state };
}

export function expectLength(who: string, what: string, arr: ArrayLike<number>, n: number): void {
  if (arr.length !== n) throw new Error(`${who}: ${what} has ${arr.length} values, expected ${n}`);
}
