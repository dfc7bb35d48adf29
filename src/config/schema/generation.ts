/** `generation:` — sampling for rollouts (PPO, GRPO) and evaluation. */
import { z } from 'zod';

export const GenerationConfig = z
  .strictObject({
    max_new_tokens: z.number().int().positive().default(128).describe('Longest completion sampled.'),
    temperature: z.number().min(0).default(1.0).describe('Softmax temperature; 0 = greedy.'),
    top_k: z.number().int().min(0).default(0).describe('Sample from the k most likely tokens; 0 = no limit.'),
    top_p: z.number().gt(0).max(1).default(1.0).describe('Nucleus sampling mass, in (0, 1]; 1 = no limit.'),
    do_sample: z.boolean().default(true).describe('Sample (true) or decode greedily (false).'),
    max_batch_size: z.number().int().positive().nullable().default(null).describe(
      'PPO/GRPO rollouts: rows decoded together (vLLM max_num_seqs). With more rows, continuous batching: a finished row\'s slot takes the next prompt. null: every row of the rollout in one batch.',
    ),
  })
  .describe('Sampling for rollouts and evaluation.');

export type GenerationConfig = z.infer<typeof GenerationConfig>;
