// The result of `lapo diagnose-gradients`: one row per check (name, measured value, expectation, PASS/FAIL),
// printed as an aligned table with the failing checks last, or as one JSON object (--json).
// A check that cannot apply (no image encoder on a state-only dataset) is SKIP and does not fail the run.

export type CheckStatus = 'PASS' | 'FAIL' | 'SKIP';

export interface Check {
  /** Stable dotted id, e.g. `reach.critic.encoder/conv1`, `step.critic.encoder`. */
  name: string;
  /** The measured value, as shown (numbers are also kept in `value`). */
  measured: string;
  expected: string;
  status: CheckStatus;
  /** The number behind `measured`, when there is one (JSON consumers compare it). */
  value?: number;
  /** One line saying what a failure means, shown under the table for failing checks. */
  meaning?: string;
}

export interface DiagnosisReport {
  dataset: string;
  checkpoint: string | null;
  step: number | null;
  encoderGrad: string;
  batchSize: number;
  backend: string;
  checks: Check[];
  passed: number;
  failed: number;
  skipped: number;
  ok: boolean;
  /** One line per distinct failure meaning. */
  meanings: string[];
}

/** Numbers as the table shows them: exact zero stays "0", the rest in 4 significant digits. */
export function fmtNum(v: number): string {
  if (v === 0) return '0';
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a >= 1e-3 && a < 1e5 ? String(Number(v.toPrecision(4))) : v.toExponential(3);
}

export function check(name: string, measured: string | number, expected: string, pass: boolean, meaning?: string): Check {
  const value = typeof measured === 'number' ? measured : undefined;
  return {
    name,
    measured: typeof measured === 'number' ? fmtNum(measured) : measured,
    expected,
    status: pass ? 'PASS' : 'FAIL',
    ...(value !== undefined ? { value } : {}),
    ...(meaning ? { meaning } : {}),
  };
}

export function skip(name: string, why: string, expected = 'n/a'): Check {
  return { name, measured: why, expected, status: 'SKIP' };
}

/** Builds the report; failing checks are moved last (stable order otherwise). */
export function buildReport(head: Omit<DiagnosisReport, 'checks' | 'passed' | 'failed' | 'skipped' | 'ok' | 'meanings'>, checks: Check[]): DiagnosisReport {
  const ordered = [...checks.filter((c) => c.status !== 'FAIL'), ...checks.filter((c) => c.status === 'FAIL')];
  const failed = ordered.filter((c) => c.status === 'FAIL');
  const meanings = [...new Set(failed.map((c) => c.meaning).filter((m): m is string => Boolean(m)))];
  return {
    ...head,
    checks: ordered,
    passed: ordered.filter((c) => c.status === 'PASS').length,
    failed: failed.length,
    skipped: ordered.filter((c) => c.status === 'SKIP').length,
    ok: failed.length === 0,
    meanings,
  };
}

export function formatTable(r: DiagnosisReport): string {
  const header = ['check', 'measured', 'expected', 'result'];
  const rows = r.checks.map((c) => [c.name, c.measured, c.expected, c.status]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  const out: string[] = [];
  const source = r.checkpoint ? `checkpoint ${r.checkpoint} (step ${r.step})` : 'freshly initialised model';
  out.push(`diagnose-gradients: ${r.dataset}, ${source}, --encoder-grad ${r.encoderGrad}, batch ${r.batchSize}, backend ${r.backend}`);
  out.push(line(header));
  out.push(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) out.push(line(row));
  out.push('');
  const skipped = r.skipped > 0 ? `, ${r.skipped} skipped` : '';
  out.push(`${r.passed} checks passed, ${r.failed} failed${skipped}`);
  for (const m of r.meanings) out.push(`meaning: ${m}`);
  return `${out.join('\n')}\n`;
}
