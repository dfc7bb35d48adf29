/**
 * The offline training loop every algorithm shares: data order, gradient accumulation, AdamW
 * with a warm-up schedule, clipping, evaluation and best-model tracking. Around the loop,
 * runSession (shared with the OnlineTrainer) locks the output dir, resumes, logs, draws the
 * progress bar and saves checkpoints and the final model.
 *
 * ```ts
 * const trainer = new Trainer(algorithm, { training: config.training, train, validation });
 * const result = await trainer.train({ resume: 'latest' });
 * ```
 *
 * A batch size of 'auto' is resolved here, in the constructor, by probing this trainer's own
 * step on the longest examples (auto-batch-size.ts); `config` holds the numbers it chose.
 */
import type { MetricsLogger, TrainingLog, TrainingProgressOptions } from '../../monitor/index.js';
import { AdamW, GradScaler, LrScheduler, makeSchedule } from '../../optim/index.js';
import { applyUpdate, backwardScoped } from './update.js';
import { scheduleConfig } from './schedule.js';
import { distributedShard, shuffledIndices } from '../../data/index.js';
import { currentGroup, type GradientSync, type ProcessGroup } from '../../distributed/index.js';
import { setUpTraining } from './data-parallel.js';
import { autocast, cpuMemory, noGrad, resetCpuMemoryPeak, tidy, type AutocastOptions, type Device, type Tensor } from '../../tensor/index.js';
import type { LoraOptions } from '../../nn/index.js';
import type { DistributedConfig, ResolvedTrainingConfig, TrainingConfig } from '../../config/index.js';
import type { TrainerStateInput } from '../../checkpoint/index.js';
import { BestMetricTracker } from './best-metric.js';
import { TrainingDivergedError, type Algorithm, type LossOutput } from './types.js';
import { runSession, type LoopEnd, type RunContext, type RunLogging } from './run-session.js';
import { autocastOf, checkedTrainingDevice, rngDevicesOf } from './device.js';
import { dataFaultError, isIndexFault, modelLimits } from './data-fault.js';
import { gib, longestExamples, MemoryGuard, parseMemorySize } from './out-of-memory.js';
import { resolveBatchSizes, type AutoBatchSizes } from './auto-batch-size.js';

/**
 * Training examples by index: an array, or a source read on demand (pretraining's packed token
 * blocks on disk, data/pretrain/token-blocks.ts), whose examples all have the same length.
 */
export interface ExampleSource<E> {
  readonly length: number;
  at(index: number): E | undefined;
}

/** The examples the memory guard and the auto batch size probe measure: an array's own, or a source's first `count` (all of one length). */
function measuredExamples<E>(source: ExampleSource<E>, count = 64): readonly E[] {
  return Array.isArray(source) ? (source as readonly E[]) : Array.from({ length: Math.min(count, source.length) }, (_, i) => source.at(i) as E);
}

export interface TrainerOptions<E> {
  training: TrainingConfig;
  train: ExampleSource<E>;
  validation?: readonly E[];
  /** LoRA options the model's adapters were applied with: checkpoints then hold a PEFT adapter. */
  lora?: LoraOptions | null;
  /** Tokenizer directory whose files are copied next to every saved model, so each one loads on its own. */
  tokenizerDir?: string;
  /** Progress bar options (tests pass a sink stream). */
  progress?: TrainingProgressOptions;
  /** Also echo training.log lines to stderr. Default false. */
  echo?: boolean;
  /** logging.level, log_dir and tensorboard (default: the schema's defaults). */
  logging?: RunLogging;
  /** The data-parallel group (default: this process's, currentGroup()); null trains alone. */
  group?: ProcessGroup | null;
  /** distributed: bucket size and unused-parameter handling (default: the schema's defaults). */
  distributed?: DistributedConfig;
}

