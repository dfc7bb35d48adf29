/** GPT-2 against transformers' GPT2LMHeadModel on a random tiny checkpoint. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { F, tensor, tidy } from '../../src/index.js';
import { Gpt2LMHeadModel, loadCausalLm, savePretrained } from '../../src/models/index.js';
import { scoped } from '../helpers/assert.js';
import { maxErrAtRealPositions, MODELS_DIR } from './model-fixtures.js';

const dir = `${MODELS_DIR}tiny-gpt2`;
interface Gpt2Golden {
  input_ids: number[][];
  attention_mask: number[][];
  logits_first8: number[][][];
  last_token_index: number[];
  last_token_log_softmax: number[][];
  causal_lm_loss: number;
  greedy: { prompt: number[]; max_new_tokens: number; tokens: number[] };
}
const golden = JSON.parse(readFileSync(`${dir}/golden.json`, 'utf8')) as Gpt2Golden;

test('gpt2: logits and causal LM loss match transformers', scoped(() => {
  const lm = loadCausalLm(dir);
  assert.ok(lm instanceof Gpt2LMHeadModel);
  const ids = tensor(golden.input_ids, { dtype: 'int64' });
  const mask = tensor(golden.attention_mask, { dtype: 'int64' });
  const { logits } = lm.forward({ inputIds: ids, attentionMask: mask });
  const err = maxErrAtRealPositions(logits.slice(-1, 0, 8).toArray() as number[][][], golden.logits_first8, golden.attention_mask);
  assert.ok(err < 1e-4, `logits differ by ${err}`);
  golden.last_token_index.forEach((t, b) => {
    const got = logits.select(0, b).select(0, t).logSoftmax(-1).flatValues() as number[];
    const e = Math.max(...got.map((v, i) => Math.abs(v - (golden.last_token_log_softmax[b]?.[i] as number))));
    assert.ok(e < 1e-4, `row ${b}: log-softmax differs by ${e}`);
  });
  const labels = ids.maskedFill(mask.eq(0), -100);
  const loss = F.crossEntropy(logits.slice(1, 0, -1).reshape(-1, 512), labels.slice(1, 1).reshape(-1)).item();
  assert.ok(Math.abs(loss - golden.causal_lm_loss) < 1e-5, `loss ${loss} vs ${golden.causal_lm_loss}`);
  const T = ids.size(1);
  const lastThree = lm.forward({ inputIds: ids, attentionMask: mask, logitsToKeep: 3 }).logits;
  assert.ok(lastThree.sub(logits.narrow(1, T - 3, 3)).abs().max().item() < 1e-6, 'logitsToKeep: the last positions of the full logits');
  lm.dispose();
}));

test('gpt2: greedy decoding with the KV cache reproduces transformers generate()', scoped(() => {
  const lm = loadCausalLm(dir);
  const cache = lm.newCache();
  const out: number[] = [];
  let input = tensor([golden.greedy.prompt], { dtype: 'int64' });
  for (let i = 0; i < golden.greedy.max_new_tokens; i++) {
    const next = tidy(() => lm.forward({ inputIds: input, cache }).logits.select(1, -1).argmax({ dim: -1 }).item());
    out.push(next);
    input = tensor([[next]], { dtype: 'int64' });
  }
  cache.dispose();
  assert.deepEqual(out, golden.greedy.tokens);
  lm.dispose();
}));

test('gpt2: save -> load keeps transformers key names and is bit-exact', scoped(() => {
  const lm = loadCausalLm(dir);
  const out = mkdtempSync(join(tmpdir(), 'rlhf-gpt2-'));
  savePretrained(lm, out);
  const back = loadCausalLm(out);
  assert.deepEqual(back.namedParameters().map(([n]) => n), lm.namedParameters().map(([n]) => n));
  assert.ok(back.namedParameters().some(([n]) => n === 'transformer.h.0.attn.c_attn.weight'));
  const ids = tensor([[5, 6, 7, 8]], { dtype: 'int64' });
  assert.ok(back.forward({ inputIds: ids }).logits.equal(lm.forward({ inputIds: ids }).logits));
  const cfg = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(cfg.model_type, 'gpt2');
  assert.equal(cfg.n_embd, 64);
  lm.dispose();
  back.dispose();
}));
