/**
 * BERT and RoBERTa against transformers 5.18 on random tiny checkpoints (make_bert_fixture.py writes
 * them and golden.json), the WordPiece tokenizer against BertTokenizerFast, save/load round trips,
 * training-mode behaviour, and decoders in encoder mode.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readCheckpointLayout } from '../../src/io/index.js';
import { manualSeed, noGrad, SGD, tensor, tidy, type NestedArray, type Tensor } from '../../src/index.js';
import {
  BertForMaskedLM,
  BertForPreTraining,
  BertModel,
  bertConfig,
  CausalLM,
  decoderConfig,
  loadEncoder,
  loadEncoderClassifier,
  loadCausalLm,
  loadEncoderForPreTraining,
  loadMaskedLm,
  parseBertConfig,
  robertaPositionIds,
  savePretrained,
  type EncoderTask,
  type EncoderTasks,
} from '../../src/models/index.js';
import { Tokenizer, batchToTensors } from '../../src/tokenizers/index.js';
import { flat, scoped } from '../helpers/assert.js';
import { MODELS_DIR } from './model-fixtures.js';

const BERT = `${MODELS_DIR}tiny-bert`;
const BERT_CLS = `${MODELS_DIR}tiny-bert-cls`;
const ROBERTA = `${MODELS_DIR}tiny-roberta`;
const ROBERTA_CLS = `${MODELS_DIR}tiny-roberta-cls`;

interface Typed {
  text: string;
  text_pair?: string | null;
  max_length?: number;
  input_ids: number[];
  token_type_ids: number[];
}
interface BertGolden {
  input_ids: number[][];
  token_type_ids: number[][];
  attention_mask: number[][];
  mlm_labels: number[][];
  next_sentence_label: number[];
  last_hidden_state: number[][][];
  pooler_output: number[][];
  hidden_states_1: number[][][];
  prediction_logits_first16: number[][][];
  prediction_log_softmax_row: number[];
  seq_relationship_logits: number[][];
  pretraining_loss: number;
  mlm_loss: number;
  classification: { labels: number[]; logits: number[][]; loss: number };
  tokenizer: {
    single: Typed;
    unknown: { text: string; input_ids: number[] };
    pair: Typed;
    batch: { input_ids: number[][]; token_type_ids: number[][]; attention_mask: number[][] };
    truncated: Typed[];
  };
}
interface RobertaGolden {
  input_ids: number[][];
  attention_mask: number[][];
  mlm_labels: number[][];
  position_ids: number[][];
  last_hidden_state: number[][][];
  logits_first16: number[][][];
  log_softmax_row: number[];
  mlm_loss: number;
  classification: { labels: number[]; logits: number[][]; loss: number };
}
const bertGolden = JSON.parse(readFileSync(`${BERT}/golden.json`, 'utf8')) as BertGolden;
const robertaGolden = JSON.parse(readFileSync(`${ROBERTA}/golden.json`, 'utf8')) as RobertaGolden;

const int64 = (rows: number[][] | number[]): Tensor => tensor(rows, { dtype: 'int64' });
const bertInput = () => ({
  inputIds: int64(bertGolden.input_ids),
  tokenTypeIds: int64(bertGolden.token_type_ids),
  attentionMask: int64(bertGolden.attention_mask),
});
const robertaInput = () => ({ inputIds: int64(robertaGolden.input_ids), attentionMask: int64(robertaGolden.attention_mask) });

/** Largest |actual - expected| over every element (pad positions included: both sides compute them alike). */
function maxDiff(actual: Tensor, expected: NestedArray): number {
  const a = actual.flatValues() as number[];
  const e = flat(expected);
  assert.equal(a.length, e.length, `sizes: [${actual.shape}] vs ${e.length} values`);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - (e[i] as number))), 0);
}

function assertNear(name: string, actual: Tensor, expected: NestedArray, tol = 1e-4): void {
  const d = maxDiff(actual, expected);
  assert.ok(d < tol, `${name} differs from transformers by ${d}`);
}

/** Parameter names and values of a model, for bit-exact comparisons. */
function sameWeights(a: { namedParameters(): [string, Tensor][] }, b: { namedParameters(): [string, Tensor][] }): void {
  const bs = new Map(b.namedParameters());
  for (const [name, p] of a.namedParameters()) {
    const q = bs.get(name);
    assert.ok(q !== undefined, `missing ${name}`);
    assert.ok(p.equal(q), `${name} differs`);
  }
}

