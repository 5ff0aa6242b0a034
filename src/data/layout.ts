// Which layout a file is in, from its structure alone (file names and extensions say nothing reliable), and the
// dispatch to the layout's reader. `--layout` skips detection; a forced layout that does not fit fails on the first
// missing key with the usual one-line message.
import type { H5Reader } from './h5.js';
import { readEpisodicPlan } from './layout-episodic.js';
import { readFlatPlan } from './layout-flat.js';
import { dataErrors } from './messages.js';
import type { DatasetPlan } from './plan.js';
import { numericNames } from './plan.js';
import type { LayoutName } from './types.js';

export const LAYOUTS: readonly LayoutName[] = ['d4rl', 'minari', 'robomimic', 'd3rlpy'];

export function detectLayout(r: H5Reader): LayoutName {
  const top = r.keys('/');
  if (top.includes('data') && r.isGroup('data') && numericNames(r.keys('data'), 'demo_').length > 0) return 'robomimic';
  if (numericNames(top, 'episode_').some((e) => r.isGroup(e.name))) return 'minari';
  // a flat file missing one of observations/actions is still read as flat, so the error names the missing key
  if (top.includes('observations') || top.includes('actions')) return top.includes('episode_terminals') ? 'd3rlpy' : 'd4rl';
  throw dataErrors.unknownLayout(r.file, top);
}

/** The file's transitions and frame map. `include` limits robomimic to the named demos (its masks). */
export function readPlan(r: H5Reader, layout: LayoutName, include?: Set<string>): DatasetPlan {
  switch (layout) {
    case 'd4rl':
    case 'd3rlpy':
      return readFlatPlan(r, layout);
    case 'minari':
    case 'robomimic':
      return readEpisodicPlan(r, layout, include);
  }
}
