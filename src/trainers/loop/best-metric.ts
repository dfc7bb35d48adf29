/**
 * Tracks the eval metric that ranks checkpoints (`metric_for_best_model`) and counts
 * evaluations without improvement for early stopping, as transformers' EarlyStoppingCallback.
 */
import type { TrainingConfig } from '../../config/index.js';

export interface BestMetricState {
  best: number | null;
  /** Evaluations since the last improvement. */
  sinceImprovement: number;
}

export class BestMetricTracker {
  readonly metric: string;
  readonly greaterIsBetter: boolean;
  readonly patience: number;
  readonly threshold: number;
  best: number | null = null;
  sinceImprovement = 0;

  constructor(t: Pick<TrainingConfig, 'metric_for_best_model' | 'greater_is_better' | 'early_stopping_patience' | 'early_stopping_threshold'>) {
    // As transformers: a bare name means its eval/ scalar.
    this.metric = t.metric_for_best_model.startsWith('eval/') ? t.metric_for_best_model : `eval/${t.metric_for_best_model}`;
    this.greaterIsBetter = t.greater_is_better ?? !this.metric.endsWith('loss');
    this.patience = t.early_stopping_patience;
    this.threshold = t.early_stopping_threshold;
  }

  restore(state: BestMetricState): void {
    this.best = state.best;
    this.sinceImprovement = state.sinceImprovement;
  }

  /** Reads the tracked metric from one evaluation; true when it beats the best by more than the threshold. */
  update(evalMetrics: Record<string, number>): boolean {
    const value = evalMetrics[this.metric];
    if (value === undefined) {
      throw new Error(`training.metric_for_best_model: ${this.metric} is not among the eval metrics (${Object.keys(evalMetrics).join(', ')})`);
    }
    const improved = Number.isFinite(value) && (this.best === null || (this.greaterIsBetter ? value - this.best > this.threshold : this.best - value > this.threshold));
    if (improved) {
      this.best = value;
      this.sinceImprovement = 0;
    } else {
      this.sinceImprovement += 1;
    }
    return improved;
  }

  /** True once `patience` evaluations in a row brought no improvement (never when patience is 0). */
  get shouldStop(): boolean {
    return this.patience > 0 && this.sinceImprovement >= this.patience;
  }
}
