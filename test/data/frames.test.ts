// Frame decoding (channel-first → channel-last, resizing, view interleaving) and the two frame sources: lazy
// batches must equal eager batches byte for byte, for contiguous and gzip-chunked files, with a cache smaller
// than a batch's working set; `auto` picks lazy when the estimate exceeds the budget.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeH5 } from '../../src/data/h5-write.js';
import { loadDataset } from '../../src/data/load.js';
import { ViewDecoder, axisTaps } from '../../src/data/view-decoder.js';
import { Rng } from '../../src/util/rng.js';
import { ds, frameValue, frames, group, tempDir, writeD4rl } from './helpers.js';

const dir = tempDir();

test('axis taps: area weights when shrinking, bilinear (half-pixel centres) when enlarging', () => {
  const down = axisTaps(6, 4); // each output covers 1.5 source pixels
  const at = (t: ReturnType<typeof axisTaps>, o: number) => Array.from({ length: t.start[o + 1] - t.start[o] }, (_, k) => [t.idx[t.start[o] + k], +t.w[t.start[o] + k].toFixed(6)]);
  assert.deepEqual(at(down, 0), [[0, 0.666667], [1, 0.333333]]);
  assert.deepEqual(at(down, 1), [[1, 0.333333], [2, 0.666667]]);
  const up = axisTaps(2, 4); // centres at -0.25, 0.25, 0.75, 1.25 → clamped
  assert.deepEqual(at(up, 0), [[0, 1]]);
  assert.deepEqual(at(up, 1), [[0, 0.75], [1, 0.25]]);
  assert.deepEqual(at(up, 3), [[1, 1]]);
});

test('decoder: CHW → HWC, 2×2 box average on halving, interleaving at a channel offset', () => {
  const chw = frames(1, 4, 6, 3, 0, true);
  const hwc = frames(1, 4, 6, 3, 0, false);
  const out = new Uint8Array(4 * 6 * 5);
  new ViewDecoder(4, 6, 3, true, 4, 6).decode(chw, 0, out, 0, 5, 2);
  for (let p = 0; p < 24; p++) for (let c = 0; c < 3; c++) assert.equal(out[p * 5 + 2 + c], hwc[p * 3 + c]);
  const half = new Uint8Array(2 * 3 * 3);
  new ViewDecoder(4, 6, 3, false, 2, 3).decode(hwc, 0, half, 0, 3, 0);
  for (let y = 0; y < 2; y++) {
    for (let x = 0; x < 3; x++) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (const [dy, dx] of [[0, 0], [0, 1], [1, 0], [1, 1]]) s += frameValue(0, 0, 2 * y + dy, 2 * x + dx, c);
        assert.equal(half[(y * 3 + x) * 3 + c], Math.round(s / 4), `(${y},${x},${c})`);
      }
    }
  }
});

test('channel-first views load as channel-last; --image-size resizes every view', async () => {
  const f = join(dir, 'chw.h5');
  const n = 6;
  await writeH5(f, group({
    observations: group({ a: ds(frames(n, 8, 8, 3, 0, true), [n, 3, 8, 8]), b: ds(frames(n, 8, 8, 1, 1), [n, 8, 8, 1]) }),
    actions: ds(new Float32Array(n), [n, 1]),
    rewards: ds(new Float32Array(n), [n]),
    terminals: ds(Float32Array.from({ length: n }, (_, i) => (i === n - 1 ? 1 : 0)), [n]),
  }));
  const d = await loadDataset(f, { validFraction: 0 });
  assert.deepEqual(d.spec.viewChannels, [3, 1]);
  const b = d.gather(new Int32Array([2]));
  const img = b.image as Uint8Array;
  for (let p = 0; p < 64; p++) {
    const y = Math.floor(p / 8);
    const x = p % 8;
    for (let c = 0; c < 3; c++) assert.equal(img[p * 4 + c], frameValue(2, 0, y, x, c));
    assert.equal(img[p * 4 + 3], frameValue(2, 1, y, x, 0));
  }
  d.close();
  const small = await loadDataset(f, { imageSize: 4 });
  assert.deepEqual(small.spec.imageSize, [4, 4]);
  assert.equal((small.gather(new Int32Array([0])).image as Uint8Array).length, 4 * 4 * 4);
  small.close();
});

for (const variant of [{ name: 'contiguous' }, { name: 'gzip chunks of 8 rows', chunks: 8, gzip: 4 }]) {
  test(`lazy batches equal eager batches (${variant.name}), with a cache smaller than one batch`, async () => {
    const f = join(dir, `lazy-${variant.chunks ?? 0}.h5`);
    await writeD4rl(f, { episodes: [40, 25, 60, 35], h: 16, w: 16, views: 3, chunks: variant.chunks, gzip: variant.gzip, timeouts: true });
    const eager = await loadDataset(f, { mode: 'eager', imageSize: 12 });
    const lazy = await loadDataset(f, { mode: 'lazy', imageSize: 12, cacheMB: 0.05 });
    assert.equal(eager.mode, 'eager');
    assert.equal(lazy.mode, 'lazy');
    assert.deepEqual(lazy.stats, eager.stats);
    for (let k = 0; k < 3; k++) {
      const a = eager.sample('train', 64, new Rng(k));
      const b = lazy.sample('train', 64, new Rng(k));
      assert.deepEqual(b, a);
    }
    const all = eager.indices('all');
    assert.deepEqual(lazy.gather(all), eager.gather(all));
    eager.close();
    lazy.close();
  });
}

test('auto mode: eager within the budget, lazy above it', async () => {
  const f = join(dir, 'auto.h5');
  await writeD4rl(f, { episodes: [30, 30], h: 16, w: 16, views: 2 });
  const fits = await loadDataset(f, { maxMemoryMB: 64 });
  assert.equal(fits.mode, 'eager');
  assert.ok(fits.memory.estimateBytes >= 60 * 16 * 16 * 6);
  fits.close();
  const tight = await loadDataset(f, { maxMemoryMB: 0.05 });
  assert.equal(tight.mode, 'lazy');
  tight.close();
});
