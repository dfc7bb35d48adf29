/** `logging:` — training.log and its console echo, metrics.jsonl, TensorBoard (honoured by runSession). */
import { z } from 'zod';

export const LOG_LEVELS = ['debug', 'info', 'warning', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const LoggingConfig = z
  .strictObject({
    // Python configs write INFO; accept any case and store lowercase.
    level: z
      .preprocess((v) => (typeof v === 'string' ? v.toLowerCase() : v), z.enum(LOG_LEVELS).default('info'))
      .describe('Lowest level of training.log lines and of their console echo: debug, info, warning or error (any case). metrics.jsonl and the progress bar are not filtered.'),
    log_dir: z.string().nullable().default(null).describe('Where metrics.jsonl, training.log and TensorBoard runs/ go; null = training.output_dir. The model, checkpoints and training_stats.json stay in output_dir.'),
    tensorboard: z.boolean().default(false).describe('Also write TensorBoard event files to <log_dir>/runs; off by default, as report_to "none" in transformers and TRL.'),
  })
  .describe('Logging.');

export type LoggingConfig = z.infer<typeof LoggingConfig>;
