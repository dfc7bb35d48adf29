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
import { startingBatchSize, type RunConfig } from '../../config/index.js';
import { attachStudents, loadTeacherStudent, padIdOf, type CriticPair, type TeacherStudentExample } from '../../data/index.js';
import { loadCausalLm, SequenceScoreModel, type PretrainedCausalLm } from '../../models/index.js';
import type { TrainResult } from '../loop/index.js';
import { trainAlgorithm, type RunOptions } from '../loop/run.js';
import { criticAlgorithm } from './algorithm.js';
import { onTrainingDevice } from '../loop/device.js';
import { prepareRun } from '../loop/prepare.js';

async function runCriticOnDevice(config: RunConfig, options: RunOptions<unknown> = {}): Promise<TrainResult> {
  const c = config.critic;
  const run = prepareRun(config);
  const tokenizer = run.tokenizer();
  const padTokenId = padIdOf(tokenizer);
  const eos = tokenizer.eosTokenId;
  if (eos === null) throw new Error('critic: the tokenizer has no eos token; responses are scored up to it');
  let actor: PretrainedCausalLm | null = null;
  const getActor = () => (actor ??= loadCausalLm(c.actor_model_path === null ? run.modelDir : resolve(c.actor_model_path), { dtype: run.dtype }));
  const withStudents = (examples: TeacherStudentExample[], split: string): CriticPair[] => attachStudents(examples, c.student_source, getActor, {
    generation: config.generation,
    seed: config.training.seed,
    batchSize: startingBatchSize(config.training, 'per_device_eval_batch_size'),
    padTokenId,
    onBatch: (done, total) => options.echo && process.stderr.write(`critic: generated ${split} students ${done}/${total}\n`),
  });
  const train = withStudents(await loadTeacherStudent(run.config, tokenizer, 'train'), 'train');
  if (train.length === 0) throw new Error('critic: no teacher/student pair to train on (data.datasets.teacher_student.train_files)');
  const validation = withStudents(await loadTeacherStudent(run.config, tokenizer, 'validation'), 'validation');
  (actor as PretrainedCausalLm | null)?.dispose(); // the actor is not needed while the critic trains
  // The critic starts from critic.value_model_path, else the model (its score head fresh, seeded by training.seed).
  const { model: critic } = run.startModel((dir, load) => SequenceScoreModel.fromPretrained(c.value_model_path === null ? dir : resolve(c.value_model_path), { pooling: 'last', dtype: load.dtype }));
  const algorithm = criticAlgorithm(critic, {
    padTokenId,
    eosTokenIds: [eos],
    temperature: c.temperature,
    adaptive: c.adaptive_temperature ? { min: c.temperature_min, max: c.temperature_max, momentum: c.temperature_momentum } : null,
    randomizeOrder: c.randomize_order,
  });
  return trainAlgorithm(algorithm, run.config, { train, validation }, options);
}

/** Critic on training.device (models, batches and optimizer state there). */
export const runCritic = onTrainingDevice(runCriticOnDevice);
