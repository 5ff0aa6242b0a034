// Which built-in task a dataset was generated from: `lapo dataset generate` records it in the root attributes
// `task` and `task_version`. Files from elsewhere have none, and then only offline evaluation runs.
import { H5Reader } from '../data/h5.js';
import { LapoError } from '../errors.js';
import { parseTaskId, type TaskSpec } from '../env/tasks.js';

export async function taskOfDataset(file: string): Promise<TaskSpec | null> {
  const r = await H5Reader.open(file);
  try {
    const task = r.attr('/', 'task');
    if (typeof task !== 'string') return null;
    try {
      return parseTaskId(task, `${file}: attribute task`);
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
