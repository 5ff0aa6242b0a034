// Top-down RGB rendering of the maze, uint8 H×W×3 (channel-last, like every image lapo reads).
// The static part (floor and walls) is drawn once per (layout, size) and cached; a frame is a copy of it with
// the goal and the agent drawn as anti-aliased discs, so sub-pixel positions still change pixel values.
// Cost per frame: one copy of S·S·3 bytes plus two small discs (a few µs at 64 px).
import type { Grid } from './layouts.js';

export const COLORS = {
  floor: [224, 224, 216],
  wall: [40, 44, 52],
  goal: [220, 40, 40],
  agent: [30, 90, 230],
} as const;

/** Where the maze sits in the image: the grid is scaled to fit the square and centred (margins are wall). */
export interface Viewport {
  size: number;
  /** Pixels per cell. */
  scale: number;
  offX: number;
  offY: number;
}

export function viewport(grid: Grid, size: number): Viewport {
  const scale = size / Math.max(grid.rows, grid.cols);
  return { size, scale, offX: (size - grid.cols * scale) / 2, offY: (size - grid.rows * scale) / 2 };
}

const staticCache = new Map<string, Uint8Array>();

/** The maze without goal and agent (cached, do not modify). A pixel is floor when its centre is in an open cell. */
export function staticImage(grid: Grid, size: number): Uint8Array {
  const key = `${grid.name}:${size}`;
  const hit = staticCache.get(key);
  if (hit) return hit;
  const vp = viewport(grid, size);
  const img = new Uint8Array(size * size * 3);
  for (let py = 0; py < size; py++) {
    const r = Math.floor((py + 0.5 - vp.offY) / vp.scale);
    for (let px = 0; px < size; px++) {
      const c = Math.floor((px + 0.5 - vp.offX) / vp.scale);
      const open = r >= 0 && c >= 0 && r < grid.rows && c < grid.cols && grid.wall[r * grid.cols + c] === 0;
      const col = open ? COLORS.floor : COLORS.wall;
      const o = (py * size + px) * 3;
      img[o] = col[0];
      img[o + 1] = col[1];
      img[o + 2] = col[2];
    }
  }
  staticCache.set(key, img);
  return img;
}

/**
 * Draws a disc centred at maze coordinates (x, y) with radius `radius` (cells), blending by pixel coverage
 * (1-pixel linear edge), in place.
 */
export function drawDisc(img: Uint8Array, vp: Viewport, x: number, y: number, radius: number, color: readonly number[]): void {
  const cx = vp.offX + x * vp.scale;
  const cy = vp.offY + y * vp.scale;
  const rp = Math.max(radius * vp.scale, 0.75); // never thinner than a pixel, even at 16 px
  const x0 = Math.max(0, Math.floor(cx - rp - 1));
  const x1 = Math.min(vp.size - 1, Math.ceil(cx + rp + 1));
  const y0 = Math.max(0, Math.floor(cy - rp - 1));
  const y1 = Math.min(vp.size - 1, Math.ceil(cy + rp + 1));
  for (let py = y0; py <= y1; py++) {
    const dy = py + 0.5 - cy;
    for (let px = x0; px <= x1; px++) {
      const dx = px + 0.5 - cx;
      const cover = rp + 0.5 - Math.sqrt(dx * dx + dy * dy);
      if (cover <= 0) continue;
      const a = cover >= 1 ? 1 : cover;
      const o = (py * vp.size + px) * 3;
      img[o] = Math.round(img[o] * (1 - a) + color[0] * a);
      img[o + 1] = Math.round(img[o + 1] * (1 - a) + color[1] * a);
      img[o + 2] = Math.round(img[o + 2] * (1 - a) + color[2] * a);
    }
  }
}

/** A full frame: static maze, then the goal, then the agent on top. Writes into `out` when given. */
export function renderFrame(
  grid: Grid,
  size: number,
  agent: { x: number; y: number },
  goal: { x: number; y: number },
  radii: { agent: number; goal: number },
  out?: Uint8Array,
): Uint8Array {
  const base = staticImage(grid, size);
  const img = out ?? new Uint8Array(base.length);
  img.set(base);
  const vp = viewport(grid, size);
  drawDisc(img, vp, goal.x, goal.y, radii.goal, COLORS.goal);
  drawDisc(img, vp, agent.x, agent.y, radii.agent, COLORS.agent);
  return img;
}
