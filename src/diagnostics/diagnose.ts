// `lapo diagnose-gradients`: builds the model exactly as `lapo train` does (or restores a checkpoint), draws one
// real training batch (the trainer's sampler and augmentation), takes one LAPO iteration apart on that batch and
// reports where every gradient went (checks.ts). All steps are taken on in-memory copies: the checkpoint and the
// dataset are only read.
import { LapoAgent, type StepNoise } from '../algo/agent.js';
import { type AnyEncoderGrad, type EncoderGrad, type LapoConfig } from '../config/schema.js';
import { lapoEncoderGrad, resolveConfig, type ResolvedConfig } from '../config/resolve.js';
import { randomShift } from '../data/augment.js';
import { loadDataset } from '../data/load.js';
import { totalChannels, type HostBatch, type ObsSpec, type TransitionDataset } from '../data/types.js';
import { LapoError } from '../errors.js';
import { restoreAgent } from '../run/checkpoint.js';
import { loadOptions, trainerRngs } from '../run/session.js';
import { ownershipChecks, reachChecks, softUpdateChecks, stepChecks, survivalCheck, variableNames } from './checks.js';
import { probeIteration } from './probe.js';
import { buildReport, type Check, type DiagnosisReport } from './report.js';
import { hostVars, restoreState, saveState } from './state.js';

export interface DiagnoseOptions {
  /** A fresh model from this config (what `lapo train` would start from). Exactly one of config / checkpoint. */
  config?: LapoConfig;
  /** A checkpoint folder, or a run folder (its newest checkpoint). */
  checkpoint?: string;
  /** With a checkpoint: draw the batch from this file instead of the run's dataset. */
  dataset?: string;
  /** With a checkpoint: must equal the mode it was trained with (its optimizer state belongs to that mode). */
  encoderGrad?: AnyEncoderGrad;
  batchSize?: number;
  /** With a checkpoint: lazy mode's scratch directory on this machine (default: the OS temp directory; the run's
   * own scratchDir is not used: it names a directory of the machine that trained). */
  scratchDir?: string;
  /** Split the batch is drawn from (default train, as in training). */
  batchFrom?: 'train' | 'valid';
  /** Backend name for the report header. */
  backend: string;
}

interface Subject {
  agent: LapoAgent;
  cfg: ResolvedConfig & { encoderGrad: EncoderGrad };
  dataset: TransitionDataset;
  checkpoint: string | null;
  step: number | null;
}

function sameSpec(a: ObsSpec, b: ObsSpec): boolean {
  const key = (s: ObsSpec) => JSON.stringify([s.imageKeys, s.viewChannels, s.imageSize, s.stateKeys, s.stateDims]);
  return key(a) === key(b);
}

/** diagnose-gradients takes LAPO's groups apart; a run of another algorithm is refused with one line. */
function refuseOtherAlgo(where: string, algo: string): LapoError {
  return new LapoError(
    'usage',
    `${where}: algo: expected lapo (diagnose-gradients checks LAPO's critic, actorVae and actor groups), found ${algo}; a bc run has one group, whose action loss trains the encoder (see enc_grad_norm_actor in its metrics.csv)`,
  );
}

async function fromCheckpoint(o: DiagnoseOptions, path: string): Promise<Subject> {
  const r = restoreAgent(path);
  try {
    if (!(r.agent instanceof LapoAgent)) throw refuseOtherAlgo(r.dir, r.config.algo);
    const mode = lapoEncoderGrad(r.config);
    if (o.encoderGrad !== undefined && o.encoderGrad !== mode) {
      throw new LapoError(
        'usage',
        `--encoder-grad ${o.encoderGrad}: ${r.dir} was trained with --encoder-grad ${mode}, whose optimizer state does not fit another mode; omit the flag (or diagnose a fresh model with --dataset)`,
      );
    }
    const file = o.dataset ?? r.config.dataset;
    const dataset = await loadDataset(file, { ...loadOptions(r.config), scratchDir: o.scratchDir });
    if (!sameSpec(dataset.spec, r.spec) || dataset.actionDim !== r.actionDim) {
      dataset.close();
      const show = (s: ObsSpec, a: number) => `images ${JSON.stringify(s.imageKeys)} ${JSON.stringify(s.imageSize)}, state ${JSON.stringify(s.stateKeys)}, ${a} action dims`;
      throw new LapoError('data', `${file}: observations: expected what ${r.dir} was trained on (${show(r.spec, r.actionDim)}), found ${show(dataset.spec, dataset.actionDim)}`);
    }
    return { agent: r.agent, cfg: { ...r.config, encoderGrad: mode }, dataset, checkpoint: r.dir, step: r.step };
  } catch (e) {
    r.agent.dispose();
    throw e;
  }
}

