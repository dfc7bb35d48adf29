/** `data:` — where training and validation examples come from. */
import { z } from 'zod';
import { CHAT_TEMPLATE_MODES } from '../../data/collate/types.js';
import { ON_ERROR } from '../../data/load.js';
import { DATA_KINDS } from '../../data/records.js';
import { MERGE_STRATEGIES } from '../../data/tools/merge.js';
import { TEXT_DOCUMENT_MODES } from '../../data/readers/text.js';

/**
 * Dataset kinds: the record kinds of src/data/records.ts. A trainer reads the kinds it
 * consumes: sft and gkd read sft/conversation, reward, dpo, orpo and cpo read preference, kto reads
 * unpaired_preference (and preference, unpaired), ppo, grpo and online_dpo read
 * prompt, prm reads stepwise or latent, critic reads teacher_student.
 */
export const DATASET_KINDS = DATA_KINDS;
export type DatasetKind = (typeof DATASET_KINDS)[number];

export const DatasetFile = z.strictObject({
  path: z.string().min(1).describe('JSONL, JSON or Parquet file (or a folder of them).'),
  weight: z.number().positive().default(1).describe('Relative sampling weight of a training file under merge_config.strategy weighted_sampling, and the share of documents drawn from each data.datasets.text file; a run refuses another weight on a validation file.'),
  name: z.string().nullable().default(null).describe('Label for logs and skip reports; null = the file name. Nothing prints it yet, so a run refuses a name on a file it reads.'),
});
export type DatasetFile = z.infer<typeof DatasetFile>;

const fileList = (what: string) => z.array(DatasetFile).default([]).describe(what);

export const DatasetGroup = z.strictObject({
  train_files: fileList('Training files of this kind.'),
  validation_files: fileList('Validation files of this kind.'),
});
export type DatasetGroup = z.infer<typeof DatasetGroup>;

const kindEntries = Object.fromEntries(
  DATASET_KINDS.map((kind) => [kind, DatasetGroup.optional().describe(`Files of ${kind} records.`)]),
) as Record<DatasetKind, z.ZodOptional<typeof DatasetGroup>>;

export const DataConfig = z
  .strictObject({
    dataset_path: z
      .string()
      .nullable()
      .default(null)
      .describe('A single training file or folder; the short form of datasets.<kind>.train_files.'),
    max_length: z.number().int().positive().default(512).describe('Longest tokenized example (prompt + response); longer ones are truncated.'),
    max_prompt_length: z.number().int().positive().default(256).describe('Longest prompt kept; must be below max_length.'),
    chat_template: z
      .enum(CHAT_TEMPLATE_MODES)
      .default('auto')
      .describe(
        "Which records use the tokenizer's chat template. auto (TRL's rule): message lists do, plain strings are tokenized as plain text; " +
          'always: plain strings too, as one user and one assistant turn; never: plain text only, message lists are refused.',
      ),
    text_documents: z
      .enum(TEXT_DOCUMENT_MODES)
      .default('line')
      .describe('How a .txt file of data.datasets.text is cut into documents: one per line, or blank_line (paragraphs separated by an empty line).'),
    datasets: z.strictObject(kindEntries).default({}).describe(`Files per dataset kind (${DATASET_KINDS.join(', ')}).`),
    merge_datasets: z.boolean().default(false).describe('Merge all training files of a kind into one dataset under merge_config. Not implemented inside a run yet: a run refuses it and prints the equivalent rlhf data merge command.'),
    merged_cache_path: z.string().nullable().default(null).describe('Where the merged dataset is cached; null = no cache.'),
    merge_config: z
      .strictObject({
        strategy: z
          .enum(MERGE_STRATEGIES)
          .default('concat')
          .describe('concat: one after another; weighted_sampling: draw by file weight; balanced: equal share per file.'),
        shuffle: z.boolean().default(true).describe('Shuffle the merged dataset (with training.seed).'),
      })
      .prefault({})
      .describe('How merge_datasets combines files.'),
    on_error: z
      .enum(ON_ERROR)
      .default('fail')
      .describe('A malformed record stops the run (fail) or is skipped and reported with file:line (skip).'),
  })
  .describe('Training and validation data.');

export type DataConfig = z.infer<typeof DataConfig>;
