/**
 * TRL's data-format rule against TRL itself (test/fixtures/trl-format/golden.json, written by
 * make_trl_format_golden.py with TRL's DPOTrainer and RewardTrainer): with a tokenizer that has a
 * chat template, plain-text pairs are tokenized as plain text and conversational pairs through
 * the template; the ids and the first logged DPO (sigmoid, ipo, hinge) and reward losses equal
 * TRL's. Settings mirror the generator: one batch of all 4 pairs, beta 0.1, policy = tiny-qwen2
 * with policy-perturbed.safetensors, reference = tiny-qwen2, reward model = tiny-qwen2-rm.
 * SFT formats: ids and loss positions equal TRL SFTTrainer's.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { RunConfig } from '../../../src/config/index.js';
import { IGNORE_INDEX, loadDataset, tokenizePreference, tokenizeSft } from '../../../src/data/index.js';
import { Tokenizer } from '../../../src/tokenizers/index.js';
import { runDpo } from '../../../src/trainers/dpo/index.js';
import { runReward } from '../../../src/trainers/reward/index.js';

const DIR = 'test/fixtures/trl-format';
const POLICY = 'test/fixtures/models/tiny-qwen2';
const RM = 'test/fixtures/models/tiny-qwen2-rm';
const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json'];
const LOSS_TYPES = ['sigmoid', 'ipo', 'hinge'] as const;
const DATASETS = ['plain', 'conversational'] as const;
const sink = { stream: new Writable({ write: (_c, _e, cb) => cb() }), tty: false };

interface DpoIds { prompt_ids: number[]; chosen_ids: number[]; rejected_ids: number[] }
interface Entry {
  dpo: Record<(typeof LOSS_TYPES)[number], { loss: number }>;
  dpo_tokenized: DpoIds[];
  reward: { loss: number };
  reward_tokenized: { chosen_ids: number[]; rejected_ids: number[] }[];
}
interface SftIds { input_ids: number[]; labels: number[] }
const golden = JSON.parse(readFileSync(join(DIR, 'golden.json'), 'utf8')) as { beta: number; batch_size: number; datasets: Record<string, Entry>; sft: Record<string, SftIds[]> };
const tokenizer = Tokenizer.fromPretrained(POLICY);

/** A model directory: `weights` under model.safetensors, config from `configDir`, tiny-qwen2's tokenizer. */
function modelDir(configDir: string, weights: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'trl-format-model-'));
  copyFileSync(join(configDir, 'config.json'), join(dir, 'config.json'));
  copyFileSync(weights, join(dir, 'model.safetensors'));
  for (const f of TOKENIZER_FILES) copyFileSync(join(POLICY, f), join(dir, f));
  return dir;
}

function config(algorithm: 'dpo' | 'reward', model: string, file: string, extra: Record<string, unknown> = {}): RunConfig {
  return RunConfig.parse({
    model: { name_or_path: model },
    training: {
      algorithm, output_dir: mkdtempSync(join(tmpdir(), `trl-format-${algorithm}-`)), learning_rate: 1e-3, warmup_steps: 0,
      logging_steps: 1, save_steps: 100, eval_steps: 100, seed: 0, max_steps: 1, per_device_train_batch_size: golden.batch_size,
    },
    data: { max_length: 1024, max_prompt_length: 512, datasets: { preference: { train_files: [{ path: join(DIR, file) }] } } },
    ...extra,
  });
}

const close = (got: number, want: number, what: string) => assert.ok(Math.abs(got - want) < 1e-5, `${what}: ${got} vs TRL ${want}`);

for (const name of DATASETS) {
  const entry = golden.datasets[name]!;

  test(`trl format (${name}): ids equal TRL DPOTrainer's and RewardTrainer's, though the tokenizer has a chat template`, async () => {
    assert.notEqual(tokenizer.chatTemplate, null);
    const { records } = await loadDataset(join(DIR, `${name}.jsonl`), { format: 'preference' });
    const examples = records.map((r) => tokenizePreference(tokenizer, r));
    assert.deepEqual(examples.map((e) => ({ prompt_ids: e.promptIds, chosen_ids: e.chosenIds, rejected_ids: e.rejectedIds })), entry.dpo_tokenized);
    assert.deepEqual(
      examples.map((e) => ({ chosen_ids: [...e.promptIds, ...e.chosenIds], rejected_ids: [...e.promptIds, ...e.rejectedIds] })),
      entry.reward_tokenized,
    );
  });

  test(`trl format (${name}): first logged DPO loss (sigmoid, ipo, hinge) equals TRL's`, async () => {
    const policy = modelDir(POLICY, join(POLICY, 'policy-perturbed.safetensors'));
    for (const lossType of LOSS_TYPES) {
      const c = config('dpo', policy, `${name}.jsonl`, { dpo: { beta: golden.beta, loss_type: lossType, ref_model_path: POLICY } });
      const r = await runDpo(c, { progress: sink });
      close(r.losses.get(1)!, entry.dpo[lossType].loss, `${name} ${lossType}`);
    }
  });

  test(`trl format (${name}): first logged reward-model loss equals TRL's`, async () => {
    const rm = modelDir(RM, join(RM, 'model.safetensors'));
    const r = await runReward(config('reward', rm, `${name}.jsonl`), { progress: sink });
    close(r.losses.get(1)!, entry.reward.loss, `${name} reward`);
  });
}

test("trl format: chatTemplate 'always' wraps the plain pairs (other ids, other loss than TRL's plain-text ones)", async () => {
  const { records } = await loadDataset(join(DIR, 'plain.jsonl'), { format: 'preference' });
  const wrapped = tokenizePreference(tokenizer, records[0]!, { chatTemplate: 'always' });
  const plain = golden.datasets.plain!.dpo_tokenized[0]!;
  assert.notDeepEqual(wrapped.promptIds, plain.prompt_ids);
  assert.equal(wrapped.promptIds[0], tokenizer.tokenToId('<|im_start|>'));
  const c = config('dpo', modelDir(POLICY, join(POLICY, 'policy-perturbed.safetensors')), 'plain.jsonl', {
    dpo: { beta: golden.beta, loss_type: 'sigmoid', ref_model_path: POLICY },
  });
  c.data.chat_template = 'always';
  const r = await runDpo(c, { progress: sink });
  assert.ok(Math.abs(r.losses.get(1)! - golden.datasets.plain!.dpo.sigmoid.loss) > 1e-3, `${r.losses.get(1)}`);
});

for (const name of ['sft-prompt-completion', 'sft-text', 'sft-conversational-prompt-completion'] as const) {
  test(`trl format (${name}): SFT ids and loss positions equal TRL SFTTrainer's`, async () => {
    const { records } = await loadDataset(join(DIR, `${name}.jsonl`), { format: 'sft' });
    const got = records.map((r) => tokenizeSft(tokenizer, r)).map((e) => ({ input_ids: e.inputIds, labels: e.labels }));
    assert.deepEqual(got, golden.sft[name]);
  });
}

test("trl format (sft-messages): SFT ids equal TRL SFTTrainer's; the loss covers the assistant turns (TRL's assistant_only_loss)", async () => {
  const { records } = await loadDataset(join(DIR, 'sft-messages.jsonl'), { format: 'sft' });
  const want = golden.sft['sft-messages']![0]!;
  const ex = tokenizeSft(tokenizer, records[0]!);
  assert.deepEqual(ex.inputIds, want.input_ids);
  const trained = tokenizer.decode(ex.labels.filter((l) => l !== IGNORE_INDEX));
  assert.equal(trained, 'Hello.<|im_end|>\nGoodbye.<|im_end|>\n');
});
