// `lapo dataset info FILE`: what lapo will read from a file, without reading any image: layout, episodes,
// transitions, every key with its shape and dtype and role, action range, reward statistics, terminal and
// time-limit counts, the split, and the memory estimate that decides eager or lazy loading. NaN/Inf in actions,
// rewards and state arrays are counted (state streamed in blocks) and reported, where loading refuses them; in
// lazy mode, how each array would be read (straight from the file, scratch copy, or why no copy).
import { fmtShape } from '../errors.js';
import { FiniteChecks, formatFinite, type FiniteCheck } from './finite-scan.js';
import { FrameGeometry } from './frames.js';
import { LazyFrames } from './frames-lazy.js';
import { H5Reader } from './h5.js';
import { keyPath, reportingNonFinite } from './layout-common.js';
import { robomimicMasks } from './layout-episodic.js';
import { detectLayout, readPlan } from './layout.js';
import { describeLazyStorage } from './lazy-report.js';
import { defaultMaxMemoryMB, estimateBytes, type LoadOptions } from './load.js';
import { asImage, resolveSpec } from './obs-spec.js';
import { checkScratchDir } from './shadow-store.js';
import { assignSplits, robomimicSplit, splitIndices } from './split.js';
import type { LayoutName, ObsSpec } from './types.js';

export interface KeySummary {
  path: string;
  role: string;
  shape: number[];
  dtype: string;
  /** Frame layout of image keys: HWC, CHW (converted to HWC at load), or HW (greyscale, 1 channel). */
  frame?: 'HWC' | 'CHW' | 'HW';
  chunks?: number[] | null;
  compressed?: boolean;
}

export interface DatasetSummary {
  file: string;
  layout: LayoutName;
  episodes: number;
  transitions: number;
  steps: number;
  terminals: number;
  timeLimitEnds: number;
  droppedSteps: number;
  nextObservations: 'stored' | 'next row';
  keys: KeySummary[];
  spec: ObsSpec;
  action: { dim: number; min: number[]; max: number[] };
  reward: { min: number; max: number; mean: number; std: number };
  episodeLength: { min: number; max: number; mean: number };
  split: { trainEpisodes: number; validEpisodes: number; trainTransitions: number; validTransitions: number; by: string };
  masks: Record<string, number> | null;
  memory: { eagerMB: number; budgetMB: number; mode: 'eager' | 'lazy' };
  /** NaN/Inf per action, reward and (chosen) state array; loading refuses a file with any. */
  finite: FiniteCheck[];
  /** Lazy mode only: how each array would be read (as `lapo train` prints at start-up); null when eager. */
  lazy: string | null;
}

