// The config schema: official defaults, strictness, one-line errors naming the key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CONFIG_KEYS, configDefaults, describeKey, flagFor, parseConfig } from '../../src/config/schema.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { LapoError } from '../../src/errors.js';

test('defaults are the official LAPO command-line defaults', () => {
  // pcchenxi/LAPO-offlienRL main_d4rl.py argparse defaults (and latent_dim = action_dim*2, hidden 256x3).
  assert.equal(configDefaults.criticLr, 2e-4);
  assert.equal(configDefaults.vaeLr, 2e-4);
  assert.equal(configDefaults.actorLr, 2e-4);
  assert.equal(configDefaults.tau, 0.005);
  assert.equal(configDefaults.discount, 0.99);
  assert.equal(configDefaults.expectile, 0.9);
  assert.equal(configDefaults.klBeta, 1);
  assert.equal(configDefaults.maxLatentAction, 2);
  assert.equal(configDefaults.doubleqMin, 1);
  assert.deepEqual(configDefaults.hidden, [256, 256, 256]);
  assert.equal(configDefaults.steps, 1_000_000);
  assert.equal(configDefaults.algo, 'lapo');
  assert.equal(configDefaults.encoderGrad, null);
  assert.equal(resolveConfig(parseConfig({ dataset: 'd.h5' }, 'x'), { hasImages: true, actionDim: 2 }).encoderGrad, 'both');
  assert.equal(resolveConfig(parseConfig({ dataset: 'd.h5', algo: 'bc' }, 'x'), { hasImages: true, actionDim: 2 }).encoderGrad, 'actor');
  assert.equal(configDefaults.policyFeatures, 'online');
  const cfg = parseConfig({ dataset: 'd.h5' }, 'cfg.json');
  const state = resolveConfig(cfg, { hasImages: false, actionDim: 3 });
  assert.equal(state.batchSize, 512);
  assert.equal(state.latentDim, 6);
  assert.equal(state.augment, 'none');
  const img = resolveConfig(cfg, { hasImages: true, actionDim: 7 });
  assert.equal(img.batchSize, 64);
  assert.equal(img.latentDim, 14);
  assert.equal(img.augment, 'none');
  // Explicit values win over the data-dependent defaults.
  const own = resolveConfig(parseConfig({ dataset: 'd', batchSize: 100, latentDim: 3, augment: 'none' }, 's'), {
    hasImages: true,
    actionDim: 7,
  });
  assert.deepEqual([own.batchSize, own.latentDim, own.augment], [100, 3, 'none']);
});

test('every key is described (the text --help prints) and has a kebab-case flag', () => {
  for (const k of CONFIG_KEYS) assert.ok(describeKey(k).length > 10, `${k} has no description`);
  assert.equal(flagFor('criticLr'), '--critic-lr');
  assert.equal(flagFor('maxMemoryMB'), '--max-memory-mb');
  assert.equal(flagFor('doubleqMin'), '--doubleq-min');
});

function message(obj: unknown): string {
  try {
    parseConfig(obj, 'runs/x/config.json');
  } catch (e) {
    assert.ok(e instanceof LapoError);
    assert.equal(e.code, 'config');
    assert.equal(e.exitCode, 2);
    assert.ok(!e.message.includes('\n'), 'one line');
    return e.message;
  }
  assert.fail('expected a config error');
}

test('an unknown key is refused with one line naming it (and the nearest key)', () => {
  assert.equal(
    message({ dataset: 'd.h5', critcLr: 1e-3 }),
    'runs/x/config.json: critcLr: expected a config key (did you mean criticLr?), found an unknown key',
  );
  assert.equal(message({ dataset: 'd.h5', foo: 1 }), 'runs/x/config.json: foo: expected a config key, found an unknown key');
});

test('a bad value is refused with one line naming the key, expected and found', () => {
  assert.equal(message({ dataset: 'd.h5', tau: 'fast' }), 'runs/x/config.json: tau: expected a number in [0, 1], found "fast"');
  assert.equal(message({ dataset: 'd.h5', discount: 1 }), 'runs/x/config.json: discount: expected a number in [0, 1), found 1');
  assert.equal(
    message({ dataset: 'd.h5', encoderGrad: 'actor' }),
    'runs/x/config.json: encoderGrad: expected one of critic|vae|both|frozen with algo lapo, found "actor"',
  );
  assert.equal(
    message({ dataset: 'd.h5', algo: 'bc', encoderGrad: 'both' }),
    'runs/x/config.json: encoderGrad: expected one of actor|frozen with algo bc, found "both"',
  );
  assert.equal(
    message({ dataset: 'd.h5', encoderGrad: 'policy' }),
    'runs/x/config.json: encoderGrad: expected one of critic|vae|both|frozen (lapo), actor|frozen (bc), or null, found "policy"',
  );
  assert.equal(
    message({ dataset: 'd.h5', hidden: [256, 0] }),
    'runs/x/config.json: hidden: expected a non-empty list of integers >= 1, found [256,0]',
  );
  assert.equal(message({ dataset: 'd.h5', batchSize: 2.5 }), 'runs/x/config.json: batchSize: expected an integer >= 1 or null, found 2.5');
  assert.equal(message({}), 'runs/x/config.json: dataset: expected a dataset file path, found nothing');
  assert.equal(message([1]), 'runs/x/config.json: expected a JSON object of config keys, found [1]');
});
