// Summary statistics across seeds: mean and the band drawn around it. Kept separate from the plotting so the
// experiment tables report exactly the same intervals as the plots.

export type BandKind = 'ci95' | 'minmax' | 'std' | 'none';
export const BAND_KINDS: readonly BandKind[] = ['ci95', 'minmax', 'std', 'none'];

/** What each band means, for legends and the README. */
export const BAND_DESCRIPTIONS: Record<BandKind, string> = {
  ci95: '95% confidence interval of the mean across seeds (Student t)',
  minmax: 'min to max across seeds',
  std: 'mean ± one standard deviation across seeds',
  none: 'no band',
};

// Two-sided 97.5% quantiles of Student's t for 1..30 degrees of freedom (standard tables).
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12,
  2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** t_{0.975, df}; beyond the table 1.96 + 2.4/df is within 0.002 of the exact value. */
export function tQuantile975(df: number): number {
  if (!Number.isInteger(df) || df < 1) throw new RangeError(`degrees of freedom must be an integer >= 1, got ${df}`);
  return df <= 30 ? T975[df - 1] : 1.96 + 2.4 / df;
}

export interface Summary {
  n: number;
  mean: number;
  /** Lower and upper edge of the band; null when it is undefined (one value, or band 'none'). */
  lo: number | null;
  hi: number | null;
}

/** Mean of `values` and the chosen band (sample standard deviation, n-1). */
export function summarize(values: readonly number[], band: BandKind): Summary {
  const n = values.length;
  if (n === 0) return { n, mean: NaN, lo: null, hi: null };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  if (band === 'none' || n < 2) return { n, mean, lo: null, hi: null };
  if (band === 'minmax') return { n, mean, lo: Math.min(...values), hi: Math.max(...values) };
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1));
  const half = band === 'std' ? sd : (tQuantile975(n - 1) * sd) / Math.sqrt(n);
  return { n, mean, lo: mean - half, hi: mean + half };
}
