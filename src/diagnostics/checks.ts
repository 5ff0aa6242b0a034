// The checks of `lapo diagnose-gradients` from measured numbers only.
// The expectations are written here, from the design, not read from src/algo/groups.ts: a diagnosis that took
// the group table's word for what the groups should be could never catch a wrong table.
//   design: critic group = Q1, Q2, V (+ encoder); actorVae = the VAE; actor = the latent policy; the encoder goes
//   to the group(s) --encoder-grad names, and the critic's value gradient must reach and move it in every mode:
//   under vae or frozen that requirement fails on purpose, which is the point of those modes.
import type { LapoAgent } from '../algo/agent.js';
import type { EncoderGrad } from '../config/schema.js';
import type { GroupName } from '../algo/group-table.js';
import { check, fmtNum, skip, type Check } from './report.js';
import { PARTS, PART_GROUP, adamUpdate, type Part, type Probe } from './probe.js';
import { l2, maxAbsChange, paramCount, type HostVars } from './state.js';

export const GROUPS: readonly GroupName[] = ['critic', 'actorVae', 'actor'];
const NET_PREFIX: Record<GroupName, string> = { critic: 'critic/', actorVae: 'actor_vae/', actor: 'actor/' };
/** Which groups own the encoder in each mode: the design, independent of the code's table. */
export const ENCODER_OWNERS: Record<EncoderGrad, readonly GroupName[]> = {
  critic: ['critic'],
  vae: ['actorVae'],
  both: ['critic', 'actorVae'],
  frozen: [],
};
const PART_LABEL: Record<Part, string> = { critic: 'critic', vae: 'VAE', actor: 'actor' };

export const MEANINGS = {
  noValueGradient: {
    vae: 'the encoder receives no value gradient: it learns only from action reconstruction',
    frozen: 'the encoder receives no value gradient: it is frozen and never learns',
    critic: 'the encoder receives no value gradient from the critic loss on this batch (a dead layer or a broken graph)',
    both: 'the encoder receives no value gradient from the critic loss on this batch (a dead layer or a broken graph)',
  } as Record<EncoderGrad, string>,
  ownership: 'the optimizer groups differ from the design: some step trains the wrong variables',
  leak: 'a step changes variables outside its own group: the groups are not isolated',
  target: 'a gradient step changes a target network: targets must move only by the soft update',
  soft: 'the targets do not move by the fraction tau toward the online networks',
  survival: "the encoder's update is not the Adam step of its owners' gradients: something zeroes, rescales or overwrites it",
};

export interface Names {
  online: string[];
  encoder: string[];
  targets: string[];
  nets: Record<GroupName, string[]>;
}

export function variableNames(agent: LapoAgent): Names {
  const all = [...agent.namedVariables().keys()];
  const online = all.filter((n) => !n.startsWith('target/'));
  return {
    online,
    encoder: online.filter((n) => n.startsWith('encoder/')),
    targets: all.filter((n) => n.startsWith('target/')),
    nets: {
      critic: online.filter((n) => n.startsWith(NET_PREFIX.critic)),
      actorVae: online.filter((n) => n.startsWith(NET_PREFIX.actorVae)),
      actor: online.filter((n) => n.startsWith(NET_PREFIX.actor)),
    },
  };
}

const owners = (mode: EncoderGrad) => ENCODER_OWNERS[mode];
const ownersText = (gs: readonly string[]) => (gs.length === 0 ? 'none' : gs.join('+'));

/** Ownership: what each optimizer group holds, where the encoder is, disjointness and coverage. */
export function ownershipChecks(agent: LapoAgent, mode: EncoderGrad, names: Names, vars: HostVars): Check[] {
  const out: Check[] = [];
  const held = new Map<string, GroupName[]>();
  for (const g of GROUPS) {
    const got = agent.groups[g].variables.map(([n]) => n);
    for (const n of got) held.set(n, [...(held.get(n) ?? []), g]);
    const withEncoder = owners(mode).includes(g) && names.encoder.length > 0;
    const want = [...names.nets[g], ...(withEncoder ? names.encoder : [])];
    const same = want.length === got.length && want.every((n) => got.includes(n));
    const desc = (list: string[]) => {
      const parts = [...new Set(list.map((n) => n.split('/')[0]))].sort().map((p) => `${p}/*`);
      return parts.join(' + ') || 'nothing';
    };
    out.push(
      check(`ownership.${g}`, `${got.length} vars, ${paramCount(vars, got)} params: ${desc(got)}`, desc(want), same, MEANINGS.ownership),
    );
  }
  if (names.encoder.length === 0) {
    out.push(skip('ownership.encoder', 'no encoder variables (state-only data: identity encoder)'));
  } else {
    const sets = new Set(names.encoder.map((n) => ownersText(held.get(n) ?? [])));
    const measured = sets.size === 1 ? [...sets][0] : `mixed (${[...sets].join(' / ')})`;
    const frozenOk = mode !== 'frozen' || names.encoder.every((n) => !agent.namedVariables().get(n)!.trainable);
    const expected = ownersText(owners(mode)) + (mode === 'frozen' ? ' (not trainable)' : '');
    out.push(check('ownership.encoder', measured + (mode === 'frozen' && !frozenOk ? ' (trainable!)' : ''), expected, measured === ownersText(owners(mode)) && frozenOk, MEANINGS.ownership));
  }
  const shared = [...held].filter(([n, gs]) => gs.length > 1 && !(mode === 'both' && n.startsWith('encoder/')));
  out.push(
    check('ownership.disjoint', shared.length === 0 ? '0 shared' : `${shared.length} shared, e.g. ${shared[0][0]} in ${shared[0][1].join('+')}`,
      mode === 'both' ? '0 shared (besides the encoder)' : '0 shared', shared.length === 0, MEANINGS.ownership),
  );
  const trainable = [...agent.namedVariables()].filter(([, v]) => v.trainable).map(([n]) => n);
  const orphans = trainable.filter((n) => !held.has(n));
  const strays = [...held.keys()].filter((n) => n.startsWith('target/') || !agent.namedVariables().get(n)?.trainable);
  const bad = [...orphans.map((n) => `${n} in no group`), ...strays.map((n) => `${n} (not trainable) in a group`)];
  out.push(
    check('ownership.cover', bad.length === 0 ? `all ${trainable.length} trainable in a group` : `${bad.length} wrong, e.g. ${bad[0]}`,
      'every trainable variable in a group; targets in none', bad.length === 0, MEANINGS.ownership),
  );
  return out;
}

