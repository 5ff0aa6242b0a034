// lapo demo (placeholder until its issue lands).
import type { Command } from 'commander';

export function registerDemo(_program: Command): void {}