export interface TrainResult {
  /** The last optimizer step taken (below the plan's total when early stopping ended the run). */
  globalStep: number;
  /** Loss of every optimizer step taken in this process, by step. */
  losses: Map<number, number>;
  evalLoss: number | null;
  /** Every evaluation of this process: its step and eval/ metrics. */
  evaluations: Array<{ step: number; metrics: Record<string, number> }>;
  bestMetric: number | null;
  bestCheckpoint: string | null;
  stoppedEarly: boolean;
  outputDir: string;
}

/** How the loop walks the data: epoch e uses shuffledIndices(n, seed + e), cut into micro-batches. */
export interface StepPlan {
  microBatchesPerEpoch: number;
  stepsPerEpoch: number;
  totalSteps: number;
}

export function planSteps(numExamples: number, t: TrainingConfig, worldSize = 1): StepPlan {
  const B = t.per_device_train_batch_size;
  if (B === 'auto') throw new Error("planSteps: per_device_train_batch_size is 'auto'; the Trainer resolves it (resolveBatchSizes) before planning");
  // Each rank walks its own shard (DistributedSampler): ceil(n / world) examples per epoch.
  const microBatchesPerEpoch = Math.ceil(Math.ceil(numExamples / worldSize) / B);
  const stepsPerEpoch = Math.ceil(microBatchesPerEpoch / t.gradient_accumulation_steps);
  if (stepsPerEpoch === 0) throw new Error('no training examples');
  const totalSteps = t.max_steps > 0 ? t.max_steps : stepsPerEpoch * t.num_epochs;
  return { microBatchesPerEpoch, stepsPerEpoch, totalSteps };
}

interface StepResult {
  loss: number;
  lr: number;
  gradNorm: number;
  metrics: Record<string, number>;
  tokens: number;
  /** The float16 gradients overflowed: the optimizer and the schedule did not step. */
  skipped: boolean;
  /** Examples in this step (all ranks'). */
  samples: number;
  /** The most CPU tensor memory during the step (this rank). */
  peakBytes: number;
}

export class Trainer<E> {
  readonly algorithm: Algorithm<E>;
  /** training with 'auto' batch sizes resolved (gradient_accumulation_steps to match). */
  readonly config: ResolvedTrainingConfig;
  /** What the auto batch size probe tried and chose; null when no batch size was auto. */
  readonly autoBatchSizes: AutoBatchSizes | null;
  readonly plan: StepPlan;
  private readonly options: TrainerOptions<E>;
  private readonly params: Tensor[];
  private readonly optimizer: AdamW;
  private readonly scheduler: LrScheduler;
  private readonly best: BestMetricTracker;
  /** Where the model lives; batches are made there (the default device). */
  readonly device: Device;
  private readonly autocast: Required<AutocastOptions> | null;
  /** Loss scaling for training.fp16 (a pass-through otherwise). */
  private readonly scaler: GradScaler;
  /** Allocation failures and training.max_memory as OutOfMemoryError with the step's shape. */
  private readonly memoryGuard: MemoryGuard;
  /** training.gradient_checkpointing: the precision layer replays run in (null: off). */
  private readonly checkpointing: { precision: <R>(fn: () => R) => R } | null;
  /** Data parallelism: the group and the gradient synchronisation (null alone). */
  private readonly group: ProcessGroup | null;
  private readonly gradSync: GradientSync | null;

