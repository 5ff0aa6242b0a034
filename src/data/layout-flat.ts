// Flat layouts, one row per step in file order:
//   d4rl   — observations (array, or a group of named arrays: the LAPO multimodal fork stores
//            observations/{left_image,right_image,global_image,joint}), actions, rewards, terminals, optional timeouts,
//            optional next_observations (array or group with the same keys). An episode ends at a terminal, a timeout
//            or the end of the file; terminals[i] = 1 means step i's transition ends in a terminal state.
//   d3rlpy — d3rlpy v1 MDPDataset: observations, actions, rewards, terminals, episode_terminals. An episode is the
//            rows up to an episode_terminals flag; as d3rlpy v1 does (`_to_transitions`), each row but the last starts
//            a transition to the next row, and terminals[last row] marks the transition into it as terminal. Rewards
//            follow r_t = r(o_t, a_t) (checked on the Pendulum file: the reward matches the pendulum cost of row t).
import type { H5Reader } from './h5.js';
import { collectObsKeys, readActions, readFlags, readRewards, requireKey } from './layout-common.js';
import type { DatasetPlan, FrameSegment } from './plan.js';
import { TransitionBuilder } from './plan.js';

type FlatLayout = 'd4rl' | 'd3rlpy';

function describe(r: H5Reader, role: string, path: string): { role: string; path: string; shape: number[]; dtype: string } {
  const info = r.info(path);
  return { role, path: info.path.slice(1), shape: info.shape, dtype: info.dtype };
}

/** Episode end rows: every flagged row, plus the last row. */
function episodeEnds(flags: (Uint8Array | null)[], n: number): number[] {
  const ends: number[] = [];
  for (let i = 0; i < n; i++) if (i === n - 1 || flags.some((f) => f !== null && f[i] !== 0)) ends.push(i);
  return ends;
}

export function readFlatPlan(r: H5Reader, layout: FlatLayout): DatasetPlan {
  requireKey(r, 'observations', 'observations (an array or a group of arrays)');
  const { data: actions, dim: A, rows: N } = readActions(r, 'actions', null);
  const rewards = readRewards(r, 'rewards', N, 'actions');
  const terminals = readFlags(r, 'terminals', N, 'actions', layout === 'd4rl') ?? new Uint8Array(N);
  const timeouts = layout === 'd4rl' ? readFlags(r, 'timeouts', N, 'actions', true) : null;
  const episodeTerminals = layout === 'd3rlpy' ? readFlags(r, 'episode_terminals', N, 'actions', true) : null;
  const hasNext = layout === 'd4rl' && r.has('next_observations');

  const segments: FrameSegment[] = [{ base: '/observations', single: r.isDataset('observations'), fileStart: 0, rows: N, frameStart: 0 }];
  if (hasNext) segments.push({ base: '/next_observations', single: r.isDataset('next_observations'), fileStart: 0, rows: N, frameStart: N });
  const obsKeys = collectObsKeys(r, segments, (b) => b.slice(1), () => 'actions');

  const ends = layout === 'd3rlpy' ? episodeEnds([episodeTerminals ?? terminals], N) : episodeEnds([terminals, timeouts], N);
  const builder = new TransitionBuilder(A);
  let s = 0;
  ends.forEach((e, id) => {
    const rows = e - s + 1;
    if (layout === 'd4rl') {
      builder.add({
        id,
        name: `rows ${s}-${e}`,
        steps: rows,
        obsFrame0: s,
        obsRows: rows,
        nextFrame0: hasNext ? N + s : null,
        terminal: terminals.subarray(s, e + 1),
        actions: actions.subarray(s * A, (e + 1) * A),
        rewards: rewards.subarray(s, e + 1),
      });
    } else {
      const steps = rows - 1;
      const terminal = new Uint8Array(Math.max(steps, 0));
      if (steps > 0) terminal[steps - 1] = terminals[e];
      builder.add({
        id,
        name: `rows ${s}-${e}`,
        steps: Math.max(steps, 0),
        obsFrame0: s,
        obsRows: rows,
        nextFrame0: null,
        terminal,
        actions: actions.subarray(s * A, e * A),
        rewards: rewards.subarray(s, e),
      });
    }
    s = e + 1;
  });

  const arrays = [describe(r, 'actions', 'actions'), describe(r, 'rewards', 'rewards')];
  if (r.has('terminals')) arrays.push(describe(r, 'terminals', 'terminals'));
  if (timeouts) arrays.push(describe(r, 'timeouts', 'timeouts'));
  if (episodeTerminals) arrays.push(describe(r, 'episode_terminals', 'episode_terminals'));
  return {
    file: r.file,
    layout,
    obsKeys,
    segments,
    numFrames: hasNext ? 2 * N : N,
    ...builder.finish(),
    nextStored: hasNext,
    counts: { rows: N, terminals: builder.terminals, timeLimitEnds: builder.timeLimitEnds, dropped: builder.dropped },
    masks: null,
    arrays,
  };
}
