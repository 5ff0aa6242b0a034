// Reads ../shared/reference/lapo-parity.h5 (the official LAPO code's own numbers; see ../shared/README.md).
// LAPO_PARITY_FIXTURE overrides the path. A missing file fails the test with a message, never a skip.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import h5wasm from 'h5wasm/node';

export const FIXTURE_PATH = resolve(process.env.LAPO_PARITY_FIXTURE ?? '../shared/reference/lapo-parity.h5');

export interface TorchLayer {
  weight: Float32Array;
  weightShape: number[];
  bias: Float32Array;
}
export type TorchNet = Map<string, TorchLayer>;

export interface ParityFixture {
  config: Record<string, number>;
  init: Record<'critic' | 'actor' | 'actor_vae', TorchNet>;
  batches: { state: Float32Array; action: Float32Array; nextState: Float32Array; reward: Float32Array; notDone: Float32Array }[];
  noise: { targetLatentNoise: Float32Array; vaeEps: Float32Array }[];
  expected: { critic_loss: number; actor_vae_loss: number; actor_loss: number; advantage: Float32Array }[];
  final: Record<string, TorchNet>;
}

type H5Group = { keys(): string[]; get(k: string): unknown; attrs: Record<string, { value: unknown }> };
type H5Dataset = { value: unknown; shape: number[] };

function f32(ds: unknown): Float32Array {
  const v = (ds as H5Dataset).value;
  return v instanceof Float32Array ? v : Float32Array.from(v as ArrayLike<number>);
}

function readNet(g: H5Group): TorchNet {
  const net: TorchNet = new Map();
  for (const k of g.keys()) {
    const [layer, kind] = k.split('.');
    if (kind !== 'weight') continue;
    const w = g.get(`${layer}.weight`) as H5Dataset;
    net.set(layer, { weight: f32(w), weightShape: w.shape, bias: f32(g.get(`${layer}.bias`)) });
  }
  return net;
}

export async function loadParityFixture(): Promise<ParityFixture> {
  if (!existsSync(FIXTURE_PATH)) {
    throw new Error(`parity fixture not found: ${FIXTURE_PATH} (expected ../shared/reference/lapo-parity.h5 beside the checkout, or set LAPO_PARITY_FIXTURE)`);
  }
  await h5wasm.ready;
  const file = new h5wasm.File(FIXTURE_PATH, 'r');
  try {
    const root = file as unknown as H5Group;
    const cfgAttrs = (root.get('config') as H5Group).attrs;
    const config: Record<string, number> = {};
    for (const [k, a] of Object.entries(cfgAttrs)) config[k] = Number(a.value as number | bigint);
    const its = config.iterations;
    const grp = (p: string) => root.get(p) as H5Group;
    const init = {
      critic: readNet(grp('init/critic')),
      actor: readNet(grp('init/actor')),
      actor_vae: readNet(grp('init/actor_vae')),
    };
    const batches = [];
    const noise = [];
    const expected = [];
    for (let k = 0; k < its; k++) {
      const b = grp(`batches/it${k}`);
      batches.push({
        state: f32(b.get('state')),
        action: f32(b.get('action')),
        nextState: f32(b.get('next_state')),
        reward: f32(b.get('reward')),
        notDone: f32(b.get('not_done')),
      });
      const n = grp(`noise/it${k}`);
      noise.push({ targetLatentNoise: f32(n.get('target_latent_noise')), vaeEps: f32(n.get('vae_eps')) });
      const e = grp(`expected/it${k}`);
      expected.push({
        critic_loss: Number(e.attrs.critic_loss.value),
        actor_vae_loss: Number(e.attrs.actor_vae_loss.value),
        actor_loss: Number(e.attrs.actor_loss.value),
        advantage: f32(e.get('advantage')),
      });
    }
    const fin = grp('expected/final');
    const final: Record<string, TorchNet> = {};
    for (const k of fin.keys()) final[k] = readNet(fin.get(k) as H5Group);
    return { config, init, batches, noise, expected, final };
  } finally {
    file.close();
  }
}

/** Official layer name -> lapo's variable-name prefix (without `target/`). */
export function ourLayerName(net: 'critic' | 'actor' | 'actor_vae', layer: string): string {
  if (net === 'critic') {
    const m = /^([lv])(\d+)$/.exec(layer);
    if (!m) throw new Error(`unknown critic layer ${layer}`);
    const i = Number(m[2]);
    const head = m[1] === 'v' ? 'v' : i <= 4 ? 'q1' : 'q2';
    return `critic/${head}/${layer}`;
  }
  return `${net}/${layer}`;
}