  constructor(algorithm: Algorithm<E>, options: TrainerOptions<E>) {
    this.algorithm = algorithm;
    this.options = options;
    this.group = options.group === undefined ? currentGroup() : options.group;
    // The model and its companions (a contrastive projection head) train together.
    const modules = [algorithm.model, ...Object.values(algorithm.companions ?? {})];
    this.params = modules.flatMap((m) => m.trainableParameters());
    if (this.params.length === 0) throw new Error(`${algorithm.name}: the model has no trainable parameters`);
    const t = options.training;
    ({ optimizer: this.optimizer, gradSync: this.gradSync } = setUpTraining(this.group, modules.flatMap((m) => m.parameters()), this.params, t, options.distributed));
    this.device = checkedTrainingDevice(algorithm.model.device, t);
    this.autocast = autocastOf(t, this.device);
    this.memoryGuard = new MemoryGuard(t.max_memory === null ? null : parseMemorySize(t.max_memory), longestExamples(measuredExamples(options.train)));
    const cast = this.autocast;
    this.checkpointing = !t.gradient_checkpointing ? null : { precision: (fn) => (cast === null ? fn() : autocast(fn, cast)) };
    this.scaler = new GradScaler({ enabled: t.fp16 });
    const sizes = resolveBatchSizes(t, {
      train: measuredExamples(options.train, t.auto_batch_size_start),
      validation: options.validation ?? [],
      algorithm,
      params: this.params,
      backward: (batch) => void backwardScoped(() => this.forward(batch), undefined, this.checkpointing),
      forward: (batch) => tidy(() => noGrad(() => void this.forward(batch).loss.item())), // item(): a CUDA failure surfaces in the try
      group: this.group,
    });
    this.config = sizes.training;
    this.autoBatchSizes = sizes.lines.length > 0 ? sizes : null;
    this.plan = planSteps(options.train.length, this.config, this.group?.worldSize ?? 1);
    const warmupSteps = t.warmup_steps > 0 ? t.warmup_steps : Math.ceil(t.warmup_ratio * this.plan.totalSteps);
    this.scheduler = new LrScheduler(this.optimizer, makeSchedule(scheduleConfig(t.lr_scheduler_type, warmupSteps, this.plan.totalSteps)));
    this.best = new BestMetricTracker(t);
  }

  /** Runs to totalSteps (or until early stopping); `resume` is 'latest' or a checkpoint dir. */
  train(run: { resume?: string | null } = {}): Promise<TrainResult> {
    const { stepsPerEpoch, totalSteps } = this.plan;
    const precision = this.autocast === null ? 'float32' : `${this.autocast.dtype} autocast${this.scaler.enabled ? ' with loss scaling' : ''}`;
    return runSession({
      training: this.config,
      ...(this.options.logging === undefined ? {} : { logging: this.options.logging }),
      totalSteps,
      resume: run.resume ?? null,
      contents: {
        model: { module: this.algorithm.model, lora: this.options.lora ?? null, ...(this.algorithm.baseModelName === undefined ? {} : { baseModelName: this.algorithm.baseModelName }) },
        ...(this.options.tokenizerDir === undefined ? {} : { tokenizerDir: this.options.tokenizerDir }),
        ...(this.algorithm.companions === undefined ? {} : { companions: this.algorithm.companions }),
        optimizer: this.optimizer,
        scheduler: this.scheduler,
        scaler: this.scaler,
        rngDevices: rngDevicesOf(this.device),
        algorithm: this.algorithm,
      },
      startLine: `${this.algorithm.name}: ${this.options.train.length} examples, ${totalSteps} steps (${stepsPerEpoch} per epoch) on ${this.device}, ${precision}${this.group === null ? '' : `, ${this.group.worldSize} data-parallel ranks`}`,
      group: this.group,
      ...(this.options.progress === undefined ? {} : { progress: this.options.progress }),
      ...(this.options.echo === undefined ? {} : { echo: this.options.echo }),
    }, (session) => this.loop(session));
  }

