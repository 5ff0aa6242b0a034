// What a layout reader produces: where every observation frame lives in the file, and every transition as
// (obs frame, action, reward, next frame, not_done) — before any image is read. The transition rules live here,
// once, for every layout:
//   - a stored next observation is used when the file has one;
//   - otherwise the next observation is row t+1 of the same episode (never a row of another episode);
//   - a terminal sets not_done = 0; a time-limit end (timeout, truncation, dataset end) does not;
//   - the last step of an episode whose next observation is unknown is dropped unless it is terminal; a terminal
//     one is kept with next = its own observation (its value is multiplied by not_done = 0 in every target).
import type { LayoutName } from './types.js';
import type { DKind } from './h5.js';

/** A run of observation rows in the file: one group of keys (or one array) and the frames it fills. */
export interface FrameSegment {
  /** Group holding the observation keys, or the single observation array. */
  base: string;
  single: boolean;
  /** Rows [fileStart, fileStart + rows) of every key's array. */
  fileStart: number;
  rows: number;
  /** Index of the segment's first frame in the dataset's frame numbering. */
  frameStart: number;
}

export interface ObsKeyInfo {
  key: string;
  /** Shape of one row (the first axis removed). */
  rowShape: number[];
  kind: DKind;
  dtype: string;
  bytes: number;
  chunks: number[] | null;
  compressed: boolean;
  /** Where the key lives, for messages and `dataset info` (e.g. `episode_N/observations/pixels, N shown as *`). */
  pathPattern: string;
}

export interface PlanEpisode {
  id: number;
  name: string;
  start: number;
  length: number;
  terminal: boolean;
}

export interface DatasetPlan {
  file: string;
  layout: LayoutName;
  obsKeys: ObsKeyInfo[];
  segments: FrameSegment[];
  numFrames: number;
  /** Per transition. */
  obsFrame: Int32Array;
  nextFrame: Int32Array;
  notDone: Uint8Array;
  actions: Float32Array;
  actionDim: number;
  rewards: Float32Array;
  episodes: PlanEpisode[];
  /** Whether next observations come from stored arrays (next_observations / next_obs). */
  nextStored: boolean;
  counts: { rows: number; terminals: number; timeLimitEnds: number; dropped: number };
  /** robomimic `mask/<name>` → demo names, when the file has masks. */
  masks: Map<string, string[]> | null;
  /** Display paths of the non-observation arrays (actions, rewards, flags). */
  arrays: { role: string; path: string; shape: number[]; dtype: string }[];
}

/** One episode as a layout reader sees it. */
export interface RawEpisode {
  id: number;
  name: string;
  /** Steps T (action rows). */
  steps: number;
  /** Frame of the episode's first observation. */
  obsFrame0: number;
  /** Observation rows available (T for D4RL rows, T+1 for Minari and d3rlpy). */
  obsRows: number;
  /** Frame of next_obs row 0 when next observations are stored; null: use obs[t+1]. */
  nextFrame0: number | null;
  /** terminal[t] != 0 marks step t as ending in a true terminal state. */
  terminal: ArrayLike<number>;
  /** Actions [T, actionDim] and rewards [T] of this episode (views are fine). */
  actions: ArrayLike<number>;
  rewards: ArrayLike<number>;
}

/** A typed array that grows by doubling (datasets reach millions of transitions: no JS number[] per value). */
class Grow<T extends Int32Array | Uint8Array | Float32Array> {
  private buf: T;
  length = 0;
  constructor(private readonly make: (n: number) => T) {
    this.buf = make(1024);
  }
  push(v: number): void {
    if (this.length === this.buf.length) {
      const bigger = this.make(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.length++] = v;
  }
  done(): T {
    return this.buf.slice(0, this.length) as T;
  }
}

/** Accumulates transitions episode by episode, applying the rules in the header. */
export class TransitionBuilder {
  private obs = new Grow((n) => new Int32Array(n));
  private next = new Grow((n) => new Int32Array(n));
  private nd = new Grow((n) => new Uint8Array(n));
  private act = new Grow((n) => new Float32Array(n));
  private rew = new Grow((n) => new Float32Array(n));
  readonly episodes: PlanEpisode[] = [];
  terminals = 0;
  timeLimitEnds = 0;
  dropped = 0;

  constructor(readonly actionDim: number) {}

  add(ep: RawEpisode): void {
    const start = this.obs.length;
    const A = this.actionDim;
    for (let t = 0; t < ep.steps; t++) {
      const terminal = Number(ep.terminal[t]) !== 0;
      let next: number;
      if (ep.nextFrame0 !== null) next = ep.nextFrame0 + t;
      else if (t + 1 < ep.obsRows) next = ep.obsFrame0 + t + 1;
      else if (terminal) next = ep.obsFrame0 + t;
      else {
        this.dropped++;
        continue;
      }
      this.obs.push(ep.obsFrame0 + t);
      this.next.push(next);
      this.nd.push(terminal ? 0 : 1);
      for (let j = 0; j < A; j++) this.act.push(ep.actions[t * A + j]);
      this.rew.push(ep.rewards[t]);
      if (terminal) this.terminals++;
    }
    if (ep.steps === 0) return;
    const terminal = Number(ep.terminal[ep.steps - 1]) !== 0;
    if (!terminal) this.timeLimitEnds++;
    const length = this.obs.length - start;
    if (length > 0) this.episodes.push({ id: ep.id, name: ep.name, start, length, terminal });
  }

  get size(): number {
    return this.obs.length;
  }

  finish(): Pick<DatasetPlan, 'obsFrame' | 'nextFrame' | 'notDone' | 'actions' | 'rewards' | 'episodes' | 'actionDim'> {
    return {
      obsFrame: this.obs.done(),
      nextFrame: this.next.done(),
      notDone: this.nd.done(),
      actions: this.act.done(),
      rewards: this.rew.done(),
      episodes: this.episodes,
      actionDim: this.actionDim,
    };
  }
}

/** Sorts names like episode_10, episode_2 by their number (HDF5 lists them in text order). */
export function numericNames(names: string[], prefix: string): { name: string; id: number }[] {
  const re = new RegExp(`^${prefix}(\\d+)$`);
  return names
    .map((name) => ({ name, m: re.exec(name) }))
    .filter((x): x is { name: string; m: RegExpExecArray } => x.m !== null)
    .map((x) => ({ name: x.name, id: Number(x.m[1]) }))
    .sort((a, b) => a.id - b.id);
}
