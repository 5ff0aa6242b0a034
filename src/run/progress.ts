// Training progress on stderr (stdout stays clean): a cli-progress bar on a terminal (step, updates/s, ETA,
// latest losses), plain lines every `intervalS` seconds otherwise (log files, CI), nothing with --quiet.
// Messages (checkpoint saved, resumed, stopped) go through the reporter so they do not tear the bar.
import cliProgress from 'cli-progress';

export type ProgressMode = 'bar' | 'lines' | 'none';

export interface ProgressReporter {
  start(fromStep: number, totalSteps: number): void;
  /** Called after every step with its losses and the recent update rate. */
  update(step: number, losses: Record<string, number>, updatesPerS: number): void;
  message(line: string): void;
  stop(): void;
}

/** The losses shown next to the bar / in each line (short names keep the line under 120 columns). */
const SHOWN: [key: string, label: string][] = [
  ['critic_loss', 'critic'],
  ['vae_loss', 'vae'],
  ['actor_loss', 'actor'],
  ['q_mean', 'q'],
];

export function fmtLoss(v: number | undefined): string {
  if (v === undefined || Number.isNaN(v)) return '-';
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e4 || a < 1e-3) ? v.toExponential(2) : v.toPrecision(4);
}

export function fmtDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

function lossText(losses: Record<string, number>): string {
  return SHOWN.map(([k, label]) => `${label} ${fmtLoss(losses[k])}`).join(' ');
}

/** 'bar' on a terminal, 'lines' otherwise, 'none' when quiet. */
export function pickProgressMode(quiet: boolean, stream: NodeJS.WriteStream = process.stderr): ProgressMode {
  if (quiet) return 'none';
  return stream.isTTY ? 'bar' : 'lines';
}

export function createProgress(
  mode: ProgressMode,
  opts: { stream?: NodeJS.WritableStream; intervalS?: number; now?: () => number } = {},
): ProgressReporter {
  const stream = opts.stream ?? process.stderr;
  if (mode === 'none') return { start() {}, update() {}, message() {}, stop() {} };
  if (mode === 'lines') return new LineProgress(stream, opts.intervalS ?? 30, opts.now ?? (() => performance.now() / 1000));
  return new BarProgress(stream);
}

class LineProgress implements ProgressReporter {
  private total = 0;
  private lastPrint = -Infinity;
  private lastStep = 0;
  private lastLosses: Record<string, number> = {};
  private lastUps = NaN;
  constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly intervalS: number,
    private readonly now: () => number,
  ) {}
  start(fromStep: number, totalSteps: number): void {
    this.total = totalSteps;
    this.lastStep = fromStep;
    this.lastPrint = this.now();
  }
  update(step: number, losses: Record<string, number>, updatesPerS: number): void {
    this.lastStep = step;
    this.lastLosses = losses;
    this.lastUps = updatesPerS;
    const t = this.now();
    if (t - this.lastPrint >= this.intervalS || step === this.total) {
      this.lastPrint = t;
      this.print();
    }
  }
  private print(): void {
    const pct = this.total > 0 ? Math.floor((100 * this.lastStep) / this.total) : 100;
    const eta = (this.total - this.lastStep) / this.lastUps;
    this.stream.write(
      `step ${this.lastStep}/${this.total} (${pct}%) | ${fmtLoss(this.lastUps)} upd/s | ETA ${fmtDuration(eta)} | ${lossText(this.lastLosses)}\n`,
    );
  }
  message(line: string): void {
    this.stream.write(`${line}\n`);
  }
  stop(): void {}
}

class BarProgress implements ProgressReporter {
  private readonly multi: cliProgress.MultiBar;
  private bar: cliProgress.SingleBar | null = null;
  private stopped = false;
  constructor(private readonly stream: NodeJS.WritableStream) {
    this.multi = new cliProgress.MultiBar(
      {
        stream,
        format: 'step {value}/{total} [{bar}] {percentage}% | {ups} upd/s | ETA {eta_formatted} | {losses}',
        barsize: 24,
        hideCursor: true,
        clearOnComplete: false,
        etaBuffer: 200,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
  }
  start(fromStep: number, totalSteps: number): void {
    this.bar = this.multi.create(totalSteps, fromStep, { ups: '-', losses: '' });
  }
  update(step: number, losses: Record<string, number>, updatesPerS: number): void {
    this.bar?.update(step, { ups: fmtLoss(updatesPerS), losses: lossText(losses) });
  }
  message(line: string): void {
    if (!this.bar || this.stopped) {
      this.stream.write(`${line}\n`);
      return;
    }
    // printed above the bar right away (update() redraws and restarts its own timer)
    this.multi.log(`${line}\n`);
    this.multi.update();
  }
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.multi.stop();
  }
}
