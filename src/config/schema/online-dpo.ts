/** `online_dpo:` — online DPO (TRL OnlineDPOConfig names and defaults; sampling is in `generation:`). */
import { z } from 'zod';
import { ONLINE_DPO_LOSS_TYPES } from '../../rl/online-dpo.js';

export { ONLINE_DPO_LOSS_TYPES, type OnlineDpoLossType } from '../../rl/online-dpo.js';

export const OnlineDpoConfig = z
  .strictObject({
    beta: z
      .union([z.number().positive(), z.array(z.number().positive()).min(1)])
      .default(0.1)
      .describe('Strength of the KL anchor to the reference (IPO: its τ); a list gives epoch e the e-th value and later epochs the last one.'),
    loss_type: z.enum(ONLINE_DPO_LOSS_TYPES).default('sigmoid').describe('sigmoid: −log σ(βΔ) (DPO); ipo: (Δ − 1/(2β))² on summed log-ratios (IPO).'),
    missing_eos_penalty: z
      .number()
      .positive()
      .nullable()
      .default(null)
      .describe('Subtract this from the score of a completion that never emits EOS, before the pair is chosen; null = no penalty.'),
    ref_model_path: z
      .string()
      .nullable()
      .default(null)
      .describe('Reference model directory; null = the starting policy (with lora.enabled: the base with adapters disabled, no second copy).'),
    reward_model_path: z.string().nullable().default(null).describe('Reward model directory scoring the completions; null = rewards.reward_model_path and/or rewards.functions.'),
  })
  .describe('Online DPO (training.algorithm: online_dpo): two completions per prompt from the current policy, the better-scored one chosen, a DPO step on the pair. per_device_train_batch_size counts prompts; max_new_tokens, temperature, top_k, top_p are in generation:, the prompt + completion window is data.max_length.');

export type OnlineDpoConfig = z.infer<typeof OnlineDpoConfig>;

/** The beta of (0-based) epoch `epoch`: the list's entry, the last one past its end. */
export function onlineDpoBetaAt(beta: number | readonly number[], epoch: number): number {
  if (typeof beta === 'number') return beta;
  return beta[Math.min(Math.floor(epoch), beta.length - 1)] as number;
}

/** Cross-field rules of online_dpo, quoting the values. */
export function checkOnlineDpo(
  c: { online_dpo: OnlineDpoConfig; training: { num_epochs: number; max_steps: number }; data: { max_length: number }; generation: { max_new_tokens: number; do_sample: boolean; temperature: number }; rewards: { functions: readonly unknown[]; reward_model_path: string | null } },
  issue: (path: (string | number)[], message: string) => void,
): void {
  const o = c.online_dpo;
  if (o.reward_model_path === null && c.rewards.functions.length === 0 && c.rewards.reward_model_path === null) {
    issue(['rewards', 'functions'], 'training.algorithm is online_dpo: its pairs are chosen by a score; set rewards.functions or a reward model (online_dpo.reward_model_path)');
  }
  if (c.generation.max_new_tokens >= c.data.max_length) {
    issue(['generation', 'max_new_tokens'], `online_dpo: generation.max_new_tokens (${c.generation.max_new_tokens}) must be below data.max_length (${c.data.max_length}), the prompt + completion window (TRL max_length): the prompt would be cut away entirely`);
  }
  if (!c.generation.do_sample || c.generation.temperature === 0) {
    const key = c.generation.do_sample ? 'temperature' : 'do_sample';
    issue(['generation', key], `online_dpo: generation.${key} is ${String(c.generation[key])}, so both completions of a prompt would be the same greedy one and every pair a tie; sample them (generation.do_sample: true, temperature > 0; TRL always samples, at temperature 0.9 by default)`);
  }
  if (Array.isArray(o.beta) && c.training.max_steps === -1 && o.beta.length > c.training.num_epochs) {
    issue(['online_dpo', 'beta'], `online_dpo.beta lists ${o.beta.length} values (one per epoch), but the run has training.num_epochs ${c.training.num_epochs}: the last ${o.beta.length - c.training.num_epochs} would never be used; list at most ${c.training.num_epochs}`);
  }
}
