/**
 * Continuous batching: at most `maxBatchSize` rows decode together, and a row that finishes
 * hands its slot to the next waiting prompt, so a batch never waits for its longest completion.
 * A new prompt is prefilled alone and its keys/values copied into the free slot, right-aligned
 * at the batch's current column (mask 0 before it, its own position ids from 0), so every
 * row's greedy output is the one it gets generated alone. When the columns run out, the cache
 * drops the columns no live row reads any more.
 *
 * ```ts
 * const out = generateContinuous(model, prompts, { maxNewTokens: 64, numReturnSequences: 8 }, { maxBatchSize: 16 });
 * ```
 * Results come back in input order (each prompt's numReturnSequences adjacent). Sampling draws
 * from the same distributions as generate() but in another order, so seeded samples differ.
 */
import type { CausalLm, KvCache } from '../models/types.js';
import { arange, full, getDefaultDevice, keep, manualSeed, ones, stack, tensor, tidy, where, zeros, type Device, type Tensor } from '../tensor/index.js';
import { decodingStep } from './step-scope.js';
import { eosIds, resolveGenerationConfig, type GenerationConfig } from './config.js';
import { chooseTokens, processScores } from './pipeline.js';
import { applyRepetitionPenalty, suppressTokens } from './processors.js';
import { StopStringMatcher } from './stop-strings.js';
import { toResults, type RowState } from './generate.js';
import type { FinishReason, GenerateOptions, GenerationResult } from './types.js';

export interface ContinuousOptions extends Omit<GenerateOptions, 'onToken'> {
  /** Rows decoded together (slots). */
  maxBatchSize: number;
}

type SlotCache = KvCache & Required<Pick<KvCache, 'writeRow' | 'dropColumns' | 'setLength'>>;

interface Row extends RowState {
  prompt: readonly number[];
}

/** One prompt's prefill, kept while its copies (numReturnSequences) are admitted. */
interface Prefill {
  prompt: number;
  cache: KvCache;
  /** (1, V) float32 */
  logits: Tensor;
}

