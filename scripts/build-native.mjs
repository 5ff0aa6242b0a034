#!/usr/bin/env node
// Builds lapo's native engine (native/, an N-API addon on OpenBLAS, with oneDNN's convolutions when Debian's
// libdnnl-dev 2.x is installed) during `npm ci` / `npm install`.
// The addon is optional: when OpenBLAS's headers are missing or the build fails, this prints one line and exits
// 0, so installing lapo never fails; `--backend native` then says what to install. A build with oneDNN that
// fails is retried without it.
// Overrides: LAPO_SKIP_NATIVE=1 (skip), LAPO_DNNL=0 (no oneDNN), LAPO_OPENBLAS_INCLUDE=<dir with cblas.h>,
// LAPO_OPENBLAS_LIB=<lib name, default openblas>, LAPO_NATIVE_ARCH=<compiler flag, default -march=x86-64-v3 on
// CPUs with AVX2+FMA, '' for none>.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = join(root, 'native');
const logFile = join(nativeDir, 'build', 'build.log');
const say = (msg) => console.log(`lapo native engine: ${msg}`);

function findOpenblasInclude() {
  if (process.env.LAPO_OPENBLAS_INCLUDE) return process.env.LAPO_OPENBLAS_INCLUDE;
  const triple = `${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`;
  const candidates = [
    `/usr/include/${triple}/openblas-pthread`, // Debian/Ubuntu libopenblas-dev (pthread flavour)
    `/usr/include/${triple}/openblas-openmp`,
    `/usr/include/${triple}/openblas-serial`,
    '/usr/include/openblas', // Fedora, Arch
    '/usr/local/opt/openblas/include', // Homebrew (Intel)
    '/opt/homebrew/opt/openblas/include', // Homebrew (Apple silicon)
    '/usr/local/include',
  ];
  return candidates.find((d) => existsSync(join(d, 'cblas.h')) && existsSync(join(d, 'openblas_config.h')));
}

function archFlag() {
  if (process.env.LAPO_NATIVE_ARCH !== undefined) return process.env.LAPO_NATIVE_ARCH;
  if (process.arch !== 'x64') return '';
  try {
    const flags = readFileSync('/proc/cpuinfo', 'utf8');
    return /\bavx2\b/.test(flags) && /\bfma\b/.test(flags) ? '-march=x86-64-v3' : '';
  } catch {
    return '';
  }
}

/** oneDNN 2.x (the API lapo's kernels use; 3.x dropped operation descriptors) from the system headers. */
function findDnnl() {
  if (process.env.LAPO_DNNL === '0') return false;
  for (const dir of ['/usr/include', '/usr/local/include', '/opt/homebrew/include']) {
    const version = join(dir, 'oneapi', 'dnnl', 'dnnl_version.h');
    if (existsSync(join(dir, 'dnnl.hpp')) && existsSync(version)) {
      return /#define\s+DNNL_VERSION_MAJOR\s+2\b/.test(readFileSync(version, 'utf8'));
    }
  }
  return false;
}

function nodeGyp() {
  if (process.env.npm_config_node_gyp && existsSync(process.env.npm_config_node_gyp)) {
    return process.env.npm_config_node_gyp;
  }
  try {
    return createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    const bundled = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
    return existsSync(bundled) ? bundled : null;
  }
}

function main() {
  if (process.env.LAPO_SKIP_NATIVE === '1') return say('skipped (LAPO_SKIP_NATIVE=1)');
  const include = findOpenblasInclude();
  if (!include) {
    return say('not built: OpenBLAS headers not found (apt-get install libopenblas-dev, then npm run install)');
  }
  const gyp = nodeGyp();
  if (!gyp) return say('not built: node-gyp not found (it ships with npm)');
  // Node's own headers, when installed beside the binary (Debian, nodesource, official tarballs): no download.
  const prefix = resolve(dirname(process.execPath), '..');
  const nodedir = existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
  const build = (dnnl) => {
    const args = [
      gyp, 'rebuild', '--release', ...nodedir, `--directory=${nativeDir}`, '--',
      `-Dopenblas_include=${include}`,
      `-Dopenblas_lib=${process.env.LAPO_OPENBLAS_LIB ?? 'openblas'}`,
      `-Dlapo_arch=${archFlag()}`,
      `-Dlapo_dnnl=${dnnl ? 1 : 0}`,
    ];
    const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', env: process.env });
    mkdirSync(dirname(logFile), { recursive: true });
    writeFileSync(logFile, `${args.join(' ')}\n\n${r.stdout ?? ''}\n${r.stderr ?? ''}\n${r.error ?? ''}\n`);
    return r.status === 0;
  };
  const t0 = Date.now();
  let dnnl = findDnnl();
  let ok = build(dnnl);
  if (!ok && dnnl) {
    dnnl = false;
    ok = build(false);
  }
  if (!ok) {
    return say(`not built: compiling failed (details in ${logFile}); --backend native will be unavailable`);
  }
  const convs = dnnl ? 'oneDNN convolutions' : 'im2col convolutions (install libdnnl-dev for oneDNN)';
  say(`built in ${((Date.now() - t0) / 1000).toFixed(0)} s (OpenBLAS from ${include}, ${convs})`);
}

try {
  main();
} catch (e) {
  say(`not built: ${e instanceof Error ? e.message : String(e)}`);
}
process.exit(0);
