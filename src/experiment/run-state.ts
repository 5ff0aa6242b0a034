// Where a run of an experiment stands against its budget, read from its folder: the experiment runners start,
// resume, or skip it accordingly.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readMeta } from '../run/run-folder.js';

/**
 * missing: no folder; completed: finished at `budget` steps or more; resumable: a checkpoint to continue from (an
 * interrupted run, or one completed at a smaller budget, which continues to the new one); empty: a folder without
 * a checkpoint (the run died before its first save).
 */
export function runState(runDir: string, budget: number): 'missing' | 'completed' | 'resumable' | 'empty' {
  if (!existsSync(runDir)) return 'missing';
  let meta: { status?: string; checkpointStep?: number } | null;
  try {
    meta = readMeta(runDir);
  } catch {
    meta = null;
  }
  if (meta?.status === 'completed' && (meta.checkpointStep ?? 0) >= budget) return 'completed';
  const ckpts = join(runDir, 'checkpoints');
  return existsSync(ckpts) && readdirSync(ckpts).some((d) => d.startsWith('step_')) ? 'resumable' : 'empty';
}
