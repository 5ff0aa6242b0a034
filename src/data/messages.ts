// Every error a dataset file can cause, as one-line LapoErrors that name the file, the key, and what was expected
// versus found. Kept in one place so the wording stays the same across loader, info and tests.
import { LapoError, errors, fmtShape } from '../errors.js';

export const dataErrors = {
  /** Generic "key: expected X, found Y". */
  key(file: string, key: string, expected: string, found: string): LapoError {
    return errors.dataFile(file, k(key), expected, found);
  },
  notHdf5(file: string, found: string): LapoError {
    return new LapoError('data', `${file}: expected an HDF5 file, found ${found}`);
  },
  truncated(file: string, size: number, stored: number): LapoError {
    return new LapoError(
      'data',
      `${file}: expected ${stored} bytes (the size its HDF5 superblock records), found ${size} bytes: the file is truncated`,
    );
  },
  unreadable(file: string, key: string, detail: string): LapoError {
    return new LapoError('data', `${file}: ${k(key)}: expected a readable HDF5 object, found an HDF5 error: ${detail}`);
  },
  missingKey(file: string, key: string, what: string, found: string[]): LapoError {
    return errors.dataFile(file, k(key), what, `no such key (keys there: ${listKeys(found)})`);
  },
  unknownLayout(file: string, topKeys: string[]): LapoError {
    return new LapoError(
      'data',
      `${file}: /: expected a known layout (d4rl: observations+actions; minari: episode_N groups; robomimic: data/demo_N; ` +
        `d3rlpy: observations+episode_terminals), found top-level keys ${listKeys(topKeys)}`,
      'pass --layout d4rl|minari|robomimic|d3rlpy to choose one',
    );
  },
  shape(file: string, key: string, expected: string, shape: readonly number[], dtype: string): LapoError {
    return errors.dataFile(file, k(key), expected, `${dtype} ${fmtShape(shape)}`);
  },
  length(file: string, key: string, expectedRows: number, reference: string, foundRows: number): LapoError {
    return errors.dataFile(file, k(key), `${expectedRows} rows (as ${reference})`, `${foundRows} rows`);
  },
  nonFinite(file: string, key: string, count: number, firstRow: number): LapoError {
    return errors.dataFile(file, k(key), 'finite values', nonFiniteFound(count, `row ${firstRow}`));
  },
  empty(file: string, key: string, why: string): LapoError {
    return errors.dataFile(file, k(key), 'at least one transition', `0 (${why})`);
  },
  viewSize(file: string, key: string, size: [number, number], otherKey: string, other: [number, number]): LapoError {
    return errors.dataFile(
      file,
      k(key),
      `${other[0]}x${other[1]} frames like ${otherKey} (pass --image-size N to resize every view to NxN)`,
      `${size[0]}x${size[1]}`,
    );
  },
  noObservations(file: string, keys: string[]): LapoError {
    return errors.dataFile(file, 'observations', 'at least one image key (uint8 [N,H,W,C] or [N,H,W]) or state key (float [N,D])', `only ${listKeys(keys)}`);
  },
  flagKey(flag: string, key: string, available: string[]): LapoError {
    return errors.badFlag(flag, `observation keys among ${listKeys(available)}`, key);
  },
};

/** `2 NaN/Inf values (first in row 7)`: what loading and `dataset info` say was found (`where`: `row 7`). */
export function nonFiniteFound(count: number, where: string): string {
  return `${count} NaN/Inf value${count === 1 ? '' : 's'} (first in ${where})`;
}

/** HDF5 paths in messages without the leading slash (`episode_3/rewards`), except the root itself. */
function k(key: string): string {
  return key.length > 1 ? key.replace(/^\/+/, '') : key;
}

function listKeys(keys: readonly string[]): string {
  if (keys.length === 0) return '(none)';
  const shown = keys.slice(0, 12).join(', ');
  return keys.length > 12 ? `${shown}, ... (${keys.length} in all)` : shown;
}
