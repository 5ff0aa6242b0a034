// No tensor growth across steps (snake-dqn agent_test style): the count after step 2 equals the count after
// step 50, on the backend training runs use, with measured steps mixed in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useTrainingBackend } from '../helpers/backend.js';
import { tf } from '../../src/backend/tf.js';
import { Rng } from '../../src/util/rng.js';
import { randomBatch, toyAgent } from './toy.js';

test('tf.memory().numTensors is flat from step 2 to step 50 (tiny image model)', async () => {
  await useTrainingBackend();
  const before = tf.memory().numTensors;
  const agent = toyAgent('critic', 4);
  const rng = new Rng(3);
  const batches = Array.from({ length: 4 }, () => randomBatch(rng, 8));
  let after2 = -1;
  for (let s = 1; s <= 50; s++) {
    const m = agent.step(batches[s % 4], { measure: s % 10 === 0 });
    assert.ok(Number.isFinite(m.critic_loss), `step ${s}: critic_loss ${m.critic_loss}`);
    if (s === 2) after2 = tf.memory().numTensors;
  }
  assert.equal(tf.memory().numTensors, after2, 'tensors leaked between step 2 and step 50');
  // act/evaluate and the optimizer-state copies leave nothing behind either.
  agent.act(batches[0]);
  agent.evaluate(batches[0]);
  const st = agent.optimizerState();
  tf.dispose([...st.values()]);
  assert.equal(tf.memory().numTensors, after2);
  agent.dispose();
  assert.equal(tf.memory().numTensors, before, 'dispose() releases every tensor the agent made');
});