export async function datasetInfo(file: string, opts: LoadOptions = {}): Promise<DatasetSummary> {
  if (typeof opts.scratchDir === 'string') checkScratchDir(opts.scratchDir);
  const r = await H5Reader.open(file);
  try {
    const layout = opts.layout ?? detectLayout(r);
    const masks = layout === 'robomimic' ? robomimicMasks(r) : null;
    const rs = layout === 'robomimic' ? robomimicSplit(file, masks, opts.split) : null;
    const finite = new FiniteChecks();
    const plan = reportingNonFinite(finite.sink, () => readPlan(r, layout, rs?.include));
    const resolved = resolveSpec(plan, opts);
    finite.scanStates(r, plan.segments, resolved.states);
    const g = new FrameGeometry(resolved);
    const episodes = assignSplits(plan.episodes, { validFraction: opts.validFraction ?? 0.1, seed: opts.seed ?? 0, validNames: rs?.validNames });

    const roles = new Map<string, string>();
    resolved.views.forEach((v) => roles.set(v.key, 'image'));
    resolved.states.forEach((s) => roles.set(s.key, 'state'));
    const keys: KeySummary[] = [];
    const groups = new Map<string, number>();
    for (const seg of plan.segments) {
      const pattern = seg.base.slice(1).replace(/(episode|demo)_\d+/, '$1_*');
      groups.set(pattern, (groups.get(pattern) ?? 0) + seg.rows);
    }
    for (const [pattern, rows] of groups) {
      const next = /next_/.test(pattern);
      for (const k of plan.obsKeys) {
        const img = asImage(k, true);
        const role = roles.get(k.key) ?? 'ignored';
        keys.push({
          path: keyPath({ base: pattern, single: plan.segments[0].single }, k.key),
          role: next && role !== 'ignored' ? `next ${role}` : role,
          shape: [rows, ...k.rowShape],
          dtype: k.dtype,
          ...(role === 'image' && img ? { frame: img.chw ? ('CHW' as const) : img.greyscale ? ('HW' as const) : ('HWC' as const) } : {}),
          chunks: k.chunks,
          compressed: k.compressed,
        });
      }
    }
    for (const a of plan.arrays) keys.push({ path: a.path, role: a.role, shape: a.shape, dtype: a.dtype });

    const A = plan.actionDim;
    const min = new Array<number>(A).fill(Infinity);
    const max = new Array<number>(A).fill(-Infinity);
    for (let i = 0; i < plan.actions.length; i++) {
      if (!Number.isFinite(plan.actions[i])) continue; // counted in `finite`
      const j = i % A;
      if (plan.actions[i] < min[j]) min[j] = plan.actions[i];
      if (plan.actions[i] > max[j]) max[j] = plan.actions[i];
    }
    const rw = plan.rewards.filter((x) => Number.isFinite(x)); // NaN/Inf are counted in `finite`
    let rmin = Infinity;
    let rmax = -Infinity;
    let s1 = 0;
    for (let i = 0; i < rw.length; i++) {
      rmin = Math.min(rmin, rw[i]);
      rmax = Math.max(rmax, rw[i]);
      s1 += rw[i];
    }
    const mean = rw.length ? s1 / rw.length : 0;
    let s2 = 0;
    for (let i = 0; i < rw.length; i++) s2 += (rw[i] - mean) ** 2;
    const lengths = plan.episodes.map((e) => e.length);
    const budget = (opts.maxMemoryMB ?? defaultMaxMemoryMB()) * 2 ** 20;
    const estimate = estimateBytes(plan, g);
    const train = splitIndices(episodes, 'train').length;
    const valid = splitIndices(episodes, 'valid').length;
    const mode = opts.mode === 'eager' || opts.mode === 'lazy' ? opts.mode : estimate <= budget ? 'eager' : 'lazy';
    let lazy: string | null = null;
    if (mode === 'lazy' && plan.segments.length > 0) {
      // as loading builds it (arrays resolved, scratch copy opened or skipped), then closed again; closes r too
      const lf = new LazyFrames(r, plan, g, { cacheBytes: 0, direct: opts.lazyDirect, scratchDir: opts.scratchDir });
      lazy = describeLazyStorage(lf.storage);
      lf.close();
    }
    return {
      file,
      layout,
      episodes: plan.episodes.length,
      transitions: plan.obsFrame.length,
      steps: plan.counts.rows,
      terminals: plan.counts.terminals,
      timeLimitEnds: plan.counts.timeLimitEnds,
      droppedSteps: plan.counts.dropped,
      nextObservations: plan.nextStored ? 'stored' : 'next row',
      keys,
      spec: resolved.spec,
      action: { dim: A, min, max },
      reward: { min: rmin, max: rmax, mean, std: rw.length ? Math.sqrt(s2 / rw.length) : 0 },
      episodeLength: {
        min: lengths.length ? Math.min(...lengths) : 0,
        max: lengths.length ? Math.max(...lengths) : 0,
        mean: lengths.length ? lengths.reduce((a, b) => a + b, 0) / lengths.length : 0,
      },
      split: {
        trainEpisodes: episodes.filter((e) => e.split === 'train').length,
        validEpisodes: episodes.filter((e) => e.split === 'valid').length,
        trainTransitions: train,
        validTransitions: valid,
        by: rs ? (rs.validNames ? `robomimic masks (${opts.split ?? 'train'})` : `mask ${opts.split ?? 'train'} + valid fraction`) : `valid fraction ${opts.validFraction ?? 0.1}, seed ${opts.seed ?? 0}`,
      },
      masks: masks ? Object.fromEntries([...masks].map(([k, v]) => [k, v.length])) : null,
      memory: {
        eagerMB: estimate / 2 ** 20,
        budgetMB: budget / 2 ** 20,
        mode,
      },
      finite: finite.result(),
      lazy,
    };
  } finally {
    r.close();
  }
}

