/**
 * The online-RL loop: each iteration rolls out a batch of prompts with the current policy,
 * scores it, then takes the algorithm's optimizer steps on it. A step is one optimizer step.
 * Around the loop, runSession (shared with the offline Trainer) locks the output dir, resumes,
 * logs, draws the progress bar and saves; checkpoints fall at iteration ends.
 */
import { currentGroup, type GradientSync, type ProcessGroup } from '../../distributed/index.js';
import type { DistributedConfig } from '../../config/index.js';
import { setUpTraining } from '../loop/data-parallel.js';
import { rolloutWorld, type RolloutWorld } from './world.js';
import type { TrainingConfig } from '../../config/index.js';
import { shuffledIndices } from '../../data/index.js';
import type { TrainingProgressOptions } from '../../monitor/index.js';
import type { LoraOptions } from '../../nn/index.js';
import { AdamW, LrScheduler, makeSchedule } from '../../optim/index.js';
import { applyUpdate, backwardScoped } from '../loop/update.js';
import { autocastOf, rngDevicesOf } from '../loop/device.js';
import { autocast, cpuMemory, dispose, noGrad, resetCpuMemoryPeak, tidy, type Tensor } from '../../tensor/index.js';
import { runSession, type LoopEnd, type RunContext, type RunLogging } from '../loop/run-session.js';
import { scheduleConfig, warmupStepsOf } from '../loop/schedule.js';
import { TrainingDivergedError } from '../loop/types.js';
import type { InPrecision, OnlineAlgorithm, OnlinePrompt, RolloutBuffer } from './types.js';
import { dataFaultError, isIndexFault, modelLimits } from '../loop/data-fault.js';
import { gib, longestExamples, MemoryGuard, parseMemorySize, ROLLOUT, UPDATE_MICRO_BATCH } from '../loop/out-of-memory.js';

export interface OnlineTrainerOptions {
  training: TrainingConfig;
  prompts: readonly OnlinePrompt[];
  lora?: LoraOptions | null;
  tokenizerDir?: string;
  progress?: TrainingProgressOptions;
  echo?: boolean;
  /** logging.level, log_dir and tensorboard (default: the schema's defaults). */
  logging?: RunLogging;
  /** Called after every optimizer step with its logged row (callbacks, benchmarks). */
  onStep?: (step: number, row: Readonly<Record<string, number>>) => void;
  /** The data-parallel group (default: this process's, currentGroup()); null trains alone. */
  group?: ProcessGroup | null;
  /** distributed: bucket size and unused-parameter handling (default: the schema's defaults). */
  distributed?: DistributedConfig;
}

/** What runGrpo / runPpo take besides the config. */
export interface OnlineRunOptions extends Pick<OnlineTrainerOptions, 'progress' | 'echo' | 'onStep'> {
  resume?: string | null;
}

export interface OnlineTrainResult {
  globalStep: number;
  /** Every logged row of this process, by step (loss, rollout and update metrics). */
  history: Map<number, Record<string, number>>;
  outputDir: string;
}

export class OnlineTrainer<B extends RolloutBuffer> {
  readonly totalSteps: number;
  readonly iterationsPerEpoch: number;
  private readonly params: Tensor[];
  private readonly optimizer: AdamW;
  private readonly scheduler: LrScheduler;
  /** training.bf16's autocast around every rollout and update forward (identity in float32). */
  private readonly inPrecision: InPrecision;
  private readonly precision: string;
  private readonly group: ProcessGroup | null;
  private readonly world: RolloutWorld;
  private readonly gradSync: GradientSync | null;
  /** Allocation failures and training.max_memory as OutOfMemoryError, in rollouts and updates. */
  private readonly memoryGuard: MemoryGuard;

