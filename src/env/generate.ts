// `lapo dataset generate`: rolls out a behaviour policy in a maze task and writes the episodes in D4RL's flat
// layout (d4rl/offline_env.py get_dataset; the dict-observation form used by image datasets):
//   observations/image [N,S,S,3] uint8   the frame seen before each action (the goal is drawn here)
//   observations/state [N,4] float32     x, y, vx, vy (no goal)
//   actions [N,2] float32, rewards [N] float32
//   terminals [N] float32                1 where the step reached the goal (no bootstrapping past it)
//   timeouts [N] float32                 1 where the time limit ended the episode
//   infos/goal [N,2] float32             the goal position (D4RL's maze2d keeps it there too; not an observation)
//   infos/behaviour [N] int32            which behaviour component acted (names in attribute behaviour_names)
// As in D4RL, the next observation of row i is row i+1 of the same episode; the last row of an episode has none.
// Root attributes name the task, its version, the policy and the reference returns, so `lapo eval` can run the
// task and report normalised scores from the dataset alone.
import cliProgress from 'cli-progress';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { H5Writer, type AttrValue } from '../data/h5-write.js';
import { LapoError } from '../errors.js';
import { ACTION_DIM, MazeEnv, STATE_DIM, STATE_LABELS } from './maze-env.js';
import { parseBehaviour, type Behaviour } from './policies.js';
import { normalizedScore, referenceReturns, summarise, type PolicyStats } from './reference.js';
import { episodeSeeds, runBehaviourEpisode, type EpisodeSummary } from './rollout.js';
import { parseTaskId, type TaskSpec } from './tasks.js';

// h5wasm dtype letters: f = float32, B = uint8, i = int32.
interface ColumnSpec {
  name: string;
  dtype: '<f' | '<B' | '<i';
  rowShape: number[];
}

function columnsFor(S: number): ColumnSpec[] {
  return [
    { name: 'observations/image', dtype: '<B', rowShape: [S, S, 3] },
    { name: 'observations/state', dtype: '<f', rowShape: [STATE_DIM] },
    { name: 'actions', dtype: '<f', rowShape: [ACTION_DIM] },
    { name: 'rewards', dtype: '<f', rowShape: [] },
    { name: 'terminals', dtype: '<f', rowShape: [] },
    { name: 'timeouts', dtype: '<f', rowShape: [] },
    { name: 'infos/goal', dtype: '<f', rowShape: [2] },
    { name: 'infos/behaviour', dtype: '<i', rowShape: [] },
  ];
}

/** Rows per chunk so that one chunk holds about 512 KiB (a minibatch of 64-px images spans ~2 chunks). */
export function chunkRowsFor(col: ColumnSpec): number {
  const bytes = (col.dtype === '<B' ? 1 : 4) * col.rowShape.reduce((a, b) => a * b, 1);
  return Math.max(1, Math.min(65536, Math.floor((1 << 19) / bytes)));
}

export interface GenerateOptions {
  task: string;
  policy: string;
  episodes: number;
  imageSize: number;
  seed: number;
  out: string;
  /** gzip level 1–9 for every column, 0 = uncompressed (fastest to train from). */
  gzip?: number;
  /** Draw a progress bar on stderr (default: when stderr is a TTY). */
  progress?: boolean;
}

export interface GenerateResult {
  file: string;
  task: string;
  episodes: number;
  transitions: number;
  returnMean: number;
  returnStd: number;
  successRate: number;
  normalizedScore: number;
  /** Episodes per behaviour component. */
  componentCounts: Record<string, number>;
  seconds: number;
}

/** Episodes are buffered and appended in blocks of about this many image bytes. */
const FLUSH_BYTES = 32 << 20;

const require = createRequire(import.meta.url);
const pkg = require('../../package.json') as { version: string };

/** Rows of finished episodes not yet appended to the file. */
class Buffers {
  image: Uint8Array[] = [];
  state: number[] = [];
  action: number[] = [];
  reward: number[] = [];
  terminal: number[] = [];
  timeout: number[] = [];
  goal: number[] = [];
  behaviour: number[] = [];
  rows = 0;

  flushTo(writer: H5Writer, S: number): void {
    const images = new Uint8Array(this.rows * S * S * 3);
    this.image.forEach((img, k) => images.set(img, k * S * S * 3));
    writer.append('observations/image', images);
    writer.append('observations/state', Float32Array.from(this.state));
    writer.append('actions', Float32Array.from(this.action));
    writer.append('rewards', Float32Array.from(this.reward));
    writer.append('terminals', Float32Array.from(this.terminal));
    writer.append('timeouts', Float32Array.from(this.timeout));
    writer.append('infos/goal', Float32Array.from(this.goal));
    writer.append('infos/behaviour', Int32Array.from(this.behaviour));
  }
}

