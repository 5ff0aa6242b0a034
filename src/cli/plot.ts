// lapo plot RUN [RUN ...] --out FILE.png|.svg: flag parsing only; the work is in src/plot/plot.ts.
import type { Command } from 'commander';
import { plotRuns } from '../plot/plot.js';
import { BAND_DESCRIPTIONS, BAND_KINDS, type BandKind } from '../plot/stats.js';
import { choiceFlag, intFlag, listFlag } from './parse.js';

interface PlotFlags {
  metric?: string[];
  groupBy?: string[];
  band: BandKind;
  out: string;
  logY: boolean;
  width: number;
  height: number;
  title?: string;
}

// Repeatable and comma-separated: `--metric a,b --metric c` = a, b, c.
function collect(v: string, prev: string[] | undefined): string[] {
  return [...(prev ?? []), ...listFlag(v)];
}

export function registerPlot(program: Command): void {
  program
    .command('plot')
    .description('line plots of metrics.csv / eval.csv columns against step; runs differing only by seed as mean ± band')
    .argument('<runs...>', 'run folders (runs/<name>, or just <name> under ./runs)')
    .requiredOption('--out <file>', 'output image, .svg or .png')
    .option('--metric <cols>', 'columns to plot, one panel each (repeatable, comma-separated; eval:COL for eval.csv) [default: critic_loss, vae_loss, actor_loss, q_mean and the eval score if present]', collect)
    .option('--group-by <keys>', 'pool runs by these config keys (comma-separated), or "run" for one line per run [default: runs whose configs differ only by seed]', collect)
    .option('--band <kind>', `band around the mean: ${BAND_KINDS.map((k) => `${k} = ${BAND_DESCRIPTIONS[k]}`).join('; ')}`, choiceFlag('--band', BAND_KINDS), 'ci95')
    .option('--log-y', 'logarithmic y axes (values <= 0 are left out)', false)
    .option('--width <px>', 'width of each panel', intFlag('--width', 100), 420)
    .option('--height <px>', 'height of each panel', intFlag('--height', 80), 220)
    .option('--title <text>', 'figure title')
    .action(async (runs: string[], f: PlotFlags) => {
      const r = await plotRuns({
        runs,
        metrics: f.metric ?? [],
        groupBy: f.groupBy ?? null,
        band: f.band,
        out: f.out,
        logY: f.logY,
        width: f.width,
        height: f.height,
        title: f.title,
      });
      const groups = r.groups.map((g) => `  ${g.label}: ${g.runs.join(', ')}`).join('\n');
      process.stdout.write(`wrote ${r.out} (${r.format}, ${r.bytes} bytes): ${r.metrics.length} panel(s) [${r.metrics.join(', ')}], ${r.groups.length} line(s):\n${groups}\n`);
    });
}
