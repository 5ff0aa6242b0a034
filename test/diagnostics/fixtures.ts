// Shared files and the tiny model the diagnostics tests use (hidden 32×3, 16 px views, 8-channel convs), so that
// a full diagnosis takes seconds on the cpu backend.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseConfig, type LapoConfig, type LapoConfigInput } from '../../src/config/schema.js';

export const SHARED = resolve('..', 'shared');
export const MULTIMODAL = ['fork-3view-joint.h5', 'd4rl-image-state.h5', 'robomimic-image.hdf5', 'minari-dict-obs.hdf5'];

export function sharedFile(...parts: string[]): string {
  const p = join(SHARED, ...parts);
  if (!existsSync(p)) throw new Error(`missing shared fixture ${p}: these tests need ../shared beside the checkout (see ../shared/README.md)`);
  return p;
}

export const TINY: Partial<LapoConfigInput> = {
  hidden: [32, 32, 32],
  imageSize: 16,
  convChannels: 8,
  convStrides: [2, 1, 1],
  featureDim: 32,
  stateHidden: 16,
  batchSize: 16,
};

export function tinyConfig(dataset: string, extra: Partial<LapoConfigInput> = {}): LapoConfig {
  return parseConfig({ dataset, ...TINY, ...extra }, 'test');
}

/** The same model as command-line flags. */
export const TINY_FLAGS = ['--hidden', '32,32,32', '--image-size', '16', '--conv-channels', '8', '--conv-strides', '2,1,1', '--feature-dim', '32', '--state-hidden', '16', '--batch-size', '16'];
