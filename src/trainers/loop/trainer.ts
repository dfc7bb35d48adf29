/**
 * The training loop every algorithm shares: data order, gradient accumulation, AdamW with a
 * warm-up schedule, clipping, evaluation, logging, checkpoints and resume.
 *
 * ```ts
 * const trainer = new Trainer(algorithm, { training: config.training, train, validation });
 * const result = await trainer.train({ resume: 'latest' });
 * ```
 */
import { mkdirSync } from 'node:fs';
import { loadPretrainedWeights, savePretrained } from '../../models/index.js';
import { MetricsLogger, TrainingLog, TrainingProgress, writeTrainingStats, type TrainingProgressOptions } from '../../monitor/index.js';
import { AdamW, clipGradNorm, LrScheduler, makeSchedule, type ScheduleConfig } from '../../optim/index.js';
import { shuffledIndices } from '../../data/index.js';
import { manualSeed, noGrad, tidy, type Tensor } from '../../tensor/index.js';
import type { TrainingConfig } from '../../config/index.js';
import { CheckpointManager, loadTrainingState, saveTrainingState } from '../checkpoint/index.js';
import { TrainingDivergedError, type Algorithm, type LossOutput } from './types.js';

export interface TrainerOptions<E> {
  training: TrainingConfig;
  train: readonly E[];
  validation?: readonly E[];
  /** Progress bar options (tests pass a sink stream). */
  progress?: TrainingProgressOptions;
  /** Also echo training.log lines to stderr. Default false. */
  echo?: boolean;
}

export interface TrainResult {
  globalStep: number;
  /** Loss of every optimizer step taken in this process, by step. */
  losses: Map<number, number>;
  evalLoss: number | null;
  outputDir: string;
}

/** How the loop walks the data: epoch e uses shuffledIndices(n, seed + e), cut into micro-batches. */
export interface StepPlan {
  microBatchesPerEpoch: number;
  stepsPerEpoch: number;
  totalSteps: number;
}

export function planSteps(numExamples: number, t: TrainingConfig): StepPlan {
  const microBatchesPerEpoch = Math.ceil(numExamples / t.per_device_train_batch_size);
  const stepsPerEpoch = Math.ceil(microBatchesPerEpoch / t.gradient_accumulation_steps);
  if (stepsPerEpoch === 0) throw new Error('no training examples');
  const totalSteps = t.max_steps > 0 ? t.max_steps : stepsPerEpoch * t.num_epochs;
  return { microBatchesPerEpoch, stepsPerEpoch, totalSteps };
}

export class Trainer<E> {
  readonly algorithm: Algorithm<E>;
  readonly config: TrainingConfig;
  readonly plan: StepPlan;
  private readonly options: TrainerOptions<E>;
  private readonly params: Tensor[];
  private readonly optimizer: AdamW;
  private readonly scheduler: LrScheduler;

  constructor(algorithm: Algorithm<E>, options: TrainerOptions<E>) {
    this.algorithm = algorithm;
    this.options = options;
    this.config = options.training;
    this.plan = planSteps(options.train.length, this.config);
    this.params = algorithm.model.trainableParameters();
    const t = this.config;
    this.optimizer = new AdamW(this.params, { lr: t.learning_rate, weightDecay: t.weight_decay });
    const warmupSteps = t.warmup_steps > 0 ? t.warmup_steps : Math.ceil(t.warmup_ratio * this.plan.totalSteps);
    this.scheduler = new LrScheduler(this.optimizer, makeSchedule(scheduleConfig(t.lr_scheduler_type, warmupSteps, this.plan.totalSteps)));
  }