  /** The offline step loop: one optimizer step per iteration, evaluation, best tracking, checkpoints. */
  private async loop(run: RunContext): Promise<LoopEnd<TrainResult>> {
    const t = this.config;
    const out = t.output_dir;
    const { stepsPerEpoch, totalSteps } = this.plan;
    const { startStep, log, metrics, progress } = run;
    for (const line of this.autoBatchSizes?.lines ?? []) log.info(line);
    let bestCheckpoint: string | null = null;
    if (run.resumed !== null) {
      this.best.restore({ best: run.resumed.bestMetric, sinceImprovement: run.resumed.evalsSinceImprovement ?? 0 });
      bestCheckpoint = run.resumed.bestCheckpoint;
    }
    const losses = new Map<number, number>();
    const evaluations: TrainResult['evaluations'] = [];
    let evalLoss: number | null = null;
    let samples = 0;
    let tokens = 0;
    let lastStep = startStep;
    let stoppedEarly = false;
    for (let step = startStep + 1; step <= totalSteps; step++) {
      this.group?.heartbeat(step);
      const examples = this.microBatchesOf(step);
      const r = this.step(step, examples);
      lastStep = step;
      const stepSamples = r.samples;
      samples += stepSamples;
      tokens += r.tokens;
      losses.set(step, r.loss);
      const epoch = step / stepsPerEpoch;
      const epochEnd = step % stepsPerEpoch === 0;
      const final = step === totalSteps;
      if (step === startStep + 1) log.info(`step ${step}: peak CPU tensor memory ${gib(r.peakBytes)}`);
      if (r.skipped) log.info(`step ${step}: float16 gradients overflowed; update skipped, loss scale now ${this.scaler.getScale()}`);
      if (step === 1 || step % t.logging_steps === 0 || final) {
        metrics?.log({ step, epoch, loss: r.loss, lr: r.lr, gradNorm: r.gradNorm, metrics: r.metrics });
        log.info(`step ${step}: loss ${r.loss.toFixed(4)} lr ${r.lr.toExponential(2)} grad_norm ${r.gradNorm.toFixed(3)}`);
      }
      progress.update(step, { loss: r.loss, lr: r.lr, samples: stepSamples }); // this step's samples: the bar sums them
      let improved = false;
      if (this.options.validation !== undefined && (step % t.eval_steps === 0 || epochEnd || final)) {
        const evalMetrics = this.evaluate(step, metrics, log);
        evaluations.push({ step, metrics: evalMetrics });
        evalLoss = evalMetrics['eval/loss'] ?? null;
        improved = this.best.update(evalMetrics);
        if (improved) log.info(`step ${step}: new best ${this.best.metric} ${this.best.best}`);
      }
      stoppedEarly = this.best.shouldStop && !final;
      if (improved || final || stoppedEarly || step % t.save_steps === 0 || epochEnd) {
        const saved = run.saveCheckpoint(step, this.trainerState(step, epoch), { best: improved });
        if (improved) bestCheckpoint = saved;
      }
      if (stoppedEarly) {
        log.info(`early stopping at step ${step}: ${this.best.metric} did not improve for ${this.best.patience} evaluations (best ${this.best.best})`);
        break;
      }
    }
    return {
      lastStep,
      result: { globalStep: lastStep, losses, evalLoss, evaluations, bestMetric: this.best.best, bestCheckpoint, stoppedEarly, outputDir: out },
      stats: (runtime) => this.stats({ losses, lastStep, runtime, samples, tokens, evalLoss, stoppedEarly }),
    };
  }

  private stats(r: { losses: Map<number, number>; lastStep: number; runtime: number; samples: number; tokens: number; evalLoss: number | null; stoppedEarly: boolean }) {
    const perEpoch = new Map<number, { sum: number; n: number }>();
    for (const [step, loss] of r.losses) {
      const e = Math.floor((step - 1) / this.plan.stepsPerEpoch) + 1;
      const acc = perEpoch.get(e) ?? { sum: 0, n: 0 };
      perEpoch.set(e, { sum: acc.sum + loss, n: acc.n + 1 });
    }
    const trainLosses = [...r.losses.values()];
    return {
      algorithm: this.algorithm.name,
      total_steps: r.lastStep,
      global_step: r.lastStep,
      num_epochs: r.lastStep / this.plan.stepsPerEpoch,
      num_train_samples: this.options.train.length,
      num_eval_samples: this.options.validation?.length ?? 0,
      train_runtime: r.runtime,
      train_samples_per_second: r.runtime > 0 ? r.samples / r.runtime : null,
      train_tokens_per_second: r.runtime > 0 ? r.tokens / r.runtime : null,
      train_loss: r.losses.get(r.lastStep) ?? null,
      best_train_loss: trainLosses.length > 0 ? Math.min(...trainLosses) : null,
      epoch_losses: [...perEpoch.values()].map((a) => a.sum / a.n), // mean step loss of epoch 1, 2, ...
      eval_loss: r.evalLoss,
      metric_for_best_model: this.best.metric,
      best_metric: this.best.best,
      stopped_early: r.stoppedEarly,
    };
  }

