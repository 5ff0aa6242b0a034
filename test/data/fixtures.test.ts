// Every file in ../shared/fixtures/multimodal/: each row encodes its step t, episode e and view index
// (image[t,0,0,:] = (t % 256, e, view), state[t,:2] = (t, e), action[t,:2] = (t + 0.5, e), reward = t/100 + e),
// so next-observation alignment, episode boundaries, terminal handling and view order are checked value by value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDataset } from '../../src/data/load.js';
import type { LoadedDataset } from '../../src/data/dataset.js';
import { Rng } from '../../src/util/rng.js';
import { fixture } from './helpers.js';

const EPISODE_LENGTHS = [10, 6, 9];

interface Row {
  t: number;
  e: number;
  nextT: number;
  nextE: number;
  notDone: number;
}

/** Decodes every transition of the dataset from its first view's pixel (0,0) and checks the other columns agree. */
function decode(ds: LoadedDataset): Row[] {
  const all = ds.indices('all');
  const b = ds.gather(all);
  const C = ds.spec.viewChannels.reduce((a, c) => a + c, 0);
  const [H, W] = ds.spec.imageSize as [number, number];
  const fb = H * W * C;
  const A = ds.actionDim;
  const acts = ds.rawActions();
  const rews = ds.rawRewards();
  const st = ds.stats;
  return Array.from(all, (i, k) => {
    const img = b.image as Uint8Array;
    const next = b.nextImage as Uint8Array;
    const t = img[k * fb];
    const e = img[k * fb + 1];
    // actions, rewards and state carry the same (t, e) as the image of the same row
    assert.equal(acts[i * A], t + 0.5, `transition ${i}: action[0]`);
    assert.equal(acts[i * A + 1], e);
    assert.ok(Math.abs(rews[i] - (t / 100 + e)) < 1e-5, `transition ${i}: reward ${rews[i]} vs t=${t} e=${e}`);
    const D = (b.state as Float32Array).length / all.length;
    const s0 = (b.state as Float32Array)[k * D] * (st.stateStd[0] + 1e-6) + st.stateMean[0];
    const s1 = (b.state as Float32Array)[k * D + 1] * (st.stateStd[1] + 1e-6) + st.stateMean[1];
    assert.ok(Math.abs(s0 - t) < 1e-4 && Math.abs(s1 - e) < 1e-4, `transition ${i}: state (${s0}, ${s1}) vs (${t}, ${e})`);
    const ns0 = (b.nextState as Float32Array)[k * D] * (st.stateStd[0] + 1e-6) + st.stateMean[0];
    assert.ok(Math.abs(ns0 - next[k * fb]) < 1e-4, `transition ${i}: next state and next image disagree`);
    return { t, e, nextT: next[k * fb], nextE: next[k * fb + 1], notDone: b.notDone[k] };
  });
}

/** Views' third channel at pixel (0,0) = their index in the file's own naming. */
function viewIndices(ds: LoadedDataset): number[] {
  const b = ds.gather(new Int32Array([0]));
  let c = 0;
  return ds.spec.viewChannels.map((vc) => {
    const v = (b.image as Uint8Array)[c + 2];
    c += vc;
    return v;
  });
}

test('fork layout (observations/{left,right,global}_image + joint): rows t→t+1 inside episodes, terminal last steps kept', async () => {
  const ds = await loadDataset(fixture('multimodal/fork-3view-joint.h5'), { validFraction: 0 });
  assert.equal(ds.layout, 'd4rl');
  assert.deepEqual(ds.spec.imageKeys, ['global_image', 'left_image', 'right_image']);
  assert.deepEqual(ds.spec.stateKeys, ['joint']);
  assert.deepEqual(viewIndices(ds), [2, 0, 1]);
  const rows = decode(ds);
  assert.equal(rows.length, 25);
  assert.deepEqual(ds.episodes.map((e) => [e.start, e.length, e.terminal]), [[0, 10, true], [10, 6, true], [16, 9, true]]);
  for (const r of rows) {
    assert.equal(r.nextE, r.e, 'next observation from another episode');
    const last = r.t === EPISODE_LENGTHS[r.e] - 1;
    assert.equal(r.notDone, last ? 0 : 1);
    assert.equal(r.nextT, last ? r.t : r.t + 1);
  }
  ds.close();
  const ordered = await loadDataset(fixture('multimodal/fork-3view-joint.h5'), { imageKeys: ['left_image', 'right_image', 'global_image'] });
  assert.deepEqual(viewIndices(ordered), [0, 1, 2]);
  ordered.close();
});

