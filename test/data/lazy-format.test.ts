// The pieces under lazy mode's direct reads: word-wise view stacking against a byte-by-byte reference, and the
// HDF5 header reader against the bytes h5wasm reads, on both object header versions and on headers whose messages
// continue in a second block.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import h5wasm from 'h5wasm/node';
import { H5Reader, h5Module } from '../../src/data/h5.js';
import { datasetStorage, headerMessageTypes, readSuperblock } from '../../src/data/h5-layout.js';
import { readChunkTable } from '../../src/data/h5-chunks.js';
import { canStackRgb, stackRgbViews } from '../../src/data/interleave.js';
import { Rng } from '../../src/util/rng.js';
import { tempDir } from './helpers.js';

const dir = tempDir();

test('stackRgbViews: 2 and 3 views equal a byte-by-byte interleave; misaligned offsets throw', () => {
  const rng = new Rng(3);
  for (const V of [2, 3]) {
    const pixels = 20;
    const src = new Uint8Array(4 + V * pixels * 3).map(() => rng.nextU32() & 255);
    const offs = Array.from({ length: V }, (_, v) => 4 + v * pixels * 3);
    const want = new Uint8Array(8 + pixels * 3 * V);
    for (let p = 0; p < pixels; p++) for (let v = 0; v < V; v++) for (let c = 0; c < 3; c++) want[8 + p * 3 * V + v * 3 + c] = src[offs[v] + p * 3 + c];
    const got = new Uint8Array(want.length);
    stackRgbViews(new Array(V).fill(src), offs, pixels, got, 8);
    assert.deepEqual(got, want, `${V} views`);
  }
  assert.equal(canStackRgb(3, 18), false);
  assert.equal(canStackRgb(4, 16), false);
  assert.throws(() => stackRgbViews([new Uint8Array(64), new Uint8Array(64)], [1, 0], 4, new Uint8Array(64), 0), /not a multiple of 4/);
});

interface Case {
  name: string;
  libver: [string, string] | null;
  attrs: number;
}

for (const c of [
  { name: 'version 1 headers (h5py default)', libver: ['earliest', 'v108'], attrs: 0 },
  { name: 'version 2 (OHDR) headers', libver: ['latest', 'latest'], attrs: 0 },
  { name: 'version 1 headers continued in a second block', libver: ['earliest', 'v108'], attrs: 6 },
  { name: 'OHDR headers continued in an OCHK block', libver: null, attrs: 6 },
] as Case[]) {
  test(`header reader, ${c.name}: contiguous offset and raw chunk table point at h5wasm's bytes`, async () => {
    await h5Module();
    const f = join(dir, `${c.name.replace(/\W+/g, '-')}.h5`);
    const n = 23;
    const data = new Uint8Array(n * 12).map((_, i) => (i * 31 + 7) & 255);
    let h = new h5wasm.File(f, 'w', c.libver ? ({ libver: c.libver } as never) : false);
    h.create_dataset({ name: 'flat', data, shape: [n, 4, 3], dtype: '<B' });
    h.create_dataset({ name: 'chunked', data, shape: [n, 4, 3], dtype: '<B', chunks: [5, 4, 3] });
    // 150 one-row chunks: more than one B-tree node holds (64 entries), so the index has an inner level
    const many = new Uint8Array(150 * 12).map((_, i) => (i * 13 + (i >> 8)) & 255);
    h.create_dataset({ name: 'many', data: many, shape: [150, 4, 3], dtype: '<B', chunks: [1, 4, 3] });
    h.close();
    if (c.attrs > 0) {
      // attributes added after creation do not fit the first header block: the layout message stays, later
      // messages go to a continuation block that the reader must walk
      h = new h5wasm.File(f, 'a');
      for (const name of ['flat', 'chunked']) {
        const d = h.get(name) as InstanceType<typeof h5wasm.Dataset>;
        for (let k = 0; k < c.attrs; k++) d.create_attribute(`note${k}`, 'x'.repeat(24));
      }
      h.close();
    }
    const r = await H5Reader.open(f);
    const fd = openSync(f, 'r');
    try {
      const sb = readSuperblock(fd, statSync(f).size);
      assert.ok(sb);
      const CONTINUATION = 0x10;
      const LAYOUT = 0x08;
      const types = headerMessageTypes(fd, sb, r.objectAddress('flat')) ?? [];
      assert.equal(types.includes(CONTINUATION), c.attrs > 0, `continuation message in ${types}`);
      assert.equal(types.filter((t) => t === LAYOUT).length, 1);
      if (c.attrs > 0) assert.ok(types.lastIndexOf(0x0c) > types.indexOf(CONTINUATION), 'attribute messages read from the continuation block');
      const flat = datasetStorage(fd, sb, r.objectAddress('flat'));
      assert.ok(flat && flat.kind === 'contiguous');
      assert.equal(flat.size, data.length);
      const got = Buffer.alloc(data.length);
      readSync(fd, got, 0, data.length, flat.offset);
      assert.deepEqual(new Uint8Array(got), data);
      const ch = datasetStorage(fd, sb, r.objectAddress('chunked'));
      if (c.libver?.[1] === 'latest') {
        assert.equal(ch, null, 'version 4 layouts (fixed-array chunk index) are left to h5wasm');
        return;
      }
      assert.ok(ch && ch.kind === 'chunked');
      assert.deepEqual(ch.chunkDims, [5, 4, 3]);
      const t = readChunkTable(fd, sb, ch, [n, 4, 3]);
      assert.ok(t);
      assert.equal(t.addr.length, 5);
      for (let row = 0; row < n; row++) {
        const c5 = Math.floor(row / 5);
        const one = Buffer.alloc(12);
        readSync(fd, one, 0, 12, t.addr[c5] + (row - c5 * 5) * 12);
        assert.deepEqual(new Uint8Array(one), data.subarray(row * 12, row * 12 + 12), `row ${row}`);
      }
      const mst = datasetStorage(fd, sb, r.objectAddress('many'));
      assert.ok(mst && mst.kind === 'chunked');
      const mt = readChunkTable(fd, sb, mst, [150, 4, 3]);
      assert.ok(mt);
      const root = Buffer.alloc(6);
      readSync(fd, root, 0, 6, mst.index);
      assert.equal(root[5], 1, 'root node level');
      for (let row = 0; row < 150; row++) {
        const one = Buffer.alloc(12);
        readSync(fd, one, 0, 12, mt.addr[row]);
        assert.deepEqual(new Uint8Array(one), many.subarray(row * 12, row * 12 + 12), `many row ${row}`);
      }
    } finally {
      closeSync(fd);
      r.close();
    }
  });
}
