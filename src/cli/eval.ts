// lapo eval (placeholder until its issue lands).
import type { Command } from 'commander';

export function registerEval(_program: Command): void {}
