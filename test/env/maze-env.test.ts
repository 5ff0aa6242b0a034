import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MazeEnv, STATE_DIM } from '../../src/env/maze-env.js';
import { boxHitsWall, getGrid, LAYOUT_NAMES } from '../../src/env/layouts.js';
import { parseBehaviour, drawComponent } from '../../src/env/policies.js';
import { episodeSeeds, runBehaviourEpisode } from '../../src/env/rollout.js';
import { normalizedScore, referenceReturns } from '../../src/env/reference.js';
import { PHYSICS, TASK_IDS, parseTaskId } from '../../src/env/tasks.js';
import { COLORS, staticImage } from '../../src/env/render.js';
import { LapoError } from '../../src/errors.js';
import { Rng } from '../../src/util/rng.js';

function record(task: string, policy: string, seed: number, size = 24) {
  const env = new MazeEnv(task, { imageSize: size });
  const states: number[] = [];
  const frames: Uint8Array[] = [];
  const actions: number[] = [];
  const s = episodeSeeds(seed, 3)[2];
  const e = runBehaviourEpisode(env, parseBehaviour(policy), s, {
    before(en, a) {
      states.push(...en.state());
      frames.push(en.render());
      actions.push(a[0], a[1]);
    },
  });
  return { e, states, frames, actions, goal: [env.goalX, env.goalY] };
}

test('the same seed gives a bit-identical episode (states, actions, frames); another seed does not', () => {
  for (const policy of ['noisy-expert', 'mixed', 'random']) {
    const a = record('maze2d-medium-dense-v0', policy, 7);
    const b = record('maze2d-medium-dense-v0', policy, 7);
    assert.deepEqual(a.e, b.e);
    assert.deepEqual(a.states, b.states);
    assert.deepEqual(a.actions, b.actions);
    assert.equal(a.frames.length, b.frames.length);
    a.frames.forEach((f, i) => assert.ok(Buffer.from(f).equals(Buffer.from(b.frames[i])), `${policy}: frame ${i} differs`));
    const c = record('maze2d-medium-dense-v0', policy, 8);
    assert.notDeepEqual(a.states.slice(0, 4), c.states.slice(0, 4));
  }
});

test('the goal is in the image and not in the state vector', () => {
  const env = new MazeEnv('maze2d-umaze-sparse-v0', { imageSize: 32 });
  env.reset(3);
  const s1 = Array.from(env.state());
  const img1 = env.render();
  // Move only the goal: the state must not change, the image must.
  env.goalX = env.goalX > 2.5 ? 1.5 : 3.5;
  const s2 = Array.from(env.state());
  const img2 = env.render();
  assert.equal(s1.length, STATE_DIM);
  assert.deepEqual(s1, s2);
  assert.ok(!Buffer.from(img1).equals(Buffer.from(img2)));
  // Goals differ across episodes (drawn per reset), so no fixed goal could be learned from the state alone.
  const goals = new Set<string>();
  for (let seed = 0; seed < 40; seed++) {
    env.reset(seed);
    goals.add(`${Math.floor(env.goalX)},${Math.floor(env.goalY)}`);
  }
  assert.equal(goals.size, getGrid('umaze').openCells.length);
});

test('the frame shows the agent and the goal in their colours at their positions', () => {
  const S = 64;
  const env = new MazeEnv('maze2d-open-dense-v0', { imageSize: S });
  env.reset(11);
  const img = env.render();
  const scale = S / 7;
  const offY = (S - 5 * scale) / 2;
  const px = (x: number, y: number) => {
    const o = (Math.floor(offY + y * scale) * S + Math.floor(x * scale)) * 3;
    return [img[o], img[o + 1], img[o + 2]];
  };
  assert.deepEqual(px(env.x, env.y), [...COLORS.agent]);
  assert.deepEqual(px(env.goalX, env.goalY), [...COLORS.goal]);
  assert.deepEqual(px(0.5, 0.5), [...COLORS.wall]);
  // Rendering works on a copy: the cached static maze is unchanged.
  const base = staticImage(env.grid, S);
  assert.ok(base.every((v, i) => i % 3 !== 2 || v === COLORS.floor[2] || v === COLORS.wall[2]));
  for (const size of [16, 24, 48]) assert.equal(new MazeEnv('maze2d-large-sparse-v0', { imageSize: size }).render().length, size * size * 3);
});

