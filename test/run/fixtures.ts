// Shared setup of the run/ and cli/train tests: fixture paths (a clear failure when ../shared is missing), the
// tiny model that keeps a training step around 0.1 s on the cpu backend, and the backend the tests train on
// (cpu unless LAPO_TEST_BACKEND says otherwise).
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend, parseBackend } from '../../src/backend/init.js';
import { parseConfig, type LapoConfig } from '../../src/config/schema.js';

export const MULTIMODAL = ['fork-3view-joint.h5', 'd4rl-image-state.h5', 'robomimic-image.hdf5', 'minari-dict-obs.hdf5'];

export function fixture(name: string): string {
  const p = join('..', 'shared', 'fixtures', 'multimodal', name);
  if (!existsSync(p)) throw new Error(`test fixture missing: ${p} (the tests need ../shared beside the checkout)`);
  return p;
}

export async function useRunBackend() {
  return initBackend(parseBackend(process.env.LAPO_TEST_BACKEND ?? 'cpu'));
}

/** The tiny model: 16-px views, two stride-2 convs of 8 filters, MLPs 32×3, batch 8. */
export const TINY = {
  hidden: [32, 32, 32],
  featureDim: 32,
  convChannels: 8,
  convStrides: [2, 2],
  stateHidden: 16,
  imageSize: 16,
  batchSize: 8,
};

export function tinyConfig(dataset: string, extra: Partial<LapoConfig> = {}): LapoConfig {
  return parseConfig({ dataset, ...TINY, ...extra }, 'test');
}

export function tempRuns(): string {
  return mkdtempSync(join(tmpdir(), 'lapo-runs-'));
}

export function readJsonFile<T = Record<string, unknown>>(p: string): T {
  return JSON.parse(readFileSync(p, 'utf8')) as T;
}