async function fromConfig(cfg: LapoConfig): Promise<Subject> {
  if (cfg.algo !== 'lapo') throw refuseOtherAlgo('--algo', cfg.algo);
  const dataset = await loadDataset(cfg.dataset, loadOptions(cfg));
  try {
    const resolved = resolveConfig(cfg, { hasImages: dataset.spec.imageSize !== null, actionDim: dataset.actionDim });
    const { spec, actionDim, stats } = dataset;
    // As the trainer's session builds it: same dims, same config, same seed, hence the same initial weights.
    const agent = LapoAgent.create({ spec, actionDim, minV: stats.minV, maxV: stats.maxV }, resolved, resolved.seed);
    return { agent, cfg: { ...resolved, encoderGrad: lapoEncoderGrad(resolved) }, dataset, checkpoint: null, step: null };
  } catch (e) {
    dataset.close();
    throw e;
  }
}

/** One batch as the trainer draws it: its seeded sampler, then the DrQ shift when --augment shift. */
function drawBatch(s: Subject, size: number, from: 'train' | 'valid'): HostBatch {
  if (s.dataset.indices(from).length === 0) {
    throw new LapoError('data', `${s.dataset.file}: the ${from} split has no transitions (validFraction ${s.cfg.validFraction}); use --batch-from train`);
  }
  const { sampler, augment } = trainerRngs(s.cfg.seed);
  const batch = s.dataset.sample(from, size, sampler);
  const img = s.dataset.spec.imageSize;
  if (s.cfg.augment !== 'shift' || !img || s.cfg.augmentPad === 0 || !batch.image || !batch.nextImage) return batch;
  const [h, w] = img;
  const c = totalChannels(s.dataset.spec);
  return {
    ...batch,
    image: randomShift(batch.image, batch.size, h, w, c, s.cfg.augmentPad, augment),
    nextImage: randomShift(batch.nextImage, batch.size, h, w, c, s.cfg.augmentPad, augment),
  };
}

/**
 * Every check on one agent, batch and noise draw. The agent ends as it started (its state is restored after each
 * experiment); exported so that tests can diagnose deliberately broken agents.
 */
export function diagnoseAgent(agent: LapoAgent, cfg: { encoderGrad: EncoderGrad; tau: number }, batch: HostBatch, noise: StepNoise): Check[] {
  const mode = cfg.encoderGrad;
  const start = saveState(agent);
  const names = variableNames(agent);
  const probe = probeIteration(agent, batch, noise);
  // The real training step from the same start, batch and noise: what the survival check compares against.
  restoreState(agent, start);
  agent.step(batch, { noise });
  const realAfter = hostVars(agent);
  restoreState(agent, start);
  return [
    ...ownershipChecks(agent, mode, names, start.vars),
    ...reachChecks(agent, mode, probe),
    ...stepChecks(mode, names, probe),
    ...softUpdateChecks(mode, names, probe, cfg.tau),
    survivalCheck(agent, mode, names, probe, realAfter),
  ];
}

export async function diagnoseGradients(o: DiagnoseOptions): Promise<DiagnosisReport> {
  if ((o.config === undefined) === (o.checkpoint === undefined)) {
    throw new LapoError('usage', 'diagnose-gradients: expected --dataset (a fresh model) or --checkpoint, found neither or both');
  }
  const s = o.checkpoint !== undefined ? await fromCheckpoint(o, o.checkpoint) : await fromConfig(o.config!);
  try {
    const mode = s.cfg.encoderGrad;
    const batchSize = o.batchSize ?? s.cfg.batchSize;
    const batch = drawBatch(s, batchSize, o.batchFrom ?? 'train');
    const checks = diagnoseAgent(s.agent, s.cfg, batch, s.agent.drawNoise(batch.size));
    return buildReport(
      { dataset: s.dataset.file, checkpoint: s.checkpoint, step: s.step, encoderGrad: mode, batchSize: batch.size, backend: o.backend },
      checks,
    );
  } finally {
    s.agent.dispose();
    s.dataset.close();
  }
}
