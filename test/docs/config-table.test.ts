// docs/algorithm.md's configuration table is the schema's: every key, flag, default and meaning, in order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { configKeyTable } from '../../src/config/table.js';

test('docs/algorithm.md lists every configuration key exactly as the schema has it', () => {
  const page = readFileSync('docs/algorithm.md', 'utf8');
  const start = page.indexOf('| key | flag | default | meaning |');
  assert.ok(start >= 0, 'docs/algorithm.md: the configuration table is missing');
  const end = page.indexOf('\n\n', start);
  const table = page.slice(start, end < 0 ? undefined : end).trim();
  assert.equal(table, configKeyTable(), 'regenerate it with npm run docs:config');
});
