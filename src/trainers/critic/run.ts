/**
 * `training.algorithm: critic`: loads the critic (a sequence-score model whose score head gives
 * per-token values), the teacher/student data, generates missing student responses with the
 * frozen actor (then frees it), and trains.
 *
 * ```ts
 * const result = await runCritic(loadConfig('examples/configs/critic.yaml'));
 * ```
 */
import { resolve } from 'node:path';
import type { RunConfig } from '../../config/index.js';
import { writeResolvedConfig } from '../../config/index.js';
import { loadDataset, padIdOf, tokenizeTeacherStudent, type TeacherStudentExample } from '../../data/index.js';
import { loadCausalLm, SequenceScoreModel, type PretrainedCausalLm } from '../../models/index.js';
import { manualSeed } from '../../tensor/index.js';
import { Tokenizer } from '../../tokenizers/index.js';
import type { TrainResult } from '../loop/index.js';
import { datasetFiles, tokenizeOptions } from '../loop/data-files.js';
import { trainAlgorithm, type RunOptions } from '../loop/run.js';
import { criticAlgorithm, type CriticPair } from './algorithm.js';
import { attachStudents } from './students.js';
import { onTrainingDevice } from '../loop/device.js';

/** The tokenized teacher/student examples of the config's files of `split` (students attached later). */
export async function loadTeacherStudent(config: RunConfig, tokenizer: Tokenizer, split: 'train' | 'validation'): Promise<TeacherStudentExample[]> {
  const opts = tokenizeOptions(config, tokenizer);
  const out: TeacherStudentExample[] = [];
  for (const path of datasetFiles(config, 'teacher_student', split)) {
    const { records } = await loadDataset(path, { format: 'teacher_student', onError: config.data.on_error });
    for (const r of records) out.push(tokenizeTeacherStudent(tokenizer, r, opts));
  }
  return out;
}

async function runCriticOnDevice(config: RunConfig, options: RunOptions<unknown> = {}): Promise<TrainResult> {
  const c = config.critic;
  const modelDir = resolve(config.model.name_or_path);
  const tokenizer = Tokenizer.fromPretrained(resolve(config.model.tokenizer_name_or_path ?? modelDir));
  const padTokenId = padIdOf(tokenizer);
  const eos = tokenizer.eosTokenId;
  if (eos === null) throw new Error('critic: the tokenizer has no eos token; responses are scored up to it');
  let actor: PretrainedCausalLm | null = null;
  const getActor = () => (actor ??= loadCausalLm(resolve(c.actor_model_path ?? modelDir)));
  const withStudents = (examples: TeacherStudentExample[], split: string): CriticPair[] => attachStudents(examples, c.student_source, getActor, {
    generation: config.generation,
    seed: config.training.seed,
    batchSize: config.training.per_device_eval_batch_size,
    padTokenId,
    onBatch: (done, total) => options.echo && process.stderr.write(`critic: generated ${split} students ${done}/${total}\n`),
  });
  const train = withStudents(await loadTeacherStudent(config, tokenizer, 'train'), 'train');
  if (train.length === 0) throw new Error('critic: no teacher/student pair to train on (data.datasets.teacher_student.train_files)');
  const validation = withStudents(await loadTeacherStudent(config, tokenizer, 'validation'), 'validation');
  (actor as PretrainedCausalLm | null)?.dispose(); // the actor is not needed while the critic trains
  writeResolvedConfig(config.training.output_dir, config);
  manualSeed(config.training.seed);
  const critic = SequenceScoreModel.fromPretrained(resolve(c.value_model_path ?? modelDir), { pooling: 'last' });
  const algorithm = criticAlgorithm(critic, {
    padTokenId,
    eosTokenIds: [eos],
    temperature: c.temperature,
    adaptive: c.adaptive_temperature ? { min: c.temperature_min, max: c.temperature_max, momentum: c.temperature_momentum } : null,
    randomizeOrder: c.randomize_order,
  });
  return trainAlgorithm(algorithm, config, { train, validation }, options);
}

/** Critic on training.device (models, batches and optimizer state there). */
export const runCritic = onTrainingDevice(runCriticOnDevice);