  /** Runs to totalSteps; `resume` is 'latest' or a checkpoint dir. */
  async train(run: { resume?: string | null } = {}): Promise<TrainResult> {
    const t = this.config;
    const out = t.output_dir;
    mkdirSync(out, { recursive: true });
    const checkpoints = new CheckpointManager(out);
    const log = new TrainingLog(out, { echo: this.options.echo ?? false });
    let startStep = 0;
    manualSeed(t.seed);
    const resume = run.resume ?? t.resume_from_checkpoint;
    if (resume !== null && resume !== undefined) {
      const { dir, state } = checkpoints.resolveResume(resume);
      noGrad(() => loadPretrainedWeights(this.algorithm.model, dir));
      loadTrainingState(dir, { optimizer: this.optimizer, scheduler: this.scheduler });
      startStep = state.globalStep;
      log.info(`resumed from ${dir} at step ${startStep}`);
    }
    const metrics = new MetricsLogger(out, { resumeStep: startStep });
    const progress = new TrainingProgress(this.plan.totalSteps, { startStep, ...this.options.progress });
    const losses = new Map<number, number>();
    const started = Date.now();
    let evalLoss: number | null = null;
    let samples = 0;
    log.info(`${this.algorithm.name}: ${this.options.train.length} examples, ${this.plan.totalSteps} steps (${this.plan.stepsPerEpoch} per epoch)`);
    this.algorithm.model.train();
    try {
      for (let step = startStep + 1; step <= this.plan.totalSteps; step++) {
        const examples = this.microBatchesOf(step);
        const r = this.step(step, examples);
        samples += examples.reduce((n, b) => n + b.length, 0);
        losses.set(step, r.loss);
        const epoch = step / this.plan.stepsPerEpoch;
        if (step === 1 || step % t.logging_steps === 0 || step === this.plan.totalSteps) {
          metrics.log({ step, epoch, loss: r.loss, lr: r.lr, gradNorm: r.gradNorm, metrics: r.metrics });
          log.info(`step ${step}: loss ${r.loss.toFixed(4)} lr ${r.lr.toExponential(2)} grad_norm ${r.gradNorm.toFixed(3)}`);
        }
        progress.update(step, { loss: r.loss, lr: r.lr, samples });
        if (this.options.validation !== undefined && (step % t.eval_steps === 0 || step === this.plan.totalSteps)) {
          evalLoss = this.evaluate(step, metrics, log);
        }
        if (step % t.save_steps === 0 && step !== this.plan.totalSteps) this.save(checkpoints, step, epoch);
      }
      if (startStep < this.plan.totalSteps) this.save(checkpoints, this.plan.totalSteps, this.plan.totalSteps / this.plan.stepsPerEpoch);
      savePretrained(this.algorithm.model, out);
      const runtime = (Date.now() - started) / 1000;
      const lastLoss = losses.get(this.plan.totalSteps) ?? null;
      writeTrainingStats(out, {
        algorithm: this.algorithm.name,
        global_step: this.plan.totalSteps,
        train_runtime: runtime,
        train_samples_per_second: runtime > 0 ? samples / runtime : null,
        train_loss: lastLoss,
        eval_loss: evalLoss,
      });
      log.info(`done: ${this.plan.totalSteps} steps, final model in ${out}`);
      return { globalStep: this.plan.totalSteps, losses, evalLoss, outputDir: out };
    } catch (err) {
      log.error((err as Error).message);
      throw err;
    } finally {
      progress.stop();
      metrics.close();
    }
  }

  /** The micro-batches of optimizer step `step` (1-based), in a fixed order per seed and epoch. */
  microBatchesOf(step: number): E[][] {
    const { microBatchesPerEpoch, stepsPerEpoch } = this.plan;
    const t = this.config;
    const epoch = Math.floor((step - 1) / stepsPerEpoch);
    const inEpoch = (step - 1) % stepsPerEpoch;
    const order = shuffledIndices(this.options.train.length, t.seed + epoch);
    const batches: E[][] = [];
    const B = t.per_device_train_batch_size;
    for (let m = inEpoch * t.gradient_accumulation_steps; m < Math.min((inEpoch + 1) * t.gradient_accumulation_steps, microBatchesPerEpoch); m++) {
      batches.push(order.slice(m * B, (m + 1) * B).map((i) => this.options.train[i] as E));
    }
    return batches;
  }

