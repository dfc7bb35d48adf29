/**
 * An index error during a step (libtorch's "index out of range in self" from an embedding,
 * "Target N is out of bounds" from a loss, CUDA's "device-side assert triggered") is almost
 * always the data: a token id or label beyond the model's vocabulary (a tokenizer that does not
 * match the model, pre-tokenized ids), or a sequence longer than a learned position table. This
 * finds the example of the failing micro-batch that explains it and names its record (file:line).
 */
import { formatOrigin, originOf } from '../../data/origin.js';

/** What the model accepts: ids below `vocabSize`, class labels below `numLabels`, up to `maxPositions` tokens. */
export interface ModelLimits {
  vocabSize: number | null;
  /** A learned position table's size (GPT-2's n_positions); null for rotary models, which extrapolate. */
  maxPositions: number | null;
  /** Per-token or per-sequence classes of a classifier head, when labels are classes rather than token ids. */
  numLabels: number | null;
}

/** The limits read from a model's config (DecoderConfig, Gpt2Config), duck-typed; unknown ones null. */
export function modelLimits(model: object): ModelLimits {
  const m = model as { config?: Record<string, unknown>; numLabels?: unknown };
  const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const config = m.config ?? {};
  return { vocabSize: num(config['vocabSize']), maxPositions: num(config['nPositions']), numLabels: num(m.numLabels) };
}

const INDEX_FAULT = /index out of range|out of bounds|device-side assert|positions exceed|Assertion `.*(?:idx|index|srcIndex).*` failed/i;

/** Whether an error looks like an out-of-range index (CPU or CUDA). */
export function isIndexFault(err: unknown): boolean {
  return INDEX_FAULT.test(err instanceof Error ? err.message : String(err));
}

/** The id-carrying fields of any tokenized example, by name. */
function idFields(example: unknown): Array<[string, number[]]> {
  if (example === null || typeof example !== 'object') return [];
  const out: Array<[string, number[]]> = [];
  for (const [key, value] of Object.entries(example as Record<string, unknown>)) {
    if (/Ids$|^ids$/.test(key) && Array.isArray(value)) out.push([key, value as number[]]);
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) for (const [k, v] of idFields(value)) out.push([`${key}.${k}`, v]);
  }
  return out;
}

function labelsOf(example: unknown): number[] | null {
  const labels = (example as { labels?: unknown } | null)?.labels;
  return Array.isArray(labels) ? (labels as number[]) : null;
}

/** The first thing wrong with one example under `limits`, or null. */
export function exampleFault(example: unknown, limits: ModelLimits): string | null {
  const fields = idFields(example);
  if (limits.vocabSize !== null) {
    for (const [name, ids] of fields) {
      const bad = ids.findIndex((id) => !Number.isInteger(id) || id < 0 || id >= (limits.vocabSize as number));
      if (bad >= 0) return `token id ${ids[bad]} at position ${bad} of ${name} is outside the model's vocabulary (0..${limits.vocabSize - 1}): the tokenizer does not match the model, or the data holds ids of another tokenizer`;
    }
  }
  const labels = labelsOf(example);
  const classes = limits.numLabels ?? limits.vocabSize;
  if (labels !== null && classes !== null) {
    const bad = labels.findIndex((l) => l !== -100 && (l < 0 || l >= classes));
    if (bad >= 0) return `label ${labels[bad]} at position ${bad} is outside ${limits.numLabels !== null ? `the head's ${classes} classes` : `the vocabulary (0..${classes - 1})`} (-100 is the only label the loss ignores)`;
  }
  if (limits.maxPositions !== null) {
    const longest = fields.reduce((n, [name, ids]) => (name.endsWith('inputIds') || name === 'ids' ? Math.max(n, ids.length) : n), 0);
    const pair = (example as { promptIds?: number[]; chosenIds?: number[]; rejectedIds?: number[] }) ?? {};
    const pairLength = (pair.promptIds?.length ?? 0) + Math.max(pair.chosenIds?.length ?? 0, pair.rejectedIds?.length ?? 0);
    const tokens = Math.max(longest, pairLength);
    if (tokens > limits.maxPositions) return `${tokens} tokens, longer than the model's ${limits.maxPositions} positions: set data.max_length to at most ${limits.maxPositions}`;
  }
  return null;
}

export class DataFaultError extends Error {
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = 'DataFaultError';
  }
}

/**
 * The error for an index fault in a step: the faulty example(s) of the micro-batch with their
 * records, or, when none breaks the model's limits, the batch's records to look at.
 */
export function dataFaultError(err: unknown, step: number, batch: readonly unknown[], limits: ModelLimits): DataFaultError {
  const first = (err instanceof Error ? err.message : String(err)).split('\n')[0] as string;
  const where = (e: unknown, i: number) => formatOrigin(originOf(e)) ?? `example ${i + 1} of the micro-batch`;
  const faults = batch.map((e, i) => ({ e, i, fault: exampleFault(e, limits) })).filter((f) => f.fault !== null);
  if (faults.length > 0) {
    const lines = faults.slice(0, 3).map((f) => `  ${where(f.e, f.i)}: ${f.fault}`);
    const more = faults.length > 3 ? `\n  ... and ${faults.length - 3} more in this micro-batch` : '';
    return new DataFaultError(`step ${step}: an index went out of range (${first}); the likely cause is the data:\n${lines.join('\n')}${more}\nFix or drop these records (rlhf data validate checks a file).`, err);
  }
  const records = batch.map(where).slice(0, 8).join(', ');
  return new DataFaultError(`step ${step}: an index went out of range (${first}); no example of this micro-batch breaks the model's limits (vocabulary ${limits.vocabSize ?? 'unknown'}${limits.maxPositions === null ? '' : `, ${limits.maxPositions} positions`}); its records: ${records}`, err);
}
