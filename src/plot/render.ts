// Vega-Lite spec → Vega → SVG (headless: Vega's 'none' renderer needs no canvas), and SVG → PNG with resvg.
// @resvg/resvg-js ships its renderer as prebuilt per-platform packages (optional dependencies); where none fits
// the machine only PNG output is lost, so it is imported lazily and its absence is one line suggesting .svg.
import * as vega from 'vega';
import { compile } from 'vega-lite';
import { LapoError } from '../errors.js';

export async function renderSvg(spec: Record<string, unknown>): Promise<string> {
  // vega-lite's TopLevelSpec type is a large union; the spec is built in spec.ts and checked by compile().
  const compiled = compile(spec as unknown as Parameters<typeof compile>[0]).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

type ResvgModule = typeof import('@resvg/resvg-js');

async function loadResvg(out: string): Promise<ResvgModule> {
  try {
    return await import('@resvg/resvg-js');
  } catch (e) {
    const why = (e as Error).message.split('\n')[0];
    throw new LapoError(
      'runtime',
      `--out ${out}: PNG output needs @resvg/resvg-js, which does not load on this machine (${why}); write an .svg file instead`,
    );
  }
}

/** Rasterises `svg` at `scale` times its size (2 = sharp on high-density screens and in documents). */
export async function svgToPng(svg: string, out: string, scale = 2): Promise<Uint8Array> {
  const { Resvg } = await loadResvg(out);
  const r = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
  });
  return r.render().asPng();
}
