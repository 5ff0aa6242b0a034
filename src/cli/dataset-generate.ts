// lapo dataset generate (placeholder until its issue lands).
import type { Command } from 'commander';

export function registerDatasetGenerate(_parent: Command): void {}
