/**
 * This process's place among data-parallel workers, read from the launcher's environment
 * (RANK / WORLD_SIZE as torchrun sets them). Data-parallel training is not implemented yet, so
 * a launch of several workers is refused: each would silently train its own full copy.
 */
export interface WorldInfo {
  rank: number;
  worldSize: number;
}

export function worldInfo(env: NodeJS.ProcessEnv = process.env): WorldInfo {
  const rank = Number(env['RANK'] ?? 0);
  const worldSize = Number(env['WORLD_SIZE'] ?? 1);
  if (!Number.isInteger(rank) || rank < 0) throw new Error(`RANK=${env['RANK']} must be a non-negative integer`);
  if (!Number.isInteger(worldSize) || worldSize < 1 || rank >= worldSize) throw new Error(`WORLD_SIZE=${env['WORLD_SIZE']} must be an integer above RANK=${rank}`);
  if (worldSize > 1) {
    throw new Error(
      `WORLD_SIZE=${worldSize} (RANK=${rank}): this process was launched as one of ${worldSize} data-parallel workers (torchrun, accelerate or mpirun set WORLD_SIZE), ` +
        'but data-parallel training is not implemented in rlhf-ts yet and each worker would train its own full copy; ' +
        'run one process instead: unset WORLD_SIZE and RANK and start `rlhf train --config FILE` directly',
    );
  }
  return { rank, worldSize };
}

export function isMainProcess(env: NodeJS.ProcessEnv = process.env): boolean {
  return worldInfo(env).rank === 0;
}
