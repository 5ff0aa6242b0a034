// Runs `lapo` command lines from the TypeScript sources (no build needed) in ONE child process: one start-up
// (TensorFlow.js, tsx) for all of them instead of one per case. Each gets its own exit status and captured
// stdout/stderr; the child prints the results as JSON.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function lapoMany(cases: string[][], cwd?: string): CliResult[] {
  const main = new URL('../../src/cli/main.ts', import.meta.url).href;
  const code = `import { main } from ${JSON.stringify(main)};
const real = process.stdout.write.bind(process.stdout);
const results = [];
for (const args of JSON.parse(process.argv[1])) {
  const out = { stdout: '', stderr: '' };
  process.stdout.write = (c) => ((out.stdout += String(c)), true);
  process.stderr.write = (c) => ((out.stderr += String(c)), true);
  process.exitCode = undefined;
  const status = await main(['node', 'lapo', ...args]);
  results.push({ status, ...out });
}
process.stdout.write = real;
process.exitCode = 0;
real(JSON.stringify(results));`;
  const r = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), '--input-type=module', '-e', code, '--', JSON.stringify(cases)], {
    cwd,
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as CliResult[];
}

export function lapo(args: string[], cwd?: string): CliResult {
  return lapoMany([args], cwd)[0];
}
