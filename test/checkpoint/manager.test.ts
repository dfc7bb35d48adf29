import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CheckpointError, CheckpointManager, readTrainerState } from '../../src/checkpoint/index.js';

const out = (): string => mkdtempSync(join(tmpdir(), 'ckpt-'));
const writeModel = (dir: string): void => {
  writeFileSync(join(dir, 'model.safetensors'), 'weights');
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'sub', 'a.json'), '{}');
};

test('save writes checkpoint-<step> with manifest and trainer_state', () => {
  const dir = out();
  const m = new CheckpointManager(dir);
  const path = m.save(10, writeModel, { epoch: 0.5, dataPosition: { epoch: 0, batchIndex: 40, seed: 7 }, logHistory: [{ step: 10, loss: 1 }] });
  assert.equal(path, join(dir, 'checkpoint-10'));
  assert.deepEqual(readdirSync(dir), ['checkpoint-10']);
  const state = readTrainerState(path);
  assert.equal(state.globalStep, 10);
  assert.deepEqual(state.dataPosition, { epoch: 0, batchIndex: 40, seed: 7 });
  m.validate(path);
  assert.deepEqual(m.resolveResume('latest'), { dir: path, state });
});

test('a writer that throws leaves no checkpoint-<step> and no temp dir', () => {
  const dir = out();
  const m = new CheckpointManager(dir);
  assert.throws(() => m.save(5, (tmp) => { writeFileSync(join(tmp, 'half'), 'x'); throw new Error('disk full'); }), /disk full/);
  assert.deepEqual(readdirSync(dir), []);
  assert.equal(m.latest(), undefined);
  assert.throws(() => m.resolveResume('latest'), /cannot resume from 'latest': there are no checkpoint-<step> directories/);
});

test('keepLast prunes the oldest but keeps the best', () => {
  const dir = out();
  const m = new CheckpointManager(dir, { keepLast: 2 });
  m.save(1, writeModel);
  m.save(2, writeModel, { bestMetric: 0.1 }, { best: true });
  m.save(3, writeModel);
  m.save(4, writeModel);
  m.save(5, writeModel);
  assert.deepEqual(readdirSync(dir).sort(), ['checkpoint-2', 'checkpoint-4', 'checkpoint-5']);
  assert.equal(readTrainerState(join(dir, 'checkpoint-5')).bestCheckpoint, 'checkpoint-2');
  // A new manager over the same dir remembers the best.
  const again = new CheckpointManager(dir, { keepLast: 1 });
  again.save(6, writeModel);
  assert.deepEqual(readdirSync(dir).sort(), ['checkpoint-2', 'checkpoint-6']);
});

test('corrupted or incomplete checkpoints are detected with clear messages; latest skips them', () => {
  const dir = out();
  const m = new CheckpointManager(dir);
  m.save(1, writeModel);
  m.save(2, writeModel);
  m.save(3, writeModel);
  rmSync(join(dir, 'checkpoint-3', 'trainer_state.json'));
  rmSync(join(dir, 'checkpoint-2', 'sub', 'a.json'));
  writeFileSync(join(dir, 'checkpoint-2', 'model.safetensors'), 'trunc');
  mkdirSync(join(dir, 'checkpoint-9.tmp-123')); // an interrupted save
  assert.throws(() => m.validate(join(dir, 'checkpoint-3')), (err: unknown) => {
    assert.ok(err instanceof CheckpointError);
    assert.match(err.message, /checkpoint .*checkpoint-3 is incomplete or corrupted: missing trainer_state\.json/);
    return true;
  });
  assert.throws(() => m.validate(join(dir, 'checkpoint-2')), (err: unknown) => {
    assert.ok(err instanceof CheckpointError);
    assert.match(err.message, /checkpoint-2 is incomplete/);
    assert.deepEqual(err.problems, ['model.safetensors is 5 bytes, manifest.json says 7', 'missing sub/a.json (listed in manifest.json)']);
    return true;
  });
  assert.throws(() => m.validate(join(dir, 'nope')), /nope is incomplete or corrupted: the directory does not exist/);
  assert.equal(m.latest()?.step, 1);
  assert.equal(m.resolveResume('latest').dir, join(dir, 'checkpoint-1'));
  assert.throws(() => m.resolveResume(join(dir, 'checkpoint-3')), /missing trainer_state\.json/);
  rmSync(join(dir, 'checkpoint-1', 'manifest.json'));
  assert.throws(() => m.resolveResume('latest'), /none of checkpoint-1, checkpoint-2, checkpoint-3 is complete/);
  assert.ok(existsSync(join(dir, 'checkpoint-9.tmp-123')));
});
