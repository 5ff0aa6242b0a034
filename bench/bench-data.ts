// npm run bench:data [-- --frames 50000 --seconds 3 --cache-mb 256 --chunked --gzip --keep --file PATH]
//
// Random-batch sampling speed of the dataset reader, eager and lazy, on a generated dataset in the LAPO fork's
// layout: observations/{left_image,right_image,global_image} [N,64,64,3] uint8 + observations/joint [N,16],
// actions [N,16], rewards, terminals (episodes of 200 steps), written with the product's HDF5 writer: images
// contiguous (h5py's default without compression); --chunked and --gzip add copies with chunks of 16 rows,
// uncompressed and gzip-1, for the lazy reader. Prints samples/s of batch-256 sampling
// from the training split, with and without DrQ random shift, next to the trainer's consumption: ~16 LAPO updates/s
// at batch 64 in tuned PyTorch on this class of machine (docs/performance.md) = ~1000 samples/s.
// Lazy rows say how many arrays are read directly (pread / zlib here) rather than through h5wasm; gzip is measured
// with its scratch copy warm (after one pass over the training chunks, whose time is printed) and without a copy.
// Each file is read through once first, so lazy rows measure the reader with the file in the OS page cache; a
// dataset larger than memory is read from the disk instead (3 random reads of 24 KiB per sample here).
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { closeSync, existsSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { H5Writer } from '../src/data/h5-write.js';
import { loadDataset, type LoadOptions } from '../src/data/load.js';
import { randomShift } from '../src/data/augment.js';
import type { LoadedDataset } from '../src/data/dataset.js';
import { Rng } from '../src/util/rng.js';

const TRAINER_SAMPLES_PER_S = 16 * 64;
const S = 64;
const VIEWS = ['left_image', 'right_image', 'global_image'];
const EPISODE = 200;

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}
const flag = (name: string) => process.argv.includes(`--${name}`);

type Storage = 'contiguous' | 'chunked' | 'gzip';

/** Images: contiguous (h5py's default without compression, written whole per view), chunks of 16 rows, or gzip-1 chunks. */
async function generate(file: string, n: number, storage: Storage): Promise<number> {
  const t0 = performance.now();
  const w = await H5Writer.create(file);
  try {
    const rng = new Rng(1);
    const frameBytes = S * S * 3;
    const fill = (img: Uint8Array, start: number, vi: number) => {
      // smooth gradients plus noise: compressible like camera frames, not constant
      for (let i = 0; i < img.length; i++) img[i] = ((i >> 6) + vi * 40 + ((start + Math.floor(i / frameBytes)) & 63) + (rng.nextU32() & 15)) & 255;
    };
    if (storage === 'contiguous') {
      VIEWS.forEach((v, vi) => {
        const img = new Uint8Array(n * frameBytes);
        fill(img, 0, vi);
        w.dataset(`observations/${v}`, { data: img, shape: [n, S, S, 3] });
      });
    } else {
      for (const v of VIEWS) w.extendable(`observations/${v}`, [S, S, 3], '<B', { chunkRows: 16, gzip: storage === 'gzip' ? 1 : undefined });
      for (let start = 0; start < n; start += 1000) {
        const m = Math.min(1000, n - start);
        VIEWS.forEach((v, vi) => {
          const img = new Uint8Array(m * frameBytes);
          fill(img, start, vi);
          w.append(`observations/${v}`, img);
        });
      }
    }
    w.dataset('observations/joint', { data: new Float32Array(n * 16).map(() => rng.normal()), shape: [n, 16] });
    w.dataset('actions', { data: new Float32Array(n * 16).map(() => Math.tanh(rng.normal())), shape: [n, 16] });
    w.dataset('rewards', { data: new Float32Array(n).map(() => rng.uniform()), shape: [n] });
    w.dataset('terminals', { data: new Float32Array(n).map((_, i) => (i % EPISODE === EPISODE - 1 ? 1 : 0)), shape: [n] });
    w.commit();
  } catch (e) {
    w.abort();
    throw e;
  }
  return (performance.now() - t0) / 1000;
}

interface Rate {
  samplesPerS: number;
  /** Samples per second of this process's own CPU time (user + system): less sensitive to other jobs. */
  samplesPerCpuS: number;
  batches: number;
  firstMs: number;
}

function measure(ds: LoadedDataset, seconds: number, augment: boolean): Rate {
  const rng = new Rng(123);
  const batch = 256;
  const [H, W] = ds.spec.imageSize as [number, number];
  const C = ds.spec.viewChannels.reduce((a, b) => a + b, 0);
  let t = performance.now();
  const first = ds.sample('train', batch, rng);
  const firstMs = performance.now() - t;
  if (augment) randomShift(first.image as Uint8Array, batch, H, W, C, 4, rng);
  let batches = 0;
  const cpu0 = process.cpuUsage();
  t = performance.now();
  while (performance.now() - t < seconds * 1000) {
    const b = ds.sample('train', batch, rng);
    if (augment) {
      randomShift(b.image as Uint8Array, batch, H, W, C, 4, rng);
      randomShift(b.nextImage as Uint8Array, batch, H, W, C, 4, rng);
    }
    batches++;
  }
  const s = (performance.now() - t) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  return { samplesPerS: (batches * batch) / s, samplesPerCpuS: (batches * batch) / cpuS, batches, firstMs };
}

function row(label: string, r: Rate, extra = ''): void {
  const ratio = r.samplesPerS / TRAINER_SAMPLES_PER_S;
  process.stdout.write(
    `${label.padEnd(40)} ${r.samplesPerS.toFixed(0).padStart(8)} samples/s ${ratio.toFixed(1).padStart(6)}x trainer ` +
      `${r.samplesPerCpuS.toFixed(0).padStart(8)} samples/CPU-s  first batch ${r.firstMs.toFixed(0)} ms  ${extra}\n`,
  );
}