  /** One optimizer step: backward of each micro-batch's summed loss, grads / total units, clip, update. */
  private step(step: number, microBatches: readonly E[][]): { loss: number; lr: number; gradNorm: number; metrics: Record<string, number> } {
    let lossSum = 0;
    let units = 0;
    const sums: Record<string, number> = {};
    for (const batch of microBatches) {
      const r: LossOutput = tidy(() => {
        const out = this.algorithm.loss(batch);
        out.loss.backward();
        return { loss: out.loss.detach(), numTokens: out.numTokens, ...(out.metrics === undefined ? {} : { metrics: out.metrics }) };
      });
      lossSum += r.loss.item();
      r.loss.dispose();
      units += r.numTokens;
      for (const [k, v] of Object.entries(r.metrics ?? {})) sums[k] = (sums[k] ?? 0) + v;
    }
    if (units <= 0) throw new Error(`step ${step}: the batch has no tokens to train on`);
    const loss = lossSum / units;
    if (!Number.isFinite(loss)) throw new TrainingDivergedError(step, 'the loss', loss);
    tidy(() => noGrad(() => {
      for (const p of this.params) p.grad?.mul_(1 / units);
    }));
    const maxNorm = this.config.max_grad_norm > 0 ? this.config.max_grad_norm : Infinity;
    const gradNorm = clipGradNorm(this.params, maxNorm);
    if (!Number.isFinite(gradNorm)) throw new TrainingDivergedError(step, 'the gradient norm', gradNorm);
    const lr = this.scheduler.getLastLr()[0] ?? 0;
    tidy(() => this.optimizer.step());
    this.optimizer.zeroGrad();
    this.scheduler.step();
    const metrics: Record<string, number> = {};
    for (const [k, v] of Object.entries(sums)) metrics[k] = v / units;
    return { loss, lr, gradNorm, metrics };
  }

  /** Token-weighted validation loss over the whole validation set (no grad, eval mode). */
  evaluate(step: number, metrics?: MetricsLogger, log?: TrainingLog): number {
    const validation = this.options.validation ?? [];
    const B = this.config.per_device_eval_batch_size;
    let sum = 0;
    let units = 0;
    this.algorithm.model.eval();
    try {
      for (let i = 0; i < validation.length; i += B) {
        const batch = validation.slice(i, i + B);
        const r = tidy(() => noGrad(() => {
          const out = this.algorithm.loss(batch);
          return { loss: out.loss.item(), numTokens: out.numTokens };
        }));
        sum += r.loss;
        units += r.numTokens;
      }
    } finally {
      this.algorithm.model.train();
    }
    const evalLoss = units > 0 ? sum / units : NaN;
    const extra: Record<string, number> = { 'eval/loss': evalLoss };
    for (const [k, v] of Object.entries(this.algorithm.evalMetrics?.(evalLoss) ?? {})) extra[`eval/${k}`] = v;
    metrics?.log({ step, metrics: extra });
    log?.info(`step ${step}: ${Object.entries(extra).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(' ')}`);
    return evalLoss;
  }

  private save(checkpoints: CheckpointManager, step: number, epoch: number): void {
    const inEpoch = (step - 1) % this.plan.stepsPerEpoch;
    checkpoints.save(step, (dir) => {
      savePretrained(this.algorithm.model, dir);
      saveTrainingState(dir, { optimizer: this.optimizer, scheduler: this.scheduler });
    }, {
      globalStep: step,
      epoch,
      dataPosition: { epoch: Math.floor((step - 1) / this.plan.stepsPerEpoch), batchIndex: (inEpoch + 1) * this.config.gradient_accumulation_steps, seed: this.config.seed },
    });
  }
}

function scheduleConfig(type: TrainingConfig['lr_scheduler_type'], warmupSteps: number, totalSteps: number): ScheduleConfig {
  switch (type) {
    case 'constant':
      return warmupSteps > 0 ? { type: 'constant_with_warmup', warmupSteps } : { type: 'constant' };
    case 'linear':
      return { type: 'linear', warmupSteps, totalSteps: Math.max(totalSteps, warmupSteps) };
    case 'cosine':
      return { type: 'cosine', warmupSteps, totalSteps: Math.max(totalSteps, warmupSteps) };
    default: {
      const never: never = type;
      throw new Error(`unknown lr_scheduler_type ${String(never)}`);
    }
  }
}