test('rewards, terminals and time limits follow the documented rules', () => {
  for (const id of ['maze2d-umaze-sparse-v0', 'maze2d-umaze-dense-v0']) {
    const task = parseTaskId(id);
    for (const policy of ['expert', 'random']) {
      const env = new MazeEnv(task, { imageSize: 8 });
      for (const s of episodeSeeds(1, 20)) {
        const rewards: number[] = [];
        let last = { terminal: false, timeout: false, success: false };
        runBehaviourEpisode(env, parseBehaviour(policy), s, {
          after(en, r) {
            rewards.push(r.reward);
            last = r;
            if (!en.done) assert.ok(!r.terminal && !r.timeout);
          },
        });
        assert.ok(last.terminal !== last.timeout, 'an episode ends by exactly one of terminal/timeout');
        assert.equal(last.terminal, last.success);
        if (last.timeout) assert.equal(rewards.length, task.maxSteps);
        if (task.reward === 'sparse') assert.deepEqual(rewards, rewards.map((_, i) => (last.success && i === rewards.length - 1 ? 1 : 0)));
        else {
          assert.ok(rewards.every((r) => r <= 0 && r > -1));
          if (last.success) assert.equal(rewards[rewards.length - 1], 0, 'reaching the goal costs nothing');
        }
      }
    }
  }
});

test('the mass never overlaps a wall, whatever the actions', () => {
  for (const layout of LAYOUT_NAMES) {
    const env = new MazeEnv(`maze2d-${layout}-dense-v0`, { imageSize: 8 });
    const rng = new Rng(5);
    for (let ep = 0; ep < 10; ep++) {
      env.reset(ep);
      while (!env.done) {
        // Bang-bang actions drive the mass into walls at full speed.
        env.step([rng.uniform() < 0.5 ? -1 : 1, rng.uniform() < 0.5 ? -1 : 1]);
        assert.ok(!boxHitsWall(env.grid, env.x, env.y, PHYSICS.agentRadius), `${layout}: inside a wall at (${env.x}, ${env.y})`);
      }
    }
  }
});

test('the expert beats the random policy by a wide margin on every task', () => {
  for (const id of TASK_IDS) {
    const ref = referenceReturns(id);
    assert.equal(ref.expert.successRate, 1, `${id}: expert success`);
    assert.ok(ref.random.successRate < 0.2, `${id}: random success ${ref.random.successRate}`);
    const gap = ref.expert.returnMean - ref.random.returnMean;
    assert.ok(gap > (id.includes('sparse') ? 0.8 : 20) && gap > 0.5 * Math.abs(ref.random.returnMean), `${id}: expert − random = ${gap}`);
    assert.ok(Math.abs(normalizedScore(id, ref.expert.returnMean) - 100) < 1e-9);
    assert.ok(Math.abs(normalizedScore(id, ref.random.returnMean)) < 1e-9);
    assert.deepEqual(referenceReturns(id), ref, 'cached and deterministic');
  }
});

test('the two route modes take different routes to the same goal', () => {
  const env = new MazeEnv('maze2d-open-sparse-v0', { imageSize: 8 });
  let differing = 0;
  for (const s of episodeSeeds(2, 20)) {
    const paths = ['expert-hfirst', 'expert-vfirst'].map((p) => {
      const cells: string[] = [];
      const e = runBehaviourEpisode(env, parseBehaviour(p), s, { before: (en) => cells.push(`${Math.floor(en.x)},${Math.floor(en.y)}`) });
      assert.ok(e.success);
      return [...new Set(cells)].join(' ');
    });
    if (paths[0] !== paths[1]) differing++;
  }
  assert.ok(differing >= 10, `only ${differing}/20 episodes took different routes`);
});

test('policy and task specs: presets, mixtures, one-line errors', () => {
  const mixed = parseBehaviour('mixed');
  assert.equal(mixed.components.length, 6);
  assert.ok(Math.abs(mixed.weights.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  const custom = parseBehaviour('expert:3,random:1');
  assert.deepEqual(custom.weights, [0.75, 0.25]);
  const rng = new Rng(0);
  let experts = 0;
  for (let i = 0; i < 4000; i++) if (drawComponent(custom, rng) === 0) experts++;
  assert.ok(Math.abs(experts / 4000 - 0.75) < 0.03);
  assert.throws(() => parseBehaviour('expert:0'), (e: unknown) => e instanceof LapoError && /--policy/.test(e.message));
  assert.throws(() => parseBehaviour('oracle'), LapoError);
  assert.throws(() => parseTaskId('maze2d-umaze-dense-v1'), (e: unknown) => e instanceof LapoError && /v1 is not available/.test(e.message));
  assert.throws(() => parseTaskId('maze2d-umaze-v0'), (e: unknown) => e instanceof LapoError && /maze2d-umaze-dense-v0/.test(e.message));
  assert.throws(() => new MazeEnv('maze2d-open-dense-v0', { imageSize: 4 }), /--image-size/);
});