test('bert: BertModel hidden states and pooled output match transformers', scoped(() => {
  const bert = loadEncoder(BERT);
  assert.ok(bert.pooler !== null, 'a BertForPreTraining checkpoint has a pooler');
  const out = bert.forward({ ...bertInput(), outputHiddenStates: true });
  assertNear('last_hidden_state', out.lastHiddenState, bertGolden.last_hidden_state);
  assert.equal(out.hiddenStates, out.lastHiddenState);
  assertNear('pooler_output', out.pooledOutput as Tensor, bertGolden.pooler_output);
  assert.equal(out.allHiddenStates?.length, 3, 'embeddings + 2 layers');
  assertNear('hidden_states[1]', out.allHiddenStates?.[1] as Tensor, bertGolden.hidden_states_1);
  assert.ok((out.allHiddenStates?.[2] as Tensor).equal(out.lastHiddenState));
  bert.dispose();
}));

test('bert: BertForPreTraining logits and MLM + NSP loss match transformers', scoped(() => {
  const bert = loadEncoderForPreTraining(BERT);
  const out = bert.forward({ ...bertInput(), labels: int64(bertGolden.mlm_labels), nextSentenceLabel: int64(bertGolden.next_sentence_label) });
  assert.deepEqual(out.predictionLogits.shape, [2, 12, 320]);
  assertNear('prediction_logits', out.predictionLogits.narrow(2, 0, 16), bertGolden.prediction_logits_first16);
  assertNear('log_softmax row', out.predictionLogits.select(0, 0).select(0, 3).logSoftmax(-1), bertGolden.prediction_log_softmax_row);
  assertNear('seq_relationship_logits', out.seqRelationshipLogits, bertGolden.seq_relationship_logits);
  assertNear('pretraining loss', out.loss as Tensor, bertGolden.pretraining_loss, 1e-5);
  assert.ok(Math.abs((out.mlmLoss as Tensor).add(out.nspLoss as Tensor).item() - (out.loss as Tensor).item()) < 1e-6);
  bert.dispose();
}));

test('bert: BertForMaskedLM from a pretraining checkpoint (pooler and NSP head unused)', scoped(() => {
  const mlm = loadMaskedLm(BERT);
  assert.equal(mlm.base.pooler, null);
  assert.ok(!mlm.namedParameters().some(([n]) => n.includes('seq_relationship') || n.includes('pooler')));
  const out = mlm.forward({ ...bertInput(), labels: int64(bertGolden.mlm_labels) });
  assertNear('MLM logits', out.logits.narrow(2, 0, 16), bertGolden.prediction_logits_first16);
  assertNear('MLM loss', out.loss as Tensor, bertGolden.mlm_loss, 1e-5);
  // The head on chosen positions alone gives those positions' logits.
  const picked = mlm.predict(out.hiddenStates.select(0, 0).narrow(0, 2, 2)); // (2, V)
  assert.ok(picked.sub(out.logits.select(0, 0).narrow(0, 2, 2)).abs().max().item() < 1e-6);
  mlm.dispose();
}));

test('bert: BertForSequenceClassification logits and loss match transformers', scoped(() => {
  const clf = loadEncoderClassifier(BERT_CLS);
  assert.equal(clf.config.numLabels, 3);
  const out = clf.forward({ ...bertInput(), labels: int64(bertGolden.classification.labels) });
  assertNear('classification logits', out.logits, bertGolden.classification.logits);
  assertNear('classification loss', out.loss as Tensor, bertGolden.classification.loss, 1e-5);
  clf.dispose();
}));

test('roberta: positions count from padding_idx + 1 and skip pads, as create_position_ids_from_input_ids', scoped(() => {
  assert.deepEqual(robertaPositionIds(int64(robertaGolden.input_ids), 1).toArray(), robertaGolden.position_ids);
  assert.deepEqual(robertaPositionIds(int64([[1, 1, 0, 7, 2]]), 1).toArray(), [[1, 1, 2, 3, 4]], 'left padding');
}));

