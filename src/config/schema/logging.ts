/** `logging:` — console, files and TensorBoard. */
import { z } from 'zod';

export const LOG_LEVELS = ['debug', 'info', 'warning', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const LoggingConfig = z
  .strictObject({
    // Python configs write INFO; accept any case and store lowercase.
    level: z
      .preprocess((v) => (typeof v === 'string' ? v.toLowerCase() : v), z.enum(LOG_LEVELS).default('info'))
      .describe('Console verbosity: debug, info, warning or error (any case).'),
    log_dir: z.string().nullable().default(null).describe('Metrics and log files go here; null = <training.output_dir>/logs.'),
    tensorboard: z.boolean().default(false).describe('Also write TensorBoard event files to log_dir.'),
  })
  .describe('Logging.');

export type LoggingConfig = z.infer<typeof LoggingConfig>;
