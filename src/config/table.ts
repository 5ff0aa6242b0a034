// The configuration keys as the Markdown table docs/algorithm.md shows (a test keeps the page equal to this), so
// the documented flags, defaults and meanings cannot drift from the schema.
import { CONFIG_KEYS, configDefaults, describeKey, flagFor } from './schema.js';

export function configKeyTable(): string {
  const rows = CONFIG_KEYS.map((key) => {
    const value = key === 'dataset' ? '(required)' : `\`${JSON.stringify((configDefaults as Record<string, unknown>)[key])}\``;
    return `| \`${key}\` | \`${flagFor(key)}\` | ${value} | ${describeKey(key)} |`;
  });
  return ['| key | flag | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}
