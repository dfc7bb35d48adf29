/** `pretrain:` — causal LM pretraining from raw text (training.algorithm: pretrain). */
import { z } from 'zod';

export const PretrainConfig = z
  .strictObject({
    cache_dir: z
      .string()
      .nullable()
      .default(null)
      .describe(
        'Where the corpus is tokenized to, once, as packed blocks of data.max_length tokens (a binary file read block by block, so a corpus larger than memory trains); ' +
          'null = <output_dir>/token-blocks. A cache whose corpus, tokenizer or max_length changed is rebuilt.',
      ),
  })
  .describe('Causal LM pretraining (training.algorithm: pretrain) on data.datasets.text: next-token loss on packed blocks, an EOS between documents.');
export type PretrainConfig = z.infer<typeof PretrainConfig>;