test('roberta: trunk, MLM head and classification head match transformers', scoped(() => {
  const encoder = loadEncoder(ROBERTA);
  assert.equal(encoder.pooler, null, 'RobertaForMaskedLM checkpoints have no pooler');
  assertNear('roberta last_hidden_state', encoder.forward(robertaInput()).lastHiddenState, robertaGolden.last_hidden_state);

  const mlm = loadMaskedLm(ROBERTA);
  assert.ok(mlm.namedParameters().some(([n]) => n === 'lm_head.layer_norm.weight'));
  const out = mlm.forward({ ...robertaInput(), labels: int64(robertaGolden.mlm_labels) });
  assertNear('roberta MLM logits', out.logits.narrow(2, 0, 16), robertaGolden.logits_first16);
  assertNear('roberta log_softmax row', out.logits.select(0, 1).select(0, 2).logSoftmax(-1), robertaGolden.log_softmax_row);
  assertNear('roberta MLM loss', out.loss as Tensor, robertaGolden.mlm_loss, 1e-5);

  const clf = loadEncoderClassifier(ROBERTA_CLS);
  const cls = clf.forward({ ...robertaInput(), labels: int64(robertaGolden.classification.labels) });
  assertNear('roberta classification logits', cls.logits, robertaGolden.classification.logits);
  assertNear('roberta classification loss', cls.loss as Tensor, robertaGolden.classification.loss, 1e-5);
  assert.throws(() => loadEncoderForPreTraining(ROBERTA), /no next-sentence head/);
  for (const m of [encoder, mlm, clf]) m.dispose();
}));

test('bert/roberta: savePretrained writes transformers\' keys and config; loading it back is bit-exact', scoped(() => {
  type Loaded = EncoderTasks[EncoderTask];
  const cases: [string, () => Loaded, (dir: string) => Loaded, string][] = [
    [BERT, () => loadEncoderForPreTraining(BERT), loadEncoderForPreTraining, 'BertForPreTraining'],
    [BERT_CLS, () => loadEncoderClassifier(BERT_CLS), loadEncoderClassifier, 'BertForSequenceClassification'],
    [ROBERTA, () => loadMaskedLm(ROBERTA), loadMaskedLm, 'RobertaForMaskedLM'],
    [ROBERTA_CLS, () => loadEncoderClassifier(ROBERTA_CLS), loadEncoderClassifier, 'RobertaForSequenceClassification'],
  ];
  for (const [dir, load, reload, architecture] of cases) {
    const model = load();
    const out = mkdtempSync(join(tmpdir(), 'rlhf-bert-'));
    savePretrained(model, out);
    const keys = (d: string) => [...readCheckpointLayout(d).tensors.keys()].sort();
    assert.deepEqual(keys(out), keys(dir), `${architecture}: the same keys as transformers' own save`);
    const cfg = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(cfg.architectures, [architecture]);
    const back = reload(out);
    sameWeights(model, back);
    model.dispose();
    back.dispose();
  }
}));

test('bert: a bare BertModel checkpoint loads into task models (trunk loaded, heads initialised)', scoped(() => {
  const trunk = loadEncoder(BERT);
  const out = mkdtempSync(join(tmpdir(), 'rlhf-bert-base-'));
  savePretrained(trunk, out);
  assert.ok(readCheckpointLayout(out).tensors.has('embeddings.word_embeddings.weight'), 'BertModel keys have no prefix');
  const again = loadEncoder(out);
  sameWeights(trunk, again);
  manualSeed(3);
  const mlm = loadMaskedLm(out);
  const trunkNoPooler = new Map(trunk.namedParameters());
  for (const [name, p] of mlm.base.namedParameters()) assert.ok(p.equal(trunkNoPooler.get(name) as Tensor), name);
  const head = mlm.cls?.predictions as NonNullable<BertForMaskedLM['cls']>['predictions'];
  assert.equal(head.bias.abs().max().item(), 0, 'a new MLM bias starts at 0');
  const w = head.transform.dense.weight;
  assert.ok(Math.abs(w.std().item() - 0.1) < 0.03, `a new head is N(0, initializer_range = 0.1): std ${w.std().item()}`);
  for (const m of [trunk, again, mlm]) m.dispose();
}));

