// lapo plot (placeholder until its issue lands).
import type { Command } from 'commander';

export function registerPlot(_program: Command): void {}
