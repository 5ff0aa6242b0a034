import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CsvLog, formatNumber, readCsvLog } from '../../src/run/metrics-csv.js';
import { writeFileAtomic, writeDirAtomic, removeStaleTemps, tempPathFor } from '../../src/run/atomic.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'lapo-csv-'));

test('formatNumber: float32 values round-trip, integers exact, NaN spelled out', () => {
  assert.equal(formatNumber(3), '3');
  assert.equal(formatNumber(Math.fround(0.35)), '0.349999994');
  assert.equal(Math.fround(Number(formatNumber(Math.fround(0.35)))), Math.fround(0.35));
  assert.equal(formatNumber(NaN), 'NaN');
  assert.equal(formatNumber(-Infinity), '-Infinity');
  assert.equal(formatNumber(1.5e-12), '1.5e-12');
});

test('CsvLog writes the header once and appends whole rows in column order', async () => {
  const path = join(tmp(), 'metrics.csv');
  const cols = ['step', 'wall_s', 'critic_loss'];
  const log = await CsvLog.open(path, cols);
  log.append({ critic_loss: 0.5, step: 10, wall_s: 1.25 });
  log.append([{ step: 20, wall_s: 2.5, critic_loss: NaN }, { step: 30, wall_s: 3 }]);
  const again = await CsvLog.open(path, cols);
  again.append({ step: 40, wall_s: 4, critic_loss: 0.25 });
  assert.equal(readFileSync(path, 'utf8'), 'step,wall_s,critic_loss\n10,1.25,0.5\n20,2.5,NaN\n30,3,\n40,4,0.25\n');
  const back = readCsvLog(path);
  assert.deepEqual(back.columns, cols);
  assert.equal(back.rows.length, 4);
  assert.equal(back.rows[0].critic_loss, 0.5);
  assert.ok(Number.isNaN(back.rows[1].critic_loss as number));
  assert.equal(back.rows[2].critic_loss, '');
});

test('CsvLog on resume drops rows after the checkpoint and a torn last line', async () => {
  const path = join(tmp(), 'metrics.csv');
  writeFileSync(path, 'step,x\n10,1\n20,2\n30,3\n40,4\n50,5');
  await CsvLog.open(path, ['step', 'x'], { keepRow: (s) => s <= 30 });
  assert.equal(readFileSync(path, 'utf8'), 'step,x\n10,1\n20,2\n30,3\n');
  writeFileSync(path, 'step,x\n10,1\n2');
  await CsvLog.open(path, ['step', 'x']);
  assert.equal(readFileSync(path, 'utf8'), 'step,x\n10,1\n');
});

test('CsvLog refuses a file whose header differs, naming the file and both headers', async () => {
  const path = join(tmp(), 'metrics.csv');
  writeFileSync(path, 'step,y\n1,2\n');
  await assert.rejects(CsvLog.open(path, ['step', 'x']), (e: Error) => {
    assert.match(e.message, /metrics\.csv: header: expected step,x, found step,y/);
    return true;
  });
});

test('writeFileAtomic replaces the file and leaves no temp behind; writeDirAtomic replaces a folder', async () => {
  const dir = tmp();
  const f = join(dir, 'meta.json');
  await writeFileAtomic(f, 'one');
  await writeFileAtomic(f, 'two');
  assert.equal(readFileSync(f, 'utf8'), 'two');
  const d = join(dir, 'step_5');
  await writeDirAtomic(d, async (t) => writeFileSync(join(t, 'a'), '1'));
  await writeDirAtomic(d, async (t) => writeFileSync(join(t, 'b'), '2'));
  assert.deepEqual(readdirSync(d), ['b']);
  await assert.rejects(writeDirAtomic(join(dir, 'step_6'), async () => { throw new Error('disk full'); }), /disk full/);
  assert.deepEqual(readdirSync(dir).sort(), ['meta.json', 'step_5']);
  writeFileSync(tempPathFor(join(dir, 'x.csv')), 'half');
  assert.equal((await removeStaleTemps(dir)).length, 1);
  assert.deepEqual(readdirSync(dir).sort(), ['meta.json', 'step_5']);
});

test('an append cut short (the file size limit, like a full disk) leaves whole rows and one line naming the file', () => {
  const path = join(tmp(), 'metrics.csv');
  // A child under bash's `ulimit -f 1` (1 KiB): the write that crosses it is cut short, the next one fails EFBIG.
  const child = `
    import { CsvLog } from './src/run/metrics-csv.ts';
    const log = await CsvLog.open(${JSON.stringify(path)}, ['step', 'note']);
    try {
      for (let i = 1; i <= 100; i++) log.append({ step: i, note: 'x'.repeat(90) });
    } catch (e) {
      process.stdout.write(e.name + ': ' + e.message);
    }`;
  const r = spawnSync('bash', ['-c', `ulimit -f 1 && exec "${process.execPath}" --import tsx --input-type=module -e "$CHILD"`], { encoding: 'utf8', env: { ...process.env, CHILD: child } });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `LapoError: ${path}: appending rows (the file keeps its whole rows): expected the file to grow, found the file size limit reached (ulimit -f) (EFBIG)`);
  const text = readFileSync(path, 'utf8');
  assert.ok(text.endsWith('\n'));
  const rows = readCsvLog(path).rows;
  // header 10 bytes + 10 rows of 96 bytes fit in 1024; the 11th row was cut short and removed again
  assert.deepEqual(rows.map((row) => row.step), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.ok(rows.every((row) => row.note === 'x'.repeat(90)));
});
