// The one line that says how lazy mode reads a dataset: `lapo train` prints it at start-up, `lapo dataset info`
// in its lazy section. Without it a skipped scratch copy is silent: compressed arrays are then only much slower.
import type { LazyStorage } from './frames-lazy.js';

/**
 * E.g. `straight from the file: pos; from a scratch copy in /data/tmp: view0, view1, state` or `straight from the
 * file: (none); through the block cache, a chunk decoded per sample (slower): view0; no scratch copy: ...`.
 * `lapo train` prints it after `lapo: lazy mode: `, `dataset info` after `lazy`.
 */
export function describeLazyStorage(st: LazyStorage): string {
  const keys = (read: LazyStorage['arrays'][number]['read']) => st.arrays.filter((a) => a.read === read).map((a) => a.key);
  const file = keys('file');
  const scratch = keys('scratch');
  const cache = keys('cache');
  const parts = [`straight from the file: ${file.length ? file.join(', ') : '(none)'}`];
  if (st.scratch) parts.push(`from a scratch copy in ${st.scratch.dir}: ${scratch.join(', ')}`);
  if (cache.length) parts.push(`through the block cache, a chunk decoded per sample (slower): ${cache.join(', ')}`);
  if (st.scratchSkipped) parts.push(`no scratch copy: ${st.scratchSkipped}${st.scratchSkipped === 'turned off' ? '' : ' (pass --scratch-dir DIR)'}`);
  else if (!st.scratch) parts.push('no scratch copy needed');
  return parts.join('; ');
}
