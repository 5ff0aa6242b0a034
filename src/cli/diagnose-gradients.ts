// lapo diagnose-gradients (placeholder until its issue lands).
import type { Command } from 'commander';

export function registerDiagnoseGradients(_program: Command): void {}
