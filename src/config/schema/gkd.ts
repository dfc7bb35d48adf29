/** `gkd:` — generalised knowledge distillation, on-policy (TRL GKDConfig names and defaults). */
import { z } from 'zod';

export const GkdConfig = z
  .strictObject({
    teacher_model_name_or_path: z
      .string()
      .min(1)
      .nullable()
      .default(null)
      .describe(
        'Teacher model: a directory or a hub id in the Hugging Face cache (as model.name_or_path). It must share the student\'s tokenizer and vocabulary. ' +
          'null = the starting model itself (a frozen copy; with lora.enabled the base with the adapters disabled).',
      ),
    lmbda: z
      .number()
      .min(0)
      .max(1)
      .default(0.5)
      .describe('Fraction of micro-batches trained on-policy: the student samples completions of the batch\'s prompts (generation:) and learns on them. Drawn per micro-batch from training.seed; resumes exactly.'),
    beta: z
      .number()
      .min(0)
      .max(1)
      .default(0.5)
      .describe('Generalised Jensen-Shannon interpolation β: 0 = forward KL(teacher ‖ student), 1 = reverse KL(student ‖ teacher), else β·KL(T‖M) + (1−β)·KL(S‖M) with M = (1−β)·S + β·T.'),
    seq_kd: z
      .boolean()
      .default(false)
      .describe('Sequence-level KD: on the off-policy micro-batches the teacher samples the completions (generation:) instead of taking the dataset\'s.'),
    disable_dropout: z.boolean().default(true).describe("Run the student's forward passes with dropout off (its gradients are unchanged)."),
  })
  .describe(
    'Generalised knowledge distillation (training.algorithm: gkd): the student matches the teacher\'s next-token distributions on SFT data and on its own samples. ' +
      'Sampling reads generation: (gkd.temperature and gkd.max_new_tokens, TRL\'s spellings, are accepted as generation.temperature / generation.max_new_tokens).',
  );

export type GkdConfig = z.infer<typeof GkdConfig>;

/**
 * Cross-field rules of a gkd run: it reads SFT data through the sft: loader, whose prompt it
 * samples from and whose completion it distils, so sft: keys that would change that are refused.
 */
export function checkGkd(c: { sft: { completion_only_loss: boolean; packing: boolean } }, issue: (path: (string | number)[], message: string) => void): void {
  if (!c.sft.completion_only_loss) {
    issue(['sft', 'completion_only_loss'], 'training.algorithm is gkd: sft.completion_only_loss is false, but GKD distils the completion only (the student samples after the prompt); set it to true');
  }
  if (c.sft.packing) {
    issue(['sft', 'packing'], 'training.algorithm is gkd: sft.packing is true, but GKD samples one completion per prompt and trains on unpacked rows; set it to false');
  }
}
