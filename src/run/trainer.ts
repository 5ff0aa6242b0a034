// The training loop: sample a batch (seeded), augment images, one LAPO iteration, log, checkpoint, repeat.
//   step s (1-based) = s completed iterations. metrics.csv gets a row when s % logEvery == 0 and at the last
//   step; those steps also measure the encoder-gradient / parameter-change columns. Checkpoints when
//   s % saveEvery == 0, when saveEveryMinutes have passed since the last one, at the last step, and when stopped
//   by Ctrl-C. eval.csv (with an evaluator) when
//   s % evalEvery == 0 and at the last step.
//   Resume: the checkpoint holds the weights, optimizer moments, the agent's noise RNG and the sampler and
//   augmentation RNGs, so N steps + resume + N steps replays the exact same batches and noise as 2N straight
//   (same weights bit-for-bit, same metrics.csv rows except wall_s and updates_per_s).
//   Divergence: a non-finite loss stops the run (status failed) naming the column and step, before any
//   checkpoint of the diverged weights is written; saveCheckpoint also refuses non-finite weights.
import { tf } from '../backend/tf.js';
import type { LapoConfig } from '../config/schema.js';
import type { TrainableAgent } from '../algo/agent-types.js';
import { ALGORITHMS } from '../algo/algorithm.js';
import { randomShift } from '../data/augment.js';
import { LoadedDataset } from '../data/dataset.js';
import { describeLazyStorage } from '../data/lazy-report.js';
import type { HostBatch, TransitionDataset } from '../data/types.js';
import { totalChannels } from '../data/types.js';
import type { BackendInfo } from '../backend/init.js';
import { LapoError, isLapoError } from '../errors.js';
import { osError, rethrowOsError } from '../util/os-error.js';
import type { Rng } from '../util/rng.js';
import { writeFileAtomicSync } from './atomic.js';
import { checkpointDirName, pruneCheckpoints, saveCheckpoint, NonFiniteWeightError } from './checkpoint.js';
import { firstNonFinite } from './columns.js';
import { StopRequest, yieldToEventLoop } from './interrupt.js';
import { createProgress, pickProgressMode, type ProgressMode, type ProgressReporter } from './progress.js';
import { runPaths, writeMeta, type RunStatus } from './run-folder.js';
import { newSession, resumePath, resumeSession, type Session } from './session.js';
import { join } from 'node:path';

/** Evaluation during training (e.g. online episodes in the built-in task); its row goes to eval.csv. */
export interface TrainEvaluator {
  /** Columns after step, episodes, return_mean, return_std, seed. */
  columns: readonly string[];
  evaluate(agent: TrainableAgent, step: number, dataset: TransitionDataset, episodes: number): Promise<Record<string, number>>;
}

export interface TrainOptions {
  /** Folder holding run folders (default 'runs'). */
  runsDir?: string;
  /** Continue this run (runs/<name>) or checkpoint (runs/<name>/checkpoints/step_<N>); `cfg` holds overrides. */
  resume?: string;
  /** Names the source of resume overrides in errors (a --config file, or 'command line'). */
  resumeSource?: string;
  /** Recorded in meta.json (what startBackend() returned). */
  backend?: BackendInfo | null;
  quiet?: boolean;
  /** Overrides the TTY-based choice of bar / lines / none. */
  progress?: ProgressMode;
  progressStream?: NodeJS.WriteStream;
  /** Keep only the K newest checkpoints (default: all; a resumed run keeps its own setting unless given). */
  keepCheckpoints?: number;
  /** Fail when the tensor count grows between log steps. */
  checkLeaks?: boolean;
  /** The command line, for meta.json. */
  argv?: string[];
  /** First part of the default run name (a task id); default: the dataset file's stem. */
  runNameStem?: string;
  /** Handle SIGINT/SIGTERM/SIGHUP (default true). */
  handleSignals?: boolean;
  /** Programmatic stop: behaves like Ctrl-C. */
  signal?: AbortSignal;
  evaluator?: TrainEvaluator;
  /** Called with every metrics.csv row. */
  onLog?: (row: Readonly<Record<string, number>>) => void;
  /** Seconds on a monotonic clock, for the time-based checkpoint (default: performance.now; tests pass their own). */
  clock?: () => number;
}

