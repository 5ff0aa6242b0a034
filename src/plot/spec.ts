// The Vega-Lite specification of a `lapo plot` figure: one panel per metric (two columns), x = training step,
// y = the metric, one coloured line per group (mean across its seeds) with a translucent band, and one shared
// legend whose title says what the band is.
import type { SeriesPoint } from './series.js';
import { BAND_DESCRIPTIONS, type BandKind } from './stats.js';

// Short meanings of the columns lapo writes (metrics.csv, eval.csv), shown as panel titles.
const DESCRIPTIONS: Record<string, string> = {
  wall_s: 'wall-clock seconds since start',
  updates_per_s: 'training updates per second',
  critic_loss: 'critic loss (Q1 + Q2 + V)',
  q1_loss: 'Q1 mean-squared TD error',
  q2_loss: 'Q2 mean-squared TD error',
  v_loss: 'V mean-squared error to the target Qmix',
  vae_loss: 'advantage-weighted VAE loss',
  vae_recon: 'VAE action reconstruction error',
  vae_kl: 'VAE KL divergence',
  actor_loss: 'latent actor loss (−Q1)',
  q_mean: 'mean Q(s, a) on the batch',
  v_mean: 'mean V(s) on the batch',
  adv_mean: 'mean advantage',
  adv_pos_frac: 'fraction of positive advantages',
  enc_grad_norm_critic: 'encoder gradient norm from the critic loss',
  enc_grad_norm_vae: 'encoder gradient norm from the VAE loss',
  enc_grad_norm_actor: 'encoder gradient norm from the actor loss',
  enc_conv1_grad_norm: 'first conv layer gradient norm (critic loss)',
  delta_encoder: 'encoder parameter change per step (L2)',
  delta_critic: 'critic parameter change per step (L2)',
  delta_actor_vae: 'VAE parameter change per step (L2)',
  delta_actor: 'actor parameter change per step (L2)',
  return_mean: 'evaluation return (mean over episodes)',
  return_std: 'evaluation return (std over episodes)',
  score: 'normalised task score',
  success_rate: 'evaluation success rate',
};

export interface SpecOptions {
  metrics: string[];
  groups: string[];
  band: BandKind;
  logY: boolean;
  width: number;
  height: number;
  title?: string;
}

/** A readable panel title: the column's meaning when lapo knows it. */
export function panelTitle(metric: string): string {
  const col = metric.startsWith('eval:') ? metric.slice(5) : metric;
  const d = DESCRIPTIONS[col];
  return d ? `${metric}: ${d}` : metric;
}

// Sans-serif fonts present on most systems; the PNG renderer falls back to any installed sans font.
export const FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';

export function buildSpec(points: SeriesPoint[], o: SpecOptions): Record<string, unknown> {
  // The log scale cannot show values <= 0; those points are dropped from log panels (said in the README).
  const values = o.logY ? points.filter((p) => p.mean > 0).map((p) => ({ ...p, lo: p.lo !== null && p.lo > 0 ? p.lo : null })) : points;
  const color = {
    field: 'group',
    type: 'nominal',
    scale: { domain: o.groups },
    legend: { title: o.band === 'none' ? 'mean across seeds' : `line: mean across seeds; band: ${BAND_DESCRIPTIONS[o.band]}`, orient: 'bottom', direction: 'vertical', labelLimit: 600, titleLimit: 900 },
  };
  const x = { field: 'step', type: 'quantitative', title: 'step (gradient updates)', axis: { format: '~s' } };
  const yScale = o.logY ? { type: 'log' } : { zero: false };
  const panels = o.metrics.map((metric) => {
    const layers: Record<string, unknown>[] = [];
    if (o.band !== 'none') {
      layers.push({
        mark: { type: 'area', opacity: 0.2 },
        encoding: { x, y: { field: 'lo', type: 'quantitative', scale: yScale, title: metric }, y2: { field: 'hi' }, color },
      });
    }
    layers.push({
      mark: { type: 'line', strokeWidth: 2 },
      encoding: { x, y: { field: 'mean', type: 'quantitative', scale: yScale, title: metric }, color },
    });
    return {
      title: { text: panelTitle(metric), fontSize: 13 },
      width: o.width,
      height: o.height,
      transform: [{ filter: { field: 'metric', equal: metric } }],
      layer: layers,
    };
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(o.title ? { title: { text: o.title, fontSize: 15 } } : {}),
    background: 'white',
    padding: 12,
    data: { values },
    concat: panels,
    columns: o.metrics.length === 1 ? 1 : 2,
    resolve: { scale: { color: 'shared', y: 'independent' } },
    config: {
      font: FONT,
      axis: { labelFontSize: 11, titleFontSize: 12 },
      // Legend swatches as thick opaque strokes (the default would copy the band's pale fill).
      legend: { labelFontSize: 12, titleFontSize: 12, symbolType: 'stroke', symbolOpacity: 1, symbolStrokeWidth: 3, symbolSize: 300 },
      line: { interpolate: 'linear' },
    },
  };
}
