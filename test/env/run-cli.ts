// Runs `lapo ...` in a child process (TypeScript sources through tsx) and captures its output, so CLI tests
// neither patch this process' stdout (which the test reporter also writes to) nor depend on a built dist/.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const entry =
  "import { main } from './src/cli/main.ts'; process.exitCode = await main(['node', 'lapo', ...process.argv.slice(1)]);";

export function runCli(args: string[], opts: { timeoutMs?: number } = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', entry, '--', ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 120_000,
    // Without NODE_TEST_CONTEXT: a child that inherits it behaves as a test-runner child, not as the CLI.
    env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_TEST_CONTEXT')), FORCE_COLOR: '0' },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