test('d4rl dict observations with timeouts: time-limit last steps dropped (next unknown), terminal kept with not_done 0', async () => {
  const ds = await loadDataset(fixture('multimodal/d4rl-image-state.h5'), { validFraction: 0 });
  assert.equal(ds.layout, 'd4rl');
  const rows = decode(ds);
  assert.equal(rows.length, 10 + 5 + 8);
  for (const r of rows) {
    assert.equal(r.nextE, r.e);
    if (r.e === 0 && r.t === 9) assert.deepEqual([r.notDone, r.nextT], [0, 9]);
    else assert.deepEqual([r.notDone, r.nextT], [1, r.t + 1]);
    assert.ok(r.e === 0 || r.t < EPISODE_LENGTHS[r.e] - 1, 'a time-limit last step was kept');
  }
  assert.deepEqual(ds.episodes.map((e) => e.terminal), [true, false, false]);
});

test('minari dict observations: T+1 observations give every step a next observation; termination vs truncation', async () => {
  const ds = await loadDataset(fixture('multimodal/minari-dict-obs.hdf5'), { validFraction: 0 });
  assert.equal(ds.layout, 'minari');
  assert.deepEqual(ds.spec.imageKeys, ['pixels']);
  const rows = decode(ds);
  assert.equal(rows.length, 25);
  for (const r of rows) {
    assert.equal(r.nextE, r.e);
    assert.equal(r.nextT, r.t + 1, 'next is observation t+1, including the last step');
    assert.equal(r.notDone, r.e === 0 && r.t === 9 ? 0 : 1);
  }
  assert.deepEqual(ds.episodes.map((e) => [e.id, e.terminal]), [[0, true], [1, false], [2, false]]);
});

test('robomimic: stored next_obs used, dones as terminals, demos in numeric order, mask/train and mask/valid honoured', async () => {
  const ds = await loadDataset(fixture('multimodal/robomimic-image.hdf5'));
  assert.equal(ds.layout, 'robomimic');
  assert.deepEqual(ds.spec.imageKeys, ['agentview_image', 'robot0_eye_in_hand_image']);
  assert.deepEqual(viewIndices(ds), [0, 1]);
  const rows = decode(ds);
  for (const r of rows) {
    assert.equal(r.nextE, r.e);
    assert.equal(r.nextT, r.t + 1);
    assert.equal(r.notDone, r.t === EPISODE_LENGTHS[r.e] - 1 ? 0 : 1);
  }
  assert.deepEqual(ds.episodes.map((e) => [e.id, e.split]), [[0, 'train'], [1, 'train'], [2, 'valid']]);
  assert.equal(ds.indices('train').length, 16);
  assert.equal(ds.indices('valid').length, 9);
  // statistics come from the training split only: state[0] = t over demos 0 and 1
  const ts = [...Array(10).keys(), ...Array(6).keys()];
  const mean = ts.reduce((a, b) => a + b, 0) / ts.length;
  assert.ok(Math.abs(ds.stats.stateMean[0] - mean) < 1e-9);
  assert.ok(Math.abs(ds.stats.stateStd[0] - Math.sqrt(ts.reduce((a, t) => a + (t - mean) ** 2, 0) / ts.length)) < 1e-9);
});

test('sampling is uniform over the split, seeded by the Rng passed in', async () => {
  const ds = await loadDataset(fixture('multimodal/fork-3view-joint.h5'), { validFraction: 0.4, seed: 3 });
  const train = new Set(ds.indices('train'));
  const valid = new Set(ds.indices('valid'));
  assert.equal(train.size + valid.size, 25);
  for (const i of valid) assert.ok(!train.has(i));
  // whole episodes on each side
  for (const e of ds.episodes) for (let t = 0; t < e.length; t++) assert.ok((e.split === 'train' ? train : valid).has(e.start + t));
  const a = ds.sample('train', 4000, new Rng(7));
  const b = ds.sample('train', 4000, new Rng(7));
  assert.deepEqual(a.index, b.index);
  const counts = new Map<number, number>();
  for (const i of a.index) {
    assert.ok(train.has(i));
    counts.set(i, (counts.get(i) ?? 0) + 1);
  }
  assert.equal(counts.size, train.size, 'every training transition is drawn');
  const expected = 4000 / train.size;
  for (const c of counts.values()) assert.ok(Math.abs(c - expected) < 5 * Math.sqrt(expected), `count ${c} vs ${expected}`);
});
