// Flag value parsers for commander: each failure is a one-line LapoError naming the flag.
import { errors } from '../errors.js';

export function intFlag(flag: string, min = 0): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min) throw errors.badFlag(flag, `an integer >= ${min}`, v);
    return n;
  };
}

export function floatFlag(flag: string, min = -Infinity, max = Infinity): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
      throw errors.badFlag(flag, `a number in [${min}, ${max}]`, v);
    }
    return n;
  };
}

export function choiceFlag<T extends string>(flag: string, choices: readonly T[]): (v: string) => T {
  return (v: string) => {
    if ((choices as readonly string[]).includes(v)) return v as T;
    throw errors.badFlag(flag, choices.join('|'), v);
  };
}

export function listFlag(v: string): string[] {
  return v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