  /** The micro-batches of optimizer step `step` (1-based), in a fixed order per seed and epoch. */
  microBatchesOf(step: number): E[][] {
    const { microBatchesPerEpoch, stepsPerEpoch } = this.plan;
    const t = this.config;
    const epoch = Math.floor((step - 1) / stepsPerEpoch);
    const inEpoch = (step - 1) % stepsPerEpoch;
    const g = this.group;
    const order = distributedShard(shuffledIndices(this.options.train.length, t.seed + epoch), g?.rank ?? 0, g?.worldSize ?? 1);
    const batches: E[][] = [];
    const B = t.per_device_train_batch_size;
    for (let m = inEpoch * t.gradient_accumulation_steps; m < Math.min((inEpoch + 1) * t.gradient_accumulation_steps, microBatchesPerEpoch); m++) {
      batches.push(order.slice(m * B, (m + 1) * B).map((i) => this.options.train.at(i) as E));
    }
    return batches;
  }

  /**
   * One optimizer step: backward of each micro-batch's summed loss, grads / total units, clip,
   * update. Data-parallel, the last micro-batch's backward also sums the gradients across ranks
   * (DDP's no_sync before it) and the units are the whole step's across ranks, so ranks x batch B
   * takes the update one process with batch ranks x B does.
   */
  private step(step: number, microBatches: readonly E[][]): StepResult {
    let lossSum = 0;
    let units = 0;
    let tokens = 0;
    const sums: Record<string, number> = {};
    // Loss scaling multiplies the scale by the summed loss's units (tokens) and would overflow
    // float16 gradients: there each micro-batch's loss is first divided by the units of the step's
    // first micro-batch (one constant per step, so the sum stays exact), and the gradients below
    // by units / that constant.
    let perUnit = 0;
    // (Data-parallel, the constant is the largest first micro-batch's units of all ranks.)
    const scaled = (loss: Tensor, out: LossOutput): Tensor => {
      if (perUnit === 0) perUnit = Math.max(1, this.group === null ? out.numTokens : (this.group.allReduceNumbers([out.numTokens], 'max')[0] as number));
      return this.scaler.scale(loss.div(perUnit));
    };
    resetCpuMemoryPeak();
    for (const [m, batch] of microBatches.entries()) {
      if (m === microBatches.length - 1) this.gradSync?.arm();
      const r = this.memoryGuard.run(step, batch, () => {
        try {
          return backwardScoped(() => this.forward(batch), this.scaler.enabled ? scaled : undefined, this.checkpointing);
        } catch (err) {
          throw isIndexFault(err) ? dataFaultError(err, step, batch, modelLimits(this.algorithm.model)) : err;
        }
      });
      lossSum += r.loss;
      units += r.numTokens;
      tokens += r.tokens ?? r.numTokens;
      for (const [k, v] of Object.entries(r.metrics ?? {})) sums[k] = (sums[k] ?? 0) + v;
    }
    let samples = microBatches.reduce((n, b) => n + b.length, 0);
    if (this.group !== null) {
      this.gradSync?.finish();
      const keys = Object.keys(sums).sort();
      const global = this.group.allReduceNumbers([lossSum, units, tokens, samples, ...keys.map((k) => sums[k] as number)]);
      [lossSum, units, tokens, samples] = global as [number, number, number, number];
      keys.forEach((k, i) => (sums[k] = global[4 + i] as number));
    }
    if (units <= 0) throw new Error(`step ${step}: the batch has no tokens to train on`);
    const loss = lossSum / units;
    if (!Number.isFinite(loss)) throw new TrainingDivergedError(step, 'the loss', loss);
    const gradDivisor = perUnit === 0 ? units : units / perUnit;
    tidy(() => noGrad(() => {
      for (const p of this.params) p.grad?.mul_(1 / gradDivisor);
    }));
    const { lr, gradNorm, skipped } = applyUpdate(step, this.params, this.optimizer, this.scheduler, this.config.max_grad_norm, this.scaler);
    const averaged: Record<string, number> = {};
    for (const [k, v] of Object.entries(sums)) averaged[k] = v / units;
    const metrics = this.algorithm.summarize?.(averaged, { units }) ?? averaged;
    if (this.algorithm.gradNormMetric !== undefined) metrics[this.algorithm.gradNormMetric] = gradNorm;
    if (this.scaler.enabled) metrics.loss_scale = this.scaler.getScale();
    return { loss, lr, gradNorm, metrics, tokens, samples, skipped, peakBytes: cpuMemory().peak };
  }

