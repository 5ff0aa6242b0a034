#!/usr/bin/env node
// Rewrites the configuration table of docs/algorithm.md from the schema (test/docs/config-table.test.ts checks it).
import { readFileSync, writeFileSync } from 'node:fs';
import { configKeyTable } from '../dist/config/table.js';

const file = 'docs/algorithm.md';
const page = readFileSync(file, 'utf8');
const start = page.indexOf('| key | flag | default | meaning |');
if (start < 0) throw new Error(`${file}: the configuration table is missing`);
const end = page.indexOf('\n\n', start);
writeFileSync(file, page.slice(0, start) + configKeyTable() + (end < 0 ? '\n' : page.slice(end)));
console.log(`rewrote the configuration table of ${file}`);