  constructor(readonly algorithm: OnlineAlgorithm<B>, private readonly options: OnlineTrainerOptions) {
    const t = options.training;
    if (t.fp16) {
      // float16 needs loss scaling, which the online loop does not do; bf16 needs none.
      throw new Error(`${algorithm.name}: training.fp16 is not supported by the online trainers; use training.bf16 (mixed precision without loss scaling)`);
    }
    this.group = options.group === undefined ? currentGroup() : options.group;
    this.world = rolloutWorld(this.group);
    const cast = autocastOf(t, algorithm.policy.device);
    this.inPrecision = cast === null ? (fn) => fn() : (fn) => autocast(fn, cast);
    this.precision = cast === null ? 'float32' : `${cast.dtype} autocast`;
    // Each rank rolls out promptsPerIteration prompts of its own per iteration.
    const perIteration = algorithm.promptsPerIteration * this.world.worldSize;
    this.iterationsPerEpoch = Math.floor(options.prompts.length / perIteration);
    if (this.iterationsPerEpoch === 0) {
      const ranks = this.world.worldSize > 1 ? ` (${algorithm.promptsPerIteration} on each of ${this.world.worldSize} ranks)` : '';
      throw new Error(`${algorithm.name}: ${options.prompts.length} prompts, but one iteration takes ${perIteration}${ranks}; add prompts or lower the batch size`);
    }
    this.totalSteps = t.max_steps > 0 ? t.max_steps : this.iterationsPerEpoch * t.num_epochs * algorithm.updatesPerIteration;
    this.params = [algorithm.policy, ...Object.values(algorithm.companions ?? {})].flatMap((m) => m.trainableParameters());
    const weights = [algorithm.policy, ...Object.values(algorithm.companions ?? {})].flatMap((m) => m.parameters());
    ({ optimizer: this.optimizer, gradSync: this.gradSync } = setUpTraining(this.group, weights, this.params, t, options.distributed));
    this.scheduler = new LrScheduler(this.optimizer, makeSchedule(scheduleConfig(t.lr_scheduler_type, warmupStepsOf(t, this.totalSteps), this.totalSteps)));
    this.memoryGuard = new MemoryGuard(t.max_memory === null ? null : parseMemorySize(t.max_memory), longestExamples(options.prompts));
  }

  /**
   * This rank's prompts of iteration `it` (0-based): epoch e walks shuffledIndices(n, seed + e),
   * each iteration takes the next promptsPerIteration x ranks, rank r the r-th share of them.
   */
  promptsOf(it: number): OnlinePrompt[] {
    const n = this.algorithm.promptsPerIteration;
    const epoch = Math.floor(it / this.iterationsPerEpoch);
    const order = shuffledIndices(this.options.prompts.length, this.options.training.seed + epoch);
    const start = ((it % this.iterationsPerEpoch) * this.world.worldSize + this.world.rank) * n;
    return order.slice(start, start + n).map((i) => this.options.prompts[i] as OnlinePrompt);
  }

  train(run: { resume?: string | null } = {}): Promise<OnlineTrainResult> {
    const a = this.algorithm;
    return runSession({
      training: this.options.training,
      ...(this.options.logging === undefined ? {} : { logging: this.options.logging }),
      totalSteps: this.totalSteps,
      resume: run.resume ?? null,
      contents: {
        model: { module: a.policy, lora: this.options.lora ?? null, ...(a.baseModelName === undefined ? {} : { baseModelName: a.baseModelName }) },
        ...(a.companions === undefined ? {} : { companions: a.companions }),
        ...(this.options.tokenizerDir === undefined ? {} : { tokenizerDir: this.options.tokenizerDir }),
        optimizer: this.optimizer,
        scheduler: this.scheduler,
        rngDevices: rngDevicesOf(a.policy.device),
        algorithm: a,
      },
      startLine: `${a.name}: ${this.options.prompts.length} prompts, ${a.promptsPerIteration * this.world.worldSize} per iteration, ${a.updatesPerIteration} updates each, ${this.totalSteps} steps, ${this.precision}${this.group === null ? '' : `, ${this.group.worldSize} data-parallel ranks`}`,
      group: this.group,
      ...(this.options.progress === undefined ? {} : { progress: this.options.progress }),
      ...(this.options.echo === undefined ? {} : { echo: this.options.echo }),
    }, (session) => this.loop(session));
  }

