// The built-in task family: `maze2d-<layout>-<dense|sparse>-v0`, a point mass in a 2-D maze seen from above.
// Same layouts as D4RL's maze2d, but the goal cell is drawn anew each episode and appears only in the image
// (the state vector is position and velocity), so a policy that ignores the image cannot solve the task.
// The version suffix changes whenever dynamics, rewards, rendering or the time limit change (old datasets
// record the version they were made with, and eval refuses to compare scores across versions).
import { LapoError } from '../errors.js';
import { LAYOUT_NAMES, isLayoutName, type LayoutName } from './layouts.js';

export type RewardType = 'dense' | 'sparse';
export const TASK_VERSION = 0;

export interface TaskSpec {
  /** e.g. maze2d-umaze-dense-v0 */
  readonly id: string;
  readonly layout: LayoutName;
  readonly reward: RewardType;
  readonly version: number;
  /** Time limit in steps; the episode ends with `timeout` (not `terminal`) when it is reached. */
  readonly maxSteps: number;
}

/**
 * Time limits, about twice the longest expert episode measured on 1000 random start/goal pairs
 * (open 18, umaze 28, medium 50, large 84 steps; see docs/dev/decisions/0036-time-limits.md).
 */
const MAX_STEPS: Record<LayoutName, number> = { open: 40, umaze: 60, medium: 100, large: 170 };

/** Physical constants shared by every layout (cell units; one step = one action). */
export const PHYSICS = {
  /** Velocity kept from one step to the next (viscous damping). */
  damping: 0.8,
  /** Velocity added per step by a unit action; the terminal speed is accel / (1 − damping) = 0.3 cells/step. */
  accel: 0.06,
  /** Half-size of the agent's collision box and radius of its disc in the image. */
  agentRadius: 0.2,
  /** The goal is reached when the agent's centre is closer than this to the goal's (D4RL uses 0.5). */
  goalRadius: 0.5,
  /** Radius of the goal disc in the image. */
  goalDrawRadius: 0.3,
  /** Minimum number of cells between the start cell and the goal cell (grid path length). */
  minStartGoalCells: 2,
} as const;

export const TASK_IDS: string[] = LAYOUT_NAMES.flatMap((l) =>
  (['dense', 'sparse'] as const).map((r) => `maze2d-${l}-${r}-v${TASK_VERSION}`),
);

const TASK_RE = /^maze2d-([a-z]+)-(dense|sparse)-v(\d+)$/;

/** Parses and validates a task id; a bad one is a one-line usage error listing the valid ids. */
export function parseTaskId(id: string, flag = '--task'): TaskSpec {
  const m = TASK_RE.exec(id);
  if (!m || !isLayoutName(m[1])) {
    throw new LapoError('usage', `${flag}: expected one of ${TASK_IDS.join('|')}, found ${JSON.stringify(id)}`);
  }
  const version = Number(m[3]);
  if (version !== TASK_VERSION) {
    throw new LapoError(
      'usage',
      `${flag}: ${id}: task version v${version} is not available; this lapo has v${TASK_VERSION} (maze2d-${m[1]}-${m[2]}-v${TASK_VERSION})`,
    );
  }
  const layout = m[1];
  return { id, layout, reward: m[2] as RewardType, version, maxSteps: MAX_STEPS[layout] };
}
