// Observation encoder: (image views stacked on channels, state vector) -> feature vector.
//   state-only data: identity on the normalised state (official LAPO, no parameters);
//   images: conv 3×3 'valid' + ReLU per stride in convStrides (convChannels filters each) -> flatten,
//           state -> Linear(stateHidden)+ReLU -> Linear(stateHidden)+ReLU (when there is a state vector),
//           concat -> Linear(featureDim) + ReLU, or with featureNorm 'layernorm' Linear(featureDim) + LayerNorm +
//           tanh (DrQ-v2's trunk: features of bounded scale whatever the conv stack learns).
// Images arrive as float [B,H,W,C] in [0,1] (the step converts the uint8 batch). The defaults are the bench's
// shape: 32 channels, strides 2,2,1,1, so 64×64 views give 31→15→13→11, 11·11·32 = 3872 -> 256 features.
import { tf } from '../backend/tf.js';
import type { Rng } from '../util/rng.js';
import { LapoError } from '../errors.js';
import { Conv2d } from './conv2d.js';
import { LayerNorm } from './layer-norm.js';
import { Linear } from './linear.js';
import { prefixed, type Module, type NamedVariable } from './module.js';

export interface EncoderShape {
  /** [H, W] of every view; null for state-only data. */
  imageSize: [number, number] | null;
  /** Channels of all views together. */
  channels: number;
  stateDim: number;
  convChannels: number;
  convStrides: readonly number[];
  stateHidden: number;
  featureDim: number;
  /** Conv maps to a vector: 'flatten' (default) or 'spatial-softmax' (one expected (x, y) per channel). */
  imagePool?: 'flatten' | 'spatial-softmax';
  /** Output of the fc layer: 'none' (ReLU) or 'layernorm' (LayerNorm + tanh). Default 'none'. */
  featureNorm?: 'none' | 'layernorm';
}

export interface Observation {
  image: tf.Tensor4D | null;
  state: tf.Tensor2D | null;
}

interface Parts {
  convs: Conv2d[];
  stateLayers: Linear[];
  fc: Linear | null;
  norm: LayerNorm | null;
  /** Spatial softmax: the (x, y) of every position of the last conv map, made once (null: flatten). */
  grid: tf.Tensor2D | null;
}

export class ObservationEncoder implements Module {
  readonly shape: EncoderShape;
  /** Length of the feature vector (stateDim for the identity encoder). */
  readonly outDim: number;
  readonly identity: boolean;
  private readonly parts: Parts;

  private constructor(shape: EncoderShape, parts: Parts) {
    this.shape = shape;
    this.parts = parts;
    this.identity = shape.imageSize === null;
    this.outDim = this.identity ? shape.stateDim : shape.featureDim;
  }

  static create(shape: EncoderShape, rng: Rng, trainable: boolean): ObservationEncoder {
    if (shape.imageSize === null) {
      if (shape.stateDim < 1) throw new LapoError('config', 'observation: expected image or state keys, found neither');
      return new ObservationEncoder(shape, { convs: [], stateLayers: [], fc: null, norm: null, grid: null });
    }
    const [h, w] = shape.imageSize;
    const convs: Conv2d[] = [];
    let inC = shape.channels;
    let oh = h;
    let ow = w;
    for (const s of shape.convStrides) {
      const c = Conv2d.create(inC, shape.convChannels, 3, s, rng, trainable);
      oh = c.outSize(oh);
      ow = c.outSize(ow);
      if (oh < 1 || ow < 1) {
        throw new LapoError(
          'config',
          `convStrides: expected strides that fit a ${h}x${w} image with 3x3 'valid' convolutions, found [${shape.convStrides.join(',')}]`,
        );
      }
      convs.push(c);
      inC = shape.convChannels;
    }
    const flat = shape.imagePool === 'spatial-softmax' ? 2 * inC : oh * ow * inC;
    const stateLayers =
      shape.stateDim > 0
        ? [
            Linear.create(shape.stateDim, shape.stateHidden, rng, trainable),
            Linear.create(shape.stateHidden, shape.stateHidden, rng, trainable),
          ]
        : [];
    const fcIn = flat + (stateLayers.length > 0 ? shape.stateHidden : 0);
    const fc = Linear.create(fcIn, shape.featureDim, rng, trainable);
    const norm = shape.featureNorm === 'layernorm' ? LayerNorm.create(shape.featureDim, trainable) : null;
    const grid = shape.imagePool === 'spatial-softmax' ? tf.keep(keypointGrid(oh, ow)) : null;
    return new ObservationEncoder(shape, { convs, stateLayers, fc, norm, grid });
  }

