// What every command shares: the global flags and the backend start-up line.
import type { Command } from 'commander';
import { initBackend, parseBackend, type BackendInfo, type BackendName } from '../backend/init.js';

export interface GlobalOptions {
  backend: BackendName;
  threads?: number;
  verbose: boolean;
}

/** The global options as seen from any subcommand. */
export function globalsOf(cmd: Command): GlobalOptions {
  const o = cmd.optsWithGlobals() as { backend?: string; threads?: number; verbose?: boolean };
  return { backend: parseBackend(o.backend ?? 'auto'), threads: o.threads, verbose: Boolean(o.verbose) };
}

/** Starts the backend and prints which one runs (stderr, so stdout stays clean for --json). */
export async function startBackend(g: GlobalOptions, opts: { quiet?: boolean } = {}): Promise<BackendInfo> {
  const info = await initBackend(g.backend, { threads: g.threads });
  if (!opts.quiet) process.stderr.write(`lapo: backend ${info.name} (${info.threads} thread${info.threads === 1 ? '' : 's'}; ${info.detail})\n`);
  return info;
}
