/**
 * The contract between a multi-turn episode and the world the model acts in. The episode
 * runner (episodes.ts) calls `reset` once per episode, then `step` with each assistant turn
 * the model wrote, and appends the messages the environment answers with (tool results as
 * `tool` messages, rendered by the tokenizer's chat template) until `done`.
 */
import type { ChatMessage } from '../tokenizers/index.js';

/** What an episode starts from: the prompt record, as the run loaded it. */
export interface EpisodeStart {
  /** The prompt as the model sees it (chat template applied), decoded without special tokens. */
  prompt: string;
  promptIds: readonly number[];
  /** The record's reference answer, when it has one. */
  reference?: string;
}

/** The environment's answer to one assistant turn. */
export interface EnvironmentStep {
  /**
   * Messages appended after the assistant turn when the episode goes on (tool results as
   * `{ role: 'tool', name, content }`, or a `user` turn); ignored when `done`.
   */
  messages: ChatMessage[];
  /** Reward of this turn; an episode's reward is the sum over its turns. */
  reward: number;
  done: boolean;
  /** Tool calls this turn made, and how many of them failed (metrics). */
  toolCalls?: number;
  toolErrors?: number;
}

/** One episode's state; a fresh instance per episode (see EnvironmentFactory). */
export interface Environment {
  reset(start: EpisodeStart): void | Promise<void>;
  /** `assistantMessage`: the model's turn as text, special tokens kept, its end-of-turn token removed. */
  step(assistantMessage: string): EnvironmentStep | Promise<EnvironmentStep>;
}

/** Makes one environment per episode, and says which tools its prompts may list. */
export interface EnvironmentFactory {
  readonly name: string;
  /** Tool schemas for the chat template's `tools` (OpenAI function format). */
  readonly tools: readonly ToolSchema[];
  create(): Environment;
}

/** A JSON Schema (the subset tools use for their arguments). */
export type JsonSchema = Record<string, unknown>;

/** A tool as chat templates list it (transformers' / OpenAI's function format). */
export interface ToolSchema {
  type: 'function';
  function: { name: string; description: string; parameters: JsonSchema };
}

/**
 * A tool: a plain function of JSON arguments described by a JSON Schema. Arguments that do not
 * match the schema never reach `run`; what `run` returns (a string as is, anything else as
 * JSON) or throws becomes the tool message.
 */
export interface Tool<A = Record<string, unknown>> {
  name: string;
  description: string;
  /** JSON Schema of the arguments object. */
  parameters: JsonSchema;
  run(args: A): unknown;
}
