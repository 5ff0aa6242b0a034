// The critic learns a value that only the image shows: 16×16 grey images of noise, the reward is 1 when one pixel
// is bright, episodes end after one step (so Q = r). Nothing in the state tells the reward, so the loss can
// only fall if the critic-owned encoder learns from the value loss.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useTrainingBackend } from '../helpers/backend.js';
import type { HostBatch, ObsSpec } from '../../src/data/types.js';
import { Rng } from '../../src/util/rng.js';
import { toyAgent } from './toy.js';

const SPEC: ObsSpec = { imageKeys: ['cam'], viewChannels: [1], imageSize: [16, 16], stateKeys: [], stateDims: [] };

function pixelDataset(rng: Rng, n: number): HostBatch {
  const px = 16 * 16;
  const image = new Uint8Array(n * px);
  const reward = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < px; j++) image[i * px + j] = rng.int(64);
    const on = rng.uniform() < 0.5;
    image[i * px + 5 * 16 + 7] = on ? 255 : 0; // the pixel that decides the reward
    reward[i] = on ? 1 : 0;
  }
  return {
    size: n,
    image,
    nextImage: image.slice(),
    state: null,
    nextState: null,
    action: new Float32Array(n * 2), // one action everywhere: Q cannot tell rows apart by the action
    reward,
    notDone: new Float32Array(n), // one-step episodes: Q target = r
    index: Int32Array.from({ length: n }, (_, i) => i),
  };
}

test('critic loss falls when the reward is a pixel of the image', async () => {
  await useTrainingBackend();
  const agent = toyAgent('critic', 9, { criticLr: 1e-3 }, SPEC);
  const rng = new Rng(5);
  const batch = pixelDataset(rng, 64);
  const losses: number[] = [];
  for (let s = 0; s < 150; s++) losses.push(agent.step(batch).q1_loss);
  const first = losses.slice(0, 10).reduce((a, b) => a + b) / 10;
  const last = losses.slice(-10).reduce((a, b) => a + b) / 10;
  if (process.env.LAPO_TEST_VERBOSE) console.log(`q1_loss ${first} -> ${last}`);
  // A critic that ignored the image could not go below the reward variance (0.25).
  assert.ok(last < 0.05, `q1_loss fell from ${first.toFixed(3)} to ${last.toFixed(3)}`);
  assert.ok(last < first / 4, `q1_loss fell from ${first.toFixed(3)} to ${last.toFixed(3)}`);
  // The learned Q separates the two rewards on the same batch.
  const ev = agent.evaluate(batch);
  let on = 0;
  let off = 0;
  for (let i = 0; i < batch.size; i++) (batch.reward[i] > 0 ? (on += ev.q1[i]) : (off += ev.q1[i]));
  const nOn = batch.reward.reduce((a, b) => a + b);
  assert.ok(on / nOn - off / (batch.size - nOn) > 0.5, 'Q(bright pixel) - Q(dark pixel) > 0.5');
  agent.dispose();
});