  /** The online step loop: roll out, score, then the algorithm's optimizer steps; checkpoints at iteration ends. */
  private async loop(run: RunContext): Promise<LoopEnd<OnlineTrainResult>> {
    const t = this.options.training;
    const U = this.algorithm.updatesPerIteration;
    const { log, metrics, progress } = run;
    let step = run.startStep;
    const history = new Map<number, Record<string, number>>();
    let samples = 0;
    const epochOf = (s: number) => s / (this.iterationsPerEpoch * U);
    const rewardKey = this.algorithm.rewardMetric ?? 'reward';
    for (let it = Math.floor(step / U); step < this.totalSteps; it++) {
      this.group?.heartbeat(step);
      const prompts = this.promptsOf(it);
      resetCpuMemoryPeak();
      const rollout = { count: prompts.length, longestTokens: longestExamples(prompts, 1)[0] ?? null, label: ROLLOUT };
      const buffer = await this.memoryGuard.runAsync(step + 1, rollout, () => this.algorithm.collect(prompts, it, this.inPrecision, this.world, Math.floor(it / this.iterationsPerEpoch))).catch((err: unknown) => {
        throw isIndexFault(err) ? dataFaultError(err, step + 1, prompts, modelLimits(this.algorithm.policy)) : err;
      });
      samples += this.algorithm.promptsPerIteration * this.world.worldSize;
      try {
        for (let u = 0; u < U && step < this.totalSteps; u++) {
          step += 1;
          const row = { ...buffer.metrics, ...this.update(step, buffer, u) };
          if (step === run.startStep + 1) log.info(`step ${step}: peak CPU tensor memory ${gib(cpuMemory().peak)} (rollout and update)`);
          history.set(step, row);
          this.options.onStep?.(step, row);
          if (step === 1 || step % t.logging_steps === 0 || step === this.totalSteps) {
            const { loss, lr, grad_norm: gradNorm, ...rest } = row;
            metrics?.log({ step, epoch: epochOf(step), loss, lr, gradNorm, metrics: rest });
            log.info(`step ${step}: loss ${loss?.toFixed(4)} reward ${row[rewardKey]?.toFixed(4) ?? '-'} lr ${lr?.toExponential(2)} grad_norm ${gradNorm?.toFixed(3)}`);
          }
          progress.update(step, { loss: row['loss'] ?? NaN, lr: row['lr'] ?? 0, samples: u === 0 ? this.algorithm.promptsPerIteration * this.world.worldSize : 0 });
        }
        this.algorithm.afterIteration?.(buffer);
      } finally {
        dispose(buffer);
      }
      // Checkpoints fall on iteration ends, so a resumed run starts a fresh rollout exactly where this one would.
      const crossedSave = Math.floor(step / t.save_steps) > Math.floor((step - U) / t.save_steps);
      if (crossedSave || step >= this.totalSteps) run.saveCheckpoint(step, { globalStep: step, epoch: epochOf(step) });
    }
    const last = history.get(step) ?? {};
    return {
      lastStep: step,
      result: { globalStep: step, history, outputDir: t.output_dir },
      stats: (runtime) => ({
        algorithm: this.algorithm.name,
        total_steps: step,
        global_step: step,
        train_runtime: runtime,
        prompts_per_second: runtime > 0 ? samples / runtime : null,
        final_reward: last[rewardKey] ?? null,
        train_loss: last['loss'] ?? null,
      }),
    };
  }

  /** One optimizer step over the update's micro-batches. */
  private update(step: number, buffer: B, u: number): Record<string, number> {
    let loss = 0;
    const sums: Record<string, number> = {};
    const M = this.algorithm.microBatchesPerUpdate;
    for (let m = 0; m < M; m++) {
      if (m === M - 1) this.gradSync?.arm();
      const micro = { count: this.options.training.per_device_train_batch_size as number, longestTokens: null, label: UPDATE_MICRO_BATCH };
      const r = this.memoryGuard.run(step, micro, () => backwardScoped(() => this.inPrecision(() => this.algorithm.loss(buffer, u, m)), undefined, this.options.training.gradient_checkpointing ? { precision: this.inPrecision } : null));
      loss += r.loss;
      for (const [k, v] of Object.entries(r.metrics)) sums[k] = (sums[k] ?? 0) + v / M;
    }
    if (this.group !== null) {
      // As DDP: the gradients are averaged over ranks (each rank's loss is a mean over its own
      // rows), and so are the loss and the update metrics rank 0 logs.
      this.gradSync?.finish();
      const W = this.group.worldSize;
      tidy(() => noGrad(() => {
        for (const p of this.params) p.grad?.div_(W);
      }));
      const keys = Object.keys(sums).sort();
      const global = this.group.allReduceNumbers([loss, ...keys.map((k) => sums[k] as number)]).map((v) => v / W);
      loss = global[0] as number;
      keys.forEach((k, i) => (sums[k] = global[1 + i] as number));
    }
    if (!Number.isFinite(loss)) throw new TrainingDivergedError(step, 'the loss', loss);
    const { lr, gradNorm } = applyUpdate(step, this.params, this.optimizer, this.scheduler, this.options.training.max_grad_norm);
    return { loss, lr, grad_norm: gradNorm, ...sums };
  }
}
