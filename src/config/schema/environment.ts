/** `environment:` — multi-turn episodes (tool use) for online RL instead of single completions. */
import { z } from 'zod';
import { ENVIRONMENT_NAMES } from '../../environments/names.js';
import type { Algorithm } from './training.js';

/** The online algorithms that roll out whole episodes when an environment is set. */
export const ENVIRONMENT_ALGORITHMS: readonly Algorithm[] = ['grpo', 'ppo', 'rloo', 'reinforce_pp'];

export const EnvironmentConfig = z
  .strictObject({
    name: z.enum(ENVIRONMENT_NAMES).nullable().default(null).describe(`A built-in environment: ${ENVIRONMENT_NAMES.join(', ')} (give name or module; neither: single-turn rollouts).`),
    module: z.string().nullable().default(null).describe('Path of an ES module exporting an EnvironmentFactory, or a function returning one (give name or module).'),
    export: z.string().default('default').describe("The module's export to use."),
    max_turns: z.number().int().positive().default(4).describe('Assistant turns per episode at most (TRL max_tool_calling_iterations + 1).'),
    max_episode_tokens: z.number().int().positive().default(512).describe("Tokens after the prompt per episode at most, the model's and the environment's together; each turn also stops at generation.max_new_tokens."),
    tools_in_prompt: z.boolean().default(true).describe("Render the prompts with the environment's tool schemas (the chat template's `tools`), as TRL does."),
  })
  .describe('Multi-turn episodes for online RL (grpo, ppo, rloo, reinforce_pp): the model acts, the environment answers (tool results) until done; only model-written tokens get loss.');

export type EnvironmentConfig = z.infer<typeof EnvironmentConfig>;

/** True when the config asks for episodes. */
export const hasEnvironment = (e: EnvironmentConfig): boolean => e.name !== null || e.module !== null;
