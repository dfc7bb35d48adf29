/**
 * The online-RL loop: each iteration rolls out a batch of prompts with the current policy,
 * scores it, then takes the algorithm's optimizer steps on it. Logging, checkpoints (at
 * iteration ends), exact resume, divergence checks and the progress bar work as in the
 * offline Trainer. A step is one optimizer step.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { TrainingConfig } from '../../config/index.js';
import { shuffledIndices } from '../../data/index.js';
import { MetricsLogger, TrainingLog, TrainingProgress, writeTrainingStats, type TrainingProgressOptions } from '../../monitor/index.js';
import type { LoraOptions } from '../../nn/index.js';
import { AdamW, LrScheduler, makeSchedule } from '../../optim/index.js';
import { applyUpdate, backwardScoped } from '../loop/update.js';
import { rngDevicesOf } from '../loop/device.js';
import { dispose, manualSeed, type Tensor } from '../../tensor/index.js';
import { copyTokenizerFiles } from '../../tokenizers/index.js';
import { CheckpointManager, loadTrainingState, saveTrainingState } from '../checkpoint/index.js';
import { loadAlgorithmState, saveAlgorithmState } from '../loop/algorithm-state.js';
import { loadTrainedModel, saveTrainedModel } from '../loop/model-io.js';
import { scheduleConfig, warmupStepsOf } from '../loop/schedule.js';
import { TrainingDivergedError, type Algorithm } from '../loop/types.js';
import { isMainProcess } from '../loop/world.js';
import type { OnlineAlgorithm, OnlinePrompt, RolloutBuffer } from './types.js';

export interface OnlineTrainerOptions {
  training: TrainingConfig;
  prompts: readonly OnlinePrompt[];
  lora?: LoraOptions | null;
  tokenizerDir?: string;
  progress?: TrainingProgressOptions;
  echo?: boolean;
  /** Called after every optimizer step with its logged row (callbacks, benchmarks). */
  onStep?: (step: number, row: Readonly<Record<string, number>>) => void;
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
  private readonly main = isMainProcess();

  constructor(readonly algorithm: OnlineAlgorithm<B>, private readonly options: OnlineTrainerOptions) {
    const t = options.training;
    if (t.bf16 || t.fp16) {
      // Rollout log-probs and the update's forward must see the same precision for the importance
      // ratio to start at 1; until both run under autocast, refuse rather than ignore the flag.
      throw new Error(`${algorithm.name}: training.${t.bf16 ? 'bf16' : 'fp16'} is not supported by the online trainers yet; set it to false (mixed precision works for sft, reward, dpo, prm and critic)`);
    }
    this.iterationsPerEpoch = Math.floor(options.prompts.length / algorithm.promptsPerIteration);
    if (this.iterationsPerEpoch === 0) {
      throw new Error(`${algorithm.name}: ${options.prompts.length} prompts, but one iteration takes ${algorithm.promptsPerIteration}; add prompts or lower the batch size`);
    }
    this.totalSteps = t.max_steps > 0 ? t.max_steps : this.iterationsPerEpoch * t.num_epochs * algorithm.updatesPerIteration;
    this.params = [algorithm.policy, ...Object.values(algorithm.companions ?? {})].flatMap((m) => m.trainableParameters());
    this.optimizer = new AdamW(this.params, { lr: t.learning_rate, weightDecay: t.weight_decay });
    this.scheduler = new LrScheduler(this.optimizer, makeSchedule(scheduleConfig(t.lr_scheduler_type, warmupStepsOf(t, this.totalSteps), this.totalSteps)));
  }

  /** The prompts of iteration `it` (0-based): epoch e walks shuffledIndices(n, seed + e). */
  promptsOf(it: number): OnlinePrompt[] {
    const n = this.algorithm.promptsPerIteration;
    const epoch = Math.floor(it / this.iterationsPerEpoch);
    const order = shuffledIndices(this.options.prompts.length, this.options.training.seed + epoch);
    const start = (it % this.iterationsPerEpoch) * n;
    return order.slice(start, start + n).map((i) => this.options.prompts[i] as OnlinePrompt);
  }

  async train(run: { resume?: string | null } = {}): Promise<OnlineTrainResult> {
    const t = this.options.training;
    const out = t.output_dir;
    const U = this.algorithm.updatesPerIteration;
    if (this.main) mkdirSync(out, { recursive: true });
    const checkpoints = new CheckpointManager(out, { keepLast: t.save_total_limit });
    const log = new TrainingLog(out, { echo: this.options.echo ?? false });
    manualSeed(t.seed);
    let step = 0;
    const resume = run.resume ?? t.resume_from_checkpoint;
    if (resume !== null && resume !== undefined) {
      const { dir, state } = checkpoints.resolveResume(resume);
      loadTrainedModel(this.algorithm.policy, dir);
      for (const [name, m] of Object.entries(this.algorithm.companions ?? {})) loadTrainedModel(m, join(dir, name));
      loadTrainingState(dir, { optimizer: this.optimizer, scheduler: this.scheduler });
      loadAlgorithmState(dir, this.algorithm as unknown as Algorithm<unknown>);
      step = state.globalStep;
      log.info(`resumed from ${dir} at step ${step}`);
    }
    const metrics = this.main ? new MetricsLogger(out, { resumeStep: step }) : undefined;
    const progress = new TrainingProgress(this.totalSteps, { startStep: step, ...this.options.progress, ...(this.main ? {} : { stream: new PassThrough(), tty: false }) });
    const history = new Map<number, Record<string, number>>();
    const started = Date.now();
    let samples = 0;
    log.info(`${this.algorithm.name}: ${this.options.prompts.length} prompts, ${this.algorithm.promptsPerIteration} per iteration, ${U} updates each, ${this.totalSteps} steps`);
    this.algorithm.policy.train();
    try {
      for (let it = Math.floor(step / U); step < this.totalSteps; it++) {
        const buffer = await this.algorithm.collect(this.promptsOf(it), it);
        samples += this.algorithm.promptsPerIteration;
        try {
          for (let u = 0; u < U && step < this.totalSteps; u++) {
            step += 1;
            const row = { ...buffer.metrics, ...this.update(step, buffer, u) };
            history.set(step, row);
            this.options.onStep?.(step, row);
            if (step === 1 || step % t.logging_steps === 0 || step === this.totalSteps) {
              const { loss, lr, grad_norm: gradNorm, ...rest } = row;
              metrics?.log({ step, epoch: step / (this.iterationsPerEpoch * U), loss, lr, gradNorm, metrics: rest });
              log.info(`step ${step}: loss ${loss?.toFixed(4)} reward ${row['reward']?.toFixed(4) ?? '-'} lr ${lr?.toExponential(2)} grad_norm ${gradNorm?.toFixed(3)}`);
            }
            progress.update(step, { loss: row['loss'] ?? NaN, lr: row['lr'] ?? 0, samples: u === 0 ? this.algorithm.promptsPerIteration : 0 });
          }
          this.algorithm.afterIteration?.(buffer);
        } finally {
          dispose(buffer);
        }
        // Checkpoints fall on iteration ends, so a resumed run starts a fresh rollout exactly where this one would.
        const crossedSave = Math.floor(step / t.save_steps) > Math.floor((step - U) / t.save_steps);
        if (crossedSave || step >= this.totalSteps) this.save(checkpoints, step);
      }
      if (this.main) this.saveModels(out);
      const runtime = (Date.now() - started) / 1000;
      const last = history.get(step) ?? {};
      if (this.main) {
        writeTrainingStats(out, {
          algorithm: this.algorithm.name,
          total_steps: step,
          global_step: step,
          train_runtime: runtime,
          prompts_per_second: runtime > 0 ? samples / runtime : null,
          final_reward: last['reward'] ?? null,
          train_loss: last['loss'] ?? null,
        });
      }
      log.info(`done: ${step} steps, final model in ${out}`);
      return { globalStep: step, history, outputDir: out };
    } catch (err) {
      log.error((err as Error).message);
      throw err;
    } finally {
      progress.stop();
      metrics?.close();
    }
  }

  /** One optimizer step over the update's micro-batches. */
  private update(step: number, buffer: B, u: number): Record<string, number> {
    let loss = 0;
    const sums: Record<string, number> = {};
    const M = this.algorithm.microBatchesPerUpdate;
    for (let m = 0; m < M; m++) {
      const r = backwardScoped(() => this.algorithm.loss(buffer, u, m));
      loss += r.loss;
      for (const [k, v] of Object.entries(r.metrics)) sums[k] = (sums[k] ?? 0) + v / M;
    }
    if (!Number.isFinite(loss)) throw new TrainingDivergedError(step, 'the loss', loss);
    const { lr, gradNorm } = applyUpdate(step, this.params, this.optimizer, this.scheduler, this.options.training.max_grad_norm);
    return { loss, lr, grad_norm: gradNorm, ...sums };
  }

  private saveModels(dir: string): void {
    saveTrainedModel(this.algorithm.policy, dir, this.options.lora ?? null, this.algorithm.baseModelName);
    if (this.options.tokenizerDir !== undefined) copyTokenizerFiles(this.options.tokenizerDir, dir);
    for (const [name, m] of Object.entries(this.algorithm.companions ?? {})) saveTrainedModel(m, join(dir, name), null);
  }

  private save(checkpoints: CheckpointManager, step: number): void {
    if (!this.main) return;
    checkpoints.save(step, (tmp) => {
      this.saveModels(tmp);
      saveTrainingState(tmp, { optimizer: this.optimizer, scheduler: this.scheduler, rngDevices: rngDevicesOf(this.algorithm.policy.device) });
      saveAlgorithmState(tmp, this.algorithm as unknown as Algorithm<unknown>);
    }, { globalStep: step, epoch: step / (this.iterationsPerEpoch * this.algorithm.updatesPerIteration) });
  }
}
