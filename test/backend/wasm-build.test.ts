// The committed SIMD modules (wasm/*.wasm) are what wasm/kernels.c builds to: `npm ci` uses them without a
// compiler, so a kernels.c edited without `npm run build:wasm` would silently run the old code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

const file = (p: string) => new URL(`../../wasm/${p}`, import.meta.url);
const EXPORTS = ['gemm', 'pack_b', 'pack_gemm', 'bias_act', 'conv_filter_grad', 'add_to', 'adam'];

test('the committed modules were built from the current wasm/kernels.c', () => {
  const recorded = readFileSync(file('kernels.c.sha256'), 'utf8').split(/\s+/)[0];
  const actual = createHash('sha256').update(readFileSync(file('kernels.c'))).digest('hex');
  assert.equal(actual, recorded, 'wasm/kernels.c changed since the .wasm files were built: run `npm run build:wasm` (needs clang and lld)');
});

test('each module imports only a memory (shared for the threaded heap) and exports every kernel', () => {
  for (const [name, shared] of [['lapo-kernels.wasm', false], ['lapo-kernels-shared.wasm', true]] as const) {
    const mod = new WebAssembly.Module(readFileSync(file(name)));
    assert.deepEqual(WebAssembly.Module.imports(mod), [{ module: 'env', name: 'memory', kind: 'memory' }], name);
    const exported = WebAssembly.Module.exports(mod).map((e) => e.name);
    for (const e of EXPORTS) assert.ok(exported.includes(e), `${name} does not export ${e}`);
    // Instantiating against the wrong kind of memory fails: the variants are not interchangeable.
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared } as WebAssembly.MemoryDescriptor);
    new WebAssembly.Instance(mod, { env: { memory } });
    const other = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: !shared } as WebAssembly.MemoryDescriptor);
    assert.throws(() => new WebAssembly.Instance(mod, { env: { memory: other } }), WebAssembly.LinkError, name);
  }
});
