/**
 * Applies a Schedule to an optimizer's groups: lr = baseLr · schedule(step), as PyTorch's
 * LambdaLR (which transformers' schedules return). Construction applies step 0, so a warmup
 * schedule starts at lr 0; call step() after each optimizer.step().
 *
 * ```ts
 * const scheduler = new LrScheduler(opt, cosineWithWarmup({ warmupSteps: 100, totalSteps: 1000 }));
 * for (...) { opt.step(); scheduler.step(); }
 * ```
 */
import type { OptimizerLike } from './optimizer.js';
import type { Schedule } from './schedules.js';

export interface LrSchedulerStateDict {
  /** Steps taken; the groups' lr is baseLrs[i] · schedule(lastStep). */
  lastStep: number;
  /** Each group's lr when the scheduler was made. */
  baseLrs: number[];
}

export class LrScheduler {
  private readonly optimizer: OptimizerLike;
  private readonly schedules: readonly Schedule[];
  private baseLrs: number[];
  private step_ = 0;
  private lastLrs: number[] = [];

  /** One schedule for all groups, or one per group. Base lrs are the groups' current lr. */
  constructor(optimizer: OptimizerLike, schedule: Schedule | readonly Schedule[]) {
    const groups = optimizer.paramGroups.length;
    const schedules = typeof schedule === 'function' ? Array<Schedule>(groups).fill(schedule) : [...schedule];
    if (schedules.length !== groups) {
      throw new RangeError(`LrScheduler: ${schedules.length} schedules for ${groups} param groups`);
    }
    this.optimizer = optimizer;
    this.schedules = schedules;
    this.baseLrs = optimizer.paramGroups.map((g) => g.lr);
    this.apply();
  }

  /** Advances one step and sets each group's lr. */
  step(): void {
    this.step_ += 1;
    this.apply();
  }

  /** Steps taken so far (0 right after construction). */
  get lastStep(): number {
    return this.step_;
  }

  /** The lr this scheduler last set on each group. */
  getLastLr(): number[] {
    return [...this.lastLrs];
  }

  stateDict(): LrSchedulerStateDict {
    return { lastStep: this.step_, baseLrs: [...this.baseLrs] };
  }

  /** Restores a stateDict() and sets the groups' lr for that step. */
  loadStateDict(dict: LrSchedulerStateDict): void {
    if (!Number.isInteger(dict.lastStep) || dict.lastStep < 0) throw new RangeError(`LrScheduler.loadStateDict: lastStep (${dict.lastStep}) must be a non-negative integer`);
    if (dict.baseLrs.length !== this.baseLrs.length) {
      throw new RangeError(`LrScheduler.loadStateDict: ${dict.baseLrs.length} base lrs in the state dict, ${this.baseLrs.length} param groups`);
    }
    this.step_ = dict.lastStep;
    this.baseLrs = [...dict.baseLrs];
    this.apply();
  }

  private apply(): void {
    this.lastLrs = this.baseLrs.map((base, i) => base * (this.schedules[i] as Schedule)(this.step_));
    this.optimizer.paramGroups.forEach((group, i) => (group.lr = this.lastLrs[i] as number));
  }
}
