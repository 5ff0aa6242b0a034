// A parsed config with its data-dependent nulls resolved (batch size, latent size, augmentation, encoder mode):
// what a run writes to config.json. Resuming re-parses that file with the schema (src/run/session.ts).
import { LapoError } from '../errors.js';
import { ALGO_ENCODER_MODES, ENCODER_GRAD, show, type AnyEncoderGrad, type EncoderGrad, type LapoConfig } from './schema.js';

/** The config with the data-dependent nulls resolved, as written to config.json. */
export interface ResolvedConfig extends LapoConfig {
  batchSize: number;
  latentDim: number;
  augment: 'shift' | 'none';
  encoderGrad: AnyEncoderGrad;
}

/** The encoder mode a config asks for, its algorithm's default when null. */
export function encoderGradOf(cfg: Pick<LapoConfig, 'algo' | 'encoderGrad'>): AnyEncoderGrad {
  return cfg.encoderGrad ?? ALGO_ENCODER_MODES[cfg.algo].default;
}

/** LAPO's mode of a config (parseConfig has already refused a mode of another algorithm). */
export function lapoEncoderGrad(cfg: Pick<LapoConfig, 'algo' | 'encoderGrad'>): EncoderGrad {
  const mode = encoderGradOf(cfg);
  if (!(ENCODER_GRAD as readonly string[]).includes(mode)) throw new LapoError('config', `encoderGrad: expected one of ${ENCODER_GRAD.join('|')} with algo lapo, found ${show(mode)}`);
  return mode as EncoderGrad;
}

export function resolveConfig(cfg: LapoConfig, data: { hasImages: boolean; actionDim: number }): ResolvedConfig {
  return {
    ...cfg,
    batchSize: cfg.batchSize ?? (data.hasImages ? DEFAULT_IMAGE_BATCH : DEFAULT_STATE_BATCH),
    latentDim: cfg.latentDim ?? 2 * data.actionDim,
    // Measured on the pixel suite (docs/experiments.md): where the state vector and the images locate things in
    // the same frame, a random shift of the image moves the goal relative to the state and costs most of the score.
    augment: cfg.augment ?? 'none',
    encoderGrad: encoderGradOf(cfg),
  };
}

/** Official LAPO batch for low-dimensional data. */
export const DEFAULT_STATE_BATCH = 512;
/** Image data: 64 (see docs/algorithm.md, Batch size: PyTorch runs the bench model at 15.9 updates/s at 64, 5.4 at 256). */
export const DEFAULT_IMAGE_BATCH = 64;