/** Encoder layer of a variable name ('encoder/conv1/kernel' → 'encoder/conv1'). */
function layerGrads(layers: string[], grads: Map<string, Float32Array>): Map<string, number> {
  const out = new Map<string, number>();
  for (const layer of layers) out.set(layer, l2([...grads].filter(([n]) => n.startsWith(`${layer}/`)).map(([, g]) => g)));
  return out;
}

/** Reach: the gradient each loss delivers to each encoder layer (the first conv layer is `encoder/conv1`). */
export function reachChecks(agent: LapoAgent, mode: EncoderGrad, probe: Probe): Check[] {
  const layers = agent.encoderLayers();
  if (layers.length === 0) return PARTS.map((p) => skip(`reach.${p}`, 'no encoder variables (state-only data: identity encoder)'));
  const out: Check[] = [];
  for (const part of PARTS) {
    const group = PART_GROUP[part];
    const applied = agent.groups[group].variables.some(([n]) => n.startsWith('encoder/'));
    const norms = layerGrads(layers, probe.encoderGrads[part]);
    // The critic must reach the encoder in every mode (the design); VAE and actor only where they own it.
    const mustReach = part === 'critic' || owners(mode).includes(group);
    for (const [layer, computed] of norms) {
      const name = `reach.${part}.${layer}`;
      if (mustReach) {
        // A gradient computed but not in the group's optimizer is dropped: the encoder receives 0 from this loss.
        const received = applied ? computed : 0;
        const shown = !applied && computed > 0 ? `0 (${fmtNum(computed)} computed, dropped: not in the ${group} optimizer)` : received;
        const expected = layer === 'encoder/conv1' ? '> 0 (first conv layer)' : '> 0';
        out.push(check(name, shown, expected, received > 0, part === 'critic' ? MEANINGS.noValueGradient[mode] : MEANINGS.ownership));
      } else {
        // Not an owner: the loss must not even produce a gradient for the encoder (its features are detached).
        out.push(check(name, computed, '0 (features detached)', computed === 0, MEANINGS.leak));
      }
    }
  }
  return out;
}

/** Step effects: each part's change of its own networks, the encoder, the other groups' networks and the targets. */
export function stepChecks(mode: EncoderGrad, names: Names, probe: Probe): Check[] {
  const out: Check[] = [];
  let prev = probe.before;
  for (const part of PARTS) {
    const group = PART_GROUP[part];
    const now = probe.after[part];
    const label = PART_LABEL[part];
    out.push(check(`step.${part}.own`, maxAbsChange(prev, now, names.nets[group]), `> 0 (${label} changes)`, maxAbsChange(prev, now, names.nets[group]) > 0, MEANINGS.leak));
    if (names.encoder.length === 0) {
      out.push(skip(`step.${part}.encoder`, 'no encoder variables (state-only data: identity encoder)'));
    } else {
      const d = maxAbsChange(prev, now, names.encoder);
      if (part === 'critic') out.push(check('step.critic.encoder', d, '> 0', d > 0, MEANINGS.noValueGradient[mode]));
      else if (owners(mode).includes(group)) out.push(check(`step.${part}.encoder`, d, `> 0 (--encoder-grad ${mode})`, d > 0, MEANINGS.ownership));
      else out.push(check(`step.${part}.encoder`, d, '0', d === 0, MEANINGS.leak));
    }
    const others = GROUPS.filter((g) => g !== group).flatMap((g) => names.nets[g]);
    const dOther = maxAbsChange(prev, now, others);
    out.push(check(`step.${part}.other-groups`, dOther, '0', dOther === 0, MEANINGS.leak));
    const dT = maxAbsChange(prev, now, names.targets);
    out.push(check(`step.${part}.targets`, dT, '0', dT === 0, MEANINGS.target));
    prev = now;
  }
  return out;
}