test('bert: the WordPiece tokenizer gives BertTokenizerFast\'s ids and token type ids', () => {
  const tok = Tokenizer.fromPretrained(BERT);
  const g = bertGolden.tokenizer;
  assert.deepEqual(tok.encode(g.single.text), g.single.input_ids);
  assert.deepEqual(tok.encodeWithTypes(g.single.text), { inputIds: g.single.input_ids, tokenTypeIds: g.single.token_type_ids });
  assert.deepEqual(tok.encode(g.unknown.text), g.unknown.input_ids);
  assert.deepEqual(tok.encodeWithTypes(g.pair.text, { textPair: g.pair.text_pair }), { inputIds: g.pair.input_ids, tokenTypeIds: g.pair.token_type_ids });
  for (const t of g.truncated) {
    const got = tok.encodeWithTypes(t.text, { textPair: t.text_pair ?? null, maxLength: t.max_length });
    assert.deepEqual(got, { inputIds: t.input_ids, tokenTypeIds: t.token_type_ids }, `max_length ${t.max_length}: ${t.text} | ${t.text_pair}`);
  }
  const batch = tok.encodeBatchWithTypes([g.pair.text, g.single.text], { textPairs: [g.pair.text_pair, 'Hello'] });
  assert.deepEqual(batch, { inputIds: g.batch.input_ids, attentionMask: g.batch.attention_mask, tokenTypeIds: g.batch.token_type_ids });
  assert.equal(tok.maskToken, '[MASK]');
  assert.equal(tok.maskTokenId, 4);
  assert.equal(tok.padTokenId, 0);
  tidy(() => {
    const tensors = batchToTensors(batch);
    assert.deepEqual(tensors.tokenTypeIds?.toArray(), g.batch.token_type_ids);
  });
});

test('bert: the tokenizer\'s padded pair batch runs through the model as transformers\' inputs do', scoped(() => {
  const tok = Tokenizer.fromPretrained(BERT);
  const g = bertGolden.tokenizer;
  const batch = batchToTensors(tok.encodeBatchWithTypes([g.pair.text, g.single.text], { textPairs: [g.pair.text_pair, null] }));
  assert.deepEqual(batch.inputIds.toArray(), bertGolden.input_ids);
  assert.deepEqual(batch.tokenTypeIds?.toArray(), bertGolden.token_type_ids);
  assert.deepEqual(batch.attentionMask.toArray(), bertGolden.attention_mask);
}));

test('bert: dropout acts in train mode only; every parameter gets a finite gradient; SGD lowers the loss', scoped(() => {
  manualSeed(0);
  const config = bertConfig({ vocabSize: 64, hiddenSize: 32, numLayers: 2, numHeads: 4, intermediateSize: 64, maxPositionEmbeddings: 16 });
  const model = BertForPreTraining.fromConfig(config);
  const input = {
    inputIds: int64([[2, 10, 11, 3, 12, 13, 3], [2, 14, 15, 16, 3, 0, 0]]),
    tokenTypeIds: int64([[0, 0, 0, 0, 1, 1, 1], [0, 0, 0, 0, 0, 0, 0]]),
    attentionMask: int64([[1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 0, 0]]),
    labels: int64([[-100, 20, -100, -100, 21, -100, -100], [-100, -100, 22, -100, -100, -100, -100]]),
    nextSentenceLabel: int64([0, 1]),
  };
  model.eval();
  const a = noGrad(() => model.forward(input).predictionLogits);
  assert.ok(a.equal(noGrad(() => model.forward(input).predictionLogits)), 'eval: deterministic');
  model.train();
  assert.ok(!a.equal(noGrad(() => model.forward(input).predictionLogits)), 'train: dropout changes the logits');

  const opt = new SGD(model.parameters(), { lr: 0.5 });
  model.eval(); // a fixed objective, so the loss must fall
  const losses: number[] = [];
  for (let step = 0; step < 5; step++) {
    tidy(() => {
      opt.zeroGrad();
      const { loss } = model.forward(input);
      (loss as Tensor).backward();
      if (step === 0) {
        for (const [name, p] of model.namedParameters()) {
          assert.ok(p.grad !== null && Number.isFinite(p.grad.abs().sum().item()), `${name}: no finite gradient`);
        }
      }
      opt.step();
      losses.push((loss as Tensor).item());
    });
  }
  assert.ok((losses[4] as number) < (losses[0] as number) - 0.1, `loss ${losses.join(' -> ')}`);
  opt.dispose();
  model.dispose();
}));

