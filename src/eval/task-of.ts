// Which built-in task a dataset was generated from: `lapo dataset generate` records it in the root attributes
// `task` and `task_version`. Files from elsewhere have none, and then only offline evaluation runs.
import { H5Reader } from '../data/h5.js';
import { LapoError } from '../errors.js';
import { parseTaskId, type TaskSpec } from '../env/tasks.js';

export interface DatasetTask {
  task: TaskSpec;
  /** Size the frames were rendered at (attribute image_size); online evaluation renders at the same size. */
  imageSize: number | null;
}

export async function taskOfDataset(file: string): Promise<DatasetTask | null> {
  const r = await H5Reader.open(file);
  try {
    const task = r.attr('/', 'task');
    if (typeof task !== 'string') return null;
    const size = Number(r.attr('/', 'image_size'));
    try {
      return { task: parseTaskId(task, `${file}: attribute task`), imageSize: Number.isInteger(size) && size > 0 ? size : null };
    } catch (e) {
      if (e instanceof LapoError) {
        throw new LapoError('data', `${e.message}`, 'regenerate the dataset with this lapo, or pass --task to evaluate in another task');
      }
      throw e;
    }
  } finally {
    r.close();
  }
}
