// lapo train: parsing only. Every config key of src/algo/config.ts is a kebab-case flag (--batch-size →
// batchSize); `--config FILE.json` supplies a base, flags override it, and the merge is validated strictly by
// parseConfig (unknown keys and bad values: one line naming the key). With --resume the run's own config.json is
// the base and only the flags/keys given explicitly are passed on; the trainer decides which may change.
import { readFileSync, existsSync } from 'node:fs';
import type { Command } from 'commander';
import { z } from 'zod';
import { LapoConfigSchema, CONFIG_KEYS, configDefaults, describeKey, parseConfig, type LapoConfig } from '../algo/config.js';
import { LapoError, errors, isLapoError } from '../errors.js';
import { globalsOf, startBackend } from './context.js';
import { intFlag } from './parse.js';
import type { BackendInfo } from '../backend/init.js';

export interface TrainRunOptions {
  resume?: string;
  runsDir: string;
  quiet: boolean;
  keepCheckpoints?: number;
  checkLeaks: boolean;
  argv: string[];
  backend: BackendInfo | null;
}

/** What `lapo train` hands to the trainer: a full config (new run) or explicit overrides (--resume). */
export type TrainRequest =
  | { kind: 'new'; config: LapoConfig; options: TrainRunOptions }
  | { kind: 'resume'; overrides: Partial<LapoConfig>; source: string; options: TrainRunOptions };

export type TrainUseCase = (req: TrainRequest) => Promise<void>;

/** --batch-size from batchSize, --max-memory-mb from maxMemoryMB. */
export function kebab(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
}

/** Commander's attribute name for a kebab flag (--max-memory-mb → maxMemoryMb). */
function commanderAttr(flag: string): string {
  return flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

type Kind = 'number' | 'numberList' | 'stringList' | 'string';

/** The value kind of a config key, read from its zod schema (unwrapping default/nullable). */
function kindOf(key: string): { kind: Kind; nullable: boolean; choices: string[] | null } {
  type Def = { def: { type: string; innerType?: unknown; element?: unknown; entries?: Record<string, string> } };
  let s = (LapoConfigSchema.shape as Record<string, z.ZodType>)[key] as unknown as Def;
  let nullable = false;
  while (s.def.type === 'default' || s.def.type === 'nullable' || s.def.type === 'optional') {
    if (s.def.type === 'nullable') nullable = true;
    s = s.def.innerType as Def;
  }
  if (s.def.type === 'number') return { kind: 'number', nullable, choices: null };
  if (s.def.type === 'array') {
    const el = (s.def.element as Def).def.type;
    return { kind: el === 'number' ? 'numberList' : 'stringList', nullable, choices: null };
  }
  const choices = s.def.type === 'enum' && s.def.entries ? Object.values(s.def.entries) : null;
  return { kind: 'string', nullable, choices };
}

const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** Flag text → the JSON value the schema checks (non-numbers stay strings so the error shows them). */
export function flagValue(key: string, raw: string): unknown {
  const { kind, nullable } = kindOf(key);
  const v = raw.trim();
  if (nullable && v === 'null') return null;
  const num = (s: string) => (NUMERIC.test(s) ? Number(s) : s);
  switch (kind) {
    case 'number':
      return num(v);
    case 'numberList':
      return v.split(',').map((x) => num(x.trim()));
    case 'stringList':
      return v.split(',').map((x) => x.trim()).filter((x) => x.length > 0);
    default:
      return v;
  }
}

/** Validates one flag on its own so that the message names the flag, not the merged config. */
function checkFlag(key: string, value: unknown): void {
  const flag = `--${kebab(key)}`;
  try {
    parseConfig({ dataset: '-', [key]: value }, flag);
  } catch (e) {
    if (isLapoError(e)) throw new LapoError('config', e.message.replace(`${flag}: ${key}: `, `${flag}: `), e.hint);
    throw e;
  }
}

function readConfigFile(file: string): Record<string, unknown> {
  if (!existsSync(file)) throw new LapoError('config', `--config ${file}: no such file`);
  let obj: unknown;
  try {
    obj = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new LapoError('config', `${file}: expected JSON, found unreadable text (${(e as Error).message})`);
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    throw new LapoError('config', `${file}: expected a JSON object of config keys, found ${Array.isArray(obj) ? 'an array' : JSON.stringify(obj)}`);
  }
  return obj as Record<string, unknown>;
}

/** Turns commander's parsed options into a TrainRequest (exported for tests). */
export function buildRequest(opts: Record<string, unknown>, base: Omit<TrainRunOptions, 'resume'>): TrainRequest {
  const flags: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) {
    const raw = opts[commanderAttr(kebab(key))];
    if (raw === undefined) continue;
    const value = flagValue(key, String(raw));
    checkFlag(key, value);
    flags[key] = value;
  }
  const file = typeof opts.config === 'string' ? opts.config : undefined;
  const fromFile = file ? readConfigFile(file) : {};
  const merged = { ...fromFile, ...flags };
  const source = file ?? 'command line';
  const resume = typeof opts.resume === 'string' ? opts.resume : undefined;
  if (resume) {
    return { kind: 'resume', overrides: merged as Partial<LapoConfig>, source, options: { ...base, resume } };
  }
  if (merged.dataset === undefined) {
    throw new LapoError('usage', '--dataset: required (or a --config file with "dataset", or --resume runs/<name>)');
  }
  return { kind: 'new', config: parseConfig(merged, source), options: base };
}

