// `lapo eval`: restore a checkpoint, score it offline on held-out data and online in the built-in task, print a
// table (or JSON), write eval.json into the checkpoint folder (or --out), and optionally a PNG strip of one
// episode.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadDataset } from '../data/load.js';
import type { ObsSpec, Split } from '../data/types.js';
import { LapoError, isLapoError } from '../errors.js';
import { parseTaskId, type TaskSpec } from '../env/tasks.js';
import { writeJsonAtomic } from '../run/atomic.js';
import { loadOptions } from '../run/session.js';
import { agentPolicy, checkTaskCompatible } from './agent-policy.js';
import { writeStrip } from './frames-png.js';
import { evaluateOffline } from './offline.js';
import { evaluateOnline } from './online.js';
import { formatTable, offlineSection, onlineSection, type EvalReport } from './report.js';
import { restoreAgent, type RestoredAgent } from '../run/checkpoint.js';
import type { McTail } from './returns.js';
import { taskOfDataset } from './task-of.js';

export interface EvalCommandOptions {
  checkpoint: string;
  /** Another dataset to score on (default: the run's own, validation split). */
  dataset?: string;
  split?: Split;
  task?: string;
  episodes: number;
  seed: number;
  frames?: string;
  mcTail: McTail;
  offline: boolean;
  online: boolean;
  batchSize?: number;
  /** Lazy mode's scratch directory on this machine (default: the OS temp directory, not the run's scratchDir). */
  scratchDir?: string;
  /** Where eval.json goes (default: into the checkpoint folder). */
  out?: string;
  backend: string | null;
}

export interface EvalResult {
  report: EvalReport;
  table: string;
  /** Where eval.json was to be written. */
  file: string;
  /** Why eval.json could not be written (a read-only checkpoint, a full disk), or null when it was. */
  writeError: LapoError | null;
}

function describe(spec: ObsSpec, actionDim: number): string {
  const views = spec.imageKeys.map((k, i) => `${k} ${spec.imageSize?.join('×')}×${spec.viewChannels[i]}`);
  const states = spec.stateKeys.map((k, i) => `${k} [${spec.stateDims[i]}]`);
  return `${[...views, ...states].join(', ')}, actions [${actionDim}]`;
}

function sameShape(a: ObsSpec, b: ObsSpec): boolean {
  return (
    JSON.stringify([a.viewChannels, a.imageSize, a.stateDims]) === JSON.stringify([b.viewChannels, b.imageSize, b.stateDims])
  );
}

type Restored = RestoredAgent;

/** Offline scores; null (with a reason in `skipped`) when there is nothing to score. */
async function offlinePart(ck: Restored, o: EvalCommandOptions, dataFile: string, skipped: string[]): Promise<EvalReport['offline']> {
  if (!existsSync(dataFile)) {
    skipped.push(`offline: the run's dataset ${dataFile} is not there (pass --dataset FILE)`);
    return null;
  }
  const ds = await loadDataset(dataFile, { ...loadOptions(ck.config), scratchDir: o.scratchDir });
  try {
    if (!sameShape(ds.spec, ck.spec) || ds.actionDim !== ck.actionDim) {
      throw new LapoError(
        'checkpoint',
        `${ck.dir}: trained on ${describe(ck.spec, ck.actionDim)}; ${dataFile} gives ${describe(ds.spec, ds.actionDim)} (a checkpoint from another dataset?)`,
      );
    }
    const split: Split = o.split ?? (o.dataset ? 'all' : 'valid');
    if (ds.indices(split).length === 0) {
      skipped.push(`offline: the ${split} split of ${dataFile} is empty (validFraction ${ck.config.validFraction}; try --split all)`);
      return null;
    }
    const off = evaluateOffline(ds, ck.agent, {
      split,
      mcTail: o.mcTail,
      discount: ck.config.discount,
      doubleqMin: ck.config.doubleqMin,
      stats: ck.stats,
      batchSize: o.batchSize,
    });
    return offlineSection(off, ck.stats.rewardScale);
  } finally {
    ds.close();
  }
}

/** Online episodes (and the frame strip); null when no task is known. */
async function onlinePart(ck: Restored, o: EvalCommandOptions, dataFile: string, report: EvalReport): Promise<void> {
  const recorded = existsSync(dataFile) ? await taskOfDataset(dataFile) : null;
  const task: TaskSpec | null = o.task ? parseTaskId(o.task) : (recorded?.task ?? null);
  if (!task) {
    report.skipped.push(`online: no task given (--task) and none recorded in ${dataFile}`);
    return;
  }
  const size = checkTaskCompatible(task, ck.spec, ck.actionDim, ck.dir);
  // Render at the dataset's own frame size when the run resized its frames (--image-size).
  const renderSize = (size && recorded?.task.id === task.id && recorded.imageSize) || size || 64;
  const on = evaluateOnline(task, agentPolicy(ck.agent, ck.spec, ck.stats, ck.actionDim), {
    episodes: o.episodes,
    seed: o.seed,
    imageSize: size || 64,
    renderSize,
    recordEpisode: o.frames ? 0 : undefined,
  });
  report.online = onlineSection(on);
  if (o.frames && on.frames) {
    await writeStrip(o.frames, on.frames, renderSize);
    report.frames = o.frames;
  }
}

/**
 * Scores the checkpoint and writes eval.json. A failure to write is returned, not thrown, so that the scores
 * (minutes of work) still reach the caller, which prints them before reporting it.
 */
export async function runEval(o: EvalCommandOptions): Promise<EvalResult> {
  if (o.dataset && !existsSync(o.dataset)) throw new LapoError('usage', `--dataset: ${o.dataset}: no such file`);
  const ck = restoreAgent(o.checkpoint, { optimizer: false });
  try {
    const dataFile = o.dataset ?? ck.config.dataset;
    const report: EvalReport = {
      format: 'lapo-eval',
      version: 1,
      createdAt: new Date().toISOString(),
      checkpoint: ck.dir,
      step: ck.step,
      backend: o.backend,
      offline: null,
      online: null,
      skipped: [],
      frames: null,
    };
    if (o.offline) report.offline = await offlinePart(ck, o, dataFile, report.skipped);
    if (o.online) await onlinePart(ck, o, dataFile, report);
    if (o.frames && !report.frames) report.skipped.push(`frames: ${o.frames} not written (no online evaluation)`);
    const file = o.out ?? join(ck.dir, 'eval.json');
    let writeError: LapoError | null = null;
    try {
      await writeJsonAtomic(file, report);
    } catch (e) {
      if (!isLapoError(e)) throw e;
      writeError = e;
    }
    return { report, table: formatTable(report), file, writeError };
  } finally {
    ck.agent.dispose();
  }
}
