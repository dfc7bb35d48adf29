/** Training monitoring: metrics.jsonl, TensorBoard event files, training.log, training_stats.json, the progress bar. */
export { crc32c, maskedCrc32c } from './crc32c.js';
export { decodeTfRecords, encodeTfRecord } from './tfrecord.js';
export { decodeEvent, encodeEvent } from './event-proto.js';
export type { TbEvent } from './event-proto.js';
export { TensorBoardWriter } from './tensorboard.js';
export { METRICS_FILE, MetricsLogger, readMetrics, TENSORBOARD_DIR, truncateMetricsAfter } from './metrics-logger.js';
export type { MetricsLoggerOptions, StepMetrics } from './metrics-logger.js';
export { TRAINING_LOG_FILE, TrainingLog } from './text-logger.js';
export type { LogLevel, TrainingLogOptions } from './text-logger.js';
export { TRAINING_STATS_FILE, writeTrainingStats } from './training-stats.js';
export type { TrainingStats } from './training-stats.js';
export { formatDuration, formatProgressLine, TrainingProgress } from './progress.js';
export type { ProgressValues, TrainingProgressOptions } from './progress.js';
