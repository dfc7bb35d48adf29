/** Thrown when a checkpoint directory is incomplete or corrupted; the message names the directory and what is wrong. */
export class CheckpointError extends Error {
  /** The checkpoint directory. */
  readonly dir: string;
  /** Each problem found, e.g. `missing trainer_state.json`. */
  readonly problems: readonly string[];

  constructor(dir: string, problems: readonly string[], hint = '') {
    super(`checkpoint ${dir} is incomplete or corrupted: ${problems.join('; ')}${hint === '' ? '' : ` (${hint})`}`);
    this.name = 'CheckpointError';
    this.dir = dir;
    this.problems = problems;
  }
}