test('bert: fromScratch builds from config.json alone, seeded', scoped(() => {
  const a = loadMaskedLm(ROBERTA, { fromScratch: true, seed: 5 });
  const b = loadMaskedLm(ROBERTA, { fromScratch: true, seed: 5 });
  sameWeights(a, b);
  const trained = loadMaskedLm(ROBERTA);
  assert.ok(!a.base.embeddings.wordEmbeddings.weight.equal(trained.base.embeddings.wordEmbeddings.weight));
  assert.equal(a.base.embeddings.wordEmbeddings.weight.select(0, 1).abs().max().item(), 0, 'the padding row starts at 0');
  for (const m of [a, b, trained]) m.dispose();
}));

test('bert: inputsEmbeds, explicit positions and the length limit', scoped(() => {
  const bert = loadEncoder(BERT);
  const { inputIds, tokenTypeIds, attentionMask } = bertInput();
  const viaIds = bert.forward({ inputIds, tokenTypeIds, attentionMask }).hiddenStates;
  const viaEmbeds = bert.forward({ inputsEmbeds: bert.embeddings.wordEmbeddings.forward(inputIds), tokenTypeIds, attentionMask }).hiddenStates;
  assert.ok(viaIds.equal(viaEmbeds));
  assert.throws(() => bert.forward({}), /exactly one of inputIds or inputsEmbeds/);
  assert.throws(() => bert.forward({ inputIds: int64([new Array<number>(65).fill(5)]) }), /max_position_embeddings \(64\)/);
  assert.ok(bert instanceof BertModel);
  bert.dispose();
}));

test('encoder mode: a Qwen2-shaped decoder with isCausal false attends both ways and ignores padded keys', scoped(() => {
  manualSeed(1);
  const config = decoderConfig({ modelType: 'qwen2', qkvBias: true, vocabSize: 64, hiddenSize: 32, numHeads: 4, numKvHeads: 2, numLayers: 2, intermediateSize: 64, isCausal: false });
  const encoder = CausalLM.fromConfig(config).eval();
  const decoder = CausalLM.fromConfig({ ...config, isCausal: true });
  decoder.loadStateDict(encoder.stateDict());
  decoder.eval();
  const first = (m: CausalLM, last: number) => m.forward({ inputIds: int64([[5, 6, 7, last]]) }).logits.select(1, 0);
  assert.ok(first(decoder, 8).equal(first(decoder, 9)), 'causal: position 0 ignores later tokens');
  assert.ok(first(encoder, 8).sub(first(encoder, 9)).abs().max().item() > 1e-4, 'encoder: position 0 sees later tokens');
  // A padded key changes nothing at the real positions, whatever token it holds.
  const padded = (pad: number) =>
    encoder.forward({ inputIds: int64([[5, 6, 7, pad]]), attentionMask: int64([[1, 1, 1, 0]]) }).logits.narrow(1, 0, 3);
  const alone = encoder.forward({ inputIds: int64([[5, 6, 7]]) }).logits;
  assert.ok(padded(8).sub(alone).abs().max().item() < 1e-5);
  assert.ok(padded(9).sub(alone).abs().max().item() < 1e-5);
  encoder.dispose();
  decoder.dispose();
}));

test('loadCausalLm points encoder directories to the encoder loaders', () => {
  assert.throws(() => loadCausalLm(BERT), /model_type 'bert' is not supported; .*an encoder: load it with loadEncoder/);
});

test('bert: config.json variants transformers would run differently are refused by name', () => {
  const base = JSON.parse(readFileSync(`${BERT}/config.json`, 'utf8')) as Record<string, unknown>;
  assert.throws(() => parseBertConfig({ ...base, is_decoder: true }), /is_decoder/);
  assert.throws(() => parseBertConfig({ ...base, position_embedding_type: 'relative_key' }), /position_embedding_type 'relative_key'/);
  assert.throws(() => parseBertConfig({ ...base, hidden_act: 'swish' }), /hidden_act 'swish'/);
  assert.equal(parseBertConfig(base).layerNormEps, 1e-12);
});
