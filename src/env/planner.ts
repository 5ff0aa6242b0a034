// Grid planning for the behaviour policies and for start/goal sampling: breadth-first distances over the
// 4-connected open cells, paths that descend them with a chosen tie-break (different tie-breaks give
// different routes of equal length — the behaviour modes of the multimodal datasets), and a swept-box
// line-of-sight test that lets the expert cut corners where the walls allow it.
import { boxHitsWall, type Grid } from './layouts.js';

/** Moves in cell units: [dr, dc]. */
const H_FIRST: ReadonlyArray<readonly [number, number]> = [
  [0, 1],
  [0, -1],
  [1, 0],
  [-1, 0],
];
const V_FIRST: ReadonlyArray<readonly [number, number]> = [
  [1, 0],
  [-1, 0],
  [0, 1],
  [0, -1],
];
export type TieBreak = 'h-first' | 'v-first';

const fieldCache = new Map<string, Int32Array>();

/** Grid distance (number of moves) from every cell to `target` (a cell index); -1 for walls and unreachable cells. */
export function distanceField(grid: Grid, target: number): Int32Array {
  const key = `${grid.name}:${target}`;
  const hit = fieldCache.get(key);
  if (hit) return hit;
  const dist = new Int32Array(grid.rows * grid.cols).fill(-1);
  const queue = new Int32Array(grid.rows * grid.cols);
  let head = 0;
  let tail = 0;
  dist[target] = 0;
  queue[tail++] = target;
  while (head < tail) {
    const cell = queue[head++];
    const r = Math.floor(cell / grid.cols);
    const c = cell % grid.cols;
    for (const [dr, dc] of H_FIRST) {
      const nr = r + dr;
      const nc = c + dc;
      if (nr < 0 || nc < 0 || nr >= grid.rows || nc >= grid.cols) continue;
      const n = nr * grid.cols + nc;
      if (grid.wall[n] === 1 || dist[n] >= 0) continue;
      dist[n] = dist[cell] + 1;
      queue[tail++] = n;
    }
  }
  fieldCache.set(key, dist);
  return dist;
}

/**
 * The cells from `from` to `target` (both included) along a shortest 4-connected path; at each cell the first
 * move in tie-break order that lowers the distance is taken, so 'h-first' runs horizontally as long as that
 * stays on a shortest path, 'v-first' vertically. Returns [from] when `target` is unreachable.
 */
export function shortestPath(grid: Grid, from: number, target: number, tie: TieBreak = 'h-first'): number[] {
  const dist = distanceField(grid, target);
  const moves = tie === 'h-first' ? H_FIRST : V_FIRST;
  const path = [from];
  let cell = from;
  if (dist[from] < 0) return path;
  while (dist[cell] > 0) {
    const r = Math.floor(cell / grid.cols);
    const c = cell % grid.cols;
    let next = -1;
    for (const [dr, dc] of moves) {
      const nr = r + dr;
      const nc = c + dc;
      if (nr < 0 || nc < 0 || nr >= grid.rows || nc >= grid.cols) continue;
      const n = nr * grid.cols + nc;
      if (dist[n] === dist[cell] - 1) {
        next = n;
        break;
      }
    }
    cell = next;
    path.push(cell);
  }
  return path;
}

export function cellOf(grid: Grid, x: number, y: number): number {
  const c = Math.min(grid.cols - 1, Math.max(0, Math.floor(x)));
  const r = Math.min(grid.rows - 1, Math.max(0, Math.floor(y)));
  return r * grid.cols + c;
}

export function cellCentre(grid: Grid, cell: number): { x: number; y: number } {
  return { x: (cell % grid.cols) + 0.5, y: Math.floor(cell / grid.cols) + 0.5 };
}

/** True when a box of half-size h can slide in a straight line from (x0,y0) to (x1,y1) without touching a wall. */
export function clearLine(grid: Grid, x0: number, y0: number, x1: number, y1: number, h: number): boolean {
  const len = Math.hypot(x1 - x0, y1 - y0);
  const n = Math.max(1, Math.ceil(len / 0.1));
  for (let i = 0; i <= n; i++) {
    const t = i / n;
    if (boxHitsWall(grid, x0 + (x1 - x0) * t, y0 + (y1 - y0) * t, h)) return false;
  }
  return true;
}
