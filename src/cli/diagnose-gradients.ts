// lapo diagnose-gradients: parsing only; the work is in src/diagnostics/diagnose.ts.
// A fresh model is described with the same flags (or --config file) as `lapo train`, parsed by the same code, so
// the model diagnosed is the one `lapo train` would build. With --checkpoint the model comes from the checkpoint
// and only --dataset, --encoder-grad (must match), --batch-size and --scratch-dir apply.
import type { Command } from 'commander';
import { flagFor } from '../config/schema.js';
import { addConfigOptions, configFromOptions } from '../config/flags.js';
import { LapoError } from '../errors.js';
import { globalsOf, startBackend } from './context.js';
import { choiceFlag } from './parse.js';
import { buildRequest } from './train.js';

const CHECKPOINT_KEYS = ['dataset', 'encoderGrad', 'batchSize', 'scratchDir'];
// Accepted so that a `lapo train` command line can be reused as is, but they do not change one step: not in --help.
const HIDDEN_KEYS = ['runName', 'steps', 'logEvery', 'saveEvery', 'evalEvery', 'evalEpisodes'];

export function registerDiagnoseGradients(program: Command): void {
  const cmd = program
    .command('diagnose-gradients')
    .description('check on one real batch where every gradient goes: optimizer groups, encoder gradients, step effects')
    .option('--checkpoint <dir>', 'diagnose this checkpoint (or a run folder: its newest checkpoint) instead of a fresh model')
    .option('--config <file.json>', 'JSON file of config keys, as for lapo train (fresh model)')
    .option('--batch-from <split>', 'draw the batch from the train or valid split', choiceFlag('--batch-from', ['train', 'valid'] as const), 'train')
    .option('--json', 'print the report as one JSON object', false);
  addConfigOptions(cmd, HIDDEN_KEYS);
  cmd.action(async (opts: Record<string, unknown>, self: Command) => {
    const g = globalsOf(self);
    const base = { runsDir: 'runs', quiet: true, checkLeaks: false, argv: [], backend: null };
    const given = Object.keys(configFromOptions(opts));
    const checkpoint = typeof opts.checkpoint === 'string' ? opts.checkpoint : undefined;
    let request: Parameters<typeof import('../diagnostics/diagnose.js').diagnoseGradients>[0];
    if (checkpoint !== undefined) {
      const extra = given.find((k) => !CHECKPOINT_KEYS.includes(k)) ?? (opts.config !== undefined ? 'config' : undefined);
      if (extra) {
        throw new LapoError('usage', `${flagFor(extra)}: the model comes from --checkpoint ${checkpoint}; only --dataset, --encoder-grad, --batch-size and --scratch-dir apply to it`);
      }
      // Validated by the same parser as lapo train (the dataset placeholder only satisfies the schema).
      const req = buildRequest({ ...opts, dataset: opts.dataset ?? '-' }, base);
      if (req.kind !== 'new') throw new Error('diagnose-gradients: unexpected resume request');
      request = {
        checkpoint,
        dataset: given.includes('dataset') ? req.config.dataset : undefined,
        encoderGrad: given.includes('encoderGrad') ? (req.config.encoderGrad ?? undefined) : undefined,
        batchSize: req.config.batchSize ?? undefined,
        scratchDir: req.config.scratchDir ?? undefined,
        backend: '',
      };
    } else {
      const req = buildRequest(opts, base);
      if (req.kind !== 'new') throw new Error('diagnose-gradients: unexpected resume request');
      request = { config: req.config, backend: '' };
    }
    request.batchFrom = opts.batchFrom as 'train' | 'valid';
    const info = await startBackend(g);
    request.backend = info.name;
    const { diagnoseGradients } = await import('../diagnostics/diagnose.js');
    const { formatTable } = await import('../diagnostics/report.js');
    const report = await diagnoseGradients(request);
    process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatTable(report));
    process.exitCode = report.ok ? 0 : 1;
  });
}
