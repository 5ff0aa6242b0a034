// A checkpoint, ready to evaluate: the agent rebuilt from the checkpoint's own config and spec, its weights loaded
// (optimizer state skipped), plus what evaluation needs from the manifest (stats, spec, step, config).
import { LapoAgent } from '../algo/agent.js';
import { parseConfig, type LapoConfig } from '../algo/config.js';
import { applyCheckpoint, loadCheckpoint } from '../run/checkpoint.js';
import type { NormStats, ObsSpec } from '../data/types.js';
import { join } from 'node:path';

export interface RestoredCheckpoint {
  dir: string;
  agent: LapoAgent;
  cfg: LapoConfig;
  stats: NormStats;
  spec: ObsSpec;
  actionDim: number;
  step: number;
}

export function restoreForEval(path: string): RestoredCheckpoint {
  const ckpt = loadCheckpoint(path);
  const m = ckpt.manifest;
  const cfg = parseConfig(m.config, join(ckpt.dir, 'checkpoint.json'));
  const agent = LapoAgent.create({ spec: m.spec, actionDim: m.actionDim, minV: m.stats.minV, maxV: m.stats.maxV }, cfg, cfg.seed);
  try {
    applyCheckpoint(agent, ckpt, { optimizer: false });
  } catch (e) {
    agent.dispose();
    throw e;
  }
  return { dir: ckpt.dir, agent, cfg, stats: m.stats, spec: m.spec, actionDim: m.actionDim, step: m.step };
}