function helpDefault(key: string): string {
  const d = (configDefaults as Record<string, unknown>)[key];
  return d === undefined ? '' : ` (default: ${Array.isArray(d) ? d.join(',') : String(d)})`;
}

async function defaultUseCase(req: TrainRequest): Promise<void> {
  // Imported lazily: `lapo --help` should not load TensorFlow.js and the dataset reader.
  const { train } = await import('../run/trainer.js');
  // --eval-every N: offline validation metrics, plus online episodes when the dataset names a built-in task.
  const { createTrainEvaluator } = await import('../eval/periodic.js');
  const opts = { ...req.options, evaluator: createTrainEvaluator() };
  const res =
    req.kind === 'new' ? await train(req.config, opts) : await train(req.overrides, { ...opts, resumeSource: req.source });
  // The run folder on stdout, so scripts can capture it; everything else went to stderr.
  process.stdout.write(`${res.runDir}\n`);
}

export function registerTrain(program: Command, useCase: TrainUseCase = defaultUseCase): void {
  const cmd = program
    .command('train')
    .description('train LAPO on an HDF5 dataset (images and/or state vectors) into runs/<name>/')
    .option('--config <file.json>', 'JSON file of config keys (camelCase); flags override it')
    .option('--resume <run>', 'continue runs/<name> (or one of its checkpoints/step_<N>, or a run name under --runs-dir) where it stopped')
    .option('--runs-dir <dir>', 'folder that holds the run folders', 'runs')
    .option('--keep-checkpoints <k>', 'keep only the K newest checkpoints (default: keep all)', intFlag('--keep-checkpoints', 1))
    .option('--check-leaks', 'fail when the tensor count grows between log steps', false)
    .option('--quiet', 'no progress output', false);
  for (const key of CONFIG_KEYS) {
    const flag = `--${kebab(key)}`;
    const { kind, choices } = kindOf(key);
    const arg = kind === 'numberList' ? '<n,n,...>' : kind === 'stringList' ? '<key,...>' : kind === 'number' ? '<n>' : choices ? `<${choices.join('|')}>` : key === 'dataset' ? '<file.h5>' : key === 'scratchDir' ? '<dir>' : '<name>';
    cmd.option(`${flag} ${arg}`, `${describeKey(key)}${helpDefault(key)}`);
  }
  cmd.action(async (opts: Record<string, unknown>, self: Command) => {
    const g = globalsOf(self);
    const quiet = Boolean(opts.quiet);
    const runsDir = String(opts.runsDir ?? 'runs');
    // An empty --runs-dir would put the run folder into the current folder.
    if (runsDir.trim() === '') throw errors.badFlag('--runs-dir', 'a folder path', runsDir);
    const base = {
      runsDir,
      quiet,
      keepCheckpoints: opts.keepCheckpoints as number | undefined,
      checkLeaks: Boolean(opts.checkLeaks),
      argv: process.argv.slice(2),
      backend: null as BackendInfo | null,
    };
    const req = buildRequest(opts, base);
    req.options.backend = await startBackend(g, { quiet });
    await useCase(req);
  });
}
