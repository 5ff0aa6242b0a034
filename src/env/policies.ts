// Behaviour policies for the maze task. They are privileged: they read the goal position from the
// environment, which the learner can only see in the image. Each is a planner on the grid plus a feedback
// controller; different tie-breaks and detours give different routes to the same goal (behaviour modes), and
// noise or random actions give data of lower quality — the heterogeneous data LAPO was made for.
//   expert        shortest grid path, cutting corners where a straight line is clear (≤ 4 cells ahead)
//   expert-hfirst shortest grid path through cell centres, horizontal moves first (an L-shaped route mode)
//   expert-vfirst the same, vertical moves first (the other route mode)
//   detour        through a random waypoint cell first, then like expert (goal-directed but long)
//   noisy-expert  expert + N(0, 0.5²) action noise per component
//   random        uniform actions in [−1, 1]²
// Mixtures draw one component per episode (a demonstrator keeps its behaviour for a whole episode):
//   multimodal = expert-hfirst:1,expert-vfirst:1
//   mixed      = expert:2,expert-hfirst:2,expert-vfirst:2,noisy-expert:2,detour:1,random:1
//   or any `name:weight,...` list.
import { LapoError } from '../errors.js';
import type { Rng } from '../util/rng.js';
import type { MazeEnv } from './maze-env.js';
import { cellCentre, cellOf, clearLine, shortestPath, type TieBreak } from './planner.js';
import { PHYSICS } from './tasks.js';

export interface BehaviourPolicy {
  readonly name: string;
  /** Called after env.reset(); `rng` is this episode's policy stream. */
  reset(env: MazeEnv, rng: Rng): void;
  /** Writes the action for the current state into out[0..1]. */
  act(env: MazeEnv, rng: Rng, out: Float64Array): void;
}

/** Cruise speed of the controller (cells/step), just below the terminal speed 0.3 so it can still correct. */
const CRUISE = 0.28;
/** Speed per cell of remaining distance: the controller slows down within ~0.5 cells of its target. */
const SLOWDOWN = 0.6;
const LOOKAHEAD = 4;
/** Clearance added to the agent's box when testing a shortcut, so corners are cut with a margin. */
const MARGIN = 0.05;
const NOISE_STD = 0.5;

/**
 * Dead-beat velocity controller: the action that makes the next velocity equal the desired one
 * (v' = damping·v + accel·a), clipped to the action box; the desired velocity points at (tx, ty).
 */
export function steerTo(env: MazeEnv, tx: number, ty: number, out: Float64Array): void {
  const ex = tx - env.x;
  const ey = ty - env.y;
  const d = Math.hypot(ex, ey);
  const speed = Math.min(CRUISE, SLOWDOWN * d);
  const vdx = d > 1e-9 ? (speed * ex) / d : 0;
  const vdy = d > 1e-9 ? (speed * ey) / d : 0;
  out[0] = clip1((vdx - PHYSICS.damping * env.vx) / PHYSICS.accel);
  out[1] = clip1((vdy - PHYSICS.damping * env.vy) / PHYSICS.accel);
}

function clip1(v: number): number {
  return v > 1 ? 1 : v < -1 ? -1 : v;
}

/** The point the planner steers to on the way to (gx, gy). `smooth` cuts corners along clear lines. */
function planTarget(env: MazeEnv, gx: number, gy: number, tie: TieBreak, smooth: boolean): { x: number; y: number } {
  const g = env.grid;
  const h = PHYSICS.agentRadius + MARGIN;
  const from = cellOf(g, env.x, env.y);
  const goalCell = cellOf(g, gx, gy);
  if (from === goalCell || (smooth && clearLine(g, env.x, env.y, gx, gy, h))) return { x: gx, y: gy };
  const path = shortestPath(g, from, goalCell, tie);
  if (path.length < 2) return { x: gx, y: gy };
  if (!smooth) return path.length === 2 ? { x: gx, y: gy } : cellCentre(g, path[1]);
  for (let k = Math.min(LOOKAHEAD, path.length - 2); k >= 1; k--) {
    const c = cellCentre(g, path[k]);
    if (clearLine(g, env.x, env.y, c.x, c.y, h)) return c;
  }
  return cellCentre(g, path[1]);
}

