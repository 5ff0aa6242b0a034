// The point-mass maze environment. Dynamics per step (cell units, y downwards):
//   a ← clip(action, −1, 1);  v ← damping·v + accel·a;  x ← x + vx, then y ← y + vy,
// each axis moved separately and stopped at the wall it runs into (that axis' velocity becomes 0), so the mass
// slides along walls. Rewards: sparse = 1 on reaching the goal, else 0; dense = exp(−‖p − g‖) − 1 (D4RL's dense
// maze2d reward shifted by −1, so every step before the goal costs something and finishing early never pays less)
// and 0 on the step that reaches the goal. That last 0 keeps the largest reward of a dense dataset at 0, so LAPO's
// value bounds [r_min, r_max]/(1 − γ) (official main_d4rl.py) contain every true value, down to the terminal step.
// Reaching the goal (‖p − g‖ < goalRadius) ends the episode as a real terminal; the time limit ends it as a
// timeout. Observations: state = [x, y, vx, vy] (float32), image = top-down RGB with the goal drawn in it.
// Everything is plain float64 arithmetic on the host and the start/goal draw uses the seeded Rng, so an episode
// is bit-identical for a given seed and action sequence.
import { LapoError } from '../errors.js';
import { Rng } from '../util/rng.js';
import { boxHitsWall, getGrid, type Grid } from './layouts.js';
import { cellCentre, distanceField } from './planner.js';
import { renderFrame } from './render.js';
import { PHYSICS, parseTaskId, type TaskSpec } from './tasks.js';

export const STATE_DIM = 4;
export const ACTION_DIM = 2;
export const STATE_LABELS = ['x', 'y', 'vx', 'vy'] as const;
export const DEFAULT_IMAGE_SIZE = 64;

export interface StepResult {
  reward: number;
  /** The goal was reached: a real terminal (no bootstrapping past it). */
  terminal: boolean;
  /** The time limit was reached without reaching the goal. */
  timeout: boolean;
  success: boolean;
}

export class MazeEnv {
  readonly task: TaskSpec;
  readonly grid: Grid;
  readonly imageSize: number;
  x = 0;
  y = 0;
  vx = 0;
  vy = 0;
  goalX = 0;
  goalY = 0;
  /** Steps taken in the current episode. */
  t = 0;
  done = true;

  constructor(task: TaskSpec | string, opts: { imageSize?: number } = {}) {
    this.task = typeof task === 'string' ? parseTaskId(task) : task;
    this.grid = getGrid(this.task.layout);
    const size = opts.imageSize ?? DEFAULT_IMAGE_SIZE;
    if (!Number.isInteger(size) || size < 8 || size > 1024) {
      throw new LapoError('usage', `--image-size: expected an integer in [8, 1024], found ${size}`);
    }
    this.imageSize = size;
  }

  /**
   * Starts an episode: the goal cell is uniform over open cells, the start cell uniform over open cells at least
   * minStartGoalCells moves away; both positions are jittered inside their cells; the mass starts at rest.
   */
  reset(seed: number): void {
    const rng = new Rng(seed);
    const g = this.grid;
    const goalCell = g.openCells[rng.int(g.openCells.length)];
    const dist = distanceField(g, goalCell);
    const starts: number[] = [];
    for (const c of g.openCells) if (dist[c] >= PHYSICS.minStartGoalCells) starts.push(c);
    const startCell = starts[rng.int(starts.length)];
    const gc = cellCentre(g, goalCell);
    const sc = cellCentre(g, startCell);
    this.goalX = gc.x + (rng.uniform() - 0.5) * 0.3;
    this.goalY = gc.y + (rng.uniform() - 0.5) * 0.3;
    this.x = sc.x + (rng.uniform() - 0.5) * 0.5;
    this.y = sc.y + (rng.uniform() - 0.5) * 0.5;
    this.vx = 0;
    this.vy = 0;
    this.t = 0;
    this.done = false;
  }

  goalDistance(): number {
    return Math.hypot(this.x - this.goalX, this.y - this.goalY);
  }

  /** The state vector [x, y, vx, vy] — the goal is deliberately absent. */
  state(out: Float32Array = new Float32Array(STATE_DIM)): Float32Array {
    out[0] = this.x;
    out[1] = this.y;
    out[2] = this.vx;
    out[3] = this.vy;
    return out;
  }

  /** The current frame, uint8 [S, S, 3]; writes into `out` when given. */
  render(out?: Uint8Array): Uint8Array {
    return renderFrame(
      this.grid,
      this.imageSize,
      { x: this.x, y: this.y },
      { x: this.goalX, y: this.goalY },
      { agent: PHYSICS.agentRadius, goal: PHYSICS.goalDrawRadius },
      out,
    );
  }

  step(action: ArrayLike<number>): StepResult {
    if (this.done) throw new Error('MazeEnv.step called on a finished episode (call reset first)');
    const ax = action[0];
    const ay = action[1];
    if (!Number.isFinite(ax) || !Number.isFinite(ay)) {
      throw new LapoError('runtime', `${this.task.id}: the policy produced a non-finite action [${ax}, ${ay}] at step ${this.t}`);
    }
    this.vx = PHYSICS.damping * this.vx + PHYSICS.accel * Math.max(-1, Math.min(1, ax));
    this.vy = PHYSICS.damping * this.vy + PHYSICS.accel * Math.max(-1, Math.min(1, ay));
    this.moveX();
    this.moveY();
    this.t++;
    const d = this.goalDistance();
    const success = d < PHYSICS.goalRadius;
    const dense = success ? 0 : Math.exp(-d) - 1;
    const reward = this.task.reward === 'sparse' ? (success ? 1 : 0) : dense;
    const timeout = !success && this.t >= this.task.maxSteps;
    this.done = success || timeout;
    return { reward, terminal: success, timeout, success };
  }

  // A step moves less than 1 − 2·radius, so the box can only enter the next row/column of cells: when that is a
  // wall, the mass stops flush against it.
  private moveX(): void {
    const h = PHYSICS.agentRadius;
    let nx = this.x + this.vx;
    if (boxHitsWall(this.grid, nx, this.y, h)) {
      nx = this.vx > 0 ? Math.floor(nx + h) - h - 1e-9 : Math.floor(nx - h) + 1 + h + 1e-9;
      if (boxHitsWall(this.grid, nx, this.y, h)) nx = this.x;
      this.vx = 0;
    }
    this.x = nx;
  }

  private moveY(): void {
    const h = PHYSICS.agentRadius;
    let ny = this.y + this.vy;
    if (boxHitsWall(this.grid, this.x, ny, h)) {
      ny = this.vy > 0 ? Math.floor(ny + h) - h - 1e-9 : Math.floor(ny - h) + 1 + h + 1e-9;
      if (boxHitsWall(this.grid, this.x, ny, h)) ny = this.y;
      this.vy = 0;
    }
    this.y = ny;
  }
}