/**
 * Soft updates: for each target network, the fraction it moved toward its online network, estimated by least
 * squares over all its parameters (τ̂ = Σ Δt·(θ−t) / Σ (θ−t)²), and the worst element off τ·(θ−t), which float32
 * rounding keeps within a few units in the last place of the weights.
 */
export function softUpdateChecks(mode: EncoderGrad, names: Names, probe: Probe, tau: number): Check[] {
  const before = probe.after.actor;
  const after = probe.afterSoft;
  const out: Check[] = [];
  for (const net of ['critic', 'actor', 'actor_vae', 'encoder']) {
    const online = names.online.filter((n) => n.startsWith(`${net}/`));
    if (online.length === 0) {
      out.push(skip(`soft-update.${net}`, 'no encoder variables (state-only data: identity encoder)'));
      continue;
    }
    let num = 0;
    let den = 0;
    let worst = 0;
    let scale = 0;
    let moved = 0;
    for (const n of online) {
      const p = before.get(n)!;
      const t0 = before.get(`target/${n}`)!;
      const t1 = after.get(`target/${n}`)!;
      for (let i = 0; i < p.length; i++) {
        const gap = p[i] - t0[i];
        const dt = t1[i] - t0[i];
        num += dt * gap;
        den += gap * gap;
        worst = Math.max(worst, Math.abs(dt - tau * gap));
        scale = Math.max(scale, Math.abs(t0[i]), Math.abs(p[i]));
        moved = Math.max(moved, Math.abs(dt));
      }
    }
    const name = `soft-update.${net}`;
    if (net === 'encoder' && mode === 'frozen') {
      out.push(check(name, moved, '0 (frozen: encoder and target stay equal)', moved === 0, MEANINGS.soft));
    } else if (den === 0) {
      // Online equals target (e.g. an encoder nothing stepped): only float32 rounding of τθ + (1−τ)θ may move it.
      out.push(check(name, moved, '0 (online equals target; rounding only)', moved <= roundingTolerance(scale), MEANINGS.soft));
    } else {
      const tauHat = num / den;
      const ok = Math.abs(tauHat - tau) <= 0.01 * tau && worst <= roundingTolerance(scale);
      out.push(check(name, `tau ${fmtNum(tauHat)} (worst element off by ${fmtNum(worst)})`, `tau ${fmtNum(tau)}`, ok, MEANINGS.soft));
      out[out.length - 1].value = tauHat;
    }
  }
  return out;
}

/** A few units in the last place of float32 weights of magnitude up to `scale`. */
function roundingTolerance(scale: number): number {
  return 8 * 2 ** -24 * Math.max(1, scale);
}

/**
 * Survival: the encoder after a real agent.step() equals the starting encoder moved by the Adam step of each
 * owning group's encoder gradient, in step order (critic first). A gradient zeroed, rescaled or overwritten
 * between its computation and its use, or any other write to the encoder, shows up as a difference.
 */
export function survivalCheck(agent: LapoAgent, mode: EncoderGrad, names: Names, probe: Probe, realAfter: HostVars): Check {
  if (names.encoder.length === 0) return skip('survival.encoder', 'no encoder variables (state-only data: identity encoder)');
  const predicted = new Map<string, Float64Array>();
  for (const n of names.encoder) predicted.set(n, Float64Array.from(probe.before.get(n)!));
  const used: string[] = [];
  for (const part of PARTS) {
    const group = PART_GROUP[part];
    if (!agent.groups[group].variables.some(([n]) => n.startsWith('encoder/'))) continue;
    used.push(PART_LABEL[part]);
    const opt = probe.optimizerBefore[part];
    for (const n of names.encoder) {
      const g = probe.encoderGrads[part].get(n);
      const s = opt.params.get(n);
      if (!g || !s) continue; // no gradient: Adam skips the parameter, as PyTorch does for grad None
      // Each part starts from where the previous one left the encoder (under `both` the critic moved it first).
      predicted.set(n, adamUpdate(Float32Array.from(predicted.get(n)!), g, s, opt));
    }
  }
  let err = 0;
  let step = 0;
  for (const n of names.encoder) {
    const p0 = probe.before.get(n)!;
    const pred = predicted.get(n)!;
    const real = realAfter.get(n)!;
    for (let i = 0; i < pred.length; i++) {
      err = Math.max(err, Math.abs(real[i] - pred[i]));
      step = Math.max(step, Math.abs(pred[i] - p0[i]));
    }
  }
  const from = used.length === 0 ? 'no gradient (no owner)' : `Adam on the ${used.join(' then ')} gradient`;
  if (step === 0) return check('survival.encoder', err, `0 (${from})`, err === 0, MEANINGS.survival);
  const rel = err / step;
  return check('survival.encoder', `${fmtNum(rel)} (relative to the step)`, `<= 1e-3 (${from})`, rel <= 1e-3, MEANINGS.survival);
}
