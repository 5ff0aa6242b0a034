// One place picks the TensorFlow.js backend.
//   auto           -> tensorflow-gpu, then tensorflow, then native, then wasm
//   tensorflow(-gpu) -> @tensorflow/tfjs-node(-gpu), optional peer dependencies, imported only when asked for
//   native         -> the cpu backend with lapo's OpenBLAS kernels (src/backend/native.ts)
//   wasm           -> tfjs-backend-wasm with lapo's training kernels and two threads (src/backend/wasm.ts)
//   cpu            -> the pure-JS reference backend (slow; kernel tests compare against it)
import { tf } from './tf.js';
import { LapoError, errors } from '../errors.js';
import { setupWasm } from './wasm.js';
import { setupNative, nativeAvailable, nativeUnavailableReason } from './native.js';

export const BACKENDS = ['auto', 'native', 'wasm', 'cpu', 'tensorflow', 'tensorflow-gpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

export interface BackendInfo {
  requested: BackendName;
  /** The backend actually running: native | wasm | cpu | tensorflow | tensorflow-gpu. */
  name: Exclude<BackendName, 'auto'>;
  threads: number;
  /** Versions and kernel libraries, for meta.json. */
  detail: string;
}

let current: BackendInfo | null = null;

export function currentBackend(): BackendInfo | null {
  return current;
}

export function parseBackend(value: string): BackendName {
  if ((BACKENDS as readonly string[]).includes(value)) return value as BackendName;
  throw errors.badFlag('--backend', BACKENDS.join('|'), value);
}

async function tryImport(pkg: string): Promise<boolean> {
  try {
    await import(pkg);
    return true;
  } catch {
    return false;
  }
}

async function setupTensorflow(gpu: boolean): Promise<BackendInfo | null> {
  const pkg = gpu ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
  if (!(await tryImport(pkg))) return null;
  const name = gpu ? 'tensorflow-gpu' : 'tensorflow';
  await tf.setBackend('tensorflow');
  await tf.ready();
  return { requested: name, name, threads: 0, detail: `${pkg} (libtensorflow picks its own threads)` };
}

/** Initialises the requested backend once per process and returns what runs. */
export async function initBackend(requested: BackendName, opts: { threads?: number } = {}): Promise<BackendInfo> {
  if (current && (current.requested === requested || current.name === requested)) return current;
  let info: BackendInfo | null = null;
  switch (requested) {
    case 'cpu':
      await tf.setBackend('cpu');
      await tf.ready();
      info = { requested, name: 'cpu', threads: 1, detail: `tfjs-backend-cpu ${tf.version_core}` };
      break;
    case 'wasm':
      info = { requested, ...(await setupWasm(opts.threads)) };
      break;
    case 'native':
      if (!nativeAvailable()) throw errors.backendMissing('native', nativeInstallHint());
      info = { requested, ...(await setupNative(opts.threads)) };
      break;
    case 'tensorflow':
    case 'tensorflow-gpu': {
      const gpu = requested === 'tensorflow-gpu';
      info = await setupTensorflow(gpu);
      if (!info) {
        throw errors.backendMissing(
          requested,
          `install it with: npm install @tensorflow/tfjs-node${gpu ? '-gpu' : ''}@4.22.0 (downloads libtensorflow at install time)`,
        );
      }
      break;
    }
    case 'auto': {
      info = (await setupTensorflow(true)) ?? (await setupTensorflow(false));
      if (!info && nativeAvailable()) info = { ...(await setupNative(opts.threads)), requested };
      if (!info) info = { ...(await setupWasm(opts.threads)), requested };
      info = { ...info, requested };
      break;
    }
    default:
      throw new LapoError('usage', `--backend: unknown backend ${String(requested)}`);
  }
  current = info;
  return info;
}

export function nativeInstallHint(): string {
  // `npm rebuild lapo` would not run the root package's own install script; `npm rebuild` does.
  return `build it with: apt-get install -y libopenblas-dev libdnnl-dev && npm rebuild (${nativeUnavailableReason()})`;
}
