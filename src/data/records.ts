/**
 * The typed records every trainer consumes, one per dataset kind. Readers and converters
 * produce these; collators turn them into tensors. Field names follow TRL's dataset formats.
 */
import type { ChatMessage } from '../tokenizers/index.js';

/** Where a record came from, for error messages and skip reports (`file:line`). */
export interface RecordSource {
  file: string;
  /** 1-based line (JSONL), array index + 1 (JSON) or row + 1 (Parquet). */
  line: number;
}

/**
 * Supervised fine-tuning in TRL's SFT formats: prompt/completion as plain strings or message
 * lists (`response` and Alpaca's instruction/input/output read as the same), or language
 * modelling with no prompt: a `text` string (loss on every token) or a `messages` conversation.
 */
export interface SftRecord {
  kind: 'sft';
  /** null for language-modelling rows (`text`, `messages`). */
  prompt: string | ChatMessage[] | null;
  /** The completion; for language-modelling rows the whole text or conversation. */
  response: string | ChatMessage[];
  /** An optional system message (plain-text prompts only). */
  system?: string;
}

/** A conversation; the loss usually covers the assistant turns only. */
export interface ConversationRecord {
  kind: 'conversation';
  messages: ChatMessage[];
}

/** A preference pair: plain strings, or conversations whose last turns differ. */
export interface PreferenceRecord {
  kind: 'preference';
  prompt: string | ChatMessage[];
  chosen: string | ChatMessage[];
  rejected: string | ChatMessage[];
  /** Optional margin for reward-model losses. */
  margin?: number;
}

/**
 * One completion of a prompt labelled desirable (true) or undesirable (false): TRL's unpaired
 * preference format, what KTO trains on. Paired preference rows unpair into two of these.
 */
export interface UnpairedPreferenceRecord {
  kind: 'unpaired_preference';
  prompt: string | ChatMessage[];
  completion: string | ChatMessage[];
  label: boolean;
}

/** A prompt for online RL (PPO/GRPO), with an optional reference answer for rule-based rewards. */
export interface PromptRecord {
  kind: 'prompt';
  prompt: string | ChatMessage[];
  reference?: string;
}

/** Stepwise supervision for process reward models: one label per reasoning step. */
export interface StepwiseRecord {
  kind: 'stepwise';
  prompt: string;
  completions: string[];
  /** One per step; true = the step is correct (TRL's stepwise supervision format). */
  labels: boolean[];
}

/** Critic warm-up: a teacher's response and optionally a student's. */
export interface TeacherStudentRecord {
  kind: 'teacher_student';
  prompt: string;
  teacherResponse: string;
  studentResponse?: string;
}

/** Latent PRM training: a [steps, hidden] float matrix with a score, stored in safetensors. */
export interface LatentRecord {
  kind: 'latent';
  /** Name of the tensor in the safetensors file. */
  tensor: string;
  /** The safetensors file holding it. */
  file: string;
  score: number;
}

/** Raw text for pretraining (causal LM, MLM, contrastive views): one document. */
export interface TextRecord {
  kind: 'text';
  text: string;
}

/**
 * Two texts that mean the same, for contrastive learning (sentence-transformers' anchor/positive
 * pairs), with an optional hard negative.
 */
export interface PairRecord {
  kind: 'pair';
  anchor: string;
  positive: string;
  negative?: string;
}

export type DataRecord =
  | SftRecord
  | ConversationRecord
  | PreferenceRecord
  | UnpairedPreferenceRecord
  | PromptRecord
  | StepwiseRecord
  | TeacherStudentRecord
  | LatentRecord
  | TextRecord
  | PairRecord;

export type DataKind = DataRecord['kind'];
export const DATA_KINDS = ['sft', 'conversation', 'preference', 'unpaired_preference', 'prompt', 'stepwise', 'teacher_student', 'latent', 'text', 'pair'] as const satisfies readonly DataKind[];
