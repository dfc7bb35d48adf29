/**
 * Generalised knowledge distillation on the shared loop (TRL GKDTrainer semantics; Agarwal et
 * al. 2024): SFT data, a frozen teacher, and per micro-batch a draw that decides where the
 * completions come from — with probability lmbda the student samples its own (on-policy),
 * otherwise the dataset's (or, with seq_kd, the teacher's samples). The loss is the generalised
 * JSD between the student's and the teacher's next-token distributions on those completion tokens.
 *
 * ```ts
 * const result = await runGkd(loadConfig('examples/configs/gkd.yaml'));
 * ```
 */
import type { RunConfig } from '../../config/index.js';
import { collateCompletions, loadSftExamples, padIdOf, type TokenizedExample } from '../../data/index.js';
import { generate, type GenerationConfig } from '../../generation/index.js';
import { generationOf } from '../../generation/settings.js';
import { causalLmTargetLogits, loadCausalLm, type PretrainedCausalLm } from '../../models/index.js';
import { generalizedJsd } from '../../rl/jsd.js';
import { isGradEnabled, noGrad } from '../../tensor/index.js';
import type { Algorithm, RunOptions, TrainResult } from '../loop/index.js';
import { onTrainingDevice } from '../loop/device.js';
import { prepareRun } from '../loop/prepare.js';
import { loadReferencePolicy, withReference, type ReferencePolicy } from '../loop/reference.js';
import { trainAlgorithm } from '../loop/run.js';
import { checkPrompts, lastTurnExample, promptOf, sampledExample } from './examples.js';
import { OnPolicySchedule } from './on-policy.js';
import { checkSharedVocabulary } from './teacher.js';

/** Where a micro-batch's completions come from. */
export type GkdSource = 'dataset' | 'student' | 'teacher';

export interface GkdAlgorithmOptions {
  /** The frozen teacher, or 'adapters-disabled' (the LoRA student's own base). */
  teacher: Exclude<ReferencePolicy, 'precomputed' | null>;
  padTokenId: number;
  /** gkd.beta (default 0.5). */
  beta?: number;
  /** gkd.lmbda (default 0.5). */
  lmbda?: number;
  /** gkd.seq_kd (default false). */
  seqKd?: boolean;
  /** gkd.disable_dropout (default true). */
  disableDropout?: boolean;
  /** How the student (and with seq_kd the teacher) samples: generation: with the tokenizer's pad and EOS ids. */
  generation: Partial<GenerationConfig> & { padTokenId: number };
  /** training.seed: seeds the on-policy draws. */
  seed: number;
}

/** Samples one completion per example's prompt with `model` in eval mode (no dropout), as prompt + completion rows. */
function sampleRows(model: PretrainedCausalLm, examples: readonly TokenizedExample[], generation: GkdAlgorithmOptions['generation']): TokenizedExample[] {
  const prompts = examples.map(promptOf);
  const wasTraining = model.training;
  model.eval();
  try {
    const results = noGrad(() => generate(model, prompts, generation));
    return results.map((r, i) => sampledExample(prompts[i] as number[], r.tokenIds));
  } finally {
    if (wasTraining) model.train();
  }
}

/** `fn` with the model in eval mode (dropout off), then back in training mode; gradients flow as usual. */
function withoutDropout<T>(model: PretrainedCausalLm, fn: () => T): T {
  if (!model.training) return fn();
  model.eval();
  try {
    return fn();
  } finally {
    model.train();
  }
}

/**
 * The GKD algorithm. Units are completion tokens: `loss` is Σ JSD_β over the micro-batch's
 * completion tokens, so a step's loss is TRL's generalized_jsd_loss with num_items_in_batch (the
 * step's tokens). The teacher's logits come from the same rows without grad; the loss runs in
 * float32 at temperature 1 (TRL's compute_loss passes no temperature: it only shapes sampling).
 * Evaluation (no grad) always takes the dataset's completions. Training metric on_policy: the
 * share of the step's completion tokens the student sampled.
 */
