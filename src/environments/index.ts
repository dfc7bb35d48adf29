/**
 * Environments for multi-turn online RL: tools as plain functions with JSON-Schema arguments,
 * Hermes/Qwen2.5 tool-call parsing, episodes whose loss mask covers the model's own tokens only.
 * @example
 * const rows = await runEpisodes(policy, tokenizer, prompts, calculatorEnvironment(), generation, { maxTurns: 3, maxEpisodeTokens: 256 });
 */
export type { Environment, EnvironmentFactory, EnvironmentStep, EpisodeStart, JsonSchema, Tool, ToolSchema } from './types.js';
export { formatToolCall, parseToolCalls, parseCallBody, TOOL_CALL_OPEN, TOOL_CALL_CLOSE } from './tool-calls.js';
export type { ParsedToolCall, ParsedTurn } from './tool-calls.js';
export { ToolBox, toolErrorMessage } from './tools.js';
export type { ToolCallOutcome } from './tools.js';
export { toolEnvironment } from './tool-environment.js';
export type { ToolEnvironmentOptions } from './tool-environment.js';
export { calculatorEnvironment, calculatorTool, evaluateExpression, formatNumber } from './calculator.js';
export { environmentSuffixIds } from './render.js';
export { runEpisodes } from './episodes.js';
export type { Episode, EpisodeLimits, EpisodePrompt } from './episodes.js';
export { loadEnvironment } from './registry.js';
export type { EnvironmentSource } from './registry.js';
export { ENVIRONMENT_NAMES } from './names.js';
export type { EnvironmentName } from './names.js';
