/**
 * The tokenized forms of records: plain `number[]` rows, before padding. Tokenizers produce
 * these from `DataRecord`s; collators pad them into tensors.
 */

/** Label value that cross-entropy ignores (PyTorch's and TRL's `-100`). */
export const IGNORE_INDEX = -100;

/** One token sequence with the positions that get loss. */
export interface TokenizedExample {
  /** Prompt and completion ids, concatenated. */
  inputIds: number[];
  /** 1 on the tokens that get loss (the completion / assistant turns), 0 elsewhere. */
  completionMask: number[];
  /**
   * Per-token training targets, `IGNORE_INDEX` where no loss is taken. For language-model
   * examples this is `inputIds` masked outside the completion; for stepwise examples it is
   * the 0/1 step label on the last token of each step.
   */
  labels: number[];
  /** How many leading tokens belong to the prompt (after truncation). */
  promptLength: number;
  /** True when `maxLength` or `maxPromptLength` cut tokens off. */
  truncated: boolean;
}

/** A preference pair as TRL's DPOTrainer tokenizes it: one prompt, two completions. */
export interface PreferenceExample {
  promptIds: number[];
  chosenIds: number[];
  rejectedIds: number[];
  /** Optional reward-model margin, carried through from the record. */
  margin?: number;
  /** Reference-model log-probs of chosen/rejected, when precomputed before training (DPO). */
  refChosenLogps?: number;
  refRejectedLogps?: number;
  truncated: boolean;
}

/** An unpaired preference example as TRL's KTOTrainer tokenizes it: one prompt, one labelled completion. */
export interface UnpairedPreferenceExample {
  promptIds: number[];
  completionIds: number[];
  /** TRL's label: true = desirable completion. */
  label: boolean;
  /** Reference-model log-prob of the completion, when precomputed before training (KTO). */
  refLogps?: number;
  truncated: boolean;
}

/** A prompt for online RL; the model generates the completion. */
export interface PromptExample {
  /** Prompt ids, ending with the generation prompt when a chat template is used. */
  inputIds: number[];
  truncated: boolean;
}

/** Critic warm-up: the teacher's response and, optionally, the student's, on one prompt. */
export interface TeacherStudentExample {
  teacher: TokenizedExample;
  student?: TokenizedExample;
}

/** Which end of a too-long sequence survives (TRL's `truncation_mode`). */
export type TruncationMode = 'keep_start' | 'keep_end';

/**
 * When a record goes through the tokenizer's chat template (config `data.chat_template`).
 * 'auto' is TRL's rule: conversational records (lists of `{role, content}` messages) use the
 * template, plain strings are tokenized as plain text even when the tokenizer has a template.
 * 'always' also wraps plain strings as one user turn (prompt) and one assistant turn
 * (completion). 'never' tokenizes plain strings as text and refuses conversational records.
 */
export const CHAT_TEMPLATE_MODES = ['auto', 'always', 'never'] as const;
export type ChatTemplateMode = (typeof CHAT_TEMPLATE_MODES)[number];

/** Options shared by every record tokenizer. */
export interface TokenizeOptions {
  /** Which records use the chat template; default 'auto' (TRL's rule, see `ChatTemplateMode`). */
  chatTemplate?: ChatTemplateMode;
  /** Cap on prompt + completion tokens; undefined = no cap. */
  maxLength?: number;
  /** Cap on prompt tokens, keeping the prompt's end (TRL DPO); undefined = no cap. */
  maxPromptLength?: number;
  /** Cap on completion tokens, keeping the completion's start; undefined = no cap. */
  maxCompletionLength?: number;
  /**
   * Which end `maxLength` keeps. 'keep_start' (default, TRL SFT) drops the completion's end;
   * 'keep_end' drops the prompt's start first.
   */
  truncationMode?: TruncationMode;
}
