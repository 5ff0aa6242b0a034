// npm run bench:data [-- --frames 50000 --seconds 3 --cache-mb 256 --gzip --keep --file PATH]
//
// Random-batch sampling speed of the dataset reader, eager and lazy, on a generated dataset in the LAPO fork's
// layout: observations/{left_image,right_image,global_image} [N,64,64,3] uint8 + observations/joint [N,16],
// actions [N,16], rewards, terminals (episodes of 200 steps), written with the product's streaming writer (chunks of
// 16 rows, uncompressed; --gzip adds a gzip-1 copy for the lazy reader). Prints samples/s of batch-256 sampling
// from the training split, with and without DrQ random shift, next to the trainer's consumption: ~16 LAPO updates/s
// at batch 64 in tuned PyTorch on this class of machine (shared/notes/engine-findings.md) = ~1000 samples/s.
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { existsSync, rmSync, statSync } from 'node:fs';
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

async function generate(file: string, n: number, gzip: number): Promise<number> {
  const t0 = performance.now();
  const w = await H5Writer.create(file);
  try {
    for (const v of VIEWS) w.extendable(`observations/${v}`, [S, S, 3], '<B', { chunkRows: 16, gzip: gzip || undefined });
    w.extendable('observations/joint', [16], '<f', { chunkRows: 4096 });
    w.extendable('actions', [16], '<f', { chunkRows: 4096 });
    w.extendable('rewards', [], '<f', { chunkRows: 4096 });
    w.extendable('terminals', [], '<f', { chunkRows: 4096 });
    const rng = new Rng(1);
    const block = 1000;
    for (let start = 0; start < n; start += block) {
      const m = Math.min(block, n - start);
      VIEWS.forEach((v, vi) => {
        // smooth gradients plus noise: compressible like camera frames, not constant
        const img = new Uint8Array(m * S * S * 3);
        for (let i = 0; i < img.length; i++) img[i] = ((i >> 6) + vi * 40 + ((start + Math.floor(i / (S * S * 3))) & 63) + (rng.nextU32() & 15)) & 255;
        w.append(`observations/${v}`, img);
      });
      const joint = new Float32Array(m * 16).map(() => rng.normal());
      const actions = new Float32Array(m * 16).map(() => Math.tanh(rng.normal()));
      const rewards = new Float32Array(m).map(() => rng.uniform());
      const terminals = new Float32Array(m).map((_, i) => ((start + i) % EPISODE === EPISODE - 1 ? 1 : 0));
      w.append('observations/joint', joint);
      w.append('actions', actions);
      w.append('rewards', rewards);
      w.append('terminals', terminals);
    }
    w.commit();
  } catch (e) {
    w.abort();
    throw e;
  }
  return (performance.now() - t0) / 1000;
}

function measure(ds: LoadedDataset, seconds: number, augment: boolean): { samplesPerS: number; batches: number; firstMs: number } {
  const rng = new Rng(123);
  const batch = 256;
  const [H, W] = ds.spec.imageSize as [number, number];
  const C = ds.spec.viewChannels.reduce((a, b) => a + b, 0);
  let t = performance.now();
  const first = ds.sample('train', batch, rng);
  const firstMs = performance.now() - t;
  if (augment) randomShift(first.image as Uint8Array, batch, H, W, C, 4, rng);
  let batches = 0;
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
  return { samplesPerS: (batches * batch) / s, batches, firstMs };
}

function row(label: string, r: { samplesPerS: number; batches: number; firstMs: number }, extra = ''): void {
  const ratio = r.samplesPerS / TRAINER_SAMPLES_PER_S;
  process.stdout.write(
    `${label.padEnd(34)} ${r.samplesPerS.toFixed(0).padStart(8)} samples/s  ${(r.samplesPerS / 256).toFixed(1).padStart(6)} batches/s  ` +
      `${ratio.toFixed(1).padStart(5)}x trainer  first batch ${r.firstMs.toFixed(0)} ms${extra}\n`,
  );
}

async function main(): Promise<void> {
  const n = Number(arg('frames', '50000'));
  const seconds = Number(arg('seconds', '3'));
  const cacheMB = Number(arg('cache-mb', '256'));
  const file = arg('file', join(tmpdir(), `lapo-bench-data-${n}f.h5`));
  const gzFile = file.replace(/\.h5$/, '-gzip1.h5');
  process.stdout.write(`lapo data bench — ${new Date().toISOString()}\n`);
  process.stdout.write(`machine: ${cpus()[0].model}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, load avg ${loadavg().map((x) => x.toFixed(1)).join(' ')}\n`);
  process.stdout.write(`dataset: ${n} frames × 3 views ${S}x${S}x3 uint8 + 16-d joint, batch 256 from the training split (90%)\n`);
  process.stdout.write(`trainer consumption reference: ${TRAINER_SAMPLES_PER_S} samples/s (16 updates/s × batch 64, PyTorch)\n\n`);
  if (!existsSync(file)) {
    const s = await generate(file, n, 0);
    process.stdout.write(`generated ${file} (${(statSync(file).size / 2 ** 20).toFixed(0)} MiB) in ${s.toFixed(1)} s\n`);
  }
  const common: LoadOptions = { validFraction: 0.1 };
  let t = performance.now();
  const eager = await loadDataset(file, { ...common, mode: 'eager' });
  const loadS = (performance.now() - t) / 1000;
  process.stdout.write(`eager load: ${loadS.toFixed(1)} s (${(statSync(file).size / 2 ** 20 / loadS).toFixed(0)} MiB/s), ${(eager.memory.estimateBytes / 2 ** 20).toFixed(0)} MiB in memory\n`);
  row('eager', measure(eager, seconds, false));
  row('eager + random shift (obs, next)', measure(eager, seconds, true));
  eager.close();

  t = performance.now();
  const lazy = await loadDataset(file, { ...common, mode: 'lazy', cacheMB });
  process.stdout.write(`lazy open: ${((performance.now() - t) / 1000).toFixed(1)} s, block cache ${cacheMB} MiB (${((100 * cacheMB * 2 ** 20) / eager.memory.estimateBytes).toFixed(0)}% of the frames)\n`);
  row('lazy (chunks of 16 rows)', measure(lazy, seconds, false));
  row('lazy, warm cache', measure(lazy, seconds, false));
  lazy.close();

  if (flag('gzip')) {
    if (!existsSync(gzFile)) {
      const s = await generate(gzFile, n, 1);
      process.stdout.write(`generated ${gzFile} (${(statSync(gzFile).size / 2 ** 20).toFixed(0)} MiB) in ${s.toFixed(1)} s\n`);
    }
    const gz = await loadDataset(gzFile, { ...common, mode: 'lazy', cacheMB });
    row('lazy gzip-1 (chunks of 16 rows)', measure(gz, seconds, false));
    row('lazy gzip-1, warm cache', measure(gz, seconds, false));
    gz.close();
  }
  if (!flag('keep')) for (const f of [file, gzFile]) rmSync(f, { force: true });
  process.stdout.write('\n(timings on a machine shared with other jobs: compare rows of the same run)\n');
}

await main();
