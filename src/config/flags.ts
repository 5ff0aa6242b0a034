// Config keys as command-line flags, generated from the schema for every command that builds a model
// (`lapo train`, `lapo diagnose-gradients`): the flag of a key is its kebab-case spelling (criticLr ->
// --critic-lr, maxMemoryMB -> --max-memory-mb), the argument and help text come from the key's type, default and
// description, and flag text becomes the JSON value the schema then checks (non-numbers stay strings, so an
// error shows what was typed).
import { Option, type Command } from 'commander';
import type { z } from 'zod';
import { CONFIG_KEYS, LapoConfigSchema, configDefaults, describeKey, flagFor } from './schema.js';

/** Commander's attribute name for a key's flag (--max-memory-mb -> maxMemoryMb). */
function attrFor(key: string): string {
  return flagFor(key)
    .slice(2)
    .replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
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

/** Flag text -> the JSON value the schema checks (non-numbers stay strings so the error shows them). */
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
      return v
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x.length > 0);
    default:
      return v;
  }
}

function argName(key: string): string {
  const { kind, choices } = kindOf(key);
  if (kind === 'numberList') return '<n,n,...>';
  if (kind === 'stringList') return '<key,...>';
  if (kind === 'number') return '<n>';
  if (choices) return `<${choices.join('|')}>`;
  if (key === 'dataset') return '<file.h5>';
  if (key === 'scratchDir') return '<dir>';
  return '<name>';
}

function helpDefault(key: string): string {
  const d = (configDefaults as Record<string, unknown>)[key];
  return d === undefined ? '' : ` (default: ${Array.isArray(d) ? d.join(',') : String(d)})`;
}

/** Adds one option per config key to `cmd`; `hidden` keys are accepted but left out of --help. */
export function addConfigOptions(cmd: Command, hidden: readonly string[] = []): void {
  for (const key of CONFIG_KEYS) {
    const opt = new Option(`${flagFor(key)} ${argName(key)}`, `${describeKey(key)}${helpDefault(key)}`);
    cmd.addOption(hidden.includes(key) ? opt.hideHelp() : opt);
  }
}

/** The config keys given on the command line, as schema values (not yet validated), in schema order. */
export function configFromOptions(opts: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) {
    const raw = opts[attrFor(key)];
    if (raw !== undefined) out[key] = flagValue(key, String(raw));
  }
  return out;
}
