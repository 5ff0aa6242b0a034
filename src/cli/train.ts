// lapo train (placeholder until its issue lands).
import type { Command } from 'commander';

export function registerTrain(_program: Command): void {}