function plannerPolicy(name: string, tie: TieBreak, smooth: boolean): BehaviourPolicy {
  return {
    name,
    reset() {},
    act(env, _rng, out) {
      const t = planTarget(env, env.goalX, env.goalY, tie, smooth);
      steerTo(env, t.x, t.y, out);
    },
  };
}

function noisyExpert(): BehaviourPolicy {
  const inner = plannerPolicy('expert', 'h-first', true);
  return {
    name: 'noisy-expert',
    reset() {},
    act(env, rng, out) {
      inner.act(env, rng, out);
      out[0] = clip1(out[0] + NOISE_STD * rng.normal());
      out[1] = clip1(out[1] + NOISE_STD * rng.normal());
    },
  };
}

function detour(): BehaviourPolicy {
  let wx = 0;
  let wy = 0;
  let reached = true;
  return {
    name: 'detour',
    reset(env, rng) {
      const cells = env.grid.openCells;
      const w = cellCentre(env.grid, cells[rng.int(cells.length)]);
      wx = w.x;
      wy = w.y;
      reached = false;
    },
    act(env, _rng, out) {
      if (!reached && Math.hypot(env.x - wx, env.y - wy) < 0.4) reached = true;
      const t = reached ? planTarget(env, env.goalX, env.goalY, 'h-first', true) : planTarget(env, wx, wy, 'h-first', true);
      steerTo(env, t.x, t.y, out);
    },
  };
}

function random(): BehaviourPolicy {
  return {
    name: 'random',
    reset() {},
    act(_env, rng, out) {
      out[0] = rng.uniform() * 2 - 1;
      out[1] = rng.uniform() * 2 - 1;
    },
  };
}

const BASE: Record<string, () => BehaviourPolicy> = {
  expert: () => plannerPolicy('expert', 'h-first', true),
  'expert-hfirst': () => plannerPolicy('expert-hfirst', 'h-first', false),
  'expert-vfirst': () => plannerPolicy('expert-vfirst', 'v-first', false),
  detour,
  'noisy-expert': noisyExpert,
  random,
};
export const BASE_POLICIES = Object.keys(BASE);

const PRESETS: Record<string, string> = {
  multimodal: 'expert-hfirst:1,expert-vfirst:1',
  mixed: 'expert:2,expert-hfirst:2,expert-vfirst:2,noisy-expert:2,detour:1,random:1',
};
export const POLICY_PRESETS = Object.keys(PRESETS);

/** A behaviour: one or more base policies with weights; one is drawn per episode. */
export interface Behaviour {
  /** The spec as given (a name, a preset, or name:weight,...). */
  readonly spec: string;
  readonly components: readonly BehaviourPolicy[];
  /** Probabilities, summing to 1. */
  readonly weights: readonly number[];
}

/** Parses --policy: a base name, a preset, or `name:weight,...` (weights > 0, normalised). */
export function parseBehaviour(spec: string, flag = '--policy'): Behaviour {
  const expanded = PRESETS[spec] ?? spec;
  const expected = `one of ${[...BASE_POLICIES, ...POLICY_PRESETS].join('|')} or name:weight,... (e.g. expert:3,random:1)`;
  const components: BehaviourPolicy[] = [];
  const raw: number[] = [];
  for (const part of expanded.split(',')) {
    const [name, w, extra] = part.trim().split(':');
    const weight = w === undefined ? 1 : Number(w);
    if (!BASE[name] || extra !== undefined || !(weight > 0) || !Number.isFinite(weight)) {
      throw new LapoError('usage', `${flag}: expected ${expected}, found ${JSON.stringify(spec)}`);
    }
    components.push(BASE[name]());
    raw.push(weight);
  }
  const total = raw.reduce((a, b) => a + b, 0);
  return { spec, components, weights: raw.map((w) => w / total) };
}

/** Index of the component used for one episode. */
export function drawComponent(b: Behaviour, rng: Rng): number {
  if (b.components.length === 1) return 0;
  let u = rng.uniform();
  for (let i = 0; i < b.weights.length - 1; i++) {
    u -= b.weights[i];
    if (u < 0) return i;
  }
  return b.weights.length - 1;
}
