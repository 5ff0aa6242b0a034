// The HDF5 writer: whole trees and streamed rows read back exactly; nothing appears under the target name until
// commit, and an aborted write leaves no file behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { H5Reader } from '../../src/data/h5.js';
import { H5Writer, writeH5 } from '../../src/data/h5-write.js';
import { ds, group, tempDir } from './helpers.js';

const dir = tempDir();

test('writeH5 round-trips groups, dtypes, strings and attributes', async () => {
  const f = join(dir, 'tree.h5');
  await writeH5(f, group({
    a: group({ x: ds(Float64Array.from([1.5, -2]), [2], { attrs: { unit: 'm' } }), flags: ds(Int8Array.from([0, 1, 1]), [3]) }, { note: 'hi' }),
    names: ds(['demo_0', 'demo_10'], [2]),
    img: ds(Uint8Array.from({ length: 2 * 2 * 2 * 3 }, (_, i) => i), [2, 2, 2, 3], { chunks: [1, 2, 2, 3], gzip: 3 }),
  }, { version: 2 }));
  const r = await H5Reader.open(f);
  assert.deepEqual(Array.from(r.read('a/x')), [1.5, -2]);
  assert.deepEqual(Array.from(r.read('a/flags')), [0, 1, 1]);
  assert.deepEqual(r.readStrings('names'), ['demo_0', 'demo_10']);
  assert.equal(r.attr('a', 'note'), 'hi');
  assert.equal(r.attr('a/x', 'unit'), 'm');
  assert.equal(r.attr('/', 'version'), 2);
  assert.equal(r.info('img').compressed, true);
  assert.deepEqual(r.info('img').chunks, [1, 2, 2, 3]);
  assert.deepEqual(Array.from(r.read('img', 1, 1)), Array.from({ length: 12 }, (_, i) => i + 12));
  r.close();
});

test('H5Writer streams rows into extendable datasets; the target exists only after commit; abort removes the temp file', async () => {
  const f = join(dir, 'stream.h5');
  const w = await H5Writer.create(f);
  w.extendable('obs/state', [3], '<f', { chunkRows: 4 });
  w.extendable('rewards', [], '<d');
  for (let k = 0; k < 5; k++) {
    w.append('obs/state', Float32Array.from({ length: 6 }, (_, i) => k * 6 + i));
    w.append('rewards', Float64Array.from([k, k + 0.5]));
  }
  assert.equal(existsSync(f), false);
  w.commit();
  const r = await H5Reader.open(f);
  assert.deepEqual(r.info('obs/state').shape, [10, 3]);
  assert.deepEqual(Array.from(r.read('obs/state', 9, 1)), [27, 28, 29]);
  assert.deepEqual(Array.from(r.read('rewards')), [0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5]);
  r.close();
  const g = join(dir, 'aborted.h5');
  const w2 = await H5Writer.create(g);
  w2.extendable('x', [2], '<f');
  w2.append('x', new Float32Array(4));
  w2.abort();
  assert.equal(existsSync(g), false);
  assert.deepEqual(readdirSync(dir).filter((n) => n.includes('.tmp-')), []);
});