export interface TrainResult {
  runDir: string;
  status: RunStatus;
  step: number;
  /** The last checkpoint written. */
  checkpointDir: string;
  /** The last metrics.csv row. */
  lastRow: Readonly<Record<string, number>> | null;
}

export async function train(cfg: LapoConfig | Partial<LapoConfig>, opts: TrainOptions = {}): Promise<TrainResult> {
  const sessionOpts = {
    runsDir: opts.runsDir ?? 'runs',
    resume: opts.resume,
    resumeSource: opts.resumeSource,
    backend: opts.backend ?? null,
    argv: opts.argv ?? [],
    runNameStem: opts.runNameStem,
    evalColumns: opts.evaluator ? opts.evaluator.columns : null,
    gradsCsv: true,
    keepCheckpoints: opts.keepCheckpoints,
  };
  const s = opts.resume
    ? await resumeSession(cfg as Partial<LapoConfig>, { ...sessionOpts, resume: resumePath(opts.resume, sessionOpts.runsDir) })
    : await newSession(cfg as LapoConfig, sessionOpts);
  const stream = opts.progressStream ?? process.stderr;
  const progress = createProgress(opts.progress ?? pickProgressMode(Boolean(opts.quiet), stream), { stream });
  const loop = new TrainLoop(s, opts, progress);
  try {
    return await loop.run();
  } finally {
    progress.stop();
    s.agent.dispose();
    s.dataset.close();
    s.lock.release();
  }
}

class TrainLoop {
  private step: number;
  private lastSaved: number;
  private lastRow: Record<string, number> | null = null;
  private readonly startedAt = performance.now() / 1000;
  /** Seconds spent inside steps since the last log row, and steps done: updates_per_s excludes saves/evals. */
  private busy = 0;
  private busySteps = 0;
  private ema = NaN;
  private tensorBaseline: number | null = null;
  private readonly clock: () => number;
  /** Clock reading at the last checkpoint (or the start): --save-every-minutes counts from here. */
  private lastSaveAt: number;

  constructor(
    private readonly s: Session,
    private readonly opts: TrainOptions,
    private readonly progress: ProgressReporter,
  ) {
    this.step = s.startStep;
    this.lastSaved = s.startStep;
    this.clock = opts.clock ?? (() => performance.now() / 1000);
    this.lastSaveAt = this.clock();
  }

  /** A checkpoint is due by time: --save-every-minutes have passed since the last one. */
  private saveDueByTime(): boolean {
    const minutes = this.s.cfg.saveEveryMinutes;
    return minutes > 0 && this.clock() - this.lastSaveAt >= minutes * 60;
  }

  private wall(): number {
    return this.s.wallBase + performance.now() / 1000 - this.startedAt;
  }

  private ckptDir(step: number): string {
    return join(runPaths(this.s.runDir).checkpoints, checkpointDirName(step));
  }

