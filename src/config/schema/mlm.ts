/** `mlm:` — masked language modelling (training.algorithm: mlm), with optional next-sentence prediction. */
import { z } from 'zod';

export const MlmConfig = z
  .strictObject({
    mask_prob: z.number().gt(0).lt(1).default(0.15).describe('Share of non-special, non-pad tokens selected for prediction (transformers mlm_probability).'),
    mask_replace_prob: z.number().min(0).max(1).default(0.8).describe('Of the selected tokens, the share replaced by the mask token (transformers DataCollatorForLanguageModeling).'),
    random_replace_prob: z
      .number()
      .min(0)
      .max(1)
      .default(0.1)
      .describe('Of the selected tokens, the share replaced by a random token; the rest (1 - mask_replace_prob - random_replace_prob) stay as they are.'),
    mask_token: z
      .string()
      .min(1)
      .nullable()
      .default(null)
      .describe("The token masked positions get; null = the tokenizer's own ([MASK], <mask>). A tokenizer without one (a decoder's) needs a token of its vocabulary named here."),
    whole_word_mask: z.boolean().default(false).describe('Select whole words: a word\'s sub-word tokens (WordPiece "##" continuations, or tokens without a leading space/Ġ) are masked together.'),
    use_nsp: z.boolean().default(false).describe('Next-sentence prediction beside MLM (BERT pretraining): [CLS] A [SEP] B [SEP] pairs, B the next segment (label 0) or a random one (label 1), 50/50.'),
    nsp_prob: z.number().gt(0).lt(1).default(0.5).describe('Share of NSP pairs whose second segment is random (label 1).'),
  })
  .refine((m) => m.mask_replace_prob + m.random_replace_prob <= 1, { message: 'mlm.mask_replace_prob + mlm.random_replace_prob must not exceed 1', path: ['random_replace_prob'] })
  .describe('Masked language modelling (training.algorithm: mlm) on data.datasets.text.');
export type MlmConfig = z.infer<typeof MlmConfig>;