export function generateContinuous(
  model: CausalLm,
  prompts: readonly (readonly number[])[],
  config: Partial<GenerationConfig>,
  options: ContinuousOptions,
): GenerationResult[] {
  const cfg = resolveGenerationConfig(config);
  const { maxBatchSize, decode } = options;
  if (!Number.isInteger(maxBatchSize) || maxBatchSize < 1) throw new RangeError(`generateContinuous: maxBatchSize (${maxBatchSize}) must be an integer >= 1`);
  if (!cfg.useCache) throw new RangeError('generateContinuous: continuous batching needs the KV cache (useCache: true)');
  if (prompts.length === 0 || prompts.some((p) => p.length === 0)) throw new RangeError('generateContinuous: every prompt needs at least one token');
  if (cfg.stopStrings.length > 0 && !decode) throw new TypeError('generateContinuous: stopStrings need options.decode');
  const vocab = model.config.vocabSize;
  const bad = prompts.flat().find((t) => !Number.isInteger(t) || t < 0 || t >= vocab);
  if (bad !== undefined) throw new RangeError(`generateContinuous: token id ${bad} is outside [0, ${vocab})`);
  const eos = eosIds(cfg.eosTokenId ?? model.config.eosTokenId);
  const filler = cfg.padTokenId ?? model.config.padTokenId ?? eos[0] ?? 0;
  const device = options.device ?? model.device ?? getDefaultDevice();
  const G = cfg.numReturnSequences;
  const rows: Row[] = prompts.flatMap((prompt) => Array.from({ length: G }, () => ({
    prompt,
    tokenIds: [],
    modelLogprobs: [],
    processedLogprobs: [],
    stop: decode && cfg.stopStrings.length > 0 ? new StopStringMatcher(cfg.stopStrings, decode, prompt) : undefined,
  })));
  const S = Math.min(maxBatchSize, rows.length);
  const longest = Math.max(...prompts.map((p) => p.length));
  const capacity = 2 * (longest + cfg.maxNewTokens);
  if (cfg.seed !== undefined) manualSeed(cfg.seed);

  const cache = model.newCache({ capacity, batch: S });
  if (!cache.writeRow || !cache.dropColumns || !cache.setLength) {
    cache.dispose();
    throw new TypeError("generateContinuous: the model's cache cannot write single rows (writeRow, dropColumns, setLength)");
  }
  const slots = cache as SlotCache;
  const tokens = keep(full([S, capacity], filler, { dtype: 'int64', device })); // HF's input_ids per slot
  const mask = keep(zeros([S, capacity], { dtype: 'int64', device }));
  const positions = keep(zeros([S, 1], { dtype: 'int64', device })); // next position id per slot
  const slotRow = new Array<number>(S).fill(-1); // row decoding in each slot
  const start = new Array<number>(S).fill(0); // first column of each slot's row
  const pending = new Array<number>(S).fill(filler); // token each slot feeds next
  let column = longest; // every slot's next column; a new prompt fits before it
  let nextRow = 0;
  let prefill: Prefill | undefined;

  const record = (r: number, token: number, modelLp: number, processedLp: number): boolean => {
    const row = rows[r] as Row;
    row.tokenIds.push(token);
    row.modelLogprobs.push(modelLp);
    row.processedLogprobs.push(processedLp);
    if (eos.includes(token)) row.finishReason = 'eos';
    else if (row.stop?.push(token)) row.finishReason = 'stop_string';
    else if (row.tokenIds.length >= cfg.maxNewTokens) row.finishReason = 'length';
    return row.finishReason !== undefined;
  };

  /** Fills slot `s` with the next waiting rows until one is still running after its first token. */
  const admit = (s: number): void => {
    slotRow[s] = -1;
    while (nextRow < rows.length) {
      const r = nextRow++;
      const prompt = Math.floor(r / G);
      const ids = prompts[prompt] as readonly number[];
      if (prefill?.prompt !== prompt) {
        disposePrefill(prefill);
        prefill = prefillAlone(model, prompt, ids, device);
      }
      const p = ids.length;
      const first = decodingStep(() => {
        slots.writeRow(s, prefill?.cache as KvCache, p, column - p);
        tokens.select(0, s).fill_(filler);
        tokens.select(0, s).narrow(0, column - p, p).copy_(tensor([...ids], { dtype: 'int64', device }));
        mask.select(0, s).zero_();
        mask.select(0, s).narrow(0, column - p, p).fill_(1);
        positions.select(0, s).fill_(p);
        const sequences = tensor([[...ids]], { dtype: 'int64', device });
        return choose(prefill?.logits as Tensor, sequences, [0]);
      });
      if (!record(r, first[0] as number, first[1] as number, first[2] as number)) {
        slotRow[s] = r;
        start[s] = column - p;
        pending[s] = first[0] as number;
        return;
      }
    }
  };

  /** Processors in HF's order, with min-new-tokens per row; -> [tokens..., model logps..., processed logps...] on the host. */
  const choose = (last: Tensor, sequences: Tensor, generated: readonly number[]): number[] => {
    let scores = cfg.repetitionPenalty === 1 ? last : applyRepetitionPenalty(last, sequences, cfg.repetitionPenalty);
    if (cfg.minNewTokens > 0 && eos.length > 0 && generated.some((g) => g < cfg.minNewTokens)) {
      const early = tensor(generated.map((g) => Number(g < cfg.minNewTokens)), { dtype: 'int64', device }).ne(0).unsqueeze(1); // (B, 1)
      scores = where(early, suppressTokens(scores, eos), scores);
    }
    scores = processScores(scores, { sequences, generated: 0, eosIds: eos }, { ...cfg, repetitionPenalty: 1, minNewTokens: 0 });
    const next = chooseTokens(scores, cfg.doSample).unsqueeze(1); // (B, 1)
    const modelLp = last.logSoftmax(-1).gather(1, next);
    const processedLp = scores === last ? modelLp : scores.logSoftmax(-1).gather(1, next);
    return stack([next.to('float64'), modelLp.to('float64'), processedLp.to('float64')]).flatValues() as number[];
  };

  try {
    for (let s = 0; s < S; s++) admit(s);
    while (slotRow.some((r) => r >= 0)) {
      if (column >= capacity) compact();
      const host = decodingStep(() => {
        const live = slotRow.map((r) => r >= 0);
        tokens.narrow(1, column, 1).copy_(tensor(pending.map((t, s) => (live[s] ? t : filler)), { dtype: 'int64', device }).unsqueeze(1));
        mask.narrow(1, column, 1).fill_(1);
        slots.setLength(column);
        const { logits } = model.forward({
          inputIds: tokens.narrow(1, column, 1).contiguous(), // (S, 1)
          attentionMask: mask.narrow(1, 0, column + 1), // (S, column + 1)
          positionIds: positions.clone(), // (S, 1)
          cache: slots,
          logitsToKeep: 1,
        });
        positions.add_(1);
        const generated = slotRow.map((r) => (r >= 0 ? (rows[r] as Row).tokenIds.length : cfg.minNewTokens));
        return choose(logits.select(1, 0).to('float32'), tokens.narrow(1, 0, column + 1), generated);
      });
      column += 1;
      for (let s = 0; s < S; s++) {
        const r = slotRow[s] as number;
        if (r < 0) continue;
        if (record(r, host[s] as number, host[S + s] as number, host[2 * S + s] as number)) admit(s);
        else pending[s] = host[s] as number;
      }
    }
  } finally {
    disposePrefill(prefill);
    for (const t of [tokens, mask, positions]) t.dispose();
    cache.dispose();
  }

  /** Drops the columns before the earliest live row's start (keeping room for the longest prompt). */
  function compact(): void {
    const earliest = Math.min(...slotRow.map((r, s) => (r >= 0 ? (start[s] as number) : column)));
    const drop = Math.min(earliest, column - longest);
    if (drop <= 0) throw new Error(`generateContinuous: no column to free at ${column} of ${capacity}`);
    tidy(() => {
      slots.setLength(column);
      slots.dropColumns(drop);
      for (const t of [tokens, mask]) t.narrow(1, 0, column - drop).copy_(t.narrow(1, drop, column - drop).clone());
    });
    column -= drop;
    for (let s = 0; s < S; s++) start[s] = (start[s] as number) - drop;
  }

  return toResults(rows, decode);
}

/** A prompt's forward pass alone: its cache and its last logits (1, V) float32. */
function prefillAlone(model: CausalLm, prompt: number, ids: readonly number[], device: Device): Prefill {
  const cache = model.newCache({ capacity: ids.length });
  const logits = decodingStep(() => {
    const inputIds = tensor([[...ids]], { dtype: 'int64', device });
    const out = model.forward({
      inputIds,
      attentionMask: ones([1, ids.length], { dtype: 'int64', device }),
      positionIds: arange(ids.length, undefined, 1, { dtype: 'int64', device }).unsqueeze(0),
      cache,
      logitsToKeep: 1,
    });
    return keep(out.logits.select(1, 0).to('float32'));
  });
  return { prompt, cache, logits };
}

function disposePrefill(p: Prefill | undefined): void {
  p?.cache.dispose();
  p?.logits.dispose();
}