/** Runs one episode, recording each step's observation (before the action), action, reward and end flags. */
function recordEpisode(env: MazeEnv, behaviour: Behaviour, seed: ReturnType<typeof episodeSeeds>[number], buf: Buffers): EpisodeSummary {
  const e = runBehaviourEpisode(env, behaviour, seed, {
    before(en, a) {
      buf.image.push(en.render());
      buf.state.push(en.x, en.y, en.vx, en.vy);
      buf.action.push(Math.max(-1, Math.min(1, a[0])), Math.max(-1, Math.min(1, a[1])));
      buf.goal.push(en.goalX, en.goalY);
      buf.rows++;
    },
    after(_en, r) {
      buf.reward.push(r.reward);
      buf.terminal.push(r.terminal ? 1 : 0);
      buf.timeout.push(r.timeout ? 1 : 0);
    },
  });
  for (let k = 0; k < e.length; k++) buf.behaviour.push(e.component);
  return e;
}

function progressBar(show: boolean): cliProgress.SingleBar | null {
  if (!show) return null;
  return new cliProgress.SingleBar(
    { stream: process.stderr, format: 'generate |{bar}| {value}/{total} episodes | {steps} steps | {eta_formatted} left', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
}

function rootAttributes(task: TaskSpec, b: Behaviour, o: GenerateOptions, S: number, stats: PolicyStats, score: number): Record<string, AttrValue> {
  const ref = referenceReturns(task);
  return {
    generator: `lapo ${pkg.version} dataset generate`,
    task: task.id,
    task_version: task.version,
    layout: task.layout,
    reward_type: task.reward,
    max_episode_steps: task.maxSteps,
    image_size: S,
    state_labels: STATE_LABELS.join(','),
    policy: b.spec,
    behaviour_names: JSON.stringify(b.components.map((c) => c.name)),
    behaviour_weights: JSON.stringify(b.weights),
    episodes: o.episodes,
    seed: o.seed,
    ref_random_return: ref.random.returnMean,
    ref_expert_return: ref.expert.returnMean,
    ref_episodes: ref.episodes,
    ref_seed: ref.seed,
    data_return_mean: stats.returnMean,
    data_success_rate: stats.successRate,
    data_normalized_score: score,
  };
}

export async function generateDataset(opts: GenerateOptions): Promise<GenerateResult> {
  const started = performance.now();
  const task = parseTaskId(opts.task);
  const behaviour = parseBehaviour(opts.policy);
  if (!Number.isInteger(opts.episodes) || opts.episodes < 1) throw new LapoError('usage', `--episodes: expected an integer >= 1, found ${opts.episodes}`);
  const env = new MazeEnv(task, { imageSize: opts.imageSize });
  const S = env.imageSize;
  mkdirSync(dirname(resolve(opts.out)), { recursive: true });
  const writer = await H5Writer.create(opts.out);
  const bar = progressBar(opts.progress ?? Boolean(process.stderr.isTTY));
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
  };
  process.on('SIGINT', onSigint);
  const episodes: EpisodeSummary[] = [];
  try {
    for (const col of columnsFor(S)) writer.extendable(col.name, col.rowShape, col.dtype, { chunkRows: chunkRowsFor(col), gzip: opts.gzip || undefined });
    bar?.start(opts.episodes, 0, { steps: 0 });
    let buf = new Buffers();
    let rowsWritten = 0;
    const seeds = episodeSeeds(opts.seed, opts.episodes);
    for (let i = 0; i < seeds.length; i++) {
      episodes.push(recordEpisode(env, behaviour, seeds[i], buf));
      if (buf.rows * S * S * 3 >= FLUSH_BYTES || i === seeds.length - 1) {
        buf.flushTo(writer, S);
        rowsWritten += buf.rows;
        buf = new Buffers();
        // Let a pending Ctrl-C run its handler between blocks.
        await new Promise((r) => setImmediate(r));
        if (interrupted) throw new LapoError('interrupted', `dataset generate: interrupted after ${i + 1} episodes; ${opts.out} was not written`);
      }
      bar?.update(i + 1, { steps: rowsWritten + buf.rows });
    }
    const stats = summarise(episodes.map((e) => e.ret), episodes.map((e) => e.success), episodes.map((e) => e.length));
    const score = normalizedScore(task, stats.returnMean);
    for (const [k, v] of Object.entries(rootAttributes(task, behaviour, opts, S, stats, score))) writer.attr('/', k, v);
    writer.commit();
    const componentCounts: Record<string, number> = {};
    for (const e of episodes) {
      const name = behaviour.components[e.component].name;
      componentCounts[name] = (componentCounts[name] ?? 0) + 1;
    }
    return {
      file: resolve(opts.out),
      task: task.id,
      episodes: opts.episodes,
      transitions: episodes.reduce((a, e) => a + e.length, 0),
      returnMean: stats.returnMean,
      returnStd: stats.returnStd,
      successRate: stats.successRate,
      normalizedScore: score,
      componentCounts,
      seconds: (performance.now() - started) / 1000,
    };
  } catch (e) {
    writer.abort();
    throw e;
  } finally {
    bar?.stop();
    process.off('SIGINT', onSigint);
  }
}