export function gkdAlgorithm(model: PretrainedCausalLm, o: GkdAlgorithmOptions): Algorithm<TokenizedExample> & { readonly schedule: OnPolicySchedule } {
  const beta = o.beta ?? 0.5;
  const schedule = new OnPolicySchedule(o.seed, o.lmbda ?? 0.5);
  const seqKd = o.seqKd ?? false;
  const sourceOf = (training: boolean): GkdSource => {
    if (!training) return 'dataset'; // evaluation, as TRL's prediction_step
    if (schedule.next()) return 'student';
    return seqKd ? 'teacher' : 'dataset';
  };
  const studentForward = <T>(fn: () => T): T => ((o.disableDropout ?? true) ? withoutDropout(model, fn) : fn());
  return {
    name: 'gkd',
    model,
    schedule,
    loss(examples) {
      const training = isGradEnabled(); // evaluation runs without grad
      const source = sourceOf(training);
      const rows =
        source === 'student' ? sampleRows(model, examples, o.generation)
        : source === 'teacher' ? withReference(o.teacher, model, (t) => sampleRows(t, examples, o.generation))
        : examples;
      const batch = collateCompletions(rows, { padTokenId: o.padTokenId });
      const input = { inputIds: batch.inputIds, attentionMask: batch.attentionMask };
      const student = studentForward(() => causalLmTargetLogits(model, input, batch.labels)); // (n, V)
      const teacher = withReference(o.teacher, model, (t) => causalLmTargetLogits(t, input, batch.labels).logits); // (n, V), no grad
      if (teacher.size(1) !== student.logits.size(1)) {
        throw new RangeError(`gkd: the teacher's logits have ${teacher.size(1)} entries per token and the student's ${student.logits.size(1)}; GKD needs one shared vocabulary`);
      }
      const perToken = generalizedJsd(student.logits, teacher, { beta }); // (n)
      const n = student.numTokens;
      return { loss: perToken.sum(), numTokens: n, tokens: batch.attentionMask.sum().item(), ...(training ? { metrics: { on_policy: source === 'student' ? n : 0 } } : {}) };
    },
    stateDict: () => ({ on_policy_draws: schedule.draws }),
    loadStateDict(state) {
      schedule.restore(state['on_policy_draws'] ?? 0);
    },
  };
}

/**
 * Loads the SFT data (the last assistant turn of each record is the completion), the student,
 * and the teacher (gkd.teacher_model_name_or_path in model.dtype after checking that it shares
 * the student's vocabulary; null: the starting model, or the LoRA base) and trains with gkd:.
 */
async function runGkdOnDevice(config: RunConfig, options: RunOptions<TokenizedExample> = {}): Promise<TrainResult> {
  const run = prepareRun(config);
  const g = run.config.gkd;
  if (g.teacher_model_name_or_path !== null) checkSharedVocabulary({ modelDir: run.modelDir, tokenizerDir: run.tokenizerDir }, g.teacher_model_name_or_path);
  const tokenizer = run.tokenizer();
  const train = (await loadSftExamples(run.config, tokenizer, 'train')).map(lastTurnExample);
  if (train.length === 0) throw new Error('gkd: no training example has a completion token to train on');
  const validation = (await loadSftExamples(run.config, tokenizer, 'validation')).map(lastTurnExample);
  checkPrompts(train, config.data.max_length);
  const { model, lora } = run.startModel((dir, load) => loadCausalLm(dir, load));
  const teacher = loadReferencePolicy({ needed: true, modelPath: run.modelDir, refModelPath: g.teacher_model_name_or_path, loraApplied: lora !== null, dtype: run.dtype });
  if (teacher === null || teacher === 'precomputed') throw new Error('gkd: the teacher did not load');
  const algorithm = gkdAlgorithm(model, {
    teacher,
    padTokenId: padIdOf(tokenizer),
    beta: g.beta,
    lmbda: g.lmbda,
    seqKd: g.seq_kd,
    disableDropout: g.disable_dropout,
    generation: generationOf(run.config, tokenizer, model),
    seed: config.training.seed,
  });
  return trainAlgorithm(algorithm, run.config, { train, validation }, options);
}

/** GKD on training.device (student, teacher, batches and optimizer state there). */
export const runGkd = onTrainingDevice(runGkdOnDevice);
