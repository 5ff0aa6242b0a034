// Maze layouts of the built-in pixel task, after D4RL's maze2d (Fu et al. 2020, d4rl/pointmaze/maze_model.py):
// '#' is a wall cell, '.' an open cell. Unlike D4RL, no cell is marked as the goal: the goal is drawn anew for
// every episode, among the open cells, so that it can only be known from the image.
import { LapoError } from '../errors.js';

export const LAYOUT_TEXT = {
  // D4RL's OPEN (5×7): one room, many equally short routes between two cells.
  open: ['#######', '#.....#', '#.....#', '#.....#', '#######'],
  // D4RL's U_MAZE (5×5).
  umaze: ['#####', '#...#', '###.#', '#...#', '#####'],
  // D4RL's MEDIUM_MAZE (8×8).
  medium: ['########', '#..##..#', '#..#...#', '##...###', '#..#...#', '#.#..#.#', '#...#..#', '########'],
  // D4RL's LARGE_MAZE (9×12).
  large: [
    '############',
    '#....#.....#',
    '#.##.#.#.#.#',
    '#......#...#',
    '#.####.###.#',
    '#..#.#.....#',
    '##.#.#.#.###',
    '#..#...#...#',
    '############',
  ],
} as const;

export type LayoutName = keyof typeof LAYOUT_TEXT;
export const LAYOUT_NAMES = Object.keys(LAYOUT_TEXT) as LayoutName[];

/** A maze as a grid of unit cells: cell (row r, column c) covers x ∈ [c, c+1), y ∈ [r, r+1); y grows downwards. */
export interface Grid {
  readonly name: LayoutName;
  readonly rows: number;
  readonly cols: number;
  /** 1 = wall, row-major [rows*cols]. */
  readonly wall: Uint8Array;
  /** Indices (r*cols+c) of the open cells, in row-major order. */
  readonly openCells: Int32Array;
}

const cache = new Map<LayoutName, Grid>();

export function isLayoutName(s: string): s is LayoutName {
  return (LAYOUT_NAMES as string[]).includes(s);
}

/** The parsed grid of a layout (cached; grids are immutable). */
export function getGrid(name: LayoutName): Grid {
  const hit = cache.get(name);
  if (hit) return hit;
  const text = LAYOUT_TEXT[name];
  if (!text) throw new LapoError('usage', `maze layout: expected one of ${LAYOUT_NAMES.join('|')}, found ${name}`);
  const rows = text.length;
  const cols = text[0].length;
  const wall = new Uint8Array(rows * cols);
  const open: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const isWall = text[r][c] === '#';
      wall[r * cols + c] = isWall ? 1 : 0;
      if (!isWall) open.push(r * cols + c);
    }
  }
  const grid: Grid = { name, rows, cols, wall, openCells: Int32Array.from(open) };
  cache.set(name, grid);
  return grid;
}

/** True when (r, c) is outside the grid or a wall. */
export function isWall(g: Grid, r: number, c: number): boolean {
  return r < 0 || c < 0 || r >= g.rows || c >= g.cols || g.wall[r * g.cols + c] === 1;
}

/**
 * True when the axis-aligned box centred at (x, y) with half-size h overlaps a wall cell. The agent is this
 * box for collisions (drawn as a disc of the same radius).
 */
export function boxHitsWall(g: Grid, x: number, y: number, h: number): boolean {
  const c0 = Math.floor(x - h);
  const c1 = Math.floor(x + h);
  const r0 = Math.floor(y - h);
  const r1 = Math.floor(y + h);
  for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) if (isWall(g, r, c)) return true;
  return false;
}
