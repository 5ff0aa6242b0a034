// Layouts with one HDF5 group per episode. Groups are ordered by their number (HDF5 lists names as text, so
// episode_10 would come before episode_2).
//   minari    — episode_N/{observations (T+1 rows; array or dict group), actions, rewards, terminations, truncations}
//               (T rows). Step t goes from observation t to observation t+1, so no step is dropped.
//   robomimic — data/demo_N/{obs/<key>, next_obs/<key>, actions, rewards, dones} (T rows), mask/<split> listing demo
//               names. The stored next_obs is used; without it, obs t+1 (and the last step is dropped unless done).
import type { H5Reader } from './h5.js';
import { collectObsKeys, readActions, readFlags, readRewards, requireKey } from './layout-common.js';
import { dataErrors } from './messages.js';
import type { DatasetPlan, FrameSegment, RawEpisode } from './plan.js';
import { TransitionBuilder, numericNames } from './plan.js';

interface EpisodeGroup {
  name: string;
  id: number;
  path: string;
}

export function minariEpisodes(r: H5Reader): EpisodeGroup[] {
  return numericNames(r.keys('/'), 'episode_')
    .filter((e) => r.isGroup(e.name))
    .map((e) => ({ ...e, path: `/${e.name}` }));
}

export function robomimicDemos(r: H5Reader): EpisodeGroup[] {
  requireKey(r, 'data', 'a data group with demo_N groups');
  return numericNames(r.keys('/data'), 'demo_')
    .filter((e) => r.isGroup(`data/${e.name}`))
    .map((e) => ({ ...e, path: `/data/${e.name}` }));
}

/** robomimic mask/<name> → demo names (byte strings in the file). */
export function robomimicMasks(r: H5Reader): Map<string, string[]> | null {
  if (!r.has('mask') || !r.isGroup('mask')) return null;
  const masks = new Map<string, string[]>();
  for (const name of r.keys('mask')) {
    if (r.isDataset(`mask/${name}`)) masks.set(name, r.readStrings(`mask/${name}`).map((s) => s.replace(/\0+$/, '')));
  }
  return masks;
}

export function readEpisodicPlan(r: H5Reader, layout: 'minari' | 'robomimic', include?: Set<string>): DatasetPlan {
  const all = layout === 'minari' ? minariEpisodes(r) : robomimicDemos(r);
  if (all.length === 0) {
    const where = layout === 'minari' ? '/' : 'data';
    throw dataErrors.key(r.file, where, layout === 'minari' ? 'episode_N groups' : 'demo_N groups', `keys ${r.keys(where).join(', ') || '(none)'}`);
  }
  const groups = include ? all.filter((g) => include.has(g.name)) : all;
  const segments: FrameSegment[] = [];
  const episodes: { g: EpisodeGroup; T: number; actions: Float32Array; rewards: Float64Array; terminal: Uint8Array; obsSeg: number; nextSeg: number | null }[] = [];
  let A = -1;
  let frames = 0;
  let rows = 0;
  for (const g of groups) {
    const act = readActions(r, `${g.path}/actions`, null);
    if (A >= 0 && act.dim !== A) throw dataErrors.shape(r.file, `${g.path.slice(1)}/actions`, `[T,${A}] like the first episode`, [act.rows, act.dim], 'float');
    A = act.dim;
    const T = act.rows;
    const ref = `${g.path.slice(1)}/actions`;
    const rewards = readRewards(r, `${g.path}/rewards`, T, ref);
    const terminal = layout === 'minari'
      ? (readFlags(r, `${g.path}/terminations`, T, ref) as Uint8Array)
      : (readFlags(r, `${g.path}/dones`, T, ref) as Uint8Array);
    if (layout === 'minari') readFlags(r, `${g.path}/truncations`, T, ref, true);
    const obsBase = layout === 'minari' ? `${g.path}/observations` : `${g.path}/obs`;
    requireKey(r, obsBase, 'observations');
    const obsRows = layout === 'minari' ? T + 1 : T;
    segments.push({ base: obsBase, single: r.isDataset(obsBase), fileStart: 0, rows: obsRows, frameStart: frames });
    const obsSeg = segments.length - 1;
    frames += obsRows;
    let nextSeg: number | null = null;
    if (layout === 'robomimic' && r.has(`${g.path}/next_obs`)) {
      segments.push({ base: `${g.path}/next_obs`, single: false, fileStart: 0, rows: T, frameStart: frames });
      nextSeg = segments.length - 1;
      frames += T;
    }
    episodes.push({ g, T, actions: act.data, rewards, terminal, obsSeg, nextSeg });
    rows += T;
  }
  const pattern = (b: string) => b.slice(1).replace(/(episode|demo)_\d+/, '$1_*');
  const obsKeys = collectObsKeys(r, segments, pattern, (seg) =>
    layout === 'minari' ? `${seg.base.slice(1).replace('/observations', '')}: actions rows + 1` : `${seg.base.slice(1).replace(/\/(next_)?obs$/, '')}/actions`,
  );
  if (episodes.length > 0 && episodes.some((e) => (e.nextSeg === null) !== (episodes[0].nextSeg === null))) {
    const odd = episodes.find((e) => (e.nextSeg === null) !== (episodes[0].nextSeg === null)) as (typeof episodes)[number];
    throw dataErrors.key(r.file, `${odd.g.path.slice(1)}/next_obs`, episodes[0].nextSeg === null ? 'absent as in the first demo' : 'present as in the first demo', odd.nextSeg === null ? 'absent' : 'present');
  }

  const builder = new TransitionBuilder(Math.max(A, 1));
  for (const e of episodes) {
    const raw: RawEpisode = {
      id: e.g.id,
      name: e.g.name,
      steps: e.T,
      obsFrame0: segments[e.obsSeg].frameStart,
      obsRows: segments[e.obsSeg].rows,
      nextFrame0: e.nextSeg === null ? null : segments[e.nextSeg].frameStart,
      terminal: e.terminal,
      actions: e.actions,
      rewards: e.rewards,
    };
    builder.add(raw);
  }
  const first = groups[0]?.path ?? all[0].path;
  const arrays = (['actions', 'rewards', layout === 'minari' ? 'terminations' : 'dones', ...(layout === 'minari' ? ['truncations'] : [])] as string[])
    .filter((k) => r.has(`${first}/${k}`))
    .map((k) => {
      const info = r.info(`${first}/${k}`);
      return { role: k, path: pattern(`${first}/${k}`), shape: [rows, ...info.shape.slice(1)], dtype: info.dtype };
    });
  return {
    file: r.file,
    layout,
    obsKeys,
    segments,
    numFrames: frames,
    ...builder.finish(),
    nextStored: episodes.length > 0 && episodes[0].nextSeg !== null,
    counts: { rows, terminals: builder.terminals, timeLimitEnds: builder.timeLimitEnds, dropped: builder.dropped },
    masks: layout === 'robomimic' ? robomimicMasks(r) : null,
    arrays,
  };
}