const num = (x: number) => (Number.isInteger(x) ? String(x) : Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(3) : x.toFixed(4));

/** The human-readable summary printed by `lapo dataset info`. */
export function formatInfo(s: DatasetSummary): string {
  const lines: string[] = [];
  lines.push(`file         ${s.file}`);
  lines.push(`layout       ${s.layout}`);
  lines.push(`episodes     ${s.episodes} (length ${s.episodeLength.min}-${s.episodeLength.max}, mean ${num(s.episodeLength.mean)})`);
  lines.push(`transitions  ${s.transitions} from ${s.steps} steps (${s.droppedSteps} time-limit last steps dropped: next observation unknown)`);
  lines.push(`ends         ${s.terminals} terminal, ${s.timeLimitEnds} time-limit/truncation`);
  lines.push(`next obs     ${s.nextObservations}`);
  lines.push('keys');
  const w = Math.max(...s.keys.map((k) => k.path.length));
  for (const k of s.keys) {
    const extra = [k.frame === 'CHW' ? 'CHW→HWC' : k.frame === 'HW' ? 'greyscale, 1 channel' : '', k.compressed ? 'compressed' : '', k.chunks ? `chunks ${fmtShape(k.chunks)}` : ''].filter(Boolean).join(', ');
    lines.push(`  ${k.path.padEnd(w)}  ${fmtShape(k.shape).padEnd(18)} ${k.dtype.padEnd(8)} ${k.role}${extra ? ` (${extra})` : ''}`);
  }
  const sp = s.spec;
  if (sp.imageKeys.length) lines.push(`images       ${sp.imageKeys.join(', ')} → stacked [${sp.imageSize?.join(',')},${sp.viewChannels.reduce((a, b) => a + b, 0)}] uint8`);
  if (sp.stateKeys.length) lines.push(`state        ${sp.stateKeys.join(', ')} → ${sp.stateDims.reduce((a, b) => a + b, 0)} dims`);
  const lo = Math.min(...s.action.min);
  const hi = Math.max(...s.action.max);
  lines.push(`actions      ${s.action.dim} dims, range [${num(lo)}, ${num(hi)}]`);
  lines.push(`rewards      min ${num(s.reward.min)}  max ${num(s.reward.max)}  mean ${num(s.reward.mean)}  std ${num(s.reward.std)}`);
  const [finite, ...bad] = formatFinite(s.finite);
  lines.push(`finite       ${finite}`, ...bad.map((b) => `  ${b}`));
  lines.push(`split        train ${s.split.trainEpisodes} episodes / ${s.split.trainTransitions} transitions, valid ${s.split.validEpisodes} / ${s.split.validTransitions} (${s.split.by})`);
  if (s.masks) lines.push(`masks        ${Object.entries(s.masks).map(([k, n]) => `${k} (${n})`).join(', ')}`);
  lines.push(`memory       ${num(s.memory.eagerMB)} MiB in memory, budget ${num(s.memory.budgetMB)} MiB → ${s.memory.mode}`);
  if (s.lazy) lines.push(`lazy         ${s.lazy}`);
  return `${lines.join('\n')}\n`;
}