  /** The algorithm's loss, under bfloat16 / float16 autocast when training.bf16 / training.fp16. */
  private forward(batch: readonly E[]): LossOutput {
    const cast = this.autocast;
    return cast === null ? this.algorithm.loss(batch) : autocast(() => this.algorithm.loss(batch), cast);
  }

  /**
   * Evaluates on the whole validation set (no grad, eval mode) with the training loss itself:
   * eval/loss is token-weighted like training, and every metric the loss reports is averaged
   * over the same units as eval/<name>, so train and eval numbers compare directly.
   */
  evaluate(step: number, metrics?: MetricsLogger, log?: TrainingLog): Record<string, number> {
    const all = this.options.validation ?? [];
    // Data-parallel, rank r evaluates records r, r + world, ... and the sums are all-reduced.
    const g = this.group;
    const validation = g === null ? all : all.filter((_, i) => i % g.worldSize === g.rank);
    const B = this.config.per_device_eval_batch_size;
    let sum = 0;
    let units = 0;
    const sums: Record<string, number> = {};
    this.algorithm.model.eval();
    try {
      for (let i = 0; i < validation.length; i += B) {
        const batch = validation.slice(i, i + B);
        const r = tidy(() => noGrad(() => {
          const out = this.forward(batch);
          return { loss: out.loss.item(), numTokens: out.numTokens, metrics: out.metrics ?? {} };
        }));
        sum += r.loss;
        units += r.numTokens;
        for (const [k, v] of Object.entries(r.metrics)) sums[k] = (sums[k] ?? 0) + v;
      }
    } finally {
      this.algorithm.model.train();
    }
    if (g !== null) {
      const keys = Object.keys(sums).sort();
      const global = g.allReduceNumbers([sum, units, ...keys.map((k) => sums[k] as number)]);
      [sum, units] = global as [number, number];
      keys.forEach((k, i) => (sums[k] = global[2 + i] as number));
    }
    const evalLoss = units > 0 ? sum / units : NaN;
    const extra: Record<string, number> = { 'eval/loss': evalLoss };
    const averaged: Record<string, number> = {};
    for (const [k, v] of Object.entries(sums)) averaged[k] = v / units;
    for (const [k, v] of Object.entries(this.algorithm.summarize?.(averaged, { units }) ?? averaged)) extra[`eval/${k}`] = v;
    for (const [k, v] of Object.entries(this.algorithm.evalMetrics?.(evalLoss) ?? {})) extra[`eval/${k}`] = v;
    metrics?.log({ step, metrics: extra });
    log?.info(`step ${step}: ${Object.entries(extra).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(' ')}`);
    return extra;
  }

  /** trainer_state.json of checkpoint-<step>: best metric, early-stopping count and where the data order stood. */
  private trainerState(step: number, epoch: number): TrainerStateInput {
    const inEpoch = (step - 1) % this.plan.stepsPerEpoch;
    return {
      globalStep: step,
      epoch,
      bestMetric: this.best.best,
      evalsSinceImprovement: this.best.sinceImprovement,
      dataPosition: { epoch: Math.floor((step - 1) / this.plan.stepsPerEpoch), batchIndex: (inEpoch + 1) * this.config.gradient_accumulation_steps, seed: this.config.seed },
    };
  }
}