  async run(): Promise<TrainResult> {
    const { s, progress } = this;
    const stop = new StopRequest({
      signals: this.opts.handleSignals ?? true,
      abort: this.opts.signal,
      // A request is seen between steps or while the current step saves/evaluates, and this.step already
      // counts that step: it is the step the run stops at.
      onFirst: (why) =>
        progress.message(`lapo: ${why === 'abort' ? 'stop requested' : why}: stopping at step ${this.step}, then saving a checkpoint (press Ctrl-C again to quit without saving)`),
      onSecond: () => this.quitNow(),
    });
    for (const line of s.notices) progress.message(line);
    if (s.startStep > 0) progress.message(`lapo: resuming ${s.runDir} from step ${s.startStep}`);
    const lazy = s.dataset instanceof LoadedDataset ? s.dataset.lazyStorage : null;
    if (lazy) progress.message(`lapo: lazy mode: ${describeLazyStorage(lazy)}`);
    progress.start(s.startStep, s.cfg.steps);
    try {
      while (this.step < s.cfg.steps && !stop.requested) {
        await this.oneStep();
        await yieldToEventLoop();
      }
      // A stop that comes during the last step's save ends a finished run: it completes as usual.
      if (stop.requested && this.step < s.cfg.steps) {
        if (this.lastSaved !== this.step) await this.save();
        const dir = this.ckptDir(this.step);
        const msg = `interrupted at step ${this.step}; saved ${dir}; continue with: lapo train --resume ${s.runDir}`;
        await this.finish('interrupted', msg);
        progress.stop();
        throw new LapoError('interrupted', msg);
      }
      if (this.lastSaved !== this.step) await this.save();
      await this.finish('completed', null);
      progress.stop();
      progress.message(`lapo: run completed at step ${this.step}: ${s.runDir}`);
      return { runDir: s.runDir, status: 'completed', step: this.step, checkpointDir: this.ckptDir(this.step), lastRow: this.lastRow };
    } catch (e) {
      const err = isLapoError(e) ? e : (osError(e, 'training') ?? e);
      if (s.meta.status === 'running') await this.recordFailure(isLapoError(err) ? err.message : `internal error: ${(err as Error)?.message}`);
      throw err;
    } finally {
      stop.dispose();
    }
  }

  private async oneStep(): Promise<void> {
    const { s } = this;
    const cfg = s.cfg;
    const t0 = performance.now();
    const batch = this.augment(s.dataset.sample('train', cfg.batchSize, s.samplerRng));
    const next = this.step + 1;
    const last = next === cfg.steps;
    const logNow = next % cfg.logEvery === 0 || last;
    const { metrics: m, gradNorms } = s.agent.train(batch, { measure: logNow, gradNorms: logNow && s.gradsLog !== null });
    this.step = next;
    const dt = (performance.now() - t0) / 1000;
    this.busy += dt;
    this.busySteps += 1;
    this.ema = Number.isNaN(this.ema) ? 1 / dt : 0.95 * this.ema + 0.05 * (1 / dt);
    const bad = firstNonFinite(m, ALGORITHMS[cfg.algo]);
    if (logNow || bad) this.log(m);
    if (gradNorms) s.gradsLog!.append(gradNorms.map((g) => ({ step: next, group: g.group, param: g.param, norm: g.norm })));
    if (bad) {
      const keep = this.lastSaved > 0 ? `kept the last good checkpoint ${this.ckptDir(this.lastSaved)}` : 'no checkpoint was written yet';
      throw new LapoError(
        'runtime',
        `non-finite ${bad.column} (${bad.value}) at step ${this.step}; stopped, ${keep}`,
        'lower the learning rates (--critic-lr, --vae-lr, --actor-lr) or check the dataset for extreme values',
      );
    }
    if (this.opts.checkLeaks && logNow) this.checkLeaks();
    if (s.evalLog && this.opts.evaluator && (next % cfg.evalEvery === 0 || last)) await this.evaluate();
    if ((cfg.saveEvery > 0 && next % cfg.saveEvery === 0) || last || this.saveDueByTime()) await this.save();
    this.progress.update(this.step, m, this.ema);
  }

  /** DrQ-style random shift of the image and next image (independent draws), when --augment shift. */
  private augment(batch: HostBatch): HostBatch {
    const { cfg, dataset } = this.s;
    const size = dataset.spec.imageSize;
    if (cfg.augment !== 'shift' || !size || cfg.augmentPad === 0 || !batch.image || !batch.nextImage) return batch;
    const [h, w] = size;
    const c = totalChannels(dataset.spec);
    const rng: Rng = this.s.augmentRng;
    return {
      ...batch,
      image: randomShift(batch.image, batch.size, h, w, c, cfg.augmentPad, rng),
      nextImage: randomShift(batch.nextImage, batch.size, h, w, c, cfg.augmentPad, rng),
    };
  }

