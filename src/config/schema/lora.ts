/** `lora:` — train low-rank adapters instead of the full model (PEFT-compatible). */
import { z } from 'zod';

export const LoraSection = z
  .strictObject({
    enabled: z.boolean().default(false).describe('Train LoRA adapters on a frozen base; checkpoints hold a PEFT adapter (adapter_config.json + adapter_model.safetensors).'),
    r: z.number().int().positive().default(8).describe('Rank of each adapter update B·A.'),
    alpha: z.number().positive().default(16).describe('The update is scaled by alpha / r (alpha / sqrt(r) with use_rslora).'),
    dropout: z.number().min(0).lt(1).default(0).describe("Dropout on the adapter's input while training."),
    target_modules: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .default('all-linear')
      .describe("Layers that get adapters: 'all-linear', a list of name suffixes (q_proj, v_proj, ...) or a regular expression."),
    use_rslora: z.boolean().default(false).describe('Rank-stabilised scaling alpha / sqrt(r).'),
  })
  .describe('LoRA adapters for sft, dpo, orpo, cpo, kto, gkd, grpo, ppo, online_dpo, rloo and reinforce_pp (with dpo, kto and the online algorithms the reference model, and with gkd a teacher left null, is the base with adapters disabled: no second copy).');

export type LoraSection = z.infer<typeof LoraSection>;