  clone(trainable: boolean): ObservationEncoder {
    return new ObservationEncoder(this.shape, {
      convs: this.parts.convs.map((c) => c.clone(trainable)),
      stateLayers: this.parts.stateLayers.map((l) => l.clone(trainable)),
      fc: this.parts.fc ? this.parts.fc.clone(trainable) : null,
      norm: this.parts.norm ? this.parts.norm.clone(trainable) : null,
      grid: this.parts.grid ? tf.keep(tf.clone(this.parts.grid)) : null,
    });
  }

  apply(obs: Observation): tf.Tensor2D {
    if (this.identity) {
      if (!obs.state) throw new Error('ObservationEncoder: state-only encoder got no state');
      return obs.state;
    }
    if (!obs.image) throw new Error('ObservationEncoder: image encoder got no image');
    let x: tf.Tensor4D = obs.image;
    for (const c of this.parts.convs) x = c.apply(x, 'relu');
    const b = x.shape[0];
    let feat: tf.Tensor2D = this.parts.grid ? spatialSoftmax(x, this.parts.grid) : tf.reshape(x, [b, x.shape[1] * x.shape[2] * x.shape[3]]);
    if (this.parts.stateLayers.length > 0) {
      if (!obs.state) throw new Error('ObservationEncoder: encoder with a state branch got no state');
      let s: tf.Tensor2D = obs.state;
      for (const l of this.parts.stateLayers) s = l.apply(s, 'relu');
      feat = tf.concat([feat, s], 1);
    }
    if (this.parts.norm) return tf.tanh(this.parts.norm.apply(this.parts.fc!.apply(feat, 'linear')));
    return this.parts.fc!.apply(feat, 'relu');
  }

  /** Layer names in forward order (conv1 first), without the `encoder/` prefix. */
  layerNames(): string[] {
    return [
      ...this.parts.convs.map((_, i) => `conv${i + 1}`),
      ...this.parts.stateLayers.map((_, i) => `state/l${i + 1}`),
      ...(this.parts.fc ? ['fc'] : []),
      ...(this.parts.norm ? ['ln'] : []),
    ];
  }

  namedVariables(): NamedVariable[] {
    return [
      ...this.parts.convs.flatMap((c, i) => prefixed(`conv${i + 1}`, c.namedVariables())),
      ...this.parts.stateLayers.flatMap((l, i) => prefixed(`state/l${i + 1}`, l.namedVariables())),
      ...(this.parts.fc ? prefixed('fc', this.parts.fc.namedVariables()) : []),
      ...(this.parts.norm ? prefixed('ln', this.parts.norm.namedVariables()) : []),
    ];
  }

  dispose(): void {
    for (const c of this.parts.convs) c.dispose();
    for (const l of this.parts.stateLayers) l.dispose();
    this.parts.fc?.dispose();
    this.parts.norm?.dispose();
    this.parts.grid?.dispose();
  }
}

/**
 * Spatial softmax (Levine et al. 2016; robomimic's SpatialSoftmax with temperature 1): per channel, a softmax over
 * the H×W positions and the expected (x, y) under it, coordinates in [−1, 1]. [B,H,W,C] -> [B, 2C] as
 * (x1, y1, x2, y2, ...): the features say where each channel fires, which is what a policy in a maze needs.
 */
export function spatialSoftmax(x: tf.Tensor4D, grid: tf.Tensor2D = keypointGrid(x.shape[1], x.shape[2])): tf.Tensor2D {
  const [b, h, w, c] = x.shape;
  const logits = tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [b * c, h * w]);
  return tf.reshape(tf.matMul(tf.softmax(logits), grid), [b, 2 * c]);
}

/** [H·W, 2]: the (x, y) in [−1, 1] of every position of an H×W map, row-major. */
export function keypointGrid(h: number, w: number): tf.Tensor2D {
  const grid = (n: number) => (n === 1 ? [0] : Array.from({ length: n }, (_, i) => -1 + (2 * i) / (n - 1)));
  const gx = grid(w);
  const gy = grid(h);
  const pos = new Float32Array(h * w * 2);
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      pos[(i * w + j) * 2] = gx[j];
      pos[(i * w + j) * 2 + 1] = gy[i];
    }
  }
  return tf.tensor2d(pos, [h * w, 2]);
}
