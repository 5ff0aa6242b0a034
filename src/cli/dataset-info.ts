// lapo dataset info (placeholder until its issue lands).
import type { Command } from 'commander';

export function registerDatasetInfo(_parent: Command): void {}
