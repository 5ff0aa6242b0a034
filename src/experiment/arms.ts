// The arms of the encoder-gradient experiment in priority order: each is a set of config overrides
// on the same data, budget and seeds. `critic-shift` is the product's design; `vae-shift` is the historical
// defect (encoder trained only by the VAE's reconstruction loss); `frozen-shift` never trains the encoder
// (random conv features), the floor any learned encoder must beat.
import type { LapoConfig } from '../config/schema.js';
import { LapoError } from '../errors.js';

export interface Arm {
  name: string;
  overrides: Partial<LapoConfig>;
  what: string;
}

export const ARMS: readonly Arm[] = [
  { name: 'critic-shift', overrides: { encoderGrad: 'critic', augment: 'shift' }, what: 'the design: encoder in the critic group, shift augmentation' },
  { name: 'vae-shift', overrides: { encoderGrad: 'vae', augment: 'shift' }, what: 'the defect: encoder in the VAE group' },
  { name: 'frozen-shift', overrides: { encoderGrad: 'frozen', augment: 'shift' }, what: 'random fixed encoder' },
  { name: 'critic-none', overrides: { encoderGrad: 'critic', augment: 'none' }, what: 'the design without augmentation' },
  { name: 'vae-none', overrides: { encoderGrad: 'vae', augment: 'none' }, what: 'the defect without augmentation' },
  { name: 'both-shift', overrides: { encoderGrad: 'both', augment: 'shift' }, what: 'encoder in both the critic and VAE groups' },
  {
    name: 'critic-target-shift',
    overrides: { encoderGrad: 'critic', augment: 'shift', policyFeatures: 'target' },
    what: 'the design, VAE/actor on target-encoder features',
  },
];

export function parseArms(list: string[] | undefined): Arm[] {
  if (!list || list.length === 0) return [...ARMS];
  return list.map((name) => {
    const arm = ARMS.find((a) => a.name === name);
    if (!arm) throw new LapoError('usage', `--arms: expected names from ${ARMS.map((a) => a.name).join('|')}, found ${JSON.stringify(name)}`);
    return arm;
  });
}