/** Reads a file sequentially (into the OS page cache, when it fits); seconds taken. */
function readThrough(file: string): number {
  const t = performance.now();
  const fd = openSync(file, 'r');
  const buf = Buffer.allocUnsafe(8 * 2 ** 20);
  try {
    for (let pos = 0; ; pos += buf.length) if (readSync(fd, buf, 0, buf.length, pos) < buf.length) break;
  } finally {
    closeSync(fd);
  }
  return (performance.now() - t) / 1000;
}

/** Gathers every training transition once, in order (what the first epoch of random batches copies). */
function warmUp(ds: LoadedDataset): { seconds: number; mib: number } {
  const t = performance.now();
  const train = ds.indices('train');
  for (let i = 0; i < train.length; i += 1024) ds.gather(train.subarray(i, i + 1024));
  return { seconds: (performance.now() - t) / 1000, mib: (ds.lazyStorage?.scratch?.bytes ?? 0) / 2 ** 20 };
}

async function main(): Promise<void> {
  const n = Number(arg('frames', '50000'));
  const seconds = Number(arg('seconds', '3'));
  const cacheMB = Number(arg('cache-mb', '256'));
  const file = arg('file', join(tmpdir(), `lapo-bench-data-${n}f.h5`));
  const variants: [Storage, string][] = [['contiguous', file]];
  if (flag('chunked')) variants.push(['chunked', file.replace(/\.h5$/, '-chunked16.h5')]);
  if (flag('gzip')) variants.push(['gzip', file.replace(/\.h5$/, '-gzip1.h5')]);
  process.stdout.write(`lapo data bench — ${new Date().toISOString()}\n`);
  process.stdout.write(`machine: ${cpus()[0].model}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, load avg ${loadavg().map((x) => x.toFixed(1)).join(' ')}\n`);
  process.stdout.write(`dataset: ${n} frames × 3 views ${S}x${S}x3 uint8 + 16-d joint, batch 256 from the training split (90%)\n`);
  process.stdout.write(`trainer consumption reference: ${TRAINER_SAMPLES_PER_S} samples/s (16 updates/s × batch 64, PyTorch)\n\n`);
  for (const [storage, f] of variants) {
    if (!existsSync(f)) {
      const s = await generate(f, n, storage);
      process.stdout.write(`generated ${f} (${storage}, ${(statSync(f).size / 2 ** 20).toFixed(0)} MiB) in ${s.toFixed(1)} s\n`);
    }
  }
  const common: LoadOptions = { validFraction: 0.1 };
  let t = performance.now();
  const eager = await loadDataset(file, { ...common, mode: 'eager' });
  const loadS = (performance.now() - t) / 1000;
  const eagerBytes = eager.memory.estimateBytes;
  process.stdout.write(`eager load: ${loadS.toFixed(1)} s (${(statSync(file).size / 2 ** 20 / loadS).toFixed(0)} MiB/s), ${(eagerBytes / 2 ** 20).toFixed(0)} MiB in memory\n`);
  row('eager', measure(eager, seconds, false));
  row('eager + random shift (obs, next)', measure(eager, seconds, true));
  eager.close();
  process.stdout.write(`lazy: block cache ${cacheMB} MiB (${((100 * cacheMB * 2 ** 20) / eagerBytes).toFixed(0)}% of the frames; used only without a scratch copy)\n`);
  for (const [storage, f] of variants) {
    const scratchModes: (string | null | undefined)[] = storage === 'gzip' ? [undefined, null] : [undefined];
    if (storage === 'contiguous') {
      // the previous reader, for comparison: one h5wasm hyperslab read per transition and view
      const old = await loadDataset(f, { ...common, mode: 'lazy', cacheMB, lazyDirect: false, scratchDir: null });
      row('lazy contiguous, h5wasm reads only', measure(old, seconds, false), 'lazyDirect: false');
      old.close();
    }
    const cached = readThrough(f);
    process.stdout.write(`${f}: read through once (${cached.toFixed(1)} s) so that lazy rows measure the reader, not the disk\n`);
    for (const scratchDir of scratchModes) {
      t = performance.now();
      const lazy = await loadDataset(f, { ...common, mode: 'lazy', cacheMB, scratchDir });
      const open = (performance.now() - t) / 1000;
      const st = lazy.lazyStorage;
      let label = `lazy ${storage}`;
      if (st?.scratch) {
        // touch every training transition once: each chunk is decompressed into the scratch copy
        const w = warmUp(lazy);
        process.stdout.write(`lazy ${storage}: scratch copy in ${st.scratch.dir}, first pass over the training chunks ${w.seconds.toFixed(1)} s (${w.mib.toFixed(0)} MiB copied, ${(w.mib / w.seconds).toFixed(0)} MiB/s)\n`);
        label += ' (copy warm)';
      } else if (scratchDir === null) {
        label += ' (no copy, cache)';
      }
      const direct = st ? `${st.direct}/${st.resolved} arrays direct` : '';
      row(`${label} (open ${open.toFixed(1)} s)`, measure(lazy, seconds, false), direct);
      lazy.close();
    }
  }
  if (!flag('keep')) for (const [, f] of variants) rmSync(f, { force: true });
  process.stdout.write('\n(timings on a machine shared with other jobs: compare rows of the same run; samples/CPU-s counts every thread\n');
  process.stdout.write(' of this process, V8\'s GC helpers included, so on an idle machine samples/s can exceed it)\n');
}

await main();
