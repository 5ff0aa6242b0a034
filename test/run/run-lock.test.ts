// RunLock in one process: a held folder is refused naming the owner's pid, a lock left by a process that is gone
// is taken over (saying whose it was), and release only removes the lock this process holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCK_FILE, RunLock, processStartTime } from '../../src/run/run-lock.js';

function folder(): string {
  return mkdtempSync(join(tmpdir(), 'lapo-lock-'));
}

/** The pid of a process that has exited (pids are not reused this quickly on Linux). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

test('a second claim of a held folder is refused naming the run and the pid; release frees it', () => {
  const dir = folder();
  const lock = RunLock.acquire(dir, 'lapo train');
  const owner = JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'));
  assert.equal(owner.pid, process.pid);
  assert.equal(owner.host, hostname());
  assert.throws(() => RunLock.acquire(dir, 'lapo train --resume'), (e: Error & { exitCode?: number }) => {
    assert.equal(e.message, `${dir}: in use by another lapo process (pid ${process.pid}, lapo train since ${owner.since})`);
    assert.equal(e.exitCode, 2);
    return true;
  });
  lock.release();
  assert.equal(existsSync(join(dir, LOCK_FILE)), false);
  RunLock.acquire(dir, 'lapo train').release();
});

test('a lock left by a process that is gone is taken over, and says whose it was', () => {
  const dir = folder();
  const pid = deadPid();
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid, host: hostname(), procStart: '1', since: 'then', command: 'lapo train' }));
  const lock = RunLock.acquire(dir, 'lapo train --resume');
  assert.equal(lock.staleOwner?.pid, pid);
  assert.equal(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid, process.pid);
  lock.release();
});

test('a live pid with another start time (the pid was reused) counts as gone', () => {
  const dir = folder();
  const start = processStartTime(process.pid);
  if (start === null) return; // no /proc here: pid reuse cannot be told apart
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: process.pid, host: hostname(), procStart: `${start}0`, since: 'then', command: 'lapo train' }));
  const lock = RunLock.acquire(dir, 'lapo train');
  assert.equal(lock.staleOwner?.pid, process.pid);
  lock.release();
});

test('release leaves a lock that another process took over', () => {
  const dir = folder();
  const lock = RunLock.acquire(dir, 'lapo train');
  const other = JSON.stringify({ pid: 1, host: 'elsewhere', procStart: null, since: 'now', command: 'lapo train' });
  writeFileSync(join(dir, LOCK_FILE), other);
  lock.release();
  assert.equal(readFileSync(join(dir, LOCK_FILE), 'utf8'), other);
  assert.throws(() => RunLock.acquire(dir, 'lapo train'), /in use by another lapo process \(pid 1 on elsewhere, lapo train since now\)/);
});
