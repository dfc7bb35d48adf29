/**
 * Stepwise supervision to ids exactly as TRL's PRMTrainer.tokenize_row: prompt ids (bos
 * first when the tokenizer has one), then each step's ids followed by the separator's ids;
 * the step's 0/1 label sits on the last token of step + separator, -100 everywhere else.
 * Stepwise records are plain text (TRL has no conversational form); under chatTemplate
 * 'always' the prompt is rendered as one user turn with the generation prompt.
 */
import type { TextTokenizer } from '../../tokenizers/index.js';
import type { StepwiseRecord } from '../records.js';
import { usesChatTemplate } from './plain-text.js';
import { truncatePrompt, validateLimits } from './truncate.js';
import { IGNORE_INDEX, type TokenizedExample, type TokenizeOptions } from './types.js';

/** Options for stepwise records (TRL PRMConfig). */
export interface StepwiseOptions extends Omit<TokenizeOptions, 'truncationMode'> {
  /** Text appended after every step; its last token carries the label. Default '\n'. */
  stepSeparator?: string;
  /** Label only the last step (TRL `train_on_last_step_only`). Default false. */
  trainOnLastStepOnly?: boolean;
}

/**
 * `maxPromptLength` keeps the prompt's end, `maxCompletionLength` and `maxLength` keep the
 * start. `completionMask` is 1 exactly where a label is.
 *
 * ```ts
 * tokenizeStepwise(tok, { kind: 'stepwise', prompt: 'Q', completions: ['a', 'b'], labels: [true, false] });
 * ```
 */
export function tokenizeStepwise(tokenizer: TextTokenizer, record: StepwiseRecord, options: StepwiseOptions = {}): TokenizedExample {
  validateLimits(options);
  if (record.completions.length !== record.labels.length) {
    throw new Error(`a stepwise record needs one label per step: ${record.completions.length} steps, ${record.labels.length} labels`);
  }
  const separator = tokenizer.encode(options.stepSeparator ?? '\n', { addSpecialTokens: false });
  const last = record.labels.length - 1;
  let completion: number[] = [];
  let stepLabels: number[] = [];
  record.completions.forEach((step, i) => {
    const ids = [...tokenizer.encode(step, { addSpecialTokens: false }), ...separator];
    const label = options.trainOnLastStepOnly && i !== last ? IGNORE_INDEX : Number(record.labels[i]);
    completion.push(...ids);
    stepLabels.push(...ids.map((_, t) => (t === ids.length - 1 ? label : IGNORE_INDEX)));
  });
  const p = truncatePrompt(promptIds(tokenizer, record.prompt, options), options.maxPromptLength);
  let truncated = p.truncated;
  const cut = (n: number | undefined): void => {
    if (n === undefined || completion.length <= n) return;
    completion = completion.slice(0, n);
    stepLabels = stepLabels.slice(0, n);
    truncated = true;
  };
  cut(options.maxCompletionLength);
  if (options.maxLength !== undefined) cut(Math.max(0, options.maxLength - p.ids.length));
  const prompt = options.maxLength !== undefined && p.ids.length > options.maxLength ? p.ids.slice(0, options.maxLength) : p.ids;
  if (prompt.length < p.ids.length) truncated = true;
  const labels = [...prompt.map(() => IGNORE_INDEX), ...stepLabels];
  return {
    inputIds: [...prompt, ...completion],
    completionMask: labels.map((l) => (l === IGNORE_INDEX ? 0 : 1)),
    labels,
    promptLength: prompt.length,
    truncated,
  };
}

/** TRL: bos (when the tokenizer has one) + encode(prompt); under 'always' the chat template's user turn. */
function promptIds(tokenizer: TextTokenizer, prompt: string, options: StepwiseOptions): number[] {
  if (usesChatTemplate(options.chatTemplate, false)) {
    return tokenizer.applyChatTemplate([{ role: 'user', content: prompt }], { addGenerationPrompt: true, tokenize: true });
  }
  const ids = tokenizer.encode(prompt, { addSpecialTokens: false });
  const bos = tokenizer.bosTokenId;
  return bos === null ? ids : [bos, ...ids];
}
