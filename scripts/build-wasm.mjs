// Builds wasm/lapo-kernels{,-shared}.wasm from wasm/kernels.c (`npm run build:wasm`) with Debian's clang + lld
// (apt-get install -y clang lld). Run by hand after editing kernels.c; the outputs are committed, so `npm ci`
// needs no compiler. Two variants of the same code: one imports tfjs-wasm's shared memory (the threaded
// module), one an unshared memory (the single-threaded fallback module).
// Checks what keeps the module safe inside tfjs's heap: no data segment, no import but the memory, no use of
// __stack_pointer (every local stays a wasm local).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = `${root}wasm/kernels.c`;
const common = [
  '--target=wasm32', '-O3', '-msimd128', '-mbulk-memory', '-nostdlib', '-ffp-contract=off', '-fno-builtin',
  '-Wall', '-Werror', '-Wl,--no-entry', '-Wl,--import-memory', '-Wl,-z,stack-size=0', '-Wl,--strip-all',
];
const variants = [
  { out: 'wasm/lapo-kernels-shared.wasm', flags: ['-matomics', '-Wl,--shared-memory', '-Wl,--max-memory=4294967296'] },
  { out: 'wasm/lapo-kernels.wasm', flags: [] },
];
for (const v of variants) {
  const out = `${root}${v.out}`;
  execFileSync('clang', [...common, ...v.flags, '-o', out, src], { stdio: 'inherit' });
  const mod = new WebAssembly.Module(readFileSync(out));
  const imports = WebAssembly.Module.imports(mod);
  if (imports.length !== 1 || imports[0].kind !== 'memory') throw new Error(`${v.out}: imports ${JSON.stringify(imports)}`);
  const dis = execFileSync('llvm-objdump-14', ['-d', out], { encoding: 'utf8' });
  const headers = execFileSync('llvm-objdump-14', ['-h', out], { encoding: 'utf8' });
  if (/\bDATA\b/.test(headers)) throw new Error(`${v.out}: has a data segment`);
  if (/global\.(get|set)/.test(dis)) throw new Error(`${v.out}: uses the stack pointer`);
  console.log(`${v.out}: ${readFileSync(out).length} bytes, exports ${WebAssembly.Module.exports(mod).map((e) => e.name).join(', ')}`);
}
// The source the committed binaries were built from (test/backend/wasm-build.test.ts fails when they are stale).
const sha = createHash('sha256').update(readFileSync(src)).digest('hex');
writeFileSync(`${root}wasm/kernels.c.sha256`, `${sha}  kernels.c\n`);
console.log(`wasm/kernels.c.sha256: ${sha}`);