  private log(m: Readonly<Record<string, number>>): void {
    const ups = this.busySteps / this.busy;
    const row: Record<string, number> = { step: this.step, wall_s: this.wall(), updates_per_s: ups, ...m };
    this.s.metrics.append(row);
    this.lastRow = row;
    this.busy = 0;
    this.busySteps = 0;
    this.opts.onLog?.(row);
  }

  private checkLeaks(): void {
    const n = tf.memory().numTensors;
    if (this.tensorBaseline === null) {
      this.tensorBaseline = n;
      return;
    }
    if (n > this.tensorBaseline) {
      throw new LapoError('runtime', `--check-leaks: tensor count grew from ${this.tensorBaseline} to ${n} by step ${this.step}`);
    }
  }

  private async evaluate(): Promise<void> {
    const { s } = this;
    const res = await this.opts.evaluator!.evaluate(s.agent, this.step, s.dataset, s.cfg.evalEpisodes);
    s.evalLog!.append({ ...res, step: this.step });
  }

  private async save(): Promise<void> {
    const { s } = this;
    const dir = this.ckptDir(this.step);
    try {
      await saveCheckpoint(dir, s.agent, {
        step: this.step,
        config: { ...s.cfg },
        spec: s.dataset.spec,
        actionDim: s.dataset.actionDim,
        stats: s.dataset.stats,
        samplerRng: s.samplerRng.getState(),
        augmentRng: s.augmentRng.getState(),
        wallSeconds: this.wall(),
      });
    } catch (e) {
      if (e instanceof NonFiniteWeightError) {
        const keep = this.lastSaved > 0 ? `kept the last good checkpoint ${this.ckptDir(this.lastSaved)}` : 'no checkpoint was written';
        throw new LapoError('runtime', `${e.message}; stopped, ${keep}`);
      }
      rethrowOsError(e, 'writing the checkpoint', dir);
    }
    this.lastSaved = this.step;
    this.lastSaveAt = this.clock();
    s.meta.checkpointStep = this.step;
    await writeMeta(s.runDir, s.meta);
    await pruneCheckpoints(s.runDir, s.meta.options.keepCheckpoints);
  }

  /**
   * Marks the run failed. When even that cannot be written (the disk is full), says so and keeps the original
   * error: the next start finds meta.json at "running" with no owner and reports the status as stale.
   */
  private async recordFailure(message: string): Promise<void> {
    try {
      await this.finish('failed', message);
    } catch (e) {
      const why = isLapoError(e) ? e.message : `${runPaths(this.s.runDir).meta}: ${(e as Error)?.message}`;
      process.stderr.write(`lapo: ${why}; could not record status failed, so meta.json still says running\n`);
    }
  }

  private async finish(status: RunStatus, message: string | null): Promise<void> {
    this.s.meta.status = status;
    this.s.meta.message = message;
    await writeMeta(this.s.runDir, this.s.meta);
  }

  /** Second Ctrl-C: record "interrupted" synchronously and leave (the last checkpoint is complete on disk). */
  private quitNow(): never {
    const { s } = this;
    s.meta.status = 'interrupted';
    s.meta.message = `interrupted at step ${this.step} without saving; the last checkpoint is step ${this.lastSaved}`;
    s.meta.updatedAt = new Date().toISOString();
    try {
      writeFileAtomicSync(runPaths(s.runDir).meta, `${JSON.stringify(s.meta, null, 2)}\n`);
    } catch {
      /* exiting anyway */
    }
    this.progress.stop();
    process.stderr.write(`lapo: ${s.meta.message}\n`);
    process.exit(130);
  }
}
