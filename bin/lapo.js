#!/usr/bin/env node
// Entry point installed as `lapo`. The TypeScript sources are compiled to dist/ by `npm ci` (prepare script).
import { main } from '../dist/cli/main.js';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(`lapo: ${err && err.message ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
